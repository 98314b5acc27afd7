import { describe, expect, it } from 'vitest'
import { encodingMatrix, gfMul, gfPow, matrixInvert, matrixMul, identity } from './gf256.ts'
import { createReedSolomon, createReedSolomonScalar } from './index.ts'
import { createReedSolomonWithKernel } from './reed-solomon.ts'
import { availableKernels, randomBytes, rng, RustReedSolomon } from './test-support.ts'

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

describe('golden vector (pins the share format without any library)', () => {
  // 'Layr erasure v1!' split into 4 data shares of 4 bytes, 4 parity shares: the parity
  // klauspost/reedsolomon, Backblaze JavaReedSolomon and reed-solomon-erasure all produce.
  const data = new TextEncoder().encode('Layr erasure v1!')
  const parityHex = ['a255d2c0', '4c43743c', '7879a355', 'a9684dfe']

  it.each(availableKernels().map((kernel) => [kernel.name, kernel] as const))('%s kernel', (_, kernel) => {
    const shares = createReedSolomonWithKernel(4, 8, kernel).encode(data)
    expect(shares.slice(0, 4).map(hex)).toEqual(['4c617972', '20657261', '73757265', '20763121'])
    expect(shares.slice(4).map(hex)).toEqual(parityHex)
  })
})

describe('GF(2^8) with polynomial 0x11D', () => {
  it('has the textbook products and powers', () => {
    expect(gfMul(2, 0x80)).toBe(0x1d) // x * x^7 = x^8 = x^4 + x^3 + x^2 + 1
    expect(gfMul(3, 7)).toBe(9)
    expect(gfMul(0, 200)).toBe(0)
    expect(gfPow(2, 8)).toBe(0x1d)
    expect(gfPow(0, 0)).toBe(1)
    expect(gfPow(0, 3)).toBe(0)
    // 2 generates the multiplicative group: its powers hit all 255 non-zero elements.
    expect(new Set(Array.from({ length: 255 }, (_, i) => gfPow(2, i))).size).toBe(255)
  })

  it('inverts matrices', () => {
    const m = encodingMatrix(5, 9).slice(3, 8)
    expect(matrixMul(m, matrixInvert(m))).toEqual(identity(5))
  })

  it('builds a systematic encoding matrix', () => {
    const m = encodingMatrix(4, 8)
    expect(m.slice(0, 4)).toEqual(identity(4))
  })
})

describe('parity is byte-for-byte that of the Rust reed-solomon-erasure crate', () => {
  const rust = new RustReedSolomon()
  const configs: [number, number][] = [
    [4, 8],
    [10, 14],
    [1, 2],
    [2, 3],
    [4, 6],
    [5, 12],
    [17, 20],
    [29, 80],
    [3, 255],
    [128, 255],
    [254, 255],
  ]
  const shareSizes = [1, 3, 15, 16, 17, 64, 100, 1000, 22_000]

  for (const kernel of availableKernels()) {
    describe(`${kernel.name} kernel`, () => {
      it.each(configs)('k=%i, n=%i', (k, n) => {
        const random = rng(k * 1000 + n)
        const rs = createReedSolomonWithKernel(k, n, kernel)
        // Big shares times many rows get slow on the scalar kernel; keep the sum of bytes in check.
        const sizes = shareSizes.filter((s) => s * n <= 2_000_000)
        for (const size of sizes) {
          const data = randomBytes(random, k * size)
          const shares = rs.encode(data)
          const expected = rust.parity(data, k, n)
          expect(shares.length).toBe(n)
          for (let i = 0; i < n - k; i++) {
            if (hex(shares[k + i]!) !== hex(expected[i]!)) {
              throw new Error(`parity share ${k + i} differs for k=${k} n=${n} size=${size}`)
            }
          }
        }
      })
    })
  }

  it('the Rust crate rebuilds data from our shares, and we from a subset it accepts', () => {
    const random = rng(7)
    for (const [k, n] of [
      [4, 8],
      [10, 14],
      [17, 20],
    ] as const) {
      const data = randomBytes(random, k * 777)
      const shares = createReedSolomon(k, n).encode(data)
      const present = shares.map((_, i) => i >= n - k) // lose the first n-k shares
      expect(hex(rust.reconstructData(shares, present, k))).toBe(hex(data))
      const partial = shares.map((s, i) => (present[i] ? s : undefined))
      expect(hex(createReedSolomonScalar(k, n).reconstruct(partial))).toBe(hex(data))
    }
  })
})
