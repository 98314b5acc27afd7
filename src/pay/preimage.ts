/**
 * The hash lock. A claim is unlocked by r = sha256(nonce ‖ share), which only someone holding the
 * share's bytes can compute once the nonce is known; the claim transaction carries the extra
 * signer sha256(r) (a "hashX" signer, CAP-21), and r itself is its signature. r is 32 bytes, well
 * within hashX's 64-byte limit; the share itself could never be a preimage.
 *
 * Each host gets its own nonce (its own escrow seed), so a replica holder or the holder of another
 * share of the same segment computes a different r and cannot claim another host's escrow.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export const NONCE_SIZE = 32

/** r = sha256(nonce ‖ share). */
export function claimPreimage(nonce: Uint8Array, share: Uint8Array): Uint8Array {
  if (!(nonce instanceof Uint8Array) || !(share instanceof Uint8Array)) throw new TypeError('claimPreimage takes bytes.')
  if (nonce.length !== NONCE_SIZE) throw new RangeError(`A claim nonce is ${NONCE_SIZE} bytes, got ${nonce.length}.`)
  return sha256.create().update(nonce).update(share).digest()
}

/** The lock: sha256(r), the hashX extra signer of the claim. */
export function claimLock(preimage: Uint8Array): Uint8Array {
  if (!(preimage instanceof Uint8Array) || preimage.length !== 32) throw new RangeError('A claim preimage is 32 bytes.')
  return sha256(preimage)
}
