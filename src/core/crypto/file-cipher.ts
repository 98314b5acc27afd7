import { bufferSource, concat, equal, requireBytes, requireInteger, utf8, writeU64be } from '../bytes.ts'
import { CorruptDataError, InvalidInputError, TruncatedDataError, WrongKeyError } from '../errors.ts'

/** Ciphertext bytes per chunk, including the tag. 256 KiB calls are WebCrypto's fastest (FINDINGS). */
export const CHUNK_SIZE = 256 * 1024
export const TAG_SIZE = 16
/** Plaintext bytes per full chunk. */
export const CHUNK_PLAINTEXT = CHUNK_SIZE - TAG_SIZE
export const FILE_KEY_SIZE = 32
export const FILE_ID_SIZE = 16
export const COMMITMENT_SIZE = 32
export const NONCE_SIZE = 12

const SALT = utf8('layr/v1')
const INFO_AES = utf8('layr/v1/file-key')
const INFO_COMMIT = utf8('layr/v1/file-commit')
const INFO_PAD = utf8('layr/v1/padding')
const AD_LABEL = utf8('layr/v1/chunk')
/** "layr/v1/chunk" ‖ fileId(16) ‖ segment u64 BE ‖ last(1) */
const AD_SIZE = AD_LABEL.length + FILE_ID_SIZE + 8 + 1

const subtle = (): SubtleCrypto => globalThis.crypto.subtle

/** A file's key material: a random 32-byte file key, from which HKDF derives the AES key and a key commitment. */
export class FileCipher {
  readonly fileId: Uint8Array
  /** 32 bytes = HKDF(fileKey, info "layr/v1/file-commit" ‖ fileId); kept in the manifest. */
  readonly commitment: Uint8Array
  readonly #key: CryptoKey
  readonly #padKey: CryptoKey
  /** AD with the segment and last-chunk bytes left to fill in. */
  readonly #adPrefix: Uint8Array

  private constructor(fileId: Uint8Array, commitment: Uint8Array, key: CryptoKey, padKey: CryptoKey) {
    this.fileId = fileId
    this.commitment = commitment
    this.#key = key
    this.#padKey = padKey
    this.#adPrefix = concat(AD_LABEL, fileId)
  }

  /** A fresh random file key for the file `fileId` (16 bytes). */
  static async generate(fileId: Uint8Array): Promise<{ cipher: FileCipher; fileKey: Uint8Array }> {
    requireBytes('fileId', fileId, FILE_ID_SIZE)
    const fileKey = globalThis.crypto.getRandomValues(new Uint8Array(FILE_KEY_SIZE))
    return { cipher: await FileCipher.fromKey(fileKey, fileId), fileKey }
  }

  static async fromKey(fileKey: Uint8Array, fileId: Uint8Array): Promise<FileCipher> {
    requireBytes('fileKey', fileKey, FILE_KEY_SIZE)
    requireBytes('fileId', fileId, FILE_ID_SIZE)
    const id = new Uint8Array(fileId)
    const root = await subtle().importKey('raw', bufferSource(fileKey), 'HKDF', false, ['deriveKey', 'deriveBits'])
    const [key, commitment, padKey] = await Promise.all([
      subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: concat(INFO_AES, id) }, root, { name: 'AES-GCM', length: 256 }, false, [
        'encrypt',
        'decrypt',
      ]),
      subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: concat(INFO_COMMIT, id) }, root, 256),
      subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: concat(INFO_PAD, id) }, root, { name: 'AES-CTR', length: 256 }, false, ['encrypt']),
    ])
    return new FileCipher(id, new Uint8Array(commitment), key, padKey)
  }

  /**
   * Fills `out` with segment `index`'s padding: the AES-256-CTR keystream under
   * HKDF(fileKey, info "layr/v1/padding" ‖ fileId), counter block u32be(index) ‖ 0^12 (FORMAT §7).
   * It looks like ciphertext to hosts, and a segment coded again gives the same shares (resume,
   * and the shares an escrow locks before they are sent).
   */
  async fillPadding(index: number, out: Uint8Array): Promise<void> {
    requireInteger('index', index)
    if (out.length === 0) return
    const counter = new Uint8Array(16)
    new DataView(counter.buffer).setUint32(0, index)
    const stream = await subtle().encrypt({ name: 'AES-CTR', counter, length: 64 }, this.#padKey, new Uint8Array(out.length))
    out.set(new Uint8Array(stream))
  }

  /** Throws WrongKeyError if `expected` (from the manifest) is not this key's commitment. */
  checkCommitment(expected: Uint8Array): void {
    requireBytes('commitment', expected, COMMITMENT_SIZE)
    if (!equal(expected, this.commitment)) {
      throw new WrongKeyError('This file key does not belong to this file: its key commitment does not match the manifest.')
    }
  }

  /** Ciphertext length of one segment: plaintext + 16 per chunk; an empty segment is one 16-byte chunk. */
  ciphertextLength(plaintextLength: number): number {
    requireInteger('plaintextLength', plaintextLength)
    return plaintextLength + TAG_SIZE * chunkCount(plaintextLength)
  }

  /** Inverse of ciphertextLength; InvalidInputError for a length no segment can have. */
  plaintextLength(ciphertextLength: number): number {
    requireInteger('ciphertextLength', ciphertextLength)
    const n = plaintextLengthOrUndefined(ciphertextLength)
    if (n === undefined) {
      throw new InvalidInputError(
        `No segment has ${ciphertextLength} ciphertext bytes: every chunk carries a ${TAG_SIZE}-byte tag ` +
          `and only the last may be shorter than ${CHUNK_SIZE} bytes.`,
      )
    }
    return n
  }

  /**
   * Encrypts one segment in chunks of CHUNK_PLAINTEXT, all in flight at once, into one buffer.
   * A segment index must never be reused for different plaintext under the same file key.
   *
   * `into` (optional): a buffer of at least ciphertextLength bytes, not overlapping the
   * plaintext, to write into; the result is then a view of it. Reusing buffers is much
   * faster in Chromium (~1,600 vs ~900 MB/s): first writes to fresh memory page-fault.
   */
  async encryptSegment(segmentIndex: number, plaintext: Uint8Array, into?: Uint8Array): Promise<Uint8Array> {
    requireInteger('segmentIndex', segmentIndex)
    requireBytes('plaintext', plaintext)
    const src = bufferSource(plaintext)
    const chunks = chunkCount(src.length)
    const out = output(src.length + TAG_SIZE * chunks, into, src)
    const jobs: Promise<void>[] = []
    for (let j = 0; j < chunks; j++) {
      const start = j * CHUNK_PLAINTEXT
      const part = src.subarray(start, Math.min(start + CHUNK_PLAINTEXT, src.length))
      const at = j * CHUNK_SIZE
      jobs.push(
        subtle()
          .encrypt(this.#params(segmentIndex, j, j === chunks - 1), this.#key, part)
          .then((sealed) => out.set(new Uint8Array(sealed), at)),
      )
    }
    await Promise.all(jobs)
    return out
  }

  /**
   * Decrypts one segment. CorruptDataError names the first chunk that fails (flipped bits,
   * reordered, moved or foreign chunks); TruncatedDataError when the data ends early.
   * `into` as for encryptSegment (at least plaintextLength bytes); after an error its
   * contents are unspecified.
   */
  async decryptSegment(segmentIndex: number, ciphertext: Uint8Array, into?: Uint8Array): Promise<Uint8Array> {
    requireInteger('segmentIndex', segmentIndex)
    requireBytes('ciphertext', ciphertext)
    const src = bufferSource(ciphertext)
    const plainLength = plaintextLengthOrUndefined(src.length)
    if (plainLength === undefined) {
      throw new TruncatedDataError(
        `Segment ${segmentIndex}: ${src.length} ciphertext bytes cannot be whole chunks; ` + 'the data was cut off inside a chunk (or has bytes added).',
      )
    }
    const chunks = chunkCount(plainLength)
    const out = output(plainLength, into, src)
    const failed: number[] = []
    const jobs: Promise<void>[] = []
    for (let j = 0; j < chunks; j++) {
      const start = j * CHUNK_SIZE
      const part = src.subarray(start, Math.min(start + CHUNK_SIZE, src.length))
      const at = j * CHUNK_PLAINTEXT
      jobs.push(
        subtle()
          .decrypt(this.#params(segmentIndex, j, j === chunks - 1), this.#key, part)
          .then(
            (plain) => out.set(new Uint8Array(plain), at),
            (e: unknown) => {
              if (!isOperationError(e)) throw e
              failed.push(j)
            },
          ),
      )
    }
    await Promise.all(jobs)
    if (failed.length === 0) return out

    const first = Math.min(...failed)
    const last = chunks - 1
    if (first === last && src.length - last * CHUNK_SIZE === CHUNK_SIZE) {
      // A full final chunk that fails as "last" but opens as "not last": the chunks
      // after it were dropped at a chunk boundary.
      const part = src.subarray(last * CHUNK_SIZE)
      const opened = await subtle()
        .decrypt(this.#params(segmentIndex, last, false), this.#key, part)
        .then(
          () => true,
          () => false,
        )
      if (opened) {
        throw new TruncatedDataError(
          `Segment ${segmentIndex} ends after chunk ${last}, which is not its last chunk: ` + 'chunks were dropped or the data was cut off.',
        )
      }
    }
    throw new CorruptDataError(
      `Segment ${segmentIndex}, chunk ${first} failed authentication` +
        (failed.length > 1 ? ` (${failed.length} of ${chunks} chunks failed)` : '') +
        ': flipped bits, reordered chunks, or data from another segment, file or key.',
    )
  }

  #params(segmentIndex: number, chunkIndex: number, last: boolean): AesGcmParams {
    const iv = new Uint8Array(NONCE_SIZE)
    writeU64be(iv, 0, segmentIndex)
    new DataView(iv.buffer).setUint32(8, chunkIndex)
    const ad = new Uint8Array(AD_SIZE)
    ad.set(this.#adPrefix)
    writeU64be(ad, this.#adPrefix.length, segmentIndex)
    ad[AD_SIZE - 1] = last ? 1 : 0
    return { name: 'AES-GCM', iv, additionalData: ad, tagLength: TAG_SIZE * 8 }
  }
}

/** A fresh buffer, or a view of the caller's `into` after checking its size and that it does not overlap `input`. */
function output(length: number, into: Uint8Array | undefined, input: Uint8Array): Uint8Array {
  if (into === undefined) return new Uint8Array(length)
  requireBytes('into', into)
  if (into.length < length) throw new InvalidInputError(`into must hold at least ${length} bytes, got ${into.length}.`)
  const overlaps = into.buffer === input.buffer && into.byteOffset < input.byteOffset + input.length && input.byteOffset < into.byteOffset + length
  if (overlaps && length > 0 && input.length > 0) throw new InvalidInputError('into must not overlap the input.')
  return into.subarray(0, length)
}

function chunkCount(plaintextLength: number): number {
  return Math.max(1, Math.ceil(plaintextLength / CHUNK_PLAINTEXT))
}

function plaintextLengthOrUndefined(ciphertextLength: number): number | undefined {
  if (ciphertextLength < TAG_SIZE) return undefined
  const chunks = Math.ceil(ciphertextLength / CHUNK_SIZE)
  const lastChunk = ciphertextLength - (chunks - 1) * CHUNK_SIZE
  // Only a lone chunk may be empty (16 bytes); a later chunk carries at least one byte.
  if (chunks > 1 && lastChunk <= TAG_SIZE) return undefined
  return ciphertextLength - chunks * TAG_SIZE
}

function isOperationError(e: unknown): boolean {
  // WebCrypto reports a failed authentication as a DOMException named OperationError.
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'OperationError'
}
