/**
 * The `noisy-expert` policy, the offline default for sampling rollouts: it replays a task's expert
 * demonstration, and before each scripted action deviates with probability `noise` to another
 * visible element. Deviations make the rollouts CORE needs: some still reach the goal by another
 * path (Fully / Partially Passed), some change the state for good or answer wrongly (Failed).
 *
 * Rules, step by step (the script pointer advances only when a scripted action is taken):
 * 1. Past the end of the script → `status: complete` (the episode ends).
 * 2. Roll the noise (a seeded PRNG, so a rollout is reproducible from its seed):
 *    - on a scripted `answer`: answer with a corrupted text (the expert "misreads"), ending the episode;
 *    - otherwise: click a random visible element other than the scripted target (or, for a text
 *      field, type a random word into it). The pointer stays.
 * 3. Element actions find their target by exact `role` + `name` (and `nth`) in the viewport's
 *    element list; a target that lies outside the viewport is scrolled toward first. A target that
 *    is nowhere after a deviation → `go_back` (one recovery); nowhere otherwise →
 *    `status: infeasible` (the expert is lost; the episode ends).
 *
 * With `noise = 0` it is an exact replay, which is how expert demos of State-API apps are recorded.
 */
import type { ExpertAction } from '@/lib/core/rollouts/state-api-app';
import type { OffscreenElement, RolloutPolicy } from '@/lib/core/rollouts/types';
import type { ObservedElement, StepAction } from '@/lib/core/types';

/** Default deviation probability per scripted action. */
export const DEFAULT_NOISE = 0.2;

/** Words typed into a text field on a deviation. */
const NOISE_WORDS = ['test', 'hello', 'abc', 'sale', 'help', 'new', '42'];

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any strings (FNV-1a), e.g. (job seed, task id, sample index). */
export function seedFrom(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface NoisyExpertDecision {
  action: StepAction;
  /** True when this action is a deviation from the script. */
  deviated: boolean;
  /** One line on why, stored as the step's thought. */
  thought: string;
}

type ElementAction = Extract<ExpertAction, { role: string }>;

function hasTarget(step: ExpertAction): step is ElementAction {
  return 'role' in step;
}

function withTarget(action: StepAction, element: ObservedElement): StepAction {
  action.elementId = element.id;
  if (element.role) action.elementRole = element.role;
  if (element.name !== '') action.elementName = element.name;
  return action;
}

/** The StepAction that performs `step` on `element` (null for element-free steps). */
export function expertStepAction(step: ExpertAction, element: ObservedElement | null): StepAction {
  switch (step.type) {
    case 'click':
      return withTarget({ type: 'click', raw: `Click [${element?.id}]` }, element!);
    case 'type':
      return withTarget(
        { type: 'type', text: step.text, raw: `Type [${element?.id}]; ${step.text}` },
        element!,
      );
    case 'select':
      return withTarget(
        { type: 'type', text: step.option, raw: `Select [${element?.id}]; ${step.option}` },
        element!,
      );
    case 'key_press':
      return { type: 'key_press', key: step.key, raw: `Press ${step.key}` };
    case 'scroll':
      return { type: 'scroll', direction: step.direction, raw: `Scroll [WINDOW]; ${step.direction}` };
    case 'go_back':
      return { type: 'go_back', raw: 'GoBack' };
    case 'answer':
      return { type: 'answer', answer: step.answer, raw: `ANSWER; ${step.answer}` };
  }
}

/**
 * Turns a recorded expert trajectory's actions back into a script (for tasks whose demo was
 * imported or recorded earlier). Actions the replay cannot perform (`wait`, `google`, `goto`,
 * `unknown`, final `status`) are dropped.
 */
export function scriptFromStepActions(actions: readonly StepAction[]): ExpertAction[] {
  const script: ExpertAction[] = [];
  for (const a of actions) {
    const role = a.elementRole ?? '';
    const name = a.elementName ?? '';
    switch (a.type) {
      case 'click':
        if (role) script.push({ type: 'click', role, name });
        break;
      case 'type':
        if (role) script.push({ type: 'type', role, name, text: a.text ?? '' });
        break;
      case 'key_press':
        if (a.key) script.push({ type: 'key_press', key: a.key });
        break;
      case 'scroll':
        script.push({ type: 'scroll', direction: a.direction === 'up' ? 'up' : 'down' });
        break;
      case 'go_back':
        script.push({ type: 'go_back' });
        break;
      case 'answer':
        script.push({ type: 'answer', answer: a.answer ?? '' });
        break;
      default:
        break;
    }
  }
  return script;
}

function findTarget(step: ElementAction, elements: readonly ObservedElement[]): ObservedElement | null {
  const context = step.context?.toLowerCase();
  const matches = elements.filter(
    (e) =>
      e.role === step.role &&
      e.name === step.name &&
      (context === undefined || (e.context ?? '').toLowerCase().includes(context)),
  );
  return matches[step.nth ?? 0] ?? null;
}

function corruptAnswer(answer: string, random: () => number): string {
  const words = answer.split(/\s+/).filter(Boolean);
  if (words.length > 1) return words.slice(0, Math.max(1, Math.floor(words.length / 2))).join(' ');
  const digits = answer.replace(/\d/g, (d) => String((Number(d) + 1 + Math.floor(random() * 8)) % 10));
  return digits !== answer ? digits : 'I could not find it';
}

/**
 * A stateful replay of one script; call {@link NoisyExpert.next} once per step.
 */
export class NoisyExpert {
  private pointer = 0;
  private lastDeviated = false;
  private readonly random: () => number;

  constructor(
    private readonly script: readonly ExpertAction[],
    private readonly noise: number,
    seed: number,
  ) {
    if (!(noise >= 0 && noise <= 1)) throw new RangeError(`noise must be in [0, 1], got ${noise}`);
    this.random = createRandom(seed);
  }

  /** The next action for an observation (its viewport elements and the ones outside it). */
  next(elements: readonly ObservedElement[], offscreen: readonly OffscreenElement[]): NoisyExpertDecision {
    const step = this.script[this.pointer];
    if (!step) {
      return {
        action: { type: 'status', status: 'complete', raw: 'DONE' },
        deviated: false,
        thought: 'Script finished.',
      };
    }
    const target = hasTarget(step) ? findTarget(step, elements) : null;

    if (this.noise > 0 && this.random() < this.noise) {
      const deviation = this.deviate(step, target, elements);
      if (deviation) {
        this.lastDeviated = true;
        return deviation;
      }
    }

    if (hasTarget(step) && !target) {
      const away = offscreen.find((e) => e.role === step.role && e.name === step.name);
      if (away?.anchorId !== undefined) {
        // Hidden in a scroll panel: scroll that panel through a visible mark inside it.
        return {
          action: {
            type: 'scroll',
            direction: away.direction,
            elementId: away.anchorId,
            raw: `Scroll [${away.anchorId}]; ${away.direction}`,
          },
          deviated: false,
          thought: `Scroll the panel ${away.direction} toward '${step.name}'.`,
        };
      }
      if (away) {
        return {
          action: { type: 'scroll', direction: away.direction, raw: `Scroll [WINDOW]; ${away.direction}` },
          deviated: false,
          thought: `Scroll ${away.direction} toward '${step.name}'.`,
        };
      }
      if (this.lastDeviated) {
        this.lastDeviated = false;
        return {
          action: { type: 'go_back', raw: 'GoBack' },
          deviated: false,
          thought: `'${step.name}' is gone; go back.`,
        };
      }
      return {
        action: { type: 'status', status: 'infeasible', raw: 'INFEASIBLE' },
        deviated: false,
        thought: `Cannot find ${step.role} '${step.name}'; giving up.`,
      };
    }

    this.pointer++;
    this.lastDeviated = false;
    return {
      action: expertStepAction(step, target),
      deviated: false,
      thought: `Expert step ${this.pointer} of ${this.script.length}.`,
    };
  }

  private deviate(
    step: ExpertAction,
    target: ObservedElement | null,
    elements: readonly ObservedElement[],
  ): NoisyExpertDecision | null {
    if (step.type === 'answer') {
      this.pointer++;
      const wrong = corruptAnswer(step.answer, this.random);
      return {
        action: { type: 'answer', answer: wrong, raw: `ANSWER; ${wrong}` },
        deviated: true,
        thought: 'Deviation: answer from a misreading.',
      };
    }
    const others = elements.filter((e) => e !== target);
    if (others.length === 0) return null;
    const pick = others[Math.floor(this.random() * others.length)]!;
    if (pick.role === 'textbox') {
      const word = NOISE_WORDS[Math.floor(this.random() * NOISE_WORDS.length)]!;
      return {
        action: withTarget({ type: 'type', text: word, raw: `Type [${pick.id}]; ${word}` }, pick),
        deviated: true,
        thought: `Deviation: type '${word}' into a random field.`,
      };
    }
    return {
      action: withTarget({ type: 'click', raw: `Click [${pick.id}]` }, pick),
      deviated: true,
      thought: 'Deviation: click a random element.',
    };
  }
}

/**
 * The noisy expert as a rollout policy. `name` is `noisy-expert`, or `expert-script` for exact
 * replays (noise 0) that record expert demos.
 */
export function createNoisyExpertPolicy(params: {
  script: readonly ExpertAction[];
  noise: number;
  seed: number;
  name?: string;
}): RolloutPolicy {
  const expert = new NoisyExpert(params.script, params.noise, params.seed);
  return {
    name: params.name ?? (params.noise === 0 ? 'expert-script' : 'noisy-expert'),
    model: null,
    decide: (observation) => {
      const decision = expert.next(observation.elements, observation.offscreen);
      return Promise.resolve({
        action: decision.action,
        thought: decision.thought,
        rawOutput: JSON.stringify({ action: decision.action.raw, deviated: decision.deviated }),
      });
    },
  };
}
