import { concat, utf8 } from '../bytes.ts'
import { CHUNK_SIZE, FileCipher } from '../crypto/index.ts'
import { type RedundancyPolicy, makePolicy } from '../erasure/index.ts'
import { throwIfCancelled } from '../errors.ts'
import { MANIFEST_VERSION, type FileManifest, type SegmentEntry } from '../manifest/index.ts'
import { LEAF_SIZE } from '../merkle/index.ts'
import { planSegments, segmentSpec, DEFAULT_SHARE_SIZE, type SegmentSpec } from '../segment/index.ts'
import type { Vault } from '../vault/index.ts'
import type { ProgressListener } from './progress.ts'
import type { BlobLike } from './reader.ts'
import { runAhead } from './ahead.ts'
import { inlineEncoder, shareViews, type EncoderFactory, type SegmentBuffers } from './segment-encoder.ts'

export type { BlobLike }

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
  /**
   * Optional: hands the shares' memory back to the encoder for a later segment.
   * Call it once the share bytes have been stored or sent; they must not be read after.
   * Fresh memory costs a page fault per 4 KiB, which is slower than the whole coder,
   * so a consumer that releases makes encoding markedly faster.
   */
  release(): void
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
  /**
   * Where segments are coded (default: `inlineEncoder()`, on this thread). The browser passes
   * Workers; `inlineEncoder(hasher)` codes here and hashes elsewhere.
   */
  readonly encoder?: EncoderFactory
  /**
   * The file's id and key, and the key as the vault wrapped it, when the caller chose them (a
   * resumed backup encodes the same file under the same key again, so the shares that already
   * landed are the same bytes). Default: fresh random ones. The caller keeps its copy of fileKey.
   */
  readonly identity?: FileIdentity
}

export interface FileIdentity {
  readonly fileId: Uint8Array
  readonly fileKey: Uint8Array
  readonly wrappedKey: Uint8Array
}

/** A fresh file id and key, with the key wrapped by `vault`. */
export async function newFileIdentity(vault: Vault): Promise<FileIdentity> {
  const fileId = crypto.getRandomValues(new Uint8Array(16))
  const { fileKey } = await FileCipher.generate(fileId)
  return { fileId, fileKey, wrappedKey: await vault.wrapFileKey(fileKey, fileId) }
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
  const identity = options.identity ?? (await newFileIdentity(vault))
  const fileId = identity.fileId
  const fileKey = identity.fileKey.slice()
  if (!options.identity) identity.fileKey.fill(0)
  const cipher = await FileCipher.fromKey(fileKey, fileId)
  const wrappedKey = identity.wrappedKey
  const { signal, onProgress } = options

  const encoder = await (options.encoder ?? inlineEncoder())({ blob, fileKey, fileId, k, n })
  fileKey.fill(0)
  const lookahead = Math.max(0, Math.min(options.lookahead ?? encoder.parallelism - 1, 8))
  // Full segments' buffers are recycled through `pool` when the consumer releases them.
  const pool: SegmentBuffers[] = []
  const processSegment = async (spec: SegmentSpec): Promise<EncodedSegment> => {
    const full = spec.shareSize === plan.shareSize
    const coded = await encoder.encode(spec, (full && pool.pop()) || undefined)
    throwIfCancelled(signal)
    const keys = await Promise.all(coded.roots.map((r) => shareKey(r)))
    const shareBytes = [...shareViews(coded.data, spec.shareSize), ...shareViews(coded.parity, spec.shareSize)]
    let released = false
    return {
      index: spec.index,
      shares: shareBytes.map((bytes, i) => ({
        segmentIndex: spec.index,
        shareIndex: i,
        bytes,
        root: coded.roots[i]!,
        key: keys[i]!,
      })),
      release: () => {
        if (released || !full) return
        released = true
        if (pool.length < lookahead + 2) pool.push({ data: coded.data, parity: coded.parity })
      },
    }
  }

  onProgress?.({ type: 'encode:start', bytesTotal: plan.fileSize, segments: plan.count })
  const specs = Array.from({ length: plan.count }, (_, i) => segmentSpec(plan, i))
  const entries: SegmentEntry[] = []
  let bytesDone = 0
  try {
    for await (const segment of runAhead(specs, lookahead, processSegment, signal)) {
      const spec = specs[segment.index]!
      entries.push({
        index: spec.index,
        plaintextLength: spec.plaintextLength,
        ciphertextLength: spec.ciphertextLength,
        shareSize: spec.shareSize,
        shares: segment.shares.map((s) => ({ index: s.shareIndex, key: s.key, root: s.root, holders: [], contracts: [] })),
      })
      bytesDone += spec.plaintextLength
      onProgress?.({ type: 'encode:segment', segmentIndex: spec.index, bytesDone, bytesTotal: plan.fileSize })
      yield segment
    }
  } catch (err) {
    throwIfCancelled(signal)
    throw err
  } finally {
    encoder.close()
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

/**
 * Encodes only the segments that `wanted` names and returns those shares (copies), keyed
 * "segment/share": the same bytes, roots and keys `encodeFile` gives for the same identity. An
 * upload's escrows lock some of its shares before any share leaves (src/pay/owner.ts), so those
 * few segments are encoded once ahead.
 */
export async function encodeShares(
  blob: BlobLike,
  policy: RedundancyPolicy,
  identity: FileIdentity,
  wanted: readonly { readonly segment: number; readonly share: number }[],
  options: Pick<EncodeOptions, 'shareSize' | 'signal'> & { readonly encoder?: EncoderFactory } = {},
): Promise<Map<string, { bytes: Uint8Array; root: Uint8Array; key: Uint8Array }>> {
  const { k, n } = makePolicy(policy)
  const plan = planSegments(blob.size, k, options.shareSize ?? DEFAULT_SHARE_SIZE)
  const out = new Map<string, { bytes: Uint8Array; root: Uint8Array; key: Uint8Array }>()
  const segments = [...new Set(wanted.map((w) => w.segment))].sort((a, b) => a - b)
  for (const index of segments) {
    if (!Number.isInteger(index) || index < 0 || index >= plan.count) throw new RangeError(`The file has no segment ${index}.`)
    const spec = segmentSpec(plan, index)
    // An encoder reads its file front to back: give it this segment's bytes alone.
    const part: BlobLike = { size: spec.plaintextLength, slice: (a, b) => blob.slice(spec.offset + a, spec.offset + Math.min(b, spec.plaintextLength)) }
    const fileKey = identity.fileKey.slice()
    const encoder = await (options.encoder ?? inlineEncoder())({ blob: part, fileKey, fileId: identity.fileId, k, n })
    fileKey.fill(0)
    try {
      const coded = await encoder.encode(spec)
      throwIfCancelled(options.signal)
      const views = [...shareViews(coded.data, spec.shareSize), ...shareViews(coded.parity, spec.shareSize)]
      for (const w of wanted) {
        if (w.segment !== index) continue
        const bytes = views[w.share]
        if (!bytes) throw new RangeError(`A segment has ${n} shares; there is no share ${w.share}.`)
        out.set(`${index}/${w.share}`, { bytes: bytes.slice(), root: coded.roots[w.share]!, key: await shareKey(coded.roots[w.share]!) })
      }
    } finally {
      encoder.close()
    }
  }
  return out
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
