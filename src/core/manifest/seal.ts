import { decode, encode } from 'cborg'
import { bufferSource, concat, toHex, utf8 } from '../bytes.ts'
import { InvalidInputError, ManifestCorruptError, ManifestSignatureError, WrongKeyError } from '../errors.ts'
import { verifySignature, type Vault } from '../vault/index.ts'
import { decodeManifest, encodeManifest } from './codec.ts'
import { MANIFEST_LIMITS, type FileManifest } from './types.ts'

const SIGN_CONTEXT = utf8('layr/v1/manifest-signature\0')
const ENVELOPE_AD = utf8('layr/v1/manifest-envelope')
const KEY_ID_INFO = 'layr/v1/manifest-key-id'
const ENVELOPE_VERSION = 1

export interface SealOptions {
  /** Fixed nonce, for golden vectors only. Never reuse a nonce in real use. */
  readonly nonce?: Uint8Array
}

async function keyId(vault: Vault): Promise<Uint8Array> {
  return vault.deriveBytes(KEY_ID_INFO, 8)
}

/**
 * Sign, then encrypt: the signature travels inside the ciphertext, so a host
 * storing the sealed manifest learns neither its content nor who signed it.
 * Envelope (canonical CBOR): { v: 1, kid: 8 bytes, nonce: 12 bytes, ct: AES-GCM(manifestKey, {body, sig}) }.
 * `kid` lets a reader tell "another vault's manifest" (WrongKeyError) from "corrupted" (ManifestCorruptError).
 */
export async function sealManifest(m: FileManifest, vault: Vault, options: SealOptions = {}): Promise<Uint8Array> {
  if (toHex(m.owner) !== vault.ownerId) {
    throw new InvalidInputError('A manifest can only be sealed by the vault that owns it.')
  }
  const body = encodeManifest(m)
  const sig = vault.sign(concat(SIGN_CONTEXT, body))
  const inner = encode({ body, sig })
  const nonce = options.nonce ?? crypto.getRandomValues(new Uint8Array(12))
  if (nonce.length !== 12) throw new InvalidInputError(`Nonce must be 12 bytes, got ${nonce.length}.`)
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(nonce), additionalData: ENVELOPE_AD }, vault.manifestKey, bufferSource(inner)),
  )
  return encode({ v: ENVELOPE_VERSION, kid: await keyId(vault), nonce, ct })
}

/**
 * Decrypts and verifies a sealed manifest. Errors: ManifestCorruptError (malformed or
 * damaged), WrongKeyError (sealed by another vault), ManifestSignatureError (not signed
 * by this vault's owner key).
 */
export async function openManifest(sealed: Uint8Array, vault: Vault): Promise<FileManifest> {
  if (!(sealed instanceof Uint8Array)) throw new InvalidInputError('A sealed manifest must be a Uint8Array.')
  if (sealed.length > MANIFEST_LIMITS.sealedBytes) {
    throw new ManifestCorruptError(`The manifest is ${sealed.length} bytes, over the ${MANIFEST_LIMITS.sealedBytes}-byte limit.`)
  }
  const env = decodeStrict(sealed, 'envelope') as Record<string, unknown>
  if (typeof env !== 'object' || env === null || env.v !== ENVELOPE_VERSION) {
    throw new ManifestCorruptError('This is not a Layr manifest envelope of a version this Layr reads.')
  }
  const { kid, nonce, ct } = env
  if (!(kid instanceof Uint8Array) || kid.length !== 8 || !(nonce instanceof Uint8Array) || nonce.length !== 12 || !(ct instanceof Uint8Array)) {
    throw new ManifestCorruptError('The manifest envelope is missing its key id, nonce or ciphertext.')
  }
  if (toHex(kid) !== toHex(await keyId(vault))) {
    throw new WrongKeyError('This manifest belongs to another vault. Import the recovery text of the vault that made it.')
  }
  let inner: Uint8Array
  try {
    inner = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(nonce), additionalData: ENVELOPE_AD }, vault.manifestKey, new Uint8Array(ct)),
    )
  } catch {
    throw new ManifestCorruptError('The manifest is damaged: its ciphertext does not authenticate.')
  }
  const payload = decodeStrict(inner, 'payload') as Record<string, unknown>
  const { body, sig } = payload ?? {}
  if (!(body instanceof Uint8Array) || !(sig instanceof Uint8Array) || sig.length !== 64) {
    throw new ManifestCorruptError('The manifest payload is missing its body or signature.')
  }
  if (!verifySignature(vault.ownerPublicKey, concat(SIGN_CONTEXT, body), sig)) {
    throw new ManifestSignatureError('The manifest is not signed by this vault’s owner key; it may have been forged. It was not used.')
  }
  const m = decodeManifest(body)
  if (toHex(m.owner) !== vault.ownerId) {
    throw new ManifestSignatureError('The manifest names another owner than the vault that signed it. It was not used.')
  }
  return m
}

function decodeStrict(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    throw new ManifestCorruptError(`The manifest ${what} is not valid CBOR: ${(err as Error).message}`)
  }
}
