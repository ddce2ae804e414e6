/**
 * Python `marshal` (format version 2 and later, as `marshal.loads` of CPython ≥ 3.4 reads it) for
 * JSON values: how the parent hands each label-function evaluation its trajectory. The runner's
 * interpreter decodes a fresh copy per evaluation with `marshal.loads` (C, about 2× faster than
 * `json.loads` in Pyodide) and never parses JSON, and the conversion runs here, out of the sandbox.
 *
 * The value is the one `json.loads(JSON.stringify(value))` gives in Python: JSON null / booleans /
 * strings / arrays / objects become None / bool / str / list / dict; an integral number below 1e21
 * becomes an int, any other number a float (`JSON.stringify` writes 1e21 and up with an exponent,
 * which Python reads as a float), a non-finite one None; a lone UTF-16 surrogate stays a lone
 * surrogate (Python's `\ud800`). `toJSON` and dropped `undefined` follow `JSON.stringify`, because
 * the input is first parsed from JSON text.
 *
 * Byte layout (CPython `Python/marshal.c`): `N` None, `T` / `F` bools, `i` + int32 LE,
 * `l` + int32 digit count (negative for negative numbers) + 15-bit digits as uint16 LE, least
 * significant first, `g` + float64 LE, `z` + uint8 length + ASCII (short), `a` + int32 length + ASCII,
 * `u` + int32 length + UTF-8 (surrogates as 3-byte sequences, what Python's `surrogatepass`
 * reads), `[` + int32 count + items, `{` + key/value pairs + `0`.
 */

/** Deepest nesting CPython's `marshal.loads` reads (`MAX_MARSHAL_STACK_DEPTH`). */
export const MAX_DEPTH = 2000;

/** The value is nested deeper than {@link MAX_DEPTH}: send it as JSON text instead. */
export class MarshalDepthError extends Error {
  constructor() {
    super(`marshal: value nested deeper than ${MAX_DEPTH} levels`);
    this.name = 'MarshalDepthError';
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** `JSON.stringify` writes integral numbers from here on with an exponent: Python reads a float. */
const EXPONENT_FROM = 1e21;

class ByteWriter {
  buffer: Buffer;
  length = 0;

  constructor(initial: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, initial));
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length] = value;
    this.length += 1;
  }

  int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.length);
    this.length += 4;
  }

  float64(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  uint16(value: number): void {
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.length);
    this.length += 2;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 with lone surrogates written as 3-byte sequences (WTF-8), as Python's `surrogatepass`. */
function encodeString(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let k = 0; k < text.length; k += 1) {
    const unit = text.charCodeAt(k);
    const next = text.charCodeAt(k + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      bytes.push(
        0xf0 | (point >> 18),
        0x80 | ((point >> 12) & 63),
        0x80 | ((point >> 6) & 63),
        0x80 | (point & 63),
      );
      k += 1;
    } else if (unit < 0x80) bytes.push(unit);
    else if (unit < 0x800) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 63));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 63), 0x80 | (unit & 63));
  }
  return Buffer.from(bytes);
}

function writeInteger(out: ByteWriter, value: number): void {
  if (value >= INT32_MIN && value <= INT32_MAX) {
    out.byte(0x69); // 'i'
    out.int32(value);
    return;
  }
  // Beyond 2^53 `JSON.stringify` writes the shortest decimal that reads back as this double, and
  // Python's json reads exactly that decimal: take the digits from the same text.
  let magnitude = BigInt(String(Math.abs(value)));
  const digits: number[] = [];
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0x7fffn));
    magnitude >>= 15n;
  }
  out.byte(0x6c); // 'l'
  out.int32(value < 0 ? -digits.length : digits.length);
  for (const digit of digits) out.uint16(digit);
}

function writeValue(out: ByteWriter, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new MarshalDepthError();
  if (value === null) out.byte(0x4e);
  else if (value === true) out.byte(0x54);
  else if (value === false) out.byte(0x46);
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.byte(0x4e);
    else if (Number.isInteger(value) && Math.abs(value) < EXPONENT_FROM)
      writeInteger(out, value === 0 ? 0 : value);
    else {
      out.byte(0x67); // 'g'
      out.float64(value);
    }
  } else if (typeof value === 'string') {
    const bytes = encodeString(value);
    if (bytes.length === value.length) {
      // ASCII: Python builds the str without UTF-8 decoding (as its own marshal writes them)
      if (bytes.length < 256) {
        out.byte(0x7a); // 'z' short ASCII
        out.byte(bytes.length);
      } else {
        out.byte(0x61); // 'a' ASCII
        out.int32(bytes.length);
      }
    } else {
      out.byte(0x75); // 'u'
      out.int32(bytes.length);
    }
    out.reserve(bytes.length);
    bytes.copy(out.buffer, out.length);
    out.length += bytes.length;
  } else if (Array.isArray(value)) {
    out.byte(0x5b); // '['
    out.int32(value.length);
    for (const item of value) writeValue(out, item, depth + 1);
  } else if (typeof value === 'object') {
    out.byte(0x7b); // '{'
    for (const [key, item] of Object.entries(value)) {
      writeValue(out, key, depth + 1);
      writeValue(out, item, depth + 1);
    }
    out.byte(0x30); // '0': end of dict
  } else {
    throw new Error(`marshal: ${typeof value} is not a JSON value`);
  }
}

/**
 * The `marshal` bytes of the JSON text's value (see the module comment for the exact mapping).
 * @throws SyntaxError for invalid JSON; {@link MarshalDepthError} for nesting deeper than {@link MAX_DEPTH}.
 */
export function jsonToMarshal(json: string): Buffer {
  const out = new ByteWriter(json.length);
  writeValue(out, JSON.parse(json) as unknown, 0);
  return out.buffer.subarray(0, out.length);
}
