/**
 * Named corruptors, in the spirit of Tahoe-LAFS's catalogue: each returns a
 * damaged copy of a share, so tests say what kind of damage they inflict.
 */
export type Corruptor = (share: Uint8Array) => Uint8Array

export const corruptors = {
  /** One bit flipped in the middle. */
  flipBit: (s) => {
    const c = new Uint8Array(s)
    if (c.length) c[c.length >> 1]! ^= 0x01
    return c
  },
  /** The first byte changed. */
  flipFirstByte: (s) => {
    const c = new Uint8Array(s)
    if (c.length) c[0]! ^= 0xff
    return c
  },
  /** Last byte dropped. */
  truncate: (s) => s.slice(0, Math.max(0, s.length - 1)),
  /** One byte appended. */
  extend: (s) => {
    const c = new Uint8Array(s.length + 1)
    c.set(s)
    return c
  },
  /** Every byte zero (a host that stored nothing). */
  zero: (s) => new Uint8Array(s.length),
  /** The two halves swapped. */
  swapHalves: (s) => {
    const h = s.length >> 1
    const c = new Uint8Array(s.length)
    c.set(s.subarray(h), 0)
    c.set(s.subarray(0, h), s.length - h)
    return c
  },
} satisfies Record<string, Corruptor>

export type CorruptorName = keyof typeof corruptors

/** A deterministic byte pattern generator (xorshift32), for test data without a crypto RNG. */
export function patternBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** Every subset of {0..n-1}, as sorted index lists. */
export function subsets(n: number): number[][] {
  const out: number[][] = []
  for (let mask = 0; mask < 1 << n; mask++) {
    const s: number[] = []
    for (let i = 0; i < n; i++) if (mask & (1 << i)) s.push(i)
    out.push(s)
  }
  return out
}
