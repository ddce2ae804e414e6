/**
 * The format rules of DESIGN.md › Formats › Fine-tuning exports, checked on written records (the
 * export job re-reads every line it wrote before it finishes):
 *
 * - the record has the format's shape and ends with an assistant turn holding the target;
 * - no images in assistant turns (`image_url` parts for `openai`, `<image>` tags for the others);
 * - at most {@link EXPORT_LIMITS}.maxImagesPerExample images per example;
 * - every image at most {@link EXPORT_LIMITS}.maxImageBytes bytes, and present;
 * - `llama-factory` / `ms-swift`: as many `<image>` tags as `images`.
 */
import { z } from 'zod';
import { EXPORT_LIMITS, IMAGE_TAG } from '@/lib/core/export/formats';
import type { ExportFormat } from '@/lib/core/export/types';

export type FormatRule =
  'shape' | 'target' | 'assistant_image' | 'image_count' | 'image_size' | 'image_missing' | 'image_tags';

export interface FormatProblem {
  rule: FormatRule;
  message: string;
}

const ZOpenAiPartSchema = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
]);

const ZOpenAiRecordSchema = z.object({
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.union([z.string(), z.array(ZOpenAiPartSchema)]),
      }),
    )
    .min(2),
});

const ZTaggedRecordSchema = z.object({
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(2),
  images: z.array(z.string().min(1)),
});

const DATA_URI = /^data:image\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/]*={0,2})$/;

/** Decoded size in bytes of a base64 `data:` URI, or null when `url` is not one. */
export function dataUriBytes(url: string): number | null {
  const match = DATA_URI.exec(url);
  if (!match) return null;
  const body = match[1]!;
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return (body.length / 4) * 3 - padding;
}

function countTags(text: string): number {
  return text.split(IMAGE_TAG).length - 1;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
}

function checkImageSize(bytes: number | null, ref: string, problems: FormatProblem[]) {
  if (bytes === null) problems.push({ rule: 'image_missing', message: `image ${ref} is missing` });
  else if (bytes > EXPORT_LIMITS.maxImageBytes)
    problems.push({
      rule: 'image_size',
      message: `image ${ref} has ${bytes} bytes, over the ${EXPORT_LIMITS.maxImageBytes}-byte limit`,
    });
}

function checkTarget(last: { role: string; content: unknown } | undefined, problems: FormatProblem[]) {
  if (last?.role !== 'assistant' || typeof last.content !== 'string' || last.content.trim() === '')
    problems.push({
      rule: 'target',
      message: 'the last turn must be an assistant turn with the target text',
    });
}

function checkImageCount(count: number, problems: FormatProblem[]) {
  if (count > EXPORT_LIMITS.maxImagesPerExample)
    problems.push({
      rule: 'image_count',
      message: `${count} images, over the limit of ${EXPORT_LIMITS.maxImagesPerExample} per example`,
    });
}

/**
 * The problems of one record of `format` (empty when it follows every rule).
 * @param imageBytes for `llama-factory` / `ms-swift`: the size in bytes of the image file at a
 *   relative path, null when it does not exist. `openai` images are measured from their data URIs.
 */
export function validateExportRecord(
  format: ExportFormat,
  record: unknown,
  imageBytes: (ref: string) => number | null,
): FormatProblem[] {
  const problems: FormatProblem[] = [];
  if (format === 'openai') {
    const parsed = ZOpenAiRecordSchema.safeParse(record);
    if (!parsed.success) return [{ rule: 'shape', message: describeIssues(parsed.error) }];
    let images = 0;
    for (const [i, message] of parsed.data.messages.entries()) {
      if (typeof message.content === 'string') continue;
      for (const part of message.content) {
        if (part.type !== 'image_url') continue;
        images += 1;
        if (message.role !== 'user')
          problems.push({
            rule: 'assistant_image',
            message: `messages.${i} (${message.role}) holds an image`,
          });
        const bytes = dataUriBytes(part.image_url.url);
        if (bytes === null)
          problems.push({ rule: 'shape', message: `messages.${i}: image_url is not a base64 data URI` });
        else checkImageSize(bytes, `in messages.${i}`, problems);
      }
    }
    checkImageCount(images, problems);
    checkTarget(parsed.data.messages.at(-1), problems);
    return problems;
  }
  const parsed = ZTaggedRecordSchema.safeParse(record);
  if (!parsed.success) return [{ rule: 'shape', message: describeIssues(parsed.error) }];
  let tags = 0;
  for (const [i, message] of parsed.data.messages.entries()) {
    const count = countTags(message.content);
    tags += count;
    if (count > 0 && message.role !== 'user')
      problems.push({
        rule: 'assistant_image',
        message: `messages.${i} (${message.role}) holds ${IMAGE_TAG}`,
      });
  }
  if (tags !== parsed.data.images.length)
    problems.push({
      rule: 'image_tags',
      message: `${tags} ${IMAGE_TAG} tags for ${parsed.data.images.length} images`,
    });
  checkImageCount(parsed.data.images.length, problems);
  for (const ref of parsed.data.images) checkImageSize(imageBytes(ref), ref, problems);
  checkTarget(parsed.data.messages.at(-1), problems);
  return problems;
}
