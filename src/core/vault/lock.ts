import { bufferSource, equal, utf8 } from '../bytes.ts'
import { InvalidInputError, LockedVaultCorruptError, RecoveryTextError, WeakPassphraseError, WrongPassphraseError } from '../errors.ts'
import { Vault } from './vault.ts'

export const LOCK_FORMAT = 'layr-locked-vault'
export const LOCK_VERSION = 1
export const LOCK_KDF = 'PBKDF2-HMAC-SHA256'
export const LOCK_CIPHER = 'AES-256-GCM'
/** OWASP's figure for PBKDF2-HMAC-SHA256 (2023 cheat sheet); about 0.1–0.2 s in Chromium here. */
export const DEFAULT_ITERATIONS = 600_000
/** Below this a record is refused: nothing Layr writes is weaker. */
export const MIN_ITERATIONS = 100_000
/** Above this a record is refused, so an altered record cannot make unlocking run for minutes. */
export const MAX_ITERATIONS = 5_000_000
export const SALT_SIZE = 16
export const IV_SIZE = 12
export const CHECK_SIZE = 16
export const MIN_PASSPHRASE_CHARS = 8
const TAG_SIZE = 16
/** A recovery text is 80 characters; anything much longer is not one of ours. */
const MAX_CIPHERTEXT = 1024

/**
 * A secret locked under a passphrase, as this browser stores it. Self-describing: the format,
 * its version and every parameter needed to open it travel with the ciphertext.
 */
export interface LockedRecord {
  readonly format: typeof LOCK_FORMAT
  readonly version: typeof LOCK_VERSION
  readonly kdf: typeof LOCK_KDF
  readonly iterations: number
  readonly salt: Uint8Array
  readonly cipher: typeof LOCK_CIPHER
  readonly iv: Uint8Array
  /** 16 bytes derived from the passphrase key: tells a wrong passphrase from a damaged ciphertext. */
  readonly check: Uint8Array
  /** AES-256-GCM of the secret, tag included. */
  readonly ciphertext: Uint8Array
}

export interface LockOptions {
  /** PBKDF2 iterations, from MIN_ITERATIONS to MAX_ITERATIONS (default DEFAULT_ITERATIONS). */
  readonly iterations?: number
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle
const AAD = utf8(`${LOCK_FORMAT}/${LOCK_VERSION}`)

/** NFC, so that the same passphrase typed through another keyboard or input method opens the lock. */
function normalise(passphrase: unknown): string {
  if (typeof passphrase !== 'string') throw new InvalidInputError(`The passphrase must be a string, got ${typeof passphrase}.`)
  return passphrase.normalize('NFC')
}

/** Throws WeakPassphraseError for a passphrase shorter than MIN_PASSPHRASE_CHARS characters. */
export function requireStrongEnough(passphrase: string): void {
  const chars = [...normalise(passphrase)].length
  if (chars < MIN_PASSPHRASE_CHARS) {
    throw new WeakPassphraseError(
      `A passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters; this one has ${chars}. ` + 'A few words you will remember make a good one.',
    )
  }
}

async function _keys(passphrase: string, salt: Uint8Array, iterations: number): Promise<{ key: CryptoKey; check: Uint8Array }> {
  const base = await subtle().importKey('raw', utf8(normalise(passphrase)), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: bufferSource(salt), iterations }, base, 256)
  // One PBKDF2 run, split by HKDF into the cipher key and the check value (a second PBKDF2
  // output block would cost the whole iteration count again).
  const root = await subtle().importKey('raw', bits, 'HKDF', false, ['deriveKey', 'deriveBits'])
  const hkdf = (info: string): HkdfParams => ({ name: 'HKDF', hash: 'SHA-256', salt: utf8('layr/v1/lock'), info: utf8(info) })
  const [key, check] = await Promise.all([
    subtle().deriveKey(hkdf('layr/v1/lock/key'), root, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    subtle().deriveBits(hkdf('layr/v1/lock/check'), root, CHECK_SIZE * 8),
  ])
  return { key, check: new Uint8Array(check) }
}

/** Locks `secret` under `passphrase`: PBKDF2-HMAC-SHA256 with a random 16-byte salt → AES-256-GCM. */
export async function lockSecret(secret: Uint8Array, passphrase: string, options: LockOptions = {}): Promise<LockedRecord> {
  if (!(secret instanceof Uint8Array) || secret.length === 0 || secret.length > MAX_CIPHERTEXT - TAG_SIZE) {
    throw new InvalidInputError(`The secret to lock must be 1 to ${MAX_CIPHERTEXT - TAG_SIZE} bytes.`)
  }
  requireStrongEnough(passphrase)
  const iterations = options.iterations ?? DEFAULT_ITERATIONS
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new InvalidInputError(`PBKDF2 iterations must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}, got ${iterations}.`)
  }
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_SIZE))
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_SIZE))
  const { key, check } = await _keys(passphrase, salt, iterations)
  const sealed = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: AAD, tagLength: 128 }, key, bufferSource(secret))
  return { format: LOCK_FORMAT, version: LOCK_VERSION, kdf: LOCK_KDF, iterations, salt, cipher: LOCK_CIPHER, iv, check, ciphertext: new Uint8Array(sealed) }
}

function corrupt(what: string): LockedVaultCorruptError {
  return new LockedVaultCorruptError(
    `The passphrase-protected vault kept in this browser cannot be read: ${what}. ` +
      'Open your vault with its recovery text instead (this replaces the damaged copy).',
  )
}

/**
 * Checks that `value` is a LockedRecord this version can open, before any key is derived.
 * LockedVaultCorruptError says what is wrong: the format, a newer version, an unknown algorithm,
 * an iteration count out of bounds, or a field of the wrong size.
 */
export function readLockedRecord(value: unknown): LockedRecord {
  if (typeof value !== 'object' || value === null) throw corrupt('it is not a locked-vault record')
  const r = value as Record<string, unknown>
  if (r.format !== LOCK_FORMAT) throw corrupt('it is not a locked-vault record')
  if (r.version !== LOCK_VERSION) {
    if (typeof r.version === 'number' && r.version > LOCK_VERSION) {
      throw new LockedVaultCorruptError(
        `The vault in this browser was locked by a newer version of Layr (format ${r.version}; this one reads ${LOCK_VERSION}). ` +
          'Reload to get the newer Layr, or open your vault with its recovery text.',
      )
    }
    throw corrupt(`its format version (${String(r.version)}) is not one Layr wrote`)
  }
  if (r.kdf !== LOCK_KDF) throw corrupt(`its key derivation "${String(r.kdf)}" is not ${LOCK_KDF}`)
  if (r.cipher !== LOCK_CIPHER) throw corrupt(`its cipher "${String(r.cipher)}" is not ${LOCK_CIPHER}`)
  const it = r.iterations
  if (typeof it !== 'number' || !Number.isSafeInteger(it) || it < MIN_ITERATIONS || it > MAX_ITERATIONS) {
    throw corrupt(
      `it asks for ${String(it)} PBKDF2 iterations, outside the ${MIN_ITERATIONS.toLocaleString('en')}–${MAX_ITERATIONS.toLocaleString('en')} Layr accepts`,
    )
  }
  const bytes = (name: string, min: number, max = min): Uint8Array => {
    const v = r[name]
    if (!(v instanceof Uint8Array) || v.length < min || v.length > max) {
      throw corrupt(`its ${name} is not ${min === max ? `${min}` : `${min} to ${max}`} bytes`)
    }
    return v
  }
  return {
    format: LOCK_FORMAT,
    version: LOCK_VERSION,
    kdf: LOCK_KDF,
    iterations: it,
    salt: bytes('salt', SALT_SIZE),
    cipher: LOCK_CIPHER,
    iv: bytes('iv', IV_SIZE),
    check: bytes('check', CHECK_SIZE),
    ciphertext: bytes('ciphertext', TAG_SIZE + 1, MAX_CIPHERTEXT),
  }
}

/**
 * Opens a record made by lockSecret. WrongPassphraseError when the passphrase is not the one it
 * was locked with; LockedVaultCorruptError when the record is malformed or its ciphertext altered.
 */
export async function unlockSecret(record: unknown, passphrase: string): Promise<Uint8Array> {
  const r = readLockedRecord(record)
  const { key, check } = await _keys(passphrase, r.salt, r.iterations)
  // A changed salt or iteration count also lands here: they too give another key.
  if (!equal(check, r.check)) throw new WrongPassphraseError()
  try {
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv: bufferSource(r.iv), additionalData: AAD, tagLength: 128 }, key, bufferSource(r.ciphertext))
    return new Uint8Array(plain)
  } catch (e) {
    if ((e as { name?: unknown } | null)?.name !== 'OperationError') throw e
    throw corrupt('the passphrase is right, but the encrypted data was altered or damaged')
  }
}

/** The vault's recovery text, locked under `passphrase` (WeakPassphraseError when it is too short). */
export async function lockVault(vault: Vault, passphrase: string, options: LockOptions = {}): Promise<LockedRecord> {
  return lockSecret(utf8(vault.toRecoveryText()), passphrase, options)
}

/** The vault whose recovery text `record` holds (see unlockSecret for the errors). */
export async function unlockVault(record: unknown, passphrase: string): Promise<Vault> {
  const plain = await unlockSecret(record, passphrase)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plain)
  } catch {
    throw corrupt('what it holds is not text')
  }
  try {
    return await Vault.fromRecoveryText(text)
  } catch (e) {
    if (e instanceof RecoveryTextError) throw corrupt('what it holds is not a recovery text')
    throw e
  }
}
