/**
 * Shared by the erasure tests only (it reads files with node:fs): a seeded random source,
 * the kernels to run every test against, and the independent Rust implementation.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'
import type { GfKernel } from './kernel.ts'
import { scalarKernel } from './kernel-scalar.ts'
import { wasmKernel } from './kernel-wasm.ts'

/** mulberry32: a small deterministic PRNG, so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0
  return out
}

/** `size` distinct indices below n, in increasing order. */
export function randomSubset(random: () => number, n: number, size: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all.slice(0, size).sort((a, b) => a - b)
}

/**
 * Every kernel this process can run. Node 20 has WASM SIMD but not relaxed SIMD
 * (without a flag); a separate test runs the relaxed kernel in a child process.
 */
export function availableKernels(): GfKernel[] {
  const kernels = [scalarKernel]
  for (const variant of ['simd', 'relaxed-simd'] as const) {
    const kernel = wasmKernel(variant)
    if (kernel) kernels.push(kernel)
  }
  return kernels
}

/** The Rust reed-solomon-erasure crate (galois_8) compiled to wasm, as published on npm. */
export class RustReedSolomon {
  private readonly lib: ReedSolomonErasure

  constructor() {
    const require = createRequire(import.meta.url)
    const path = require.resolve('@digitaldefiance/reed-solomon-erasure.wasm/wasm')
    this.lib = ReedSolomonErasure.fromBytes(readFileSync(path))
  }

  /** Parity shares for `data` (a multiple of k bytes long). */
  parity(data: Uint8Array, k: number, n: number): Uint8Array[] {
    const size = data.length / k
    const shards = new Uint8Array(size * n)
    shards.set(data)
    const result = this.lib.encode(shards, k, n - k)
    if (result !== ReedSolomonErasure.RESULT_OK) {
      throw new Error(`library encode failed: ${ReedSolomonErasure.getResultMessage(result)}`)
    }
    return Array.from({ length: n - k }, (_, i) => shards.slice((k + i) * size, (k + i + 1) * size))
  }

  /** The data shares rebuilt from the shares marked present (the others are zeroed first). */
  reconstructData(shares: readonly Uint8Array[], present: readonly boolean[], k: number): Uint8Array {
    const n = shares.length
    const size = shares[0]!.length
    const shards = new Uint8Array(size * n)
    shares.forEach((s, i) => {
      if (present[i]) shards.set(s, i * size)
    })
    const result = this.lib.reconstruct(shards, k, n - k, [...present])
    if (result !== ReedSolomonErasure.RESULT_OK) {
      throw new Error(`library reconstruct failed: ${ReedSolomonErasure.getResultMessage(result)}`)
    }
    return shards.slice(0, k * size)
  }
}
