import { describe, expect, it } from 'vitest';
import {
  describeRunTarget,
  formatBytes,
  openAiLaunchProblem,
  parseExportForm,
  type ExportFormInput,
} from '@/components/exports/export-display';

const form: ExportFormInput = {
  iterationId: '2',
  format: 'llama-factory',
  sources: ['fully_passed', 'expert_demos'],
  seed: '42',
  validationPercent: '10',
  includeEarlierIterations: false,
};

describe('parseExportForm', () => {
  it('turns the form into the request, sources in their canonical order and percent into a fraction', () => {
    expect(parseExportForm(form)).toEqual({
      ok: true,
      value: {
        iterationId: 2,
        format: 'llama-factory',
        sources: ['expert_demos', 'fully_passed'],
        seed: 42,
        validationFraction: 0.1,
        includeEarlierIterations: false,
      },
    });
    expect(parseExportForm({ ...form, validationPercent: '12.5' })).toMatchObject({
      value: { validationFraction: 0.125 },
    });
  });

  it('says what is wrong', () => {
    expect(parseExportForm({ ...form, sources: [] })).toEqual({
      ok: false,
      error: 'Choose at least one source.',
    });
    expect(JSON.stringify(parseExportForm({ ...form, seed: '1.5' }))).toMatch(/"ok":false.*seed/);
    expect(parseExportForm({ ...form, seed: '' })).toMatchObject({ ok: false });
    expect(JSON.stringify(parseExportForm({ ...form, validationPercent: '60' }))).toMatch(
      /"ok":false.*0 to 50/,
    );
    expect(parseExportForm({ ...form, iterationId: '' })).toEqual({
      ok: false,
      error: 'Choose an iteration.',
    });
  });
});

describe('display helpers', () => {
  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
  });

  it('names run targets and API launch problems', () => {
    expect(describeRunTarget({ launcher: 'command', target: 'llamafactory' })).toBe('Command · llamafactory');
    expect(describeRunTarget({ launcher: 'openai', target: 'gpt-4o-mini' })).toBe(
      'Fine-tuning API · gpt-4o-mini',
    );
    expect(openAiLaunchProblem('openai', { model: 'm' })).toBeNull();
    expect(openAiLaunchProblem('ms-swift', { model: 'm' })).toMatch(/OpenAI chat JSONL/);
    expect(openAiLaunchProblem('openai', null)).toMatch(/No fine-tuning API/);
  });
});
