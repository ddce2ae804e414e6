import { describe, expect, it } from 'vitest';
import { createRandom, NoisyExpert, scriptFromStepActions, seedFrom } from '@/lib/core/rollouts/noisy-expert';
import type { ExpertAction } from '@/lib/core/rollouts/state-api-app';
import type { ObservedElement } from '@/lib/core/types';

const el = (id: string, role: string, name: string): ObservedElement => ({ id, role, name, box: null });
const page = [el('0', 'link', 'Home'), el('1', 'textbox', 'Search products'), el('2', 'button', 'Search')];
const script: ExpertAction[] = [
  { type: 'type', role: 'textbox', name: 'Search products', text: 'tent' },
  { type: 'click', role: 'button', name: 'Search' },
  { type: 'answer', answer: '$129.00' },
];

describe('NoisyExpert', () => {
  it('replays the script exactly with noise 0, then says it is done', () => {
    const expert = new NoisyExpert(script, 0, 1);
    const actions = [1, 2, 3, 4].map(() => expert.next(page, []).action);
    expect(actions.map((a) => [a.type, a.elementId ?? null, a.text ?? a.answer ?? null])).toEqual([
      ['type', '1', 'tent'],
      ['click', '2', null],
      ['answer', null, '$129.00'],
      ['status', null, null],
    ]);
    expect(actions[0]).toMatchObject({
      elementRole: 'textbox',
      elementName: 'Search products',
      raw: 'Type [1]; tent',
    });
  });

  it('scrolls toward a target outside the viewport, goes back after a deviation lost it, gives up otherwise', () => {
    const expert = new NoisyExpert([{ type: 'click', role: 'button', name: 'Checkout' }], 0, 1);
    expect(expert.next(page, [{ role: 'button', name: 'Checkout', direction: 'down' }]).action).toMatchObject(
      {
        type: 'scroll',
        direction: 'down',
      },
    );
    expect(expert.next(page, []).action).toMatchObject({ type: 'status', status: 'infeasible' });
  });

  it('deviates at about the set rate, never advancing the script on a deviation, reproducibly per seed', () => {
    const run = (seed: number) => {
      const expert = new NoisyExpert(script, 0.3, seed);
      const out = [];
      for (let i = 0; i < 20; i++) {
        const d = expert.next(page, []);
        out.push(d);
        if (d.action.type === 'answer' || d.action.type === 'status') break;
      }
      return out;
    };
    expect(run(7)).toEqual(run(7));
    let deviations = 0;
    let decisions = 0;
    for (let seed = 0; seed < 300; seed++) {
      const steps = run(seed);
      decisions += steps.length;
      deviations += steps.filter((s) => s.deviated).length;
      const last = steps.at(-1)!;
      expect(last.action.type).toBe('answer');
      if (!last.deviated) expect(last.action.answer).toBe('$129.00');
      else expect(last.action.answer).not.toBe('$129.00');
    }
    expect(deviations / decisions).toBeGreaterThan(0.2);
    expect(deviations / decisions).toBeLessThan(0.4);
  });

  it('rejects a noise outside [0, 1]', () => {
    expect(() => new NoisyExpert(script, 1.5, 1)).toThrow(RangeError);
  });
});

describe('scriptFromStepActions', () => {
  it('turns recorded actions back into a script, dropping what cannot be replayed', () => {
    expect(
      scriptFromStepActions([
        { type: 'click', elementId: '3', elementRole: 'link', elementName: 'Tents', raw: 'Click [3]' },
        { type: 'wait', raw: 'Wait' },
        {
          type: 'type',
          elementId: '1',
          elementRole: 'textbox',
          elementName: 'Qty',
          text: '2',
          raw: 'Type [1]; 2',
        },
        { type: 'click', elementId: '9', raw: 'Click [9]' },
        { type: 'status', status: 'complete', raw: 'DONE' },
      ]),
    ).toEqual([
      { type: 'click', role: 'link', name: 'Tents' },
      { type: 'type', role: 'textbox', name: 'Qty', text: '2' },
    ]);
  });
});

describe('seeded randomness', () => {
  it('is deterministic and spread over [0, 1)', () => {
    const a = createRandom(seedFrom(1, 'task', 0));
    const b = createRandom(seedFrom(1, 'task', 0));
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(seedFrom(1, 'task', 0)).not.toBe(seedFrom(1, 'task', 1));
  });
});
