import { ed25519 } from '@noble/curves/ed25519.js'
import { bufferSource, requireBytes, requireInteger, toHex, utf8 } from '../bytes.ts'
import { FILE_ID_SIZE, FILE_KEY_SIZE } from '../crypto/file-cipher.ts'
import { InvalidInputError, WrongKeyError } from '../errors.ts'
import { encodeRecoveryText, parseRecoveryText, SECRET_SIZE } from './recovery-text.ts'

const SALT = utf8('layr/v1')
const INFO_MANIFEST_KEY = 'layr/v1/manifest-key'
const INFO_SIGNING_KEY = 'layr/v1/signing-key'
const INFO_WRAP_KEY = 'layr/v1/wrap-key'
/** deriveBytes(info) uses HKDF info "layr/v1/bytes/" ‖ info, so no caller can re-derive a key above. */
const INFO_BYTES_PREFIX = 'layr/v1/bytes/'

const NONCE_SIZE = 12
const TAG_SIZE = 16
/** nonce ‖ AES-GCM(fileKey) ‖ tag */
export const WRAPPED_KEY_SIZE = NONCE_SIZE + FILE_KEY_SIZE + TAG_SIZE
export const SIGNATURE_SIZE = 64
export const PUBLIC_KEY_SIZE = 32
/** HKDF-SHA256 can produce at most 255 hash lengths. */
const MAX_DERIVED = 255 * 32

const subtle = (): SubtleCrypto => globalThis.crypto.subtle

function hkdf(info: string): HkdfParams {
  return { name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8(info) }
}

async function aesKey(root: CryptoKey, info: string): Promise<CryptoKey> {
  return subtle().deriveKey(hkdf(info), root, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/**
 * The owner's root secret and everything derived from it (see index.ts).
 * The secret lives in a private field, so it is never serialised by accident.
 */
export class Vault {
  readonly #secret: Uint8Array
  readonly #root: CryptoKey
  readonly #signingSeed: Uint8Array
  readonly #wrapKey: CryptoKey
  /** Lowercase hex of the Ed25519 public key (64 characters). */
  readonly ownerId: string
  /** The Ed25519 public key (32 bytes). */
  readonly ownerPublicKey: Uint8Array
  /** AES-256-GCM key for manifests; not extractable. */
  readonly manifestKey: CryptoKey

  private constructor(secret: Uint8Array, root: CryptoKey, signingSeed: Uint8Array, manifestKey: CryptoKey, wrapKey: CryptoKey) {
    this.#secret = secret
    this.#root = root
    this.#signingSeed = signingSeed
    this.#wrapKey = wrapKey
    this.manifestKey = manifestKey
    this.ownerPublicKey = ed25519.getPublicKey(signingSeed)
    this.ownerId = toHex(this.ownerPublicKey)
  }

  /** A new vault with 32 random bytes. */
  static async create(): Promise<Vault> {
    return Vault.fromSecret(globalThis.crypto.getRandomValues(new Uint8Array(SECRET_SIZE)))
  }

  /** The vault for a given 32-byte secret (the secret is copied). */
  static async fromSecret(secret: Uint8Array): Promise<Vault> {
    requireBytes('secret', secret, SECRET_SIZE)
    const own = new Uint8Array(secret)
    const root = await subtle().importKey('raw', own, 'HKDF', false, ['deriveKey', 'deriveBits'])
    const [seedBits, manifestKey, wrapKey] = await Promise.all([
      subtle().deriveBits(hkdf(INFO_SIGNING_KEY), root, 256),
      aesKey(root, INFO_MANIFEST_KEY),
      aesKey(root, INFO_WRAP_KEY),
    ])
    return new Vault(own, root, new Uint8Array(seedBits), manifestKey, wrapKey)
  }

  /** Restores a vault from its recovery text. Throws RecoveryTextError with what is wrong. */
  static async fromRecoveryText(text: string): Promise<Vault> {
    return Vault.fromSecret(parseRecoveryText(text))
  }

  /** "layr1-" followed by 58 base32 characters in dash-separated groups of five. */
  toRecoveryText(): string {
    return encodeRecoveryText(this.#secret)
  }

  /** Ed25519 signature (64 bytes), deterministic per RFC 8032. */
  sign(message: Uint8Array): Uint8Array {
    requireBytes('message', message)
    return ed25519.sign(message, this.#signingSeed)
  }

  /** nonce(12) ‖ AES-256-GCM(fileKey) with fileId as associated data: 60 bytes. */
  async wrapFileKey(fileKey: Uint8Array, fileId: Uint8Array): Promise<Uint8Array> {
    requireBytes('fileKey', fileKey, FILE_KEY_SIZE)
    requireBytes('fileId', fileId, FILE_ID_SIZE)
    const out = new Uint8Array(WRAPPED_KEY_SIZE)
    const nonce = globalThis.crypto.getRandomValues(out.subarray(0, NONCE_SIZE))
    const sealed = await subtle().encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: bufferSource(fileId), tagLength: 128 },
      this.#wrapKey,
      bufferSource(fileKey),
    )
    out.set(new Uint8Array(sealed), NONCE_SIZE)
    return out
  }

  /** The file key wrapped by wrapFileKey. WrongKeyError for another vault, another fileId, or altered bytes. */
  async unwrapFileKey(wrapped: Uint8Array, fileId: Uint8Array): Promise<Uint8Array> {
    requireBytes('wrapped file key', wrapped, WRAPPED_KEY_SIZE)
    requireBytes('fileId', fileId, FILE_ID_SIZE)
    const w = bufferSource(wrapped)
    try {
      const key = await subtle().decrypt(
        { name: 'AES-GCM', iv: w.subarray(0, NONCE_SIZE), additionalData: bufferSource(fileId), tagLength: 128 },
        this.#wrapKey,
        w.subarray(NONCE_SIZE),
      )
      return new Uint8Array(key)
    } catch (e) {
      if (!isOperationError(e)) throw e
      throw new WrongKeyError('This file key was not wrapped by this vault for this file (another vault, another file, or damaged data).')
    }
  }

  /**
   * `length` bytes (default 32) derived from the secret for a purpose string, e.g. the DHT
   * key under which the owner's manifests are stored. HKDF info is "layr/v1/bytes/" ‖ info.
   */
  async deriveBytes(info: string, length = 32): Promise<Uint8Array> {
    if (typeof info !== 'string' || info === '') {
      throw new InvalidInputError('deriveBytes needs a non-empty purpose string.')
    }
    requireInteger('length', length, 1, MAX_DERIVED)
    const bits = await subtle().deriveBits(hkdf(INFO_BYTES_PREFIX + info), this.#root, length * 8)
    return new Uint8Array(bits)
  }
}

/** Verifies an Ed25519 signature (RFC 8032 strict, no malleable encodings). */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  requireBytes('publicKey', publicKey, PUBLIC_KEY_SIZE)
  requireBytes('message', message)
  requireBytes('signature', signature, SIGNATURE_SIZE)
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false // e.g. a public key that is not a curve point
  }
}

/** A file for the user to keep: a few lines of explanation, then the recovery text. */
export function downloadableRecoveryFile(vault: Vault): { name: string; text: string } {
  const text = [
    'Layr recovery text',
    '',
    'This text is the only key to your Layr files. With it, you can restore them on any',
    'device: open Layr, choose "Restore from recovery text", and paste it.',
    'Keep it private and keep a copy somewhere safe (a password manager, or on paper).',
    'Anyone who has it can read your files. If you lose it, nobody can recover them.',
    '',
    `Owner id: ${vault.ownerId}`,
    '',
    vault.toRecoveryText(),
    '',
  ].join('\n')
  return { name: `layr-recovery-${vault.ownerId.slice(0, 8)}.txt`, text }
}

function isOperationError(e: unknown): boolean {
  // WebCrypto reports a failed authentication as a DOMException named OperationError.
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'OperationError'
}
