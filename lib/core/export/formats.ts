/**
 * Export writers: a neutral example (`./types.ts`) as one JSON line of each format
 * (DESIGN.md › Formats › Fine-tuning exports).
 *
 * - `openai`: `{messages}` in the OpenAI chat fine-tuning format; user turns are content-part
 *   lists with `image_url` parts carrying data URIs; system and assistant turns are strings.
 * - `llama-factory`: `{messages, images}`, each image replaced by an `<image>` tag at its place in
 *   the turn's text (LLaMA-Factory `data/README.md`, ShareGPT format with `messages` / `images`
 *   columns, the `mllm_demo` example); `images` are paths relative to the dataset directory.
 * - `ms-swift`: the same `{messages, images}` with `<image>` tags (ms-swift's standard dataset
 *   format, "Custom Dataset" docs); relative image paths resolve against the working directory, so
 *   run ms-swift from the export directory.
 */
import type { ExampleImage, ExportFormat, ExportSplit, NeutralExample } from '@/lib/core/export/types';

/**
 * Limits every example must respect (DESIGN.md › Formats, the same as OpenAI's vision fine-tuning
 * limits): at most 10 images per example and 10 MB per image; no images in assistant turns.
 */
export const EXPORT_LIMITS = { maxImagesPerExample: 10, maxImageBytes: 10 * 1024 * 1024 } as const;

/** The image placeholder of LLaMA-Factory and ms-swift. */
export const IMAGE_TAG = '<image>';

/** Dataset names of the `dataset_info.json` entries (pass them to `--dataset` / `--eval_dataset`). */
export const LLAMA_FACTORY_DATASET_NAMES: Record<ExportSplit, string> = {
  train: 'core_curator_train',
  validation: 'core_curator_validation',
};

/** File of each split inside an export directory. */
export const EXPORT_SPLIT_FILES: Record<ExportSplit, string> = {
  train: 'train.jsonl',
  validation: 'validation.jsonl',
};

/** Folder of the image files of `llama-factory` and `ms-swift` exports. */
export const EXPORT_IMAGES_DIR = 'images';

const MIME_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** `images/<sha256>.<ext>`: where an image file of a path-based export goes (content-addressed). */
export function exportImagePath(image: ExampleImage): string {
  return `${EXPORT_IMAGES_DIR}/${image.mediaHash}.${MIME_EXTENSIONS[image.mime] ?? 'bin'}`;
}

/** Whether the format references images by file (true) or inlines them as data URIs (false). */
export function usesImageFiles(format: ExportFormat): boolean {
  return format !== 'openai';
}

/** Media placeholders of LLaMA-Factory and ms-swift (`<image>`, `<video>`, `<audio>`). */
const MEDIA_TAG_PATTERN = /<(image|video|audio)>/g;

/**
 * Text with its literal `<image>` / `<video>` / `<audio>` written `< image>` etc.: in the tagged
 * formats those strings are placeholders, so one typed into a search box or shown on a page would
 * be read as an extra image (and break "as many tags as images").
 */
export function neutralizeMediaTags(text: string): string {
  return text.replace(MEDIA_TAG_PATTERN, '< $1>');
}

/**
 * One JSON line (as an object) of `format` for `example`.
 * @param imageRef gives an image's reference: a `data:` URI for `openai`, a relative path
 *   ({@link exportImagePath}) for the others.
 */
export function formatExampleRecord(
  format: ExportFormat,
  example: NeutralExample,
  imageRef: (image: ExampleImage) => string,
): Record<string, unknown> {
  if (format === 'openai') {
    return {
      messages: example.messages.map((message) =>
        message.role === 'user'
          ? {
              role: 'user',
              content: message.content.map((part) =>
                part.type === 'text'
                  ? { type: 'text', text: part.text }
                  : { type: 'image_url', image_url: { url: imageRef(part.image) } },
              ),
            }
          : { role: message.role, content: message.content },
      ),
    };
  }
  const images: string[] = [];
  const messages = example.messages.map((message) => {
    if (message.role !== 'user') return { role: message.role, content: neutralizeMediaTags(message.content) };
    const content = message.content
      .map((part) => {
        if (part.type === 'text') return neutralizeMediaTags(part.text);
        images.push(imageRef(part.image));
        return IMAGE_TAG;
      })
      .join('\n');
    return { role: 'user', content };
  });
  return { messages, images };
}

/**
 * LLaMA-Factory's `dataset_info.json` for an export: one entry per written split, ShareGPT
 * formatting over the `messages` and `images` columns with OpenAI-style role tags.
 */
export function buildLlamaFactoryDatasetInfo(splits: readonly ExportSplit[]): Record<string, unknown> {
  return Object.fromEntries(
    splits.map((split) => [
      LLAMA_FACTORY_DATASET_NAMES[split],
      {
        file_name: EXPORT_SPLIT_FILES[split],
        formatting: 'sharegpt',
        columns: { messages: 'messages', images: 'images' },
        tags: {
          role_tag: 'role',
          content_tag: 'content',
          user_tag: 'user',
          assistant_tag: 'assistant',
          system_tag: 'system',
        },
      },
    ]),
  );
}
