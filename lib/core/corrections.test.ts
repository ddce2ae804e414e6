import { describe, expect, it } from 'vitest';
import {
  explainNotFailedRollout,
  firstPersonStep,
  isFailedRollout,
  suggestHarmfulStepFromProgress,
} from '@/lib/core/corrections';
import { buildGraphFromPaths, createLinearGraph } from '@/lib/core/strategy-graph/sample-graphs';
import type { NodeResult } from '@/lib/core/strategy-graph/types';

const at = (evidenceStep: number | null): NodeResult => ({ passed: true, evidenceStep });
const failed: NodeResult = { passed: false, evidenceStep: null };
const DESCRIPTIONS: Record<string, string> = {
  '1': "Open the page 'Inbox'.",
  '2': "Click on a UI element 'Compose' on the screen.",
  '3': "Type text 'hello' into the 'To'",
  '4': "Click on a UI element 'Send' on the screen.",
};
const describe_ = (id: string) => DESCRIPTIONS[id];

describe('isFailedRollout', () => {
  const rollout = { kind: 'rollout' as const, status: 'complete', envSuccess: false, category: null };

  it('is a complete rollout the environment failed, or one with no env verdict categorised Failed', () => {
    expect(isFailedRollout(rollout)).toBe(true);
    expect(isFailedRollout({ ...rollout, category: 'fully_passed' })).toBe(true);
    expect(isFailedRollout({ ...rollout, envSuccess: null, category: 'failed' })).toBe(true);
  });

  it('is never a rollout the environment judged a success, whatever its category', () => {
    expect(isFailedRollout({ ...rollout, envSuccess: true, category: 'failed' })).toBe(false);
    expect(explainNotFailedRollout({ ...rollout, envSuccess: true, category: 'failed' })).toBe(
      'the environment judged it a success',
    );
  });

  it('leaves out demos, corrections, running or errored rollouts, and unknown verdicts not Failed', () => {
    expect(isFailedRollout({ ...rollout, kind: 'expert' })).toBe(false);
    expect(isFailedRollout({ ...rollout, kind: 'correction' })).toBe(false);
    expect(isFailedRollout({ ...rollout, status: 'running' })).toBe(false);
    expect(isFailedRollout({ ...rollout, status: 'errored' })).toBe(false);
    expect(isFailedRollout({ ...rollout, envSuccess: null, category: 'partially_passed' })).toBe(false);
    expect(isFailedRollout({ ...rollout, envSuccess: null, category: null })).toBe(false);
    expect(explainNotFailedRollout({ ...rollout, status: 'errored' })).toBe('it is errored, not complete');
    expect(explainNotFailedRollout({ ...rollout, envSuccess: null, category: null })).toMatch(/unscored/);
    expect(explainNotFailedRollout(rollout)).toBeNull();
  });
});

describe('suggestHarmfulStepFromProgress', () => {
  const graph = createLinearGraph(4); // 0 → 1 → 2 → 3 → 4 → -1

  it('suggests the step after the evidence of the last node of the best prefix', () => {
    const suggestion = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': at(0), '2': at(2), '3': at(4), '4': failed },
      stepCount: 10,
      describe: describe_,
    });
    expect(suggestion.stepIndex).toBe(5);
    expect(suggestion.reason).toBe(
      "Progress stopped after 'Type text 'hello' into the 'To'' (node 3 of 4 on the best path, passed at step 5): step 6 is the first after it.",
    );
  });

  it('stops the prefix where evidence goes backwards (the order the progress score requires)', () => {
    // Node 3 passed, but at a step before node 2's evidence: progress stopped after node 2.
    const suggestion = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': at(1), '2': at(6), '3': at(3), '4': at(8) },
      stepCount: 10,
      describe: describe_,
    });
    expect(suggestion.stepIndex).toBe(7);
    expect(suggestion.reason).toMatch(/after 'Click on a UI element 'Compose'.*node 2 of 4.*step 7\)/);
  });

  it('suggests step 0 when no node passed', () => {
    const none = suggestHarmfulStepFromProgress({ graph, results: {}, stepCount: 6, describe: describe_ });
    expect(none.stepIndex).toBe(0);
    expect(none.reason).toMatch(/^No node of the strategy graph passed/);
    const later = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': failed, '3': at(2) },
      stepCount: 6,
      describe: describe_,
    });
    expect(later.stepIndex).toBe(0);
    expect(later.reason).toMatch(/^No start node/);
  });

  it('clamps to the last step when progress ended on it', () => {
    const suggestion = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': at(0), '2': at(1), '3': at(2), '4': at(3) },
      stepCount: 4,
      describe: describe_,
    });
    expect(suggestion.stepIndex).toBe(3);
    expect(suggestion.reason).toBe(
      "Every node of a path passed; the last evidence is 'Click on a UI element 'Send' on the screen.' (node 4 of 4 on the best path, passed at step 4), the rollout's last step: the suggestion is that step.",
    );
  });

  it('uses the last node with a known evidence step, and gives no suggestion when none is known', () => {
    const partly = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': at(2), '2': at(null) },
      stepCount: 8,
      describe: describe_,
    });
    expect(partly.stepIndex).toBe(3);
    expect(partly.reason).toMatch(/node 1 of 4/);
    const none = suggestHarmfulStepFromProgress({
      graph,
      results: { '1': at(null), '2': at(null) },
      stepCount: 8,
      describe: describe_,
    });
    expect(none.stepIndex).toBeNull();
    expect(none.reason).toMatch(/no label function on the way recorded the step/);
  });

  it('takes the best prefix over branches (ratio of the progress score), naming unknown nodes by id', () => {
    // Two paths: 1 → 2 → 3 and 5 → 6. 5 passes (1 of 2 = 0.5) beats 1 alone (1 of 3).
    const branched = buildGraphFromPaths([
      ['1', '2', '3'],
      ['5', '6'],
    ]);
    const suggestion = suggestHarmfulStepFromProgress({
      graph: branched,
      results: { '1': at(0), '5': at(3) },
      stepCount: 9,
      describe: describe_,
    });
    expect(suggestion.stepIndex).toBe(4);
    expect(suggestion.reason).toMatch(/after node #5 \(node 1 of 2 on the best path, passed at step 4\)/);
  });

  it('gives no suggestion for a rollout without steps', () => {
    expect(suggestHarmfulStepFromProgress({ graph, results: {}, stepCount: 0, describe: describe_ })).toEqual(
      { stepIndex: null, reason: 'The rollout has no steps.' },
    );
  });
});

describe('firstPersonStep', () => {
  it('is the take-over step of a correction, 0 otherwise', () => {
    expect(firstPersonStep(3)).toBe(3);
    expect(firstPersonStep(0)).toBe(0);
    expect(firstPersonStep(null)).toBe(0);
    expect(firstPersonStep(undefined)).toBe(0);
    expect(firstPersonStep(-2)).toBe(0);
  });
});
