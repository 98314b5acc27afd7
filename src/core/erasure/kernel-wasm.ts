import type { CoefficientMatrix, GfKernel, KernelName } from './kernel.ts'
import { RS_RELAXED_SIMD_WASM, RS_SIMD_WASM } from './rs-simd.wasm.ts'

/**
 * The WASM-SIMD kernel (rs-simd.wat). Shares are streamed through a small staging area in
 * wasm memory, one block of each share at a time: the block of every input share is copied
 * in once, the kernel computes every output row for it, and the output block is copied out.
 * The staging area stays in L2 whatever the share size, and memory stays small.
 */

interface KernelExports {
  readonly memory: WebAssembly.Memory
  mul(tab: number, input: number, k: number, out: number, m: number, stride: number, len: number): void
}

/** Staging bytes for one block of all k + rows shares: about L2-sized. */
const STAGING_BUDGET = 256 * 1024
const MAX_BLOCK = 64 * 1024
const MIN_BLOCK = 1024

export type WasmVariant = 'relaxed-simd' | 'simd'

const cache = new Map<WasmVariant, GfKernel | null>()

/**
 * The kernel compiled for `variant`, or undefined when this engine cannot run it
 * (no WebAssembly, no SIMD, or for 'relaxed-simd' no relaxed SIMD).
 */
export function wasmKernel(variant: WasmVariant): GfKernel | undefined {
  let kernel = cache.get(variant)
  if (kernel === undefined) {
    kernel = instantiate(variant)
    cache.set(variant, kernel)
  }
  return kernel ?? undefined
}

/** The fastest wasm kernel this engine runs, if any. */
export function bestWasmKernel(): GfKernel | undefined {
  return wasmKernel('relaxed-simd') ?? wasmKernel('simd')
}

function instantiate(variant: WasmVariant): GfKernel | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return null
  const bytes = fromBase64(variant === 'simd' ? RS_SIMD_WASM : RS_RELAXED_SIMD_WASM)
  if (!WebAssembly.validate(bytes)) return null
  try {
    // Synchronous compilation is fine: the module is about 1.3 KB.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes))
    return new WasmKernel(variant === 'simd' ? 'wasm-simd' : 'wasm-relaxed-simd', instance.exports as unknown as KernelExports)
  } catch {
    return null // e.g. a content security policy without 'wasm-unsafe-eval'
  }
}

class WasmKernel implements GfKernel {
  private heap: Uint8Array

  constructor(
    readonly name: KernelName,
    private readonly wasm: KernelExports,
  ) {
    this.heap = new Uint8Array(wasm.memory.buffer)
  }

  mulRows(matrix: CoefficientMatrix, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void {
    const { k, rows } = matrix
    const tables = matrix.nibbleTables
    // Block per share: a multiple of 16 (the kernel's step), the whole share when it is short.
    let block = Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, Math.floor(STAGING_BUDGET / (k + rows) / 64) * 64))
    block = Math.min(block, roundUp16(length))
    const inBase = roundUp16(tables.length)
    const outBase = inBase + k * block
    const heap = this.reserve(outBase + rows * block)
    heap.set(tables, 0)
    for (let pos = 0; pos < length; pos += block) {
      const len = Math.min(block, length - pos)
      for (let c = 0; c < k; c++) heap.set(inputs[c]!.subarray(pos, pos + len), inBase + c * block)
      // Tail bytes past len in a short last block hold stale data; their outputs are dropped.
      this.wasm.mul(0, inBase, k, outBase, rows, block, roundUp16(len))
      for (let r = 0; r < rows; r++) {
        const from = outBase + r * block
        outputs[r]!.set(heap.subarray(from, from + len), pos)
      }
    }
  }

  /** A view of wasm memory with at least `bytes` bytes, growing it when needed. */
  private reserve(bytes: number): Uint8Array {
    const memory = this.wasm.memory
    const have = memory.buffer.byteLength
    if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536))
    if (this.heap.buffer !== memory.buffer) this.heap = new Uint8Array(memory.buffer)
    return this.heap
  }
}

function roundUp16(x: number): number {
  return Math.ceil(x / 16) * 16
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
