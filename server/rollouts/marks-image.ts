/**
 * Draws the set-of-marks onto a screenshot: the image a vision model receives (WebVoyager's
 * `add_labels`, VisualWebArena's SoM): each listed element's box outlined, its number on a filled
 * tag at the box's top-left corner (above the box when there is room, else inside it), colours
 * cycling so neighbouring boxes differ. The clean screenshot stays the step's own; the viewer draws
 * its own overlay from the stored boxes.
 *
 * Drawn with sharp (libvips) compositing an SVG layer; text is rendered by librsvg with the
 * machine's fonts through fontconfig (DejaVu / Liberation on Debian, which Chromium needs anyway).
 */
import sharp from 'sharp';
import type { ObservedElement } from '@/lib/core/types';

/** Outline and tag colours, cycled by mark number (high contrast on white and dark pages). */
export const MARK_COLOURS = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#008080',
  '#9a6324',
  '#000075',
];
/** Tag text size in pixels. */
export const MARK_FONT_PX = 12;

const TAG_HEIGHT = MARK_FONT_PX + 4;
const DIGIT_WIDTH = Math.ceil(MARK_FONT_PX * 0.62);

/**
 * @param png the clean viewport screenshot.
 * @param elements the observation's marks (boxes in the screenshot's pixels; elements without a box
 *   are skipped).
 * @returns a PNG of the same size with the marks drawn.
 * @throws Error from sharp when `png` is not a readable image.
 */
export async function drawSetOfMarks(png: Buffer, elements: readonly ObservedElement[]): Promise<Buffer> {
  const meta = await sharp(png).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width === 0 || height === 0) throw new Error('drawSetOfMarks: the screenshot has no size');
  const parts: string[] = [];
  elements.forEach((element, i) => {
    const box = element.box;
    if (!box || box.width <= 0 || box.height <= 0) return;
    const colour = MARK_COLOURS[i % MARK_COLOURS.length]!;
    const label = element.id.replace(/[^0-9A-Za-z_-]/g, '').slice(0, 6);
    const x = Math.min(Math.max(0, box.x), width - 1);
    const y = Math.min(Math.max(0, box.y), height - 1);
    const w = Math.max(1, Math.min(box.width, width - x));
    const h = Math.max(1, Math.min(box.height, height - y));
    parts.push(
      `<rect x="${x + 1}" y="${y + 1}" width="${Math.max(1, w - 2)}" height="${Math.max(1, h - 2)}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    const tagWidth = label.length * DIGIT_WIDTH + 6;
    const tagX = Math.min(x, width - tagWidth);
    const tagY = y >= TAG_HEIGHT ? y - TAG_HEIGHT : y;
    parts.push(
      `<rect x="${tagX}" y="${tagY}" width="${tagWidth}" height="${TAG_HEIGHT}" fill="${colour}"/>`,
      `<text x="${tagX + 3}" y="${tagY + TAG_HEIGHT - 4}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${MARK_FONT_PX}" font-weight="bold" fill="#ffffff">${label}</text>`,
    );
  });
  if (parts.length === 0) return png;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  return sharp(png)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png({ compressionLevel: 4 })
    .toBuffer();
}
