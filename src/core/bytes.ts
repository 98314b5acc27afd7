/**
 * Small byte helpers shared by the core: concatenation, hex, big-endian
 * integers, comparison and Crockford base32. No dependencies, no Node APIs.
 */
import { InvalidInputError } from './errors.ts'

/** Throws InvalidInputError unless `value` is a Uint8Array (of `length` bytes, when given). */
export function requireBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidInputError(`${name} must be a Uint8Array, got ${describe(value)}.`)
  }
  if (length !== undefined && value.length !== length) {
    throw new InvalidInputError(`${name} must be ${length} bytes, got ${value.length}.`)
  }
}

/** Throws InvalidInputError unless `value` is an integer in [min, max]. */
export function requireInteger(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}.`)
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}

/**
 * The same bytes typed as backed by a plain ArrayBuffer, which is what WebCrypto's
 * BufferSource accepts. Views on a SharedArrayBuffer are copied; others are returned as is.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>
  return new Uint8Array(bytes)
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text)
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += HEX[b]
  return s
}

/** Parses hex (either case); InvalidInputError on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0) throw new InvalidInputError(`Hex string must have an even length, got ${hex.length}.`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const pair = hex.slice(2 * i, 2 * i + 2)
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) {
      throw new InvalidInputError(`Invalid hex character near position ${2 * i + 1}: "${pair}".`)
    }
    out[i] = parseInt(pair, 16)
  }
  return out
}

/** 4 bytes, big-endian. */
export function u32be(n: number): Uint8Array<ArrayBuffer> {
  requireInteger('u32 value', n, 0, 0xffffffff)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** 8 bytes, big-endian (values up to Number.MAX_SAFE_INTEGER). */
export function u64be(n: number): Uint8Array<ArrayBuffer> {
  requireInteger('u64 value', n)
  const out = new Uint8Array(8)
  writeU64be(out, 0, n)
  return out
}

/** Writes n (a safe integer ≥ 0) as 8 big-endian bytes at `offset`. */
export function writeU64be(target: Uint8Array, offset: number, n: number): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength)
  view.setUint32(offset, Math.floor(n / 0x1_0000_0000))
  view.setUint32(offset + 4, n >>> 0)
}

export function readU32be(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset)
}

export function readU64be(bytes: Uint8Array, offset = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4)
  if (!Number.isSafeInteger(n)) throw new InvalidInputError(`u64 value ${n} exceeds Number.MAX_SAFE_INTEGER.`)
  return n
}

/** Byte equality whose running time depends only on the lengths (for secrets and MACs). */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Crockford's base32 alphabet: digits and letters without I, L, O and U. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

const CROCKFORD_VALUES: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>()
  for (let i = 0; i < 32; i++) {
    const c = CROCKFORD_ALPHABET.charAt(i)
    m.set(c, i)
    m.set(c.toLowerCase(), i)
  }
  for (const [alias, value] of [
    ['O', 0],
    ['I', 1],
    ['L', 1],
  ] as const) {
    m.set(alias, value)
    m.set(alias.toLowerCase(), value)
  }
  return m
})()

/** The 5-bit value of a Crockford base32 character (case-insensitive; O→0, I/L→1), or undefined. */
export function crockfordValue(char: string): number | undefined {
  return CROCKFORD_VALUES.get(char)
}

/** Crockford base32 (uppercase, no padding). The final character's unused low bits are zero. */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += CROCKFORD_ALPHABET.charAt((acc >>> bits) & 31)
    }
  }
  if (bits > 0) out += CROCKFORD_ALPHABET.charAt((acc << (5 - bits)) & 31)
  return out
}

/**
 * Decodes Crockford base32 (case-insensitive, O→0, I/L→1, no separators).
 * InvalidInputError on an invalid character, an impossible length, or non-zero
 * padding bits in the final character (so every string has one canonical meaning).
 */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const byteLength = Math.floor((text.length * 5) / 8)
  const padBits = text.length * 5 - byteLength * 8
  if (padBits >= 5) {
    throw new InvalidInputError(`A base32 string cannot have ${text.length} characters.`)
  }
  const out = new Uint8Array(byteLength)
  let acc = 0
  let bits = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const v = crockfordValue(text.charAt(i))
    if (v === undefined) {
      throw new InvalidInputError(`Invalid base32 character "${text.charAt(i)}" at position ${i + 1}.`)
    }
    acc = ((acc << 5) | v) & 0xfff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >>> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new InvalidInputError('The last base32 character has non-zero padding bits.')
  }
  return out
}
