/**
 * Arithmetic in GF(2^8) with the polynomial x^8+x^4+x^3+x^2+1 (0x11D) and generator 2,
 * the field of klauspost/reedsolomon, Backblaze JavaReedSolomon and the Rust
 * reed-solomon-erasure crate, plus the small dense-matrix algebra the code needs.
 * Matrices are arrays of rows; they are tiny (at most 255 x 255), so clarity wins here.
 */

export const GF_POLYNOMIAL = 0x11d

/** EXP[i] = 2^i, doubled in length so EXP[LOG[a] + LOG[b]] needs no modulo. */
export const EXP = new Uint8Array(510)
/** LOG[a] for a != 0; LOG[0] is unused. */
export const LOG = new Uint8Array(256)
/** MUL[a * 256 + b] = a·b: 64 KiB, the scalar coder's inner-loop table. */
export const MUL = new Uint8Array(65536)

{
  let x = 1
  for (let i = 0; i < 255; i++) {
    EXP[i] = x
    EXP[i + 255] = x
    LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= GF_POLYNOMIAL
  }
  for (let a = 1; a < 256; a++) {
    const la = LOG[a]!
    for (let b = 1; b < 256; b++) MUL[(a << 8) | b] = EXP[la + LOG[b]!]!
  }
}

export function gfMul(a: number, b: number): number {
  return MUL[((a & 255) << 8) | (b & 255)]!
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)')
  return EXP[255 - LOG[a]!]!
}

/** a^e, with 0^0 = 1 (the convention the Vandermonde construction depends on). */
export function gfPow(a: number, e: number): number {
  if (e === 0) return 1
  if (a === 0) return 0
  return EXP[(LOG[a]! * e) % 255]!
}

export type Matrix = Uint8Array[]

export function matrixMul(a: readonly Uint8Array[], b: readonly Uint8Array[]): Matrix {
  const inner = b.length
  const cols = b[0]?.length ?? 0
  return a.map((row) => {
    const out = new Uint8Array(cols)
    for (let i = 0; i < inner; i++) {
      const coef = row[i]!
      if (coef === 0) continue
      const bi = b[i]!
      for (let c = 0; c < cols; c++) out[c]! ^= gfMul(coef, bi[c]!)
    }
    return out
  })
}

/**
 * Inverse of a square matrix by Gauss-Jordan elimination. Throws RangeError if singular,
 * which cannot happen for k rows of an encoding matrix (any k of its rows are independent).
 */
export function matrixInvert(m: readonly Uint8Array[]): Matrix {
  const size = m.length
  const a = m.map((row) => Uint8Array.from(row))
  const inv = identity(size)
  for (let col = 0; col < size; col++) {
    let pivot = col
    while (pivot < size && a[pivot]![col] === 0) pivot++
    if (pivot === size) throw new RangeError('matrix is singular')
    if (pivot !== col) {
      ;[a[col], a[pivot]] = [a[pivot]!, a[col]!]
      ;[inv[col], inv[pivot]] = [inv[pivot]!, inv[col]!]
    }
    const rowA = a[col]!
    const rowI = inv[col]!
    const scale = gfInv(rowA[col]!)
    for (let c = 0; c < size; c++) {
      rowA[c] = gfMul(rowA[c]!, scale)
      rowI[c] = gfMul(rowI[c]!, scale)
    }
    for (let r = 0; r < size; r++) {
      if (r === col) continue
      const f = a[r]![col]!
      if (f === 0) continue
      const ar = a[r]!
      const ir = inv[r]!
      for (let c = 0; c < size; c++) {
        ar[c]! ^= gfMul(f, rowA[c]!)
        ir[c]! ^= gfMul(f, rowI[c]!)
      }
    }
  }
  return inv
}

export function identity(size: number): Matrix {
  return Array.from({ length: size }, (_, r) => {
    const row = new Uint8Array(size)
    row[r] = 1
    return row
  })
}

/**
 * The n x k systematic encoding matrix of klauspost/reedsolomon and Backblaze: the Vandermonde
 * matrix vm[r][c] = r^c times the inverse of its top k x k square, so rows 0..k-1 are the identity.
 */
export function encodingMatrix(k: number, n: number): Matrix {
  const vm = Array.from({ length: n }, (_, r) => Uint8Array.from({ length: k }, (_, c) => gfPow(r, c)))
  return matrixMul(vm, matrixInvert(vm.slice(0, k)))
}
