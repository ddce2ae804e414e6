/**
 * Content-addressed screenshot storage under the data directory.
 *
 * Layout: `<data dir>/media/<hash[0..2]>/<hash>.<ext>` for originals and
 * `<data dir>/thumbs/<hash[0..2]>/<hash>.webp` for thumbnails (THUMB_WIDTH px wide, made once with
 * sharp). Every file is written to a temporary name and renamed, so a crash never leaves a
 * half-written file under its final name. The database row (`media`) is written by the caller,
 * inside its import transaction.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { MediaHash } from '@/lib/core/types';
import { DomainError } from '@/lib/core/errors';
import { writeFileAtomic } from '@/server/services/write-atomic';

export const THUMB_WIDTH = 192;
/** The largest screenshot accepted, in bytes (a 4K PNG is ~10 MB). */
export const MAX_SCREENSHOT_BYTES = 25 * 1024 * 1024;

const MIME_BY_FORMAT: Record<string, { mime: string; ext: string }> = {
  png: { mime: 'image/png', ext: 'png' },
  jpeg: { mime: 'image/jpeg', ext: 'jpg' },
  webp: { mime: 'image/webp', ext: 'webp' },
  gif: { mime: 'image/gif', ext: 'gif' },
};

export interface StoredMedia {
  hash: MediaHash;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  /** True when this call wrote the file (it was not stored before). */
  created: boolean;
  /** Files this call created, for clean-up if the surrounding import fails. */
  createdFiles: string[];
}

const HASH_RE = /^[0-9a-f]{64}$/;

export function isMediaHash(value: string): value is MediaHash {
  return HASH_RE.test(value);
}

/** Absolute path of the original, or null if `hash` is malformed. Never leaves `dataDir`. */
export function mediaPath(dataDir: string, hash: string, mime: string): string | null {
  if (!isMediaHash(hash)) return null;
  const ext = Object.values(MIME_BY_FORMAT).find((m) => m.mime === mime)?.ext ?? 'bin';
  return path.join(dataDir, 'media', hash.slice(0, 2), `${hash}.${ext}`);
}

export function thumbPath(dataDir: string, hash: string): string | null {
  if (!isMediaHash(hash)) return null;
  return path.join(dataDir, 'thumbs', hash.slice(0, 2), `${hash}.webp`);
}

/**
 * Largest screenshot in pixels (width × height): a 4K screen is 8.3 M, a long full-page capture
 * at 1280 px wide about 40 M. Bigger is refused before decoding (a small PNG can declare
 * 100,000 × 100,000 pixels: a decompression bomb).
 */
export const MAX_SCREENSHOT_PIXELS = 64_000_000;

/**
 * Stores an image (bytes already read) and its thumbnail if not present yet. The image is decoded
 * in full (making the thumbnail) before anything is written, so a truncated or corrupt file is
 * refused and leaves nothing.
 * @param label names the image in errors (`screenshot of step 3`, a file path).
 * @throws DomainError('BAD_INPUT') naming `label` for bytes that are empty or not a PNG/JPEG/WebP/GIF
 *   image (`<label>: not a readable image (…)`), an image that does not decode (`<label> is not a
 *   valid PNG: …`), or one over MAX_SCREENSHOT_PIXELS.
 * @throws DomainError('TOO_LARGE') above MAX_SCREENSHOT_BYTES.
 */
export async function storeImage(dataDir: string, data: Buffer, label: string): Promise<StoredMedia> {
  if (data.byteLength > MAX_SCREENSHOT_BYTES) {
    throw new DomainError(
      'TOO_LARGE',
      `${label}: screenshot is ${data.byteLength} bytes (limit ${MAX_SCREENSHOT_BYTES})`,
    );
  }
  if (data.byteLength === 0) throw new DomainError('BAD_INPUT', `${label}: empty file (0 bytes)`);
  let meta: Metadata;
  try {
    // Header only (no decoding): the pixel count is checked below with a message that says so.
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new DomainError('BAD_INPUT', `${label}: not a readable image (${(error as Error).message})`);
  }
  const format = meta.format ? MIME_BY_FORMAT[meta.format] : undefined;
  if (!format)
    throw new DomainError('BAD_INPUT', `${label}: unsupported image format '${meta.format ?? 'unknown'}'`);
  const formatName =
    meta.format === 'jpeg' ? 'JPEG' : meta.format === 'webp' ? 'WebP' : meta.format.toUpperCase();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > MAX_SCREENSHOT_PIXELS)
    throw new DomainError(
      'BAD_INPUT',
      `${label}: ${width}×${height} pixels is over the limit of ${MAX_SCREENSHOT_PIXELS} pixels`,
    );
  const hash = createHash('sha256').update(data).digest('hex') as MediaHash;
  const original = mediaPath(dataDir, hash, format.mime)!;
  const thumb = thumbPath(dataDir, hash)!;
  const hasOriginal = fs.existsSync(original);
  const hasThumb = fs.existsSync(thumb);
  let thumbData: Buffer | null = null;
  if (!hasOriginal || !hasThumb) {
    // Decoding every pixel is what finds a truncated or corrupt image; the header alone does not.
    try {
      thumbData = await sharp(data, { limitInputPixels: MAX_SCREENSHOT_PIXELS, failOn: 'error' })
        .resize({ width: THUMB_WIDTH, withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
    } catch (error) {
      throw new DomainError(
        'BAD_INPUT',
        `${label} is not a valid ${formatName}: ${(error as Error).message}`,
      );
    }
  }
  const createdFiles: string[] = [];
  try {
    if (!hasOriginal) {
      writeFileAtomic(original, data);
      createdFiles.push(original);
    }
    if (!hasThumb && thumbData) {
      writeFileAtomic(thumb, thumbData);
      createdFiles.push(thumb);
    }
  } catch (error) {
    removeCreatedFiles(createdFiles);
    throw error;
  }
  return {
    hash,
    mime: format.mime,
    bytes: data.byteLength,
    width: meta.width ?? null,
    height: meta.height ?? null,
    created: createdFiles.length > 0,
    createdFiles,
  };
}

/** Reads and stores an image file. See `storeImage`. */
export async function storeImageFile(dataDir: string, file: string): Promise<StoredMedia> {
  const stat = fs.statSync(file);
  if (stat.size > MAX_SCREENSHOT_BYTES) {
    throw new DomainError(
      'TOO_LARGE',
      `${file}: screenshot is ${stat.size} bytes (limit ${MAX_SCREENSHOT_BYTES})`,
    );
  }
  return storeImage(dataDir, fs.readFileSync(file), file);
}

/** Removes files created by a failed import (best effort; content-addressed, so never shared yet). */
export function removeCreatedFiles(files: string[]): void {
  for (const f of files) fs.rmSync(f, { force: true });
}
