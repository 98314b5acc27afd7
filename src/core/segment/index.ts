/**
 * Segment layout: how a file of a given size is cut into segments, and how big
 * each segment's shares are.
 *
 * A full segment holds as much plaintext as encrypts to exactly k × shareSize
 * bytes, so full segments code into shares of exactly `shareSize`. The last
 * segment is smaller; its shares are padded (with random bytes, so padding looks
 * like ciphertext) up to the smallest power-of-two number of Merkle leaves that
 * fits, capped at shareSize. Hosts thus only ever see a handful of share sizes,
 * and a one-byte file costs n × 64 KiB rather than n × shareSize.
 * Pure arithmetic: no I/O.
 */
import { InvalidInputError } from '../errors.ts'
import { CHUNK_PLAINTEXT, CHUNK_SIZE, TAG_SIZE } from '../crypto/index.ts'
import { LEAF_SIZE } from '../merkle/index.ts'

/** Default size of one share of a full segment: 1 MiB (16 Merkle leaves). */
export const DEFAULT_SHARE_SIZE = 1024 * 1024
/** Largest share we produce or accept; bounds every buffer a peer can make us allocate. */
export const MAX_SHARE_SIZE = 16 * 1024 * 1024

export interface SegmentPlan {
  readonly fileSize: number
  readonly k: number
  readonly shareSize: number
  /** Plaintext bytes in every segment but the last. */
  readonly segmentSize: number
  readonly count: number
}

export interface SegmentSpec {
  readonly index: number
  /** Offset of the segment's plaintext in the file. */
  readonly offset: number
  readonly plaintextLength: number
  readonly ciphertextLength: number
  /** Size of each of this segment's n shares. */
  readonly shareSize: number
}

/** Ciphertext bytes for `plaintext` bytes: each chunk of up to CHUNK_PLAINTEXT bytes gains a tag; empty → one tag. */
export function ciphertextLength(plaintext: number): number {
  const chunks = Math.max(1, Math.ceil(plaintext / CHUNK_PLAINTEXT))
  return plaintext + chunks * TAG_SIZE
}

/** The most plaintext whose ciphertext fits in `capacity` bytes. */
export function plaintextCapacity(capacity: number): number {
  const full = Math.floor(capacity / CHUNK_SIZE)
  const rest = capacity - full * CHUNK_SIZE
  return full * CHUNK_PLAINTEXT + Math.max(0, rest - TAG_SIZE)
}

export function planSegments(fileSize: number, k: number, shareSize: number = DEFAULT_SHARE_SIZE): SegmentPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new InvalidInputError(`File size must be a whole number of bytes, got ${fileSize}.`)
  }
  if (!Number.isInteger(k) || k < 1 || k > 254) throw new InvalidInputError(`k must be from 1 to 254, got ${k}.`)
  if (!Number.isInteger(shareSize) || shareSize < LEAF_SIZE || shareSize > MAX_SHARE_SIZE || shareSize % LEAF_SIZE !== 0) {
    throw new InvalidInputError(`Share size must be a multiple of ${LEAF_SIZE} bytes from ${LEAF_SIZE} to ${MAX_SHARE_SIZE}, got ${shareSize}.`)
  }
  const segmentSize = plaintextCapacity(k * shareSize)
  const count = Math.max(1, Math.ceil(fileSize / segmentSize))
  return { fileSize, k, shareSize, segmentSize, count }
}

export function segmentSpec(plan: SegmentPlan, index: number): SegmentSpec {
  if (!Number.isInteger(index) || index < 0 || index >= plan.count) {
    throw new InvalidInputError(`Segment index must be from 0 to ${plan.count - 1}, got ${index}.`)
  }
  const offset = index * plan.segmentSize
  const plaintextLength = Math.min(plan.segmentSize, plan.fileSize - offset)
  const ct = ciphertextLength(plaintextLength)
  return { index, offset, plaintextLength, ciphertextLength: ct, shareSize: paddedShareSize(ct, plan.k, plan.shareSize) }
}

/** Smallest power-of-two count of leaves that holds ceil(ciphertext / k) bytes, capped at maxShareSize. */
export function paddedShareSize(ciphertext: number, k: number, maxShareSize: number): number {
  const need = Math.max(1, Math.ceil(ciphertext / k))
  let size = LEAF_SIZE
  while (size < need && size < maxShareSize) size *= 2
  return Math.min(size, maxShareSize)
}
