import { FileCipher } from '../crypto/index.ts'
import { createReedSolomon } from '../erasure/index.ts'
import { CorruptDataError, NotEnoughSharesError, throwIfCancelled, type ShareFailure } from '../errors.ts'
import type { FileManifest, SegmentEntry } from '../manifest/index.ts'
import { inlineHasher, type ShareHasher } from '../merkle/index.ts'
import { equal } from '../bytes.ts'
import type { Vault } from '../vault/index.ts'
import type { ProgressListener } from './progress.ts'
import { runAhead } from './ahead.ts'

/** Which share to fetch: everything the manifest says about it. */
export interface ShareRef {
  readonly segmentIndex: number
  readonly shareIndex: number
  readonly key: Uint8Array
  readonly root: Uint8Array
  readonly size: number
  readonly holders: readonly string[]
}

/**
 * Fetches one share's bytes. Resolve `undefined` when no holder has it; throw when
 * holders could not be reached. Returned bytes are checked against the Merkle root,
 * so the fetcher need not trust hosts. The decoder owns the returned bytes (a Worker
 * hasher may take their buffer): a fetcher serving from memory returns a copy.
 */
export type FetchShare = (ref: ShareRef, signal?: AbortSignal) => Promise<Uint8Array | undefined>

export interface DecodeOptions {
  readonly onProgress?: ProgressListener
  readonly signal?: AbortSignal
  /** Segments fetched ahead of the consumer. */
  readonly lookahead?: number
  /** Where fetched shares' Merkle roots are checked (default: this thread). */
  readonly hasher?: ShareHasher
}

/**
 * Yields the file's plaintext segment by segment. For each segment it fetches
 * k shares in parallel (data shares first: when they are all good no decoding
 * is needed), checks each against its Merkle root, replaces any missing or bad
 * one with the next candidate, and fails with NotEnoughSharesError naming the
 * segment and every failed share when fewer than k good ones remain.
 */
export async function* decodeFile(
  manifest: FileManifest,
  vault: Vault,
  fetchShare: FetchShare,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal, onProgress } = options
  const fileKey = await vault.unwrapFileKey(manifest.wrappedKey, manifest.fileId)
  const cipher = await FileCipher.fromKey(fileKey, manifest.fileId)
  fileKey.fill(0)
  cipher.checkCommitment(manifest.keyCommitment)
  const { k, n } = manifest.codec
  const rs = createReedSolomon(k, n)
  const lookahead = Math.max(0, Math.min(options.lookahead ?? 1, 8))
  const hasher = options.hasher ?? inlineHasher

  // Scratch buffers for the rebuilt ciphertext, recycled: it never leaves this function.
  const scratch: Uint8Array[] = []
  const decodeSegment = async (seg: SegmentEntry): Promise<Uint8Array> => {
    const shares = await gatherShares(seg, k, fetchShare, hasher, signal, (failure) =>
      onProgress?.({ type: 'decode:share-rejected', segmentIndex: seg.index, ...failure }),
    )
    const need = k * seg.shareSize
    const found = scratch.findIndex((b) => b.length >= need)
    const buf = found >= 0 ? scratch.splice(found, 1)[0]! : new Uint8Array(need)
    const data = buf.subarray(0, need)
    if (shares.slice(0, k).every((s) => s !== undefined)) {
      for (let i = 0; i < k; i++) data.set(shares[i]!, i * seg.shareSize)
    } else {
      rs.reconstructInto(shares, data)
    }
    let plaintext: Uint8Array
    try {
      plaintext = await cipher.decryptSegment(seg.index, data.subarray(0, seg.ciphertextLength))
    } finally {
      if (scratch.length < lookahead + 1) scratch.push(buf)
    }
    if (plaintext.length !== seg.plaintextLength) {
      throw new CorruptDataError(`Segment ${seg.index} decrypted to ${plaintext.length} bytes, but the manifest says ${seg.plaintextLength}.`)
    }
    return plaintext
  }

  onProgress?.({ type: 'decode:start', bytesTotal: manifest.size, segments: manifest.segments.length })
  let next = 0
  let bytesDone = 0
  try {
    for await (const plaintext of runAhead(manifest.segments, lookahead, decodeSegment, signal)) {
      bytesDone += plaintext.length
      onProgress?.({ type: 'decode:segment', segmentIndex: next++, bytesDone, bytesTotal: manifest.size })
      yield plaintext
    }
  } catch (err) {
    throwIfCancelled(signal)
    throw err
  }
  onProgress?.({ type: 'decode:done', bytesTotal: manifest.size })
}

/** Fetch until k shares are verified; returns an n-slot array with exactly k filled. */
async function gatherShares(
  seg: SegmentEntry,
  k: number,
  fetchShare: FetchShare,
  hasher: ShareHasher,
  signal: AbortSignal | undefined,
  reject: (f: ShareFailure) => void,
): Promise<(Uint8Array | undefined)[]> {
  const n = seg.shares.length
  const good: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n).fill(undefined)
  const failures: ShareFailure[] = []
  let nextCandidate = 0
  let goodCount = 0

  const tryOne = async (index: number): Promise<boolean> => {
    const entry = seg.shares[index]!
    const ref: ShareRef = {
      segmentIndex: seg.index,
      shareIndex: index,
      key: entry.key,
      root: entry.root,
      size: seg.shareSize,
      holders: entry.holders,
    }
    let failure: ShareFailure
    try {
      const bytes = await fetchShare(ref, signal)
      if (bytes === undefined) failure = { shareIndex: index, reason: 'missing' }
      else if (bytes.length !== seg.shareSize) {
        failure = { shareIndex: index, reason: 'corrupt', detail: `${bytes.length} bytes, expected ${seg.shareSize}` }
      } else {
        // The hasher may take the buffer to another thread: give it a buffer of its own.
        const own =
          bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer
        const { roots, buffers } = await hasher.roots([own], bytes.length)
        if (!equal(roots[0]!, entry.root)) {
          failure = { shareIndex: index, reason: 'corrupt', detail: 'Merkle root does not match' }
        } else {
          good[index] = new Uint8Array(buffers[0]!)
          return true
        }
      }
    } catch (err) {
      throwIfCancelled(signal)
      failure = { shareIndex: index, reason: 'unreachable', detail: err instanceof Error ? err.message : String(err) }
    }
    failures.push(failure)
    reject(failure)
    return false
  }

  // k workers; a worker takes the next candidate only while the shares already good or in
  // flight are fewer than k, so a segment costs k fetches unless one fails (then one more each).
  let inFlight = 0
  const worker = async (): Promise<void> => {
    while (goodCount + inFlight < k && nextCandidate < n) {
      throwIfCancelled(signal)
      const index = nextCandidate++
      inFlight++
      let ok = false
      try {
        ok = await tryOne(index)
      } finally {
        inFlight--
      }
      if (ok) goodCount++
    }
  }
  await Promise.all(Array.from({ length: k }, worker))
  if (goodCount < k) throw new NotEnoughSharesError(seg.index, goodCount, k, failures)
  return good
}

/** Collects a decode into one Uint8Array: for tests and small files only. */
export async function decodeAll(manifest: FileManifest, vault: Vault, fetchShare: FetchShare, options: DecodeOptions = {}): Promise<Uint8Array> {
  const out = new Uint8Array(manifest.size)
  let offset = 0
  for await (const part of decodeFile(manifest, vault, fetchShare, options)) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** A ReadableStream over an async iterable of byte chunks (pull-based, so backpressure holds). */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next()
      if (r.done) controller.close()
      else controller.enqueue(r.value)
    },
    async cancel() {
      await it.return?.()
    },
  })
}
