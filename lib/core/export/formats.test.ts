/**
 * The export writers on one realistic neutral example set (a three-step WebVoyager-style
 * trajectory: type into a search box, click the button, answer; the last step has no screenshot),
 * compared line by line with the committed golden files in `__golden__/` and checked against the
 * DESIGN.md rules: `<image>` tags equal to `images`, no image in assistant turns, a system turn,
 * and a `Thought: … Action: …` target that `parseWebVoyagerAction` reads back as the same action.
 *
 * The golden files are written with `npx vitest run lib/core/export -u` and reviewed by eye; CI
 * (CI=true) fails on a missing or different file.
 */
import { describe, expect, it } from 'vitest';
import {
  buildLlamaFactoryDatasetInfo,
  EXPORT_SPLIT_FILES,
  exportImagePath,
  formatExampleRecord,
  IMAGE_TAG,
  LLAMA_FACTORY_DATASET_NAMES,
  neutralizeMediaTags,
  usesImageFiles,
} from '@/lib/core/export/formats';
import { buildStepExamples, type ExportTrajectory } from '@/lib/core/export/samples';
import {
  EXPORT_FORMATS,
  type ExampleImage,
  type ExportFormat,
  type NeutralExample,
} from '@/lib/core/export/types';
import { validateExportRecord } from '@/lib/core/export/validate';
import { parseWebVoyagerAction } from '@/lib/core/import/webvoyager';
import { parsePromptBody } from '@/lib/core/llm/messages';
import type { ObservedElement } from '@/lib/core/types';

/**
 * A stand-in for `prompts/next_action.md` (lib/core tests do not read files): the same sections
 * and the same user template, word for word; the system text is shortened.
 */
const NEXT_ACTION_TEMPLATE = parsePromptBody(
  'next_action',
  '1',
  `
## system

Imagine you are a robot browsing the web, just like humans. Now you need to complete a task.
Correspondingly, Action should STRICTLY follow the format:

- Click [Numerical_Label]
- Type [Numerical_Label]; [Content]
- Scroll [Numerical_Label or WINDOW]; [up or down]
- Wait
- GoBack
- ANSWER; [content]

Your reply should strictly follow the format:

Thought: {Your brief thoughts (briefly summarize the info that will help ANSWER)}
Action: {One Action format you choose}

## user

Task: {{intent}}

Observation: please analyze the attached screenshot and give the Thought and Action.
Current URL: {{url}}
Page title: {{title}}

I've provided the tag name of each element and the text it contains (if text exists). Note that
<textarea> or <input> may be textbox, but not exactly. Please focus more on the screenshot and then
refer to the textual information.
{{elements}}

Your previous actions (oldest first):
{{history}}

Problem with your previous reply to this observation: {{previous_error}}
`,
);

const HOME_ELEMENTS: ObservedElement[] = [
  { id: '0', role: 'link', name: 'Acme Store', box: { x: 16, y: 12, width: 120, height: 32 } },
  { id: '1', role: 'link', name: 'Kitchen', box: { x: 180, y: 18, width: 64, height: 20 } },
  { id: '2', role: 'link', name: 'Sign in', box: { x: 1180, y: 18, width: 60, height: 20 } },
  { id: '3', role: 'input', name: 'Search products', box: { x: 420, y: 14, width: 360, height: 28 } },
  { id: '4', role: 'button', name: 'Search', box: { x: 784, y: 14, width: 72, height: 28 } },
  { id: '5', role: 'link', name: 'Cart (0)', box: { x: 1100, y: 18, width: 64, height: 20 } },
];

const RESULT_ELEMENTS: ObservedElement[] = [
  ...HOME_ELEMENTS.slice(0, 5),
  { id: '6', role: 'link', name: 'Red Mug, 350 ml — $12.99', box: { x: 40, y: 220, width: 280, height: 24 } },
  {
    id: '7',
    role: 'link',
    name: 'Red Mug Set of 4 — $39.00',
    box: { x: 40, y: 260, width: 280, height: 24 },
  },
  { id: '8', role: 'button', name: 'Sort by: Relevance', box: { x: 1040, y: 120, width: 160, height: 28 } },
];

const SHOT_HOME: ExampleImage = {
  mediaHash: '3f1a9c0e2b7d4c6a8e5f1b3d7c9a2e4f6b8d0c1a3e5f7b9d2c4a6e8f0b1d3c5a',
  mime: 'image/png',
};
const SHOT_TYPED: ExampleImage = {
  mediaHash: 'a7c2e9f4b1d6083a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a',
  mime: 'image/jpeg',
};

const TRAJECTORY: ExportTrajectory = {
  trajectoryId: 'traj-red-mug-1',
  taskId: 'task-red-mug',
  intent: 'Find the price of the 350 ml red mug on the Acme store.',
  environment: 'web',
  source: 'fully_passed',
  category: 'fully_passed',
  steps: [
    {
      index: 0,
      url: 'https://shop.acme.test/',
      title: 'Acme Store — Home',
      elementsText: null,
      elements: HOME_ELEMENTS,
      screenshotHash: SHOT_HOME.mediaHash,
      screenshotMime: SHOT_HOME.mime,
      action: {
        type: 'type',
        elementId: '3',
        elementRole: 'input',
        elementName: 'Search products',
        text: 'red mug',
        raw: 'Type [3]; red mug',
      },
      actionDescription: 'Type "red mug" into input "Search products"',
      thought: 'The search box is at the top of the page; I search for the mug first.',
    },
    {
      index: 1,
      url: 'https://shop.acme.test/',
      title: 'Acme Store — Home',
      elementsText: null,
      elements: HOME_ELEMENTS,
      screenshotHash: SHOT_TYPED.mediaHash,
      screenshotMime: SHOT_TYPED.mime,
      action: {
        type: 'click',
        elementId: '4',
        elementRole: 'button',
        elementName: 'Search',
        raw: 'Click [4]',
      },
      actionDescription: 'Click button "Search"',
      thought: null,
    },
    {
      index: 2,
      url: 'https://shop.acme.test/search?q=red+mug',
      title: 'Search results for "red mug"',
      elementsText: null,
      elements: RESULT_ELEMENTS,
      screenshotHash: null,
      screenshotMime: null,
      action: { type: 'answer', answer: '$12.99', raw: 'ANSWER; $12.99' },
      actionDescription: 'Answer "$12.99"',
      thought: 'The first result is the 350 ml red mug at $12.99.',
    },
  ],
};

/** A short, fake but well-formed base64 body per image, so the golden lines stay readable. */
function fakeDataUri(image: ExampleImage): string {
  return `data:${image.mime};base64,${image.mediaHash.slice(0, 8)}AAAA`;
}

function imageRefFor(format: ExportFormat): (image: ExampleImage) => string {
  return usesImageFiles(format) ? exportImagePath : fakeDataUri;
}

function buildExamples(): NeutralExample[] {
  const { examples, skipped } = buildStepExamples(NEXT_ACTION_TEMPLATE, TRAJECTORY);
  expect(skipped).toEqual([]);
  return examples;
}

function formatAll(format: ExportFormat): Record<string, unknown>[] {
  return buildExamples().map((example) => formatExampleRecord(format, example, imageRefFor(format)));
}

function toJsonl(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

const EXPECTED_TARGETS = [
  'Thought: The search box is at the top of the page; I search for the mug first.\nAction: Type [3]; red mug',
  'Action: Click [4]',
  'Thought: The first result is the 350 ml red mug at $12.99.\nAction: ANSWER; $12.99',
];

describe('export formats on a three-step trajectory', () => {
  for (const format of EXPORT_FORMATS) {
    it(`${format}: matches the golden file`, async () => {
      await expect(toJsonl(formatAll(format))).toMatchFileSnapshot(`./__golden__/${format}.jsonl`);
    });

    it(`${format}: follows every format rule`, () => {
      for (const record of formatAll(format)) {
        expect(validateExportRecord(format, record, () => 40_000)).toEqual([]);
      }
    });
  }

  it('builds one example per step with a system turn, the history and the target last', () => {
    const examples = buildExamples();
    expect(examples.map((e) => e.meta.stepIndex)).toEqual([0, 1, 2]);
    for (const [i, example] of examples.entries()) {
      expect(example.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(example.messages[2]).toEqual({ role: 'assistant', content: EXPECTED_TARGETS[i] });
      expect(example.meta).toMatchObject({
        trajectoryId: 'traj-red-mug-1',
        taskId: 'task-red-mug',
        source: 'fully_passed',
        category: 'fully_passed',
      });
    }
    const userText = (example: NeutralExample) => {
      const user = example.messages[1]!;
      if (user.role !== 'user') throw new Error('second turn is not the user turn');
      return user.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
    };
    expect(userText(examples[0]!)).toContain(
      'Your previous actions (oldest first):\nnone (this is the first step)',
    );
    expect(userText(examples[0]!)).toContain('[3]: <input> "Search products";\t[4]: <button> "Search"');
    expect(userText(examples[2]!)).toContain(
      'Step 1: Type "red mug" into input "Search products" (on https://shop.acme.test/)\nStep 2: Click button "Search" (on https://shop.acme.test/)',
    );
    expect(userText(examples[2]!)).toContain('Current URL: https://shop.acme.test/search?q=red+mug');
  });

  it('openai: user turns are content parts with data-URI images; system and assistant turns are strings', () => {
    const records = formatAll('openai') as { messages: { role: string; content: unknown }[] }[];
    const imageUrls = records.map((record) =>
      record.messages.flatMap((m) =>
        Array.isArray(m.content)
          ? (m.content as { type: string; image_url?: { url: string } }[]).flatMap((p) =>
              p.type === 'image_url' ? [p.image_url!.url] : [],
            )
          : [],
      ),
    );
    expect(imageUrls).toEqual([[fakeDataUri(SHOT_HOME)], [fakeDataUri(SHOT_TYPED)], []]);
    for (const record of records) {
      expect(record.messages[0]).toMatchObject({ role: 'system' });
      expect(typeof record.messages[0]!.content).toBe('string');
      expect(Array.isArray(record.messages[1]!.content)).toBe(true);
      expect(typeof record.messages.at(-1)!.content).toBe('string');
    }
  });

  for (const format of ['llama-factory', 'ms-swift'] as const) {
    it(`${format}: <image> tags equal the images, only in user turns, paths content-addressed`, () => {
      const records = formatAll(format) as {
        messages: { role: string; content: string }[];
        images: string[];
      }[];
      expect(records.map((r) => r.images)).toEqual([
        [`images/${SHOT_HOME.mediaHash}.png`],
        [`images/${SHOT_TYPED.mediaHash}.jpg`],
        [],
      ]);
      for (const record of records) {
        const tags = record.messages.map((m) => m.content.split(IMAGE_TAG).length - 1);
        expect(tags.reduce((a, b) => a + b, 0)).toBe(record.images.length);
        for (const [i, message] of record.messages.entries())
          if (message.role !== 'user') expect(tags[i]).toBe(0);
        expect(record.messages[0]!.role).toBe('system');
        expect(record.messages.at(-1)!.role).toBe('assistant');
        expect(Object.keys(record)).toEqual(['messages', 'images']);
      }
      // The screenshot follows the observation text, as the rollout policy sends it.
      expect(records[0]!.messages[1]!.content.endsWith(`\n${IMAGE_TAG}`)).toBe(true);
    });
  }

  it('targets read back through parseWebVoyagerAction as the actions they came from', () => {
    const examples = buildExamples();
    for (const [i, example] of examples.entries()) {
      const step = TRAJECTORY.steps[i]!;
      const target = example.messages.at(-1)!;
      expect(target.role).toBe('assistant');
      const parsed = parseWebVoyagerAction(target.content as string, step.elements);
      expect(parsed.thought).toBe(step.thought);
      expect(parsed.action).toEqual(step.action);
    }
  });

  it('dataset_info.json: ShareGPT over messages/images with OpenAI role tags', async () => {
    const info = buildLlamaFactoryDatasetInfo(['train', 'validation']);
    await expect(`${JSON.stringify(info, null, 2)}\n`).toMatchFileSnapshot(
      './__golden__/llama-factory.dataset_info.json',
    );
    expect(info[LLAMA_FACTORY_DATASET_NAMES.train]).toEqual({
      file_name: EXPORT_SPLIT_FILES.train,
      formatting: 'sharegpt',
      columns: { messages: 'messages', images: 'images' },
      tags: {
        role_tag: 'role',
        content_tag: 'content',
        user_tag: 'user',
        assistant_tag: 'assistant',
        system_tag: 'system',
      },
    });
    expect(Object.keys(buildLlamaFactoryDatasetInfo(['train']))).toEqual(['core_curator_train']);
  });
});

describe('literal media tags in text', () => {
  it('are neutralized in the tagged formats so tags still equal images', () => {
    const example: NeutralExample = {
      messages: [
        { role: 'system', content: 'Act.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Find the <image> tag docs and a <video>' },
            { type: 'image', image: { mediaHash: 'a'.repeat(64), mime: 'image/png' } },
          ],
        },
        { role: 'assistant', content: 'Action: Type [1]; <image>' },
      ],
      meta: { trajectoryId: 't', taskId: 'k', stepIndex: 0, source: 'expert_demos', category: null },
    };
    for (const format of ['llama-factory', 'ms-swift'] as const) {
      const record = formatExampleRecord(format, example, exportImagePath);
      expect(validateExportRecord(format, record, () => 1)).toEqual([]);
      expect(JSON.stringify(record)).toContain('Find the < image> tag docs and a < video>');
    }
    expect(neutralizeMediaTags('<audio><image>')).toBe('< audio>< image>');
  });
});
