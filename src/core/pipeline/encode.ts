import { concat, utf8 } from '../bytes.ts'
import { FileCipher } from '../crypto/index.ts'
import { createReedSolomon, type RedundancyPolicy, makePolicy } from '../erasure/index.ts'
import { InvalidInputError, throwIfCancelled } from '../errors.ts'
import { MANIFEST_VERSION, type FileManifest, type SegmentEntry } from '../manifest/index.ts'
import { LEAF_SIZE, merkleRoot } from '../merkle/index.ts'
import { planSegments, segmentSpec, DEFAULT_SHARE_SIZE, type SegmentSpec } from '../segment/index.ts'
import { CHUNK_SIZE } from '../crypto/index.ts'
import type { Vault } from '../vault/index.ts'
import type { ProgressListener } from './progress.ts'

/** What encodeFile needs of a file: a size and a way to read a slice. A DOM Blob/File fits. */
export interface BlobLike {
  readonly size: number
  readonly name?: string
  readonly type?: string
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

export interface EncodedShare {
  readonly segmentIndex: number
  readonly shareIndex: number
  readonly bytes: Uint8Array
  readonly root: Uint8Array
  /** sha256("layr/share" ‖ root): id at hosts and DHT key. */
  readonly key: Uint8Array
}

export interface EncodedSegment {
  readonly index: number
  readonly shares: readonly EncodedShare[]
}

export interface EncodeOptions {
  readonly name?: string
  readonly type?: string
  readonly createdAt?: number
  readonly shareSize?: number
  /** Segments processed ahead of the consumer (bounds memory: about (lookahead + 1) segments). */
  readonly lookahead?: number
  readonly onProgress?: ProgressListener
  readonly signal?: AbortSignal
}

const SHARE_KEY_PREFIX = utf8('layr/share')

export async function shareKey(root: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(SHARE_KEY_PREFIX, root)))
}

/**
 * Reads `blob` one segment at a time, and yields each segment's n shares with
 * their Merkle roots and keys. Its return value is the manifest (no holders yet:
 * placement fills them in). Memory stays at about (lookahead + 1) segments.
 */
export async function* encodeFile(
  blob: BlobLike,
  policy: RedundancyPolicy,
  vault: Vault,
  options: EncodeOptions = {},
): AsyncGenerator<EncodedSegment, FileManifest, undefined> {
  const checked = makePolicy(policy)
  const { k, n } = checked
  const plan = planSegments(blob.size, k, options.shareSize ?? DEFAULT_SHARE_SIZE)
  const rs = createReedSolomon(k, n)
  const fileId = crypto.getRandomValues(new Uint8Array(16))
  const { cipher, fileKey } = await FileCipher.generate(fileId)
  const wrappedKey = await vault.wrapFileKey(fileKey, fileId)
  fileKey.fill(0)
  const { signal, onProgress } = options
  const lookahead = Math.max(0, Math.min(options.lookahead ?? 1, 8))

  const processSegment = async (spec: SegmentSpec): Promise<EncodedSegment> => {
    const buf = await blob.slice(spec.offset, spec.offset + spec.plaintextLength).arrayBuffer()
    if (buf.byteLength !== spec.plaintextLength) {
      throw new InvalidInputError(
        `The file changed while it was read (segment ${spec.index}: expected ${spec.plaintextLength} bytes, got ${buf.byteLength}).`,
      )
    }
    throwIfCancelled(signal)
    const ciphertext = await cipher.encryptSegment(spec.index, new Uint8Array(buf))
    const data = new Uint8Array(k * spec.shareSize)
    data.set(ciphertext)
    fillRandom(data.subarray(ciphertext.length))
    throwIfCancelled(signal)
    const shareBytes = rs.encode(data)
    const roots = await Promise.all(shareBytes.map((s) => merkleRoot(s)))
    const keys = await Promise.all(roots.map((r) => shareKey(r)))
    return {
      index: spec.index,
      shares: shareBytes.map((bytes, i) => ({
        segmentIndex: spec.index,
        shareIndex: i,
        bytes,
        root: roots[i]!,
        key: keys[i]!,
      })),
    }
  }

  onProgress?.({ type: 'encode:start', bytesTotal: plan.fileSize, segments: plan.count })
  const specs = Array.from({ length: plan.count }, (_, i) => segmentSpec(plan, i))
  const entries: SegmentEntry[] = []
  const inflight: Promise<EncodedSegment>[] = []
  let next = 0
  let bytesDone = 0
  const launch = (): void => {
    while (next < plan.count && inflight.length <= lookahead) {
      const p = processSegment(specs[next]!)
      p.catch(() => undefined) // observed when awaited; avoid unhandled rejections for dropped lookahead
      inflight.push(p)
      next++
    }
  }
  try {
    for (let i = 0; i < plan.count; i++) {
      throwIfCancelled(signal)
      launch()
      const segment = await inflight.shift()!
      const spec = specs[i]!
      entries.push({
        index: i,
        plaintextLength: spec.plaintextLength,
        ciphertextLength: spec.ciphertextLength,
        shareSize: spec.shareSize,
        shares: segment.shares.map((s) => ({ index: s.shareIndex, key: s.key, root: s.root, holders: [], contracts: [] })),
      })
      bytesDone += spec.plaintextLength
      launch()
      onProgress?.({ type: 'encode:segment', segmentIndex: i, bytesDone, bytesTotal: plan.fileSize })
      yield segment
    }
  } finally {
    if (signal?.aborted) inflight.length = 0
  }
  throwIfCancelled(signal)
  onProgress?.({ type: 'encode:done', bytesTotal: plan.fileSize })
  return {
    version: MANIFEST_VERSION,
    fileId,
    owner: vault.ownerPublicKey,
    revision: 0,
    name: options.name ?? blob.name ?? 'untitled',
    size: plan.fileSize,
    type: options.type ?? blob.type ?? '',
    createdAt: options.createdAt ?? Date.now(),
    codec: {
      cipher: 'aes-256-gcm/chunked-v1',
      chunkSize: CHUNK_SIZE,
      erasure: 'reed-solomon/gf256-vandermonde',
      k,
      n,
      repairThreshold: checked.repairThreshold,
      shareSize: plan.shareSize,
      segmentSize: plan.segmentSize,
      leafSize: LEAF_SIZE,
    },
    wrappedKey,
    keyCommitment: cipher.commitment,
    segments: entries,
  }
}

/** Encodes a whole file and collects everything: for tests and small files only. */
export async function encodeAll(
  blob: BlobLike,
  policy: RedundancyPolicy,
  vault: Vault,
  options: EncodeOptions = {},
): Promise<{ manifest: FileManifest; segments: EncodedSegment[] }> {
  const segments: EncodedSegment[] = []
  const gen = encodeFile(blob, policy, vault, options)
  for (;;) {
    const r = await gen.next()
    if (r.done) return { manifest: r.value, segments }
    segments.push(r.value)
  }
}

const RANDOM_CHUNK = 65536 // getRandomValues' per-call limit

function fillRandom(buf: Uint8Array): void {
  for (let o = 0; o < buf.length; o += RANDOM_CHUNK) crypto.getRandomValues(buf.subarray(o, Math.min(buf.length, o + RANDOM_CHUNK)))
}

