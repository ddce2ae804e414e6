import { describe, expect, it } from 'vitest';
import {
  acceptEffect,
  buildSubmitInput,
  categoryLabel,
  checkDecision,
  excludedItemIds,
  explainFlag,
  formatCountdown,
  initialDraft,
  isDraftDirty,
  labelFunctionTemplate,
  leaseState,
  MAX_EXCLUDED_ITEMS,
  parseQueueParam,
  recordingSessionHref,
  resultBadge,
  type DraftContext,
} from '@/components/review/review-display';
import { decisionLabels } from '@/lib/core/review';

const intentContext: DraftContext = {
  queue: 'extrapolated_intent',
  flag: null,
  originalIntent: 'Find the cheapest flight to Paris',
  originalCode: null,
};
const keyStepContext: DraftContext = {
  queue: 'lf_flag',
  flag: 'no_passing_function',
  originalIntent: null,
  originalCode: labelFunctionTemplate("Click on a UI element 'Search' on the screen."),
};

describe('decision labels and texts', () => {
  it('speaks each queue’s words; key-step flags read "Add label function" / "Not a key step"', () => {
    expect(decisionLabels('proposed_path', null)).toEqual({
      accept: 'Approve',
      reject: 'Reject',
      rejectNeedsReason: true,
    });
    expect(decisionLabels('lf_flag', 'no_passing_function')).toMatchObject({
      accept: 'Add label function',
      reject: 'Not a key step',
    });
    expect(decisionLabels('lf_flag', 'passes_everything')).toMatchObject({
      accept: 'Confirm (needs a fix)',
      reject: 'Dismiss',
    });
    expect(decisionLabels('rollout_verdict', null)).toEqual({
      accept: 'Succeeded',
      reject: 'Failed',
      rejectNeedsReason: false,
    });
    expect(decisionLabels('corrections_wanted', null)).toEqual({
      accept: 'Correct from here',
      reject: 'No correction',
      rejectNeedsReason: true,
    });
    expect(acceptEffect('corrections_wanted', null)).toMatch(/first harmful one/);
  });

  it('explains flags, names categories and result badges', () => {
    expect(explainFlag('passes_everything')).toMatch(/every trajectory/);
    expect(explainFlag('weird')).toBe('Flag: weird');
    expect(explainFlag('__proto__')).toBe('Flag: __proto__');
    expect(categoryLabel('partially_passed')).toBe('Partially Passed');
    expect(categoryLabel(null)).toBe('not scored');
    expect(resultBadge({ result: true, outcome: 'ok' })).toEqual({ label: 'pass', tone: 'green' });
    expect(resultBadge({ result: false, outcome: 'ok' })).toEqual({ label: 'fail', tone: 'red' });
    expect(resultBadge({ result: null, outcome: 'exception' })).toEqual({ label: 'error', tone: 'amber' });
    expect(resultBadge({ result: null, outcome: 'timeout' })).toEqual({ label: 'timeout', tone: 'amber' });
    expect(resultBadge(null)).toEqual({ label: 'not run', tone: 'slate' });
  });

  it('reads queue route parameters', () => {
    expect(parseQueueParam('proposed_path')).toBe('proposed_path');
    expect(parseQueueParam('nope')).toBeNull();
  });
});

describe('lease countdown and exclusions', () => {
  it('formats what is left and warns in the last minute', () => {
    expect(formatCountdown(300_000)).toBe('5:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(4_200)).toBe('0:05');
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(-5)).toBe('expired');
    expect(leaseState(120_000)).toBe('ok');
    expect(leaseState(30_000)).toBe('warning');
    expect(leaseState(0)).toBe('expired');
  });

  it('excludes each id once, keeping the most recent ones under the API bound', () => {
    expect(excludedItemIds(['a', null, 'b', 'a', undefined])).toEqual(['a', 'b']);
    const many = Array.from({ length: 60 }, (_, i) => `id-${i}`);
    const kept = excludedItemIds(many);
    expect(kept).toHaveLength(MAX_EXCLUDED_ITEMS);
    expect(kept[kept.length - 1]).toBe('id-59');
  });
});

describe('the reviewer’s draft', () => {
  it('starts from the proposed text or the code template and is clean', () => {
    const intent = initialDraft(intentContext);
    expect(intent).toEqual({ mode: 'accept', reason: '', intent: intentContext.originalIntent, code: null });
    expect(isDraftDirty(intent, intentContext)).toBe(false);
    const keyStep = initialDraft(keyStepContext);
    expect(keyStep.code).toBe(keyStepContext.originalCode);
    expect(keyStep.intent).toBeNull();
    expect(isDraftDirty(keyStep, keyStepContext)).toBe(false);
    expect(initialDraft({ ...intentContext, queue: 'proposed_path' })).toMatchObject({
      intent: null,
      code: null,
    });
  });

  it('is dirty after a reason, an intent edit (not just whitespace) or a code change', () => {
    const draft = initialDraft(intentContext);
    expect(isDraftDirty({ ...draft, reason: 'vague' }, intentContext)).toBe(true);
    expect(isDraftDirty({ ...draft, intent: ` ${intentContext.originalIntent} ` }, intentContext)).toBe(
      false,
    );
    expect(isDraftDirty({ ...draft, intent: 'Find a flight to Rome' }, intentContext)).toBe(true);
    expect(isDraftDirty({ ...initialDraft(keyStepContext), code: 'x' }, keyStepContext)).toBe(true);
  });

  it('checks what the server checks: reasons, intent length and words, code', () => {
    const draft = initialDraft(intentContext);
    expect(checkDecision('reject', draft, intentContext)).toBe('Reject needs a reason.');
    expect(checkDecision('reject', { ...draft, reason: 'too vague' }, intentContext)).toBeNull();
    expect(checkDecision('accept', draft, intentContext)).toBeNull();
    expect(checkDecision('accept', { ...draft, intent: 'Fly' }, intentContext)).toMatch(/three words/);
    expect(checkDecision('accept', { ...draft, intent: 'word '.repeat(300) }, intentContext)).toMatch(
      /at most 1000/,
    );
    expect(
      checkDecision('reject', initialDraft({ ...intentContext, queue: 'rollout_verdict' }), {
        ...intentContext,
        queue: 'rollout_verdict',
      }),
    ).toBeNull();
    const keyStep = initialDraft(keyStepContext);
    expect(checkDecision('accept', keyStep, keyStepContext)).toMatch(/template/);
    expect(checkDecision('accept', { ...keyStep, code: '  ' }, keyStepContext)).toMatch(/needs its code/);
    expect(checkDecision('reject', keyStep, keyStepContext)).toBe('Not a key step needs a reason.');
    expect(checkDecision('reject', { ...keyStep, reason: 'x'.repeat(2001) }, keyStepContext)).toMatch(
      /too long/,
    );
  });

  it('builds the submit input: trimmed reason, edit.intent only when changed, code for key steps', () => {
    const draft = initialDraft(intentContext);
    expect(buildSubmitInput('i1', 'accept', draft, intentContext)).toEqual({
      itemId: 'i1',
      decision: 'accept',
    });
    expect(
      buildSubmitInput('i1', 'accept', { ...draft, intent: ' Find a flight to Rome ' }, intentContext),
    ).toEqual({ itemId: 'i1', decision: 'accept', edit: { intent: 'Find a flight to Rome' } });
    // A reject never carries the edit.
    expect(
      buildSubmitInput(
        'i1',
        'reject',
        { ...draft, intent: 'Find a flight to Rome', reason: ' no ' },
        intentContext,
      ),
    ).toEqual({ itemId: 'i1', decision: 'reject', reason: 'no' });
    const code = 'def label_function(trajectory):\n    return True\n';
    expect(
      buildSubmitInput('k', 'accept', { ...initialDraft(keyStepContext), code }, keyStepContext),
    ).toEqual({
      itemId: 'k',
      decision: 'accept',
      edit: { code },
    });
  });

  it('sends the selected step of a corrections-wanted accept as edit.harmfulStep, never on "No correction"', () => {
    const context: DraftContext = {
      queue: 'corrections_wanted',
      flag: null,
      originalIntent: null,
      originalCode: null,
    };
    const draft = initialDraft(context);
    expect(draft).toEqual({ mode: 'accept', reason: '', intent: null, code: null });
    expect(checkDecision('accept', draft, context)).toBeNull();
    expect(checkDecision('reject', draft, context)).toBe('No correction needs a reason.');
    expect(buildSubmitInput('c', 'accept', draft, context, 4)).toEqual({
      itemId: 'c',
      decision: 'accept',
      edit: { harmfulStep: 4 },
    });
    expect(buildSubmitInput('c', 'reject', { ...draft, reason: 'cannot replay' }, context, 4)).toEqual({
      itemId: 'c',
      decision: 'reject',
      reason: 'cannot replay',
    });
    // Other queues ignore the step.
    expect(buildSubmitInput('i', 'accept', initialDraft(intentContext), intentContext, 4)).toEqual({
      itemId: 'i',
      decision: 'accept',
    });
  });

  it('leads "Correct from here" to the recording page of the session it started', () => {
    expect(recordingSessionHref('0b6c-1')).toBe('/record/0b6c-1');
  });
});
