import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { wasmKernel } from './kernel-wasm.ts'
import { RS_RELAXED_SIMD_WASM, RS_SIMD_WASM } from './rs-simd.wasm.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))

describe('the committed wasm', () => {
  it('is what compiling rs-simd.wat gives now', () => {
    // Exits non-zero (and this throws) when rs-simd.wasm.ts is stale.
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, stdio: 'pipe' })
  })

  it('stays small enough for synchronous compilation on a browser main thread', () => {
    for (const b64 of [RS_SIMD_WASM, RS_RELAXED_SIMD_WASM]) expect(atob(b64).length).toBeLessThan(4096)
  })
})

describe('kernel selection', () => {
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it('uses WASM SIMD in Node 20+', () => {
    expect(wasmKernel('simd')?.name).toBe('wasm-simd')
  })

  it('falls back to the scalar kernel when the engine lacks WASM SIMD', async () => {
    vi.resetModules()
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false)
    const { createReedSolomon } = await import('./index.ts')
    const rs = createReedSolomon(4, 8)
    expect(rs.backend).toBe('scalar')
    const shares = rs.encode(new TextEncoder().encode('Layr erasure v1!'))
    expect(Array.from(shares[4]!)).toEqual([0xa2, 0x55, 0xd2, 0xc0])
  })

  it('falls back to the scalar kernel when there is no WebAssembly at all', async () => {
    vi.resetModules()
    vi.stubGlobal('WebAssembly', undefined)
    const { createReedSolomon } = await import('./index.ts')
    expect(createReedSolomon(10, 14).backend).toBe('scalar')
  })

  // Node 20 runs relaxed SIMD only behind a flag, so check that kernel in a child process.
  it.skipIf(wasmKernel('relaxed-simd') !== undefined)('relaxed-SIMD kernel matches the scalar one', () => {
    const script = `
      const { wasmKernel } = await import(${JSON.stringify(`${here}kernel-wasm.ts`)})
      const { scalarKernel } = await import(${JSON.stringify(`${here}kernel-scalar.ts`)})
      const { createReedSolomonWithKernel } = await import(${JSON.stringify(`${here}reed-solomon.ts`)})
      const relaxed = wasmKernel('relaxed-simd')
      if (!relaxed) { console.log('UNAVAILABLE'); process.exit(0) }
      let seed = 1
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24
      for (const [k, n] of [[1, 2], [4, 8], [5, 12], [10, 14], [3, 255]]) {
        for (const size of [1, 17, 64, 1000, 70001]) {
          if (size * n > 3000000) continue
          const data = Uint8Array.from({ length: k * size }, rand)
          const a = createReedSolomonWithKernel(k, n, relaxed).encode(data)
          const b = createReedSolomonWithKernel(k, n, scalarKernel).encode(data)
          const lost = Array.from({ length: n }, (_, i) => i < n - k ? undefined : a[i])
          const back = createReedSolomonWithKernel(k, n, relaxed).reconstruct(lost)
          const same = a.every((s, i) => s.every((x, j) => x === b[i][j])) && back.every((x, j) => x === data[j])
          if (!same) { console.log('MISMATCH', k, n, size); process.exit(0) }
        }
      }
      console.log('OK ' + relaxed.name)
    `
    const output = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output.trim()).toBe('OK wasm-relaxed-simd')
  })
})
