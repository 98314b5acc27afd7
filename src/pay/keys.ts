/**
 * Escrow keys and nonces, derived so that the owner's recovery text alone gets them back.
 *
 * Each escrow has a 32-byte seed that the caller derives from the vault:
 *   seed = vault.deriveBytes(escrowSeedInfo(escrowId))
 * (HKDF info "layr/v1/bytes/layr/v1/escrow/" ‖ escrowId; see src/core/vault). From the seed:
 *   escrow key (Ed25519 seed) = HKDF-SHA256(seed, salt = "", info = "layr/v1/escrow/key", 32)
 *   nonce_i                   = HKDF-SHA256(seed, salt = "", info = "layr/v1/escrow/nonce/" ‖ u32be(i), 32)
 * The escrow key is needed only between funding and locking (and to recover an escrow whose lock
 * was never submitted: merge it back). Nonces are revealed one by one (nonce_0 with the share for
 * pay on delivery, nonce_i at audit i); HKDF keeps every other nonce and the key secret.
 *
 * `escrowId` must never repeat: a host that saw the nonces of an earlier escrow with the same id
 * could claim later windows without the data. Use upload id ‖ host ‖ an attempt counter.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { Keypair } from '@stellar/stellar-sdk/base'
import { InvalidInputError } from '../core/errors.ts'

export const ESCROW_SEED_SIZE = 32
const INFO_KEY = 'layr/v1/escrow/key'
const INFO_NONCE = 'layr/v1/escrow/nonce/'

/** The info string to pass to `vault.deriveBytes` for one escrow's seed. */
export function escrowSeedInfo(escrowId: string): string {
  if (typeof escrowId !== 'string' || escrowId === '' || escrowId.length > 256) {
    throw new InvalidInputError('An escrow id is a non-empty string of at most 256 characters (upload id, host and attempt).')
  }
  return `layr/v1/escrow/${escrowId}`
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array)) throw new TypeError('An escrow seed is a Uint8Array.')
  if (seed.length !== ESCROW_SEED_SIZE) throw new RangeError(`An escrow seed is ${ESCROW_SEED_SIZE} bytes, got ${seed.length}.`)
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The escrow account's (throwaway) key. */
export function escrowKeypair(seed: Uint8Array): Keypair {
  checkSeed(seed)
  return Keypair.fromRawEd25519Seed(hkdf(sha256, seed, new Uint8Array(0), utf8(INFO_KEY), 32))
}

/** The nonce of window `index` (0-based): what the owner reveals so that the host can compute r_i. */
export function escrowNonce(seed: Uint8Array, index: number): Uint8Array {
  checkSeed(seed)
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError(`A window index is an integer from 0, got ${index}.`)
  const info = new Uint8Array([...utf8(INFO_NONCE), index >>> 24, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff])
  return hkdf(sha256, seed, new Uint8Array(0), info, 32)
}
