import { MUL } from './gf256.ts'
import type { CoefficientMatrix, GfKernel } from './kernel.ts'

/**
 * Pure TypeScript kernel: one lookup in the 64 KiB multiplication table per byte and
 * coefficient. The fallback when WebAssembly SIMD is missing, and the reference in tests.
 */
export const scalarKernel: GfKernel = {
  name: 'scalar',
  mulRows(matrix: CoefficientMatrix, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number) {
    const { rows, k, coeffs } = matrix
    for (let r = 0; r < rows; r++) {
      const out = outputs[r]!
      for (let c = 0; c < k; c++) {
        const coef = coeffs[r * k + c]!
        const input = inputs[c]!
        if (c === 0) {
          if (coef === 0) out.fill(0, 0, length)
          else if (coef === 1) out.set(input.subarray(0, length))
          else {
            const t = MUL.subarray(coef << 8, (coef << 8) + 256)
            for (let i = 0; i < length; i++) out[i] = t[input[i]!]!
          }
        } else if (coef === 1) {
          for (let i = 0; i < length; i++) out[i]! ^= input[i]!
        } else if (coef !== 0) {
          const t = MUL.subarray(coef << 8, (coef << 8) + 256)
          for (let i = 0; i < length; i++) out[i]! ^= t[input[i]!]!
        }
      }
    }
  },
}
