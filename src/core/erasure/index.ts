/**
 * Erasure coding: a segment becomes n shares, any k of which rebuild it.
 *
 * The code is systematic Reed-Solomon over GF(2^8) (polynomial 0x11D) with the encoding
 * matrix of klauspost/reedsolomon, Backblaze JavaReedSolomon and the Rust
 * reed-solomon-erasure crate (a Vandermonde matrix times the inverse of its top k x k
 * square), so our shares are byte-for-byte what those libraries make; tests pin this
 * against the Rust crate's npm build and a golden vector. Shares 0..k-1 are the data
 * itself, so a download with every data share present does no arithmetic.
 *
 * All arithmetic is one operation, "multiply a small coefficient matrix by k shares"
 * (GfKernel). The fast kernel is hand-written WebAssembly SIMD (rs-simd.wat: nibble
 * lookups with i8x16.swizzle, four output rows per input pass, shares streamed through
 * an L2-sized staging area; where the engine has relaxed SIMD, as Chromium does, a twin
 * built with i8x16.relaxed_swizzle runs 1.4-1.6x faster); a pure TypeScript kernel is the fallback where WebAssembly
 * SIMD is missing and the reference the tests compare against. Encoding matrices are
 * cached per (k, n), decode matrices per set of shares used, in a small LRU.
 *
 * encode() and reconstruct() return fresh arrays. Touching fresh memory costs a page fault
 * per 4 KiB, which on our VMs runs at about 2 GB/s, below the kernel's speed; callers that
 * can reuse buffers use encodeParityInto() and reconstructInto() instead.
 */
export { DEFAULT_POLICY, MAX_SHARES, makePolicy, type RedundancyPolicy } from './policy.ts'
export { createReedSolomon, createReedSolomonScalar, type ErasureScheme, type ReedSolomonScheme } from './reed-solomon.ts'
export type { KernelName } from './kernel.ts'
