import { describe, expect, it } from 'vitest'
import { InvalidInputError, InvalidPolicyError } from '../errors.ts'
import { createReedSolomon, createReedSolomonScalar } from './index.ts'
import { scalarKernel } from './kernel-scalar.ts'
import { createReedSolomonWithKernel } from './reed-solomon.ts'
import { availableKernels, randomBytes, randomSubset, rng } from './test-support.ts'

const kernels = availableKernels()

/** Every subset of 0..n-1 as a list of missing indices (n small), or `count` random ones. */
function missingSets(n: number, k: number, count: number, random: () => number): number[][] {
  if (n <= 10) {
    return Array.from({ length: 1 << n }, (_, mask) => Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i)))
  }
  const sets: number[][] = [[], Array.from({ length: n - k }, (_, i) => i), Array.from({ length: n - k + 1 }, (_, i) => i)]
  while (sets.length < count) {
    // Mostly around the threshold, where mistakes would show.
    const lost = Math.min(n, Math.max(0, n - k - 2 + Math.floor(random() * 4)))
    sets.push(randomSubset(random, n, lost))
  }
  return sets
}

function without(shares: readonly Uint8Array[], missing: readonly number[]): (Uint8Array | undefined)[] {
  return shares.map((s, i) => (missing.includes(i) ? undefined : s))
}

describe.each(kernels.map((k) => [k.name, k] as const))('reconstruct, %s kernel', (_, kernel) => {
  const cases: [number, number, number, number][] = [
    // k, n, share size, random subsets when n > 10
    [1, 2, 33, 0],
    [2, 3, 16, 0],
    [3, 5, 47, 0],
    [4, 6, 64, 0],
    [4, 8, 100, 0],
    [5, 10, 17, 0],
    [10, 14, 129, 150],
    [17, 20, 31, 150],
    [29, 80, 20, 40],
    [3, 255, 5, 20],
  ]

  it.each(cases)('k=%i n=%i: rebuilds exactly when at least k shares remain', (k, n, size, count) => {
    const random = rng(k * 7919 + n)
    const rs = createReedSolomonWithKernel(k, n, kernel)
    const data = randomBytes(random, k * size)
    const shares = rs.encode(data)
    for (const missing of missingSets(n, k, count, random)) {
      const partial = without(shares, missing)
      if (n - missing.length >= k) {
        const back = rs.reconstruct(partial)
        if (!equal(back, data)) throw new Error(`wrong data with shares ${missing.join(',')} missing`)
        const rebuilt = rs.reconstructShares(partial, missing)
        rebuilt.forEach((share, j) => {
          if (!equal(share, shares[missing[j]!]!)) throw new Error(`share ${missing[j]} rebuilt wrong`)
        })
      } else {
        expect(() => rs.reconstruct(partial)).toThrow(InvalidInputError)
        expect(() => rs.reconstructShares(partial, missing)).toThrow(InvalidInputError)
      }
    }
  })

  it('handles shares spanning many staging blocks with a ragged tail', () => {
    const random = rng(99)
    for (const [k, n, size] of [
      [4, 8, 3 * 65536 + 5],
      [10, 14, 100_003],
      [2, 9, 70_001],
    ] as const) {
      const rs = createReedSolomonWithKernel(k, n, kernel)
      const data = randomBytes(random, k * size)
      const shares = rs.encode(data)
      const missing = randomSubset(random, n, n - k)
      expect(equal(rs.reconstruct(without(shares, missing)), data)).toBe(true)
    }
  })
})

describe('backends agree', () => {
  // Share sizes around the SIMD step (16) and the kernel's unrolling, and output row counts
  // that exercise every row grouping (4, 2, 1).
  const sizes = [1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 255, 1000, 4097, 65_537]
  const codes: [number, number][] = [
    [1, 2],
    [2, 3],
    [3, 6],
    [4, 8],
    [5, 11],
    [5, 12],
    [6, 13],
    [10, 14],
    [7, 255],
  ]
  const fast = kernels.filter((k) => k !== scalarKernel)

  it('has a WASM SIMD kernel to compare in this runtime', () => {
    expect(fast.length).toBeGreaterThan(0)
    expect(createReedSolomon(4, 8).backend).not.toBe('scalar')
  })

  it.each(codes)('k=%i n=%i: SIMD and scalar produce the same parity and rebuilds', (k, n) => {
    const random = rng(k * 31 + n)
    const scalar = createReedSolomonScalar(k, n)
    for (const size of sizes) {
      if (size * n > 3_000_000) continue
      const data = randomBytes(random, k * size)
      const expected = scalar.encode(data)
      const missing = randomSubset(random, n, n - k)
      const expectedBack = scalar.reconstructShares(without(expected, missing), missing)
      for (const kernel of fast) {
        const rs = createReedSolomonWithKernel(k, n, kernel)
        const got = rs.encode(data)
        got.forEach((share, i) => {
          if (!equal(share, expected[i]!)) throw new Error(`${kernel.name}: share ${i} differs, size ${size}`)
        })
        const back = rs.reconstructShares(without(got, missing), missing)
        back.forEach((share, i) => {
          if (!equal(share, expectedBack[i]!)) throw new Error(`${kernel.name}: rebuilt share differs, size ${size}`)
        })
      }
    }
  })
})

describe('ErasureScheme contract', () => {
  const rs = createReedSolomon(4, 8)
  const data = randomBytes(rng(1), 4 * 10)

  it('sizes shares as ceil(length / k)', () => {
    expect([0, 1, 4, 5, 8, 1001].map((len) => rs.shareSize(len))).toEqual([0, 1, 1, 2, 2, 251])
    expect(rs.k).toBe(4)
    expect(rs.n).toBe(8)
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => rs.shareSize(bad)).toThrow(InvalidInputError)
  })

  it('returns data shares as views of the input and parity as fresh arrays', () => {
    const shares = rs.encode(data)
    shares.slice(0, 4).forEach((share, i) => {
      expect(share.buffer).toBe(data.buffer)
      expect(share.byteOffset).toBe(i * 10)
    })
    for (const p of shares.slice(4)) expect(p.buffer).not.toBe(data.buffer)
    expect(new Set(shares.slice(4).map((p) => p.buffer)).size).toBe(4)
  })

  it('encodes the empty input to n empty shares and back', () => {
    const shares = rs.encode(new Uint8Array(0))
    expect(shares.map((s) => s.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect(rs.reconstruct(without(shares, [0, 1, 2, 3])).length).toBe(0)
  })

  it('rebuilds fresh arrays that do not alias the inputs, in the order asked', () => {
    const shares = rs.encode(data)
    const partial = without(shares, [1, 6])
    const [six, one, again, two] = rs.reconstructShares(partial, [6, 1, 6, 2])
    expect(equal(six!, shares[6]!)).toBe(true)
    expect(equal(one!, shares[1]!)).toBe(true)
    expect(equal(again!, shares[6]!)).toBe(true)
    expect(again).not.toBe(six)
    expect(equal(two!, shares[2]!)).toBe(true) // present: a copy
    expect(two!.buffer).not.toBe(data.buffer)
    const back = rs.reconstruct(partial)
    expect(back.buffer).not.toBe(data.buffer)
    expect(equal(back, data)).toBe(true)
  })

  it('has allocation-free variants that give the same bytes', () => {
    const shares = rs.encode(data)
    const parity = Array.from({ length: 4 }, () => new Uint8Array(10).fill(0xee))
    rs.encodeParityInto(data, parity)
    parity.forEach((p, i) => expect(equal(p, shares[4 + i]!)).toBe(true))
    // In place: data shares are views of `out`; the missing ones are written there.
    const out = new Uint8Array(40)
    out.set(data)
    const inPlace = [0, 1, 2, 3].map((i) => out.subarray(i * 10, i * 10 + 10) as Uint8Array | undefined).concat(parity)
    out.fill(0, 0, 20)
    inPlace[0] = undefined
    inPlace[1] = undefined
    rs.reconstructInto(inPlace, out)
    expect(equal(out, data)).toBe(true)
    expect(() => rs.encodeParityInto(data, parity.slice(1))).toThrow(InvalidInputError)
    expect(() => rs.encodeParityInto(data, [...parity.slice(1), new Uint8Array(9)])).toThrow(InvalidInputError)
    expect(() => rs.reconstructInto(shares, new Uint8Array(39))).toThrow(InvalidInputError)
  })

  it.each([
    ['a length not a multiple of k', () => rs.encode(new Uint8Array(41)), /multiple of k=4/],
    ['not bytes', () => rs.encode([1, 2, 3, 4] as unknown as Uint8Array), /Uint8Array/],
    ['too few share slots', () => rs.reconstruct(rs.encode(data).slice(0, 7)), /n=8 shares/],
    ['a non-array', () => rs.reconstruct('shares' as unknown as Uint8Array[]), /n=8 shares/],
    ['shares of different lengths', () => rs.reconstruct([...rs.encode(data).slice(0, 7), new Uint8Array(11)]), /share 7 is 11 bytes/],
    ['a share that is not bytes', () => rs.reconstruct([...rs.encode(data).slice(0, 7), 'x' as unknown as Uint8Array]), /share 7 must be a Uint8Array/],
    ['fewer than k shares', () => rs.reconstruct(without(rs.encode(data), [0, 2, 4, 6, 7])), /only 3 of 8 shares present; at least k=4/],
    ['a wanted index out of range', () => rs.reconstructShares(rs.encode(data), [8]), /from 0 to 7, got 8/],
    ['a fractional wanted index', () => rs.reconstructShares(rs.encode(data), [1.5]), /got 1.5/],
  ])('rejects %s with InvalidInputError', (_, call, message) => {
    expect(call).toThrow(InvalidInputError)
    expect(call).toThrow(message)
  })

  it.each([
    [0, 4],
    [4, 4],
    [5, 4],
    [4, 256],
    [2.5, 4],
    [Number.NaN, 4],
  ])('refuses to build a code with k=%d, n=%d', (k, n) => {
    expect(() => createReedSolomon(k, n)).toThrow(InvalidPolicyError)
    expect(() => createReedSolomonScalar(k, n)).toThrow(InvalidPolicyError)
  })

  it('keeps giving right answers as the decode-matrix cache evicts', () => {
    const code = createReedSolomon(6, 12)
    const random = rng(5)
    const d = randomBytes(random, 6 * 40)
    const shares = code.encode(d)
    for (let round = 0; round < 3; round++) {
      // 924 ways to lose 6 of 12 shares: far more than the cache holds.
      for (let i = 0; i < 120; i++) {
        const missing = randomSubset(random, 12, 6)
        expect(equal(code.reconstruct(without(shares, missing)), d)).toBe(true)
      }
    }
  })
})

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
