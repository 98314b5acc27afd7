import { MUL } from './gf256.ts'

/**
 * A `rows x k` matrix of GF(2^8) coefficients, row-major, applied to k equally long shares.
 * Instances are cached and shared, so treat them as immutable.
 */
export class CoefficientMatrix {
  private _nibbleTables: Uint8Array | undefined

  constructor(
    readonly rows: number,
    readonly k: number,
    readonly coeffs: Uint8Array,
  ) {}

  /**
   * For the SIMD kernel, 32 bytes per coefficient c, in row-major order:
   * c·j for j < 16, then c·(j << 4) for j < 16. Built on first use.
   */
  get nibbleTables(): Uint8Array {
    if (this._nibbleTables) return this._nibbleTables
    const tables = new Uint8Array(this.coeffs.length * 32)
    this.coeffs.forEach((coef, i) => {
      const base = coef << 8
      for (let j = 0; j < 16; j++) {
        tables[i * 32 + j] = MUL[base | j]!
        tables[i * 32 + 16 + j] = MUL[base | (j << 4)]!
      }
    })
    return (this._nibbleTables = tables)
  }
}

export type KernelName = 'wasm-relaxed-simd' | 'wasm-simd' | 'scalar'

/** The one hot loop of the code, behind which the backends differ. */
export interface GfKernel {
  readonly name: KernelName
  /**
   * outputs[r][i] = XOR over c of matrix(r, c) · inputs[c][i], for i < length.
   * Needs matrix.k inputs and matrix.rows outputs, each at least `length` bytes, outputs not
   * overlapping inputs; `length` > 0. Bytes of outputs past `length` are left alone.
   */
  mulRows(matrix: CoefficientMatrix, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void
}
