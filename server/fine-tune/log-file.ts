/**
 * Reads a growing run log in byte-offset chunks for a viewer that polls: each call returns the
 * text from `offset` and the offset to ask for next. Chunks always end (and start) on UTF-8
 * character boundaries, so concatenating them gives the file's text.
 */
import { open, type FileHandle } from 'node:fs/promises';

import { DomainError } from '@/lib/core/errors';

/** Default chunk size of one read, in bytes. */
export const DEFAULT_LOG_CHUNK_BYTES = 64 * 1024;
/** Largest chunk one read may ask for, in bytes. */
export const MAX_LOG_CHUNK_BYTES = 1024 * 1024;
/** Smallest chunk: one UTF-8 character can take 4 bytes, and a chunk must hold at least one. */
const MIN_LOG_CHUNK_BYTES = 4;

export interface LogChunk {
  /** Decoded text of the bytes [offset, nextOffset). */
  text: string;
  /** Byte offset to read from next time. */
  nextOffset: number;
  /** Size of the file in bytes when it was read (0 when missing). */
  size: number;
  /** True when the file does not exist (yet). */
  missing: boolean;
}

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Length in bytes of the UTF-8 sequence a lead byte starts; 1 for ASCII and invalid bytes. */
function sequenceLength(lead: number): number {
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 1;
}

/** Number of bytes at the end of `bytes` that form an incomplete UTF-8 sequence (0..3). */
function incompleteTailLength(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start >= 0 && bytes.length - start <= 3 && isContinuationByte(bytes[start])) start -= 1;
  const lead = bytes[start];
  if (lead === undefined) return 0;
  const have = bytes.length - start;
  return have < sequenceLength(lead) ? have : 0;
}

/** Number of continuation bytes (0..3) at the start of `bytes`: a read that began mid-character. */
function leadingContinuationLength(bytes: Buffer): number {
  let count = 0;
  while (count < 3 && isContinuationByte(bytes[count])) count += 1;
  return count;
}

function checkByteCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new DomainError('BAD_INPUT', `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * Reads bytes [offset, offset + maxBytes) of a log file that may still be growing and decodes them
 * as UTF-8. A character cut by the end of the chunk is left for the next read; continuation bytes
 * at the start (an offset inside a character, e.g. from {@link tailStartOffset}) are skipped.
 * Invalid bytes become U+FFFD.
 *
 * @param file path of the log.
 * @param offset byte offset to start at (a previous `nextOffset`, or 0).
 * @param maxBytes most bytes to read, in [4, {@link MAX_LOG_CHUNK_BYTES}].
 * @returns the text, `nextOffset` (= offset + bytes consumed), the file size in bytes and whether
 *   the file is missing. A missing file gives `{ text: '', nextOffset: offset, size: 0,
 *   missing: true }`; an offset past the end (the file was truncated or replaced) gives empty text
 *   with `nextOffset = size`.
 * @throws DomainError('BAD_INPUT') for a negative or non-integer offset or a maxBytes out of range.
 * @throws DomainError('INTERNAL') when the file exists but cannot be read.
 */
export async function readLogChunk(
  file: string,
  offset: number,
  maxBytes = DEFAULT_LOG_CHUNK_BYTES,
): Promise<LogChunk> {
  checkByteCount('offset', offset, 0);
  checkByteCount('maxBytes', maxBytes, MIN_LOG_CHUNK_BYTES);
  if (maxBytes > MAX_LOG_CHUNK_BYTES) {
    throw new DomainError('BAD_INPUT', `maxBytes must be at most ${MAX_LOG_CHUNK_BYTES}, got ${maxBytes}`);
  }

  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { text: '', nextOffset: offset, size: 0, missing: true };
    }
    throw new DomainError('INTERNAL', `Could not open the log ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const { size } = await handle.stat();
    if (offset >= size) return { text: '', nextOffset: size, size, missing: false };

    const buffer = Buffer.alloc(Math.min(maxBytes, size - offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const bytes = buffer.subarray(0, bytesRead);
    const skip = leadingContinuationLength(bytes);
    const rest = bytes.subarray(skip);
    // a character still being written is left for the next read; the launcher's footer (ASCII)
    // always follows, so a truncated character at the very end is eventually read as U+FFFD
    const decoded = rest.subarray(0, rest.length - incompleteTailLength(rest));
    return {
      text: decoded.toString('utf8'),
      nextOffset: offset + skip + decoded.length,
      size,
      missing: false,
    };
  } catch (error) {
    throw new DomainError('INTERNAL', `Could not read the log ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await handle.close();
  }
}

/**
 * Where a viewer that joins a running log starts reading so that it shows the last `maxBytes`
 * bytes: `size - maxBytes`, at least 0. The offset may fall inside a character or line;
 * {@link readLogChunk} skips a partial character.
 *
 * @param size file size in bytes.
 * @param maxBytes bytes of history to show.
 * @returns a byte offset in [0, size].
 */
export function tailStartOffset(size: number, maxBytes: number): number {
  return Math.max(0, size - maxBytes);
}
