/**
 * The per-segment half of encoding — read, encrypt, pad, erasure-code, hash — behind a small
 * port, so it can run where the cores are. On a two-core machine the browser's WebCrypto,
 * Reed-Solomon and SHA-256 work for one segment adds up to more than one core can do in the
 * time AES-GCM alone takes, so the browser runs whole segments in Workers in parallel
 * (adapters/encoding). Here: the shared step, and the inline encoder used in Node and tests.
 */
import { FileCipher } from '../crypto/index.ts'
import { createReedSolomon, type ReedSolomonScheme } from '../erasure/index.ts'
import { inlineHasher, rootsOf, type ShareHasher } from '../merkle/index.ts'
import type { SegmentSpec } from '../segment/index.ts'
import { openReader, type BlobLike } from './reader.ts'

/** A segment's shares: k data shares back to back, then the n − k parity shares. */
export interface SegmentBuffers {
  readonly data: ArrayBuffer
  readonly parity: ArrayBuffer
}

export interface EncodedBuffers extends SegmentBuffers {
  readonly index: number
  /** Merkle roots of the n shares, in order. */
  readonly roots: Uint8Array[]
}

export interface SegmentEncoder {
  /**
   * Encodes one segment. `buffers`, when given, are recycled buffers of the right size: the
   * encoder may take them (transfer) and hands back the ones it wrote into.
   */
  encode(spec: SegmentSpec, buffers?: SegmentBuffers): Promise<EncodedBuffers>
  /** How many segments it can work on at once (encodeFile keeps that many in flight). */
  readonly parallelism: number
  close(): void
}

export interface EncoderSetup {
  readonly blob: BlobLike
  readonly fileKey: Uint8Array
  readonly fileId: Uint8Array
  readonly k: number
  readonly n: number
}

export type EncoderFactory = (setup: EncoderSetup) => Promise<SegmentEncoder>

export function allocateBuffers(k: number, n: number, shareSize: number): SegmentBuffers {
  return { data: new ArrayBuffer(k * shareSize), parity: new ArrayBuffer((n - k) * shareSize) }
}

export function shareViews(buffer: ArrayBuffer, size: number): Uint8Array[] {
  return Array.from({ length: buffer.byteLength / size }, (_, i) => new Uint8Array(buffer, i * size, size))
}

/** Encrypts `plaintext` into `buffers.data`, pads it with random bytes, and computes parity. */
/**
 * Encrypts one segment into its data block, pads it (by default the cipher's keyed padding, so that
 * coding the segment again gives the same shares; `pad` lets a test vector choose its own), and
 * computes the parity shares.
 */
export async function codeSegment(
  cipher: FileCipher,
  rs: ReedSolomonScheme,
  spec: SegmentSpec,
  plaintext: Uint8Array,
  buffers: SegmentBuffers,
  pad: (padding: Uint8Array) => void | Promise<void> = (p) => cipher.fillPadding(spec.index, p),
): Promise<void> {
  const data = new Uint8Array(buffers.data)
  const ciphertext = await cipher.encryptSegment(spec.index, plaintext, data)
  await pad(data.subarray(ciphertext.length))
  rs.encodeParityInto(data, shareViews(buffers.parity, spec.shareSize))
}

/**
 * Encodes on the calling thread, reading the file front to back through one stream.
 * Hashing goes to `hasher` (inline unless given).
 */
export function inlineEncoder(hasher: ShareHasher = inlineHasher): EncoderFactory {
  return async ({ blob, fileKey, fileId, k, n }) => {
    const cipher = await FileCipher.fromKey(fileKey, fileId)
    const rs = createReedSolomon(k, n)
    const reader = openReader(blob)
    const plainPool: ArrayBuffer[] = []
    let readChain: Promise<unknown> = Promise.resolve()
    return {
      parallelism: 2,
      async encode(spec, buffers) {
        const reading = readChain.then(() => reader.read(spec.plaintextLength, plainPool.pop()))
        readChain = reading.catch(() => undefined)
        const plaintext = await reading
        const bufs = buffers ?? allocateBuffers(k, n, spec.shareSize)
        await codeSegment(cipher, rs, spec, plaintext, bufs)
        if (plainPool.length < 2) plainPool.push(plaintext.buffer)
        const hashed = await hasher.roots([bufs.data, bufs.parity], spec.shareSize)
        const [data, parity] = hashed.buffers as [ArrayBuffer, ArrayBuffer]
        return { index: spec.index, data, parity, roots: hashed.roots }
      },
      close() {
        void reader.cancel()
      },
    }
  }
}

/** Roots of a segment's shares computed where the segment was coded (workers use this). */
export async function segmentRoots(buffers: SegmentBuffers, shareSize: number): Promise<Uint8Array[]> {
  return rootsOf([buffers.data, buffers.parity], shareSize)
}
