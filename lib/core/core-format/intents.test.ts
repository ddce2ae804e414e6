import { describe, expect, it } from 'vitest';

import { ImportFormatError } from '@/lib/core/errors';
import { parseCoreIntents, parseCoreIntentsText, serializeCoreIntents } from '@/lib/core/core-format/intents';
import { INTENTS_TEXT } from '@/lib/core/core-format/test-fixtures';

describe('intents_new.json', () => {
  it('parses the reference file', () => {
    expect(parseCoreIntentsText(INTENTS_TEXT)).toEqual({
      ClockTimerEntry: {
        0: 'Open the Clock app and view the alarms.',
        3: 'Set a 10-minute timer without starting it.',
      },
      RecipeSearch: { 1: 'Find a recipe for crème caramel.' },
    });
  });

  it('writes the reference file back byte for byte and round-trips', () => {
    const intents = parseCoreIntentsText(INTENTS_TEXT);
    expect(serializeCoreIntents(intents)).toBe(INTENTS_TEXT);
    expect(parseCoreIntentsText(serializeCoreIntents(intents))).toEqual(intents);
    expect(parseCoreIntentsText(serializeCoreIntents({}))).toEqual({});
  });

  it('names the task and sample of a shape error', () => {
    try {
      parseCoreIntents({ 'Set timer': { 0: 'ok', 3: null } }, 'out/intents_new.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImportFormatError);
      expect((error as ImportFormatError).field).toBe('["Set timer"]["3"]');
      expect((error as ImportFormatError).message).toMatch(
        /^out\/intents_new\.json \(field \["Set timer"\]\["3"\]\)/,
      );
    }
  });
});
