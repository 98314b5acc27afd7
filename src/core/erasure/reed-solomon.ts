import { InvalidInputError, InvalidPolicyError } from '../errors.ts'
import { encodingMatrix, matrixInvert, matrixMul, type Matrix } from './gf256.ts'
import { CoefficientMatrix, type GfKernel, type KernelName } from './kernel.ts'
import { scalarKernel } from './kernel-scalar.ts'
import { bestWasmKernel } from './kernel-wasm.ts'
import { MAX_SHARES } from './policy.ts'

export interface ErasureScheme {
  /** Shares needed. */
  readonly k: number
  /** Shares made. */
  readonly n: number
  /** Size of each share for `dataLength` bytes of input: ceil(dataLength / k). */
  shareSize(dataLength: number): number
  /**
   * data.length must equal k * shareSize. Returns n shares, each shareSize bytes; shares 0..k-1
   * are the data itself (subarray views of `data`), k..n-1 parity (fresh arrays owned by the caller).
   */
  encode(data: Uint8Array): Uint8Array[]
  /**
   * shares: length n, undefined where missing; at least k present, all the same length.
   * Returns the k * shareSize data bytes (the data shares concatenated) in a fresh array.
   * Throws InvalidInputError if fewer than k are present or lengths differ.
   */
  reconstruct(shares: ReadonlyArray<Uint8Array | undefined>): Uint8Array
  /**
   * Rebuilds the listed share indices (data or parity), for repair: fresh arrays, in the
   * order of `wanted`. Same requirements on `shares` as reconstruct.
   */
  reconstructShares(shares: ReadonlyArray<Uint8Array | undefined>, wanted: readonly number[]): Uint8Array[]
}

/** ErasureScheme plus allocation-free variants, for pipelines that reuse their buffers. */
export interface ReedSolomonScheme extends ErasureScheme {
  /** Which kernel does the arithmetic: for diagnostics and benchmarks. */
  readonly backend: KernelName
  /**
   * encode() into the caller's buffers: writes the n-k parity shares into `parity`, n-k arrays
   * of exactly shareSize bytes that do not overlap `data`. Fresh memory costs a page fault per
   * 4 KiB on first touch, which can cost more than the coding itself; reused buffers avoid it.
   */
  encodeParityInto(data: Uint8Array, parity: readonly Uint8Array[]): void
  /**
   * reconstruct() into `out` (exactly k * shareSize bytes) instead of a fresh array. Present data
   * shares may already be views of `out` at their own place; those are not copied.
   */
  reconstructInto(shares: ReadonlyArray<Uint8Array | undefined>, out: Uint8Array): void
}

/** k data + (n - k) parity shares, with the fastest kernel this engine runs. */
export function createReedSolomon(k: number, n: number): ReedSolomonScheme {
  return new ReedSolomon(k, n, bestWasmKernel() ?? scalarKernel)
}

/** The same code on the pure TypeScript kernel: the fallback, and the reference in tests. */
export function createReedSolomonScalar(k: number, n: number): ReedSolomonScheme {
  return new ReedSolomon(k, n, scalarKernel)
}

/** The code on a given kernel (tests and benchmarks pick one explicitly). */
export function createReedSolomonWithKernel(k: number, n: number, kernel: GfKernel): ReedSolomonScheme {
  return new ReedSolomon(k, n, kernel)
}

class ReedSolomon implements ReedSolomonScheme {
  private readonly encoding: Matrix
  private readonly parity: CoefficientMatrix

  constructor(
    readonly k: number,
    readonly n: number,
    private readonly kernel: GfKernel,
  ) {
    if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || k >= n || n > MAX_SHARES) {
      throw new InvalidPolicyError(`Reed-Solomon needs whole numbers 1 <= k < n <= ${MAX_SHARES}, got k=${String(k)}, n=${String(n)}.`)
    }
    const code = codeFor(k, n)
    this.encoding = code.encoding
    this.parity = code.parity
  }

  get backend(): KernelName {
    return this.kernel.name
  }

  shareSize(dataLength: number): number {
    if (!Number.isSafeInteger(dataLength) || dataLength < 0) {
      throw new InvalidInputError(`dataLength must be a whole number of bytes, got ${String(dataLength)}.`)
    }
    return Math.ceil(dataLength / this.k)
  }

  encode(data: Uint8Array): Uint8Array[] {
    const size = this.dataShareSize(data)
    const parity: Uint8Array[] = []
    for (let i = this.k; i < this.n; i++) parity.push(new Uint8Array(size))
    const shares = this.dataShares(data, size)
    if (size > 0) this.kernel.mulRows(this.parity, shares, parity, size)
    return shares.concat(parity)
  }

  encodeParityInto(data: Uint8Array, parity: readonly Uint8Array[]): void {
    const size = this.dataShareSize(data)
    const m = this.n - this.k
    if (!Array.isArray(parity) || parity.length !== m) {
      throw new InvalidInputError(`expected an array of n-k=${m} parity buffers.`)
    }
    parity.forEach((p: unknown, i) => {
      if (!(p instanceof Uint8Array) || p.length !== size) {
        throw new InvalidInputError(`parity buffer ${i} must be a Uint8Array of shareSize=${size} bytes.`)
      }
    })
    if (size > 0) this.kernel.mulRows(this.parity, this.dataShares(data, size), parity, size)
  }

  reconstruct(shares: ReadonlyArray<Uint8Array | undefined>): Uint8Array {
    const { present, size } = this.checkShares(shares)
    const out = new Uint8Array(this.k * size)
    this.decodeInto(shares, present, size, out)
    return out
  }

  reconstructInto(shares: ReadonlyArray<Uint8Array | undefined>, out: Uint8Array): void {
    const { present, size } = this.checkShares(shares)
    if (!(out instanceof Uint8Array) || out.length !== this.k * size) {
      throw new InvalidInputError(`out must be a Uint8Array of k * shareSize = ${this.k * size} bytes.`)
    }
    this.decodeInto(shares, present, size, out)
  }

  reconstructShares(shares: ReadonlyArray<Uint8Array | undefined>, wanted: readonly number[]): Uint8Array[] {
    const { present, size } = this.checkShares(shares)
    if (!Array.isArray(wanted)) throw new InvalidInputError('wanted must be an array of share indices.')
    for (const w of wanted) {
      if (!Number.isInteger(w) || w < 0 || w >= this.n) {
        throw new InvalidInputError(`wanted share index must be a whole number from 0 to ${this.n - 1}, got ${String(w)}.`)
      }
    }
    const toBuild = [...new Set(wanted.filter((w) => !shares[w]))]
    const built = toBuild.map(() => new Uint8Array(size))
    if (toBuild.length > 0 && size > 0) {
      this.kernel.mulRows(
        this.decodeMatrix(present, toBuild),
        present.map((i) => shares[i]!),
        built,
        size,
      )
    }
    const handedOut = new Set<number>()
    return wanted.map((w) => {
      const share = shares[w]
      if (share) return share.slice()
      const fresh = built[toBuild.indexOf(w)]!
      if (handedOut.has(w)) return fresh.slice()
      handedOut.add(w)
      return fresh
    })
  }

  /** Checks that `data` splits into k shares and returns their size. */
  private dataShareSize(data: Uint8Array): number {
    if (!(data instanceof Uint8Array)) throw new InvalidInputError('data to encode must be a Uint8Array.')
    const { k } = this
    if (data.length % k !== 0) {
      throw new InvalidInputError(
        `data to encode must be k * shareSize = ${k * this.shareSize(data.length)} bytes ` + `(a multiple of k=${k}), got ${data.length}: pad it first.`,
      )
    }
    return data.length / k
  }

  private dataShares(data: Uint8Array, size: number): Uint8Array[] {
    const shares: Uint8Array[] = []
    for (let i = 0; i < this.k; i++) shares.push(data.subarray(i * size, (i + 1) * size))
    return shares
  }

  private decodeInto(shares: ReadonlyArray<Uint8Array | undefined>, present: readonly number[], size: number, out: Uint8Array): void {
    const missing: number[] = []
    for (let i = 0; i < this.k; i++) {
      const share = shares[i]
      if (!share) missing.push(i)
      else if (share.buffer !== out.buffer || share.byteOffset !== out.byteOffset + i * size) out.set(share, i * size)
    }
    if (missing.length > 0 && size > 0) {
      this.kernel.mulRows(
        this.decodeMatrix(present, missing),
        present.map((i) => shares[i]!),
        missing.map((i) => out.subarray(i * size, (i + 1) * size)),
        size,
      )
    }
  }

  /**
   * Validates `shares` and picks the k present shares to decode from: the lowest indices,
   * so data shares are preferred and the same few decode matrices come back (cached).
   */
  private checkShares(shares: ReadonlyArray<Uint8Array | undefined>): { present: number[]; size: number } {
    const { k, n } = this
    if (!Array.isArray(shares) || shares.length !== n) {
      const got = Array.isArray(shares) ? `${shares.length} entries` : typeof shares
      throw new InvalidInputError(`expected an array of n=${n} shares (undefined where missing), got ${got}.`)
    }
    let size = -1
    let count = 0
    const present: number[] = []
    for (let i = 0; i < n; i++) {
      const share: unknown = shares[i]
      if (share === undefined || share === null) continue
      if (!(share instanceof Uint8Array)) throw new InvalidInputError(`share ${i} must be a Uint8Array or undefined.`)
      if (size === -1) size = share.length
      else if (share.length !== size) {
        throw new InvalidInputError(`shares differ in length: share ${i} is ${share.length} bytes, earlier ones ${size}.`)
      }
      count++
      if (present.length < k) present.push(i)
    }
    if (count < k) {
      throw new InvalidInputError(`only ${count} of ${n} shares present; at least k=${k} are needed to rebuild the data.`)
    }
    return { present, size }
  }

  /** Rows that turn the shares at `present` (k of them) into the shares at `wanted`. */
  private decodeMatrix(present: readonly number[], wanted: readonly number[]): CoefficientMatrix {
    const key = `${this.k}/${this.n}:${present.join(',')}:${wanted.join(',')}`
    let matrix = decodeCache.get(key)
    if (!matrix) {
      const inverse = matrixInvert(present.map((i) => this.encoding[i]!))
      matrix = toCoefficients(
        matrixMul(
          wanted.map((w) => this.encoding[w]!),
          inverse,
        ),
        this.k,
      )
      decodeCache.set(key, matrix)
    }
    return matrix
  }
}

interface Code {
  readonly encoding: Matrix
  readonly parity: CoefficientMatrix
}

/** Encoding matrices per (k, n); there are few distinct policies in use. */
const codes = new Map<string, Code>()

function codeFor(k: number, n: number): Code {
  const key = `${k}/${n}`
  let code = codes.get(key)
  if (!code) {
    const encoding = encodingMatrix(k, n)
    code = { encoding, parity: toCoefficients(encoding.slice(k), k) }
    codes.set(key, code)
  }
  return code
}

function toCoefficients(rows: Matrix, k: number): CoefficientMatrix {
  const coeffs = new Uint8Array(rows.length * k)
  rows.forEach((row, r) => coeffs.set(row, r * k))
  return new CoefficientMatrix(rows.length, k, coeffs)
}

/** A small LRU: a Map iterates in insertion order, so its first key is the least recently used. */
class Lru<V> {
  private readonly map = new Map<string, V>()

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  set(key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!)
  }
}

/** Decode matrices per (code, shares used, shares wanted). */
const decodeCache = new Lru<CoefficientMatrix>(64)
