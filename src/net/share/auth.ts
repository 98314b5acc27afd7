/**
 * What an owner signs to change or read its data at a host. Every message names its purpose
 * (a context string), the host it is for (its peer id, so it is worth nothing at another host)
 * and the owner's clock when signing. A host accepts a signature only within AUTH_WINDOW_MS of
 * its own clock, so an old signature cannot be replayed later; and a delete must be newer than
 * the owner's latest store of that share, so a delete cannot undo a store made after it.
 */
import { concat, utf8 } from '../../core/bytes.ts'
import { sha256 } from '@noble/hashes/sha2.js'
import { encode } from 'cborg'
import { verifySignature, type Vault } from '../../core/vault/index.ts'
import { delegatedMessage, delegateSign, DelegationRefusedError, verifyDelegation, type Delegation } from '../../core/repair/capability.ts'

/** How far an owner's clock may be from the host's, either way, for a signature to count. */
export const AUTH_WINDOW_MS = 10 * 60_000

const STORE = utf8('layr/v2/store\0')
const RENEW = utf8('layr/v2/renew\0')
const DELETE = utf8('layr/v2/delete\0')
const READ_RECORDS = utf8('layr/v2/read-records\0')
const OFFER = utf8('layr/v2/offer\0')
const DELEGATE = utf8('layr/v2/delegate\0')
const UNDELEGATE = utf8('layr/v2/undelegate\0')
const READ_REPAIRS = utf8('layr/v2/read-repairs\0')

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

/** context ‖ key (32) ‖ size (u64) ‖ lease term (u64 ms) ‖ time (u64 ms) ‖ host peer id (UTF-8). */
export function storeMessage(key: Uint8Array, size: number, lease: number, time: number, host: string): Uint8Array {
  return concat(STORE, key, u64(size), u64(lease), u64(time), utf8(host))
}

/** context ‖ sha256(key₁ ‖ … ‖ keyₘ) ‖ lease term (u64 ms) ‖ time (u64 ms) ‖ host peer id (UTF-8). */
export function renewMessage(keys: readonly Uint8Array[], lease: number, time: number, host: string): Uint8Array {
  return concat(RENEW, sha256(concat(...keys)), u64(lease), u64(time), utf8(host))
}

/** context ‖ key (32) ‖ time (u64 ms) ‖ host peer id (UTF-8). */
export function deleteMessage(key: Uint8Array, time: number, host: string): Uint8Array {
  return concat(DELETE, key, u64(time), utf8(host))
}

/** context ‖ owner (32) ‖ time (u64 ms) ‖ host peer id (UTF-8): lets a host list and serve the owner's records. */
export function readRecordsMessage(owner: Uint8Array, time: number, host: string): Uint8Array {
  return concat(READ_RECORDS, owner, u64(time), utf8(host))
}

/** context ‖ SHA-256(capability) ‖ time (u64 ms) ‖ host peer id (UTF-8): the owner grants this host repair. */
export function delegateMessage(capability: Uint8Array, time: number, host: string): Uint8Array {
  return concat(DELEGATE, sha256(capability), u64(time), utf8(host))
}

/** context ‖ owner (32) ‖ time (u64 ms) ‖ host peer id (UTF-8): the owner withdraws its grant. */
export function undelegateMessage(owner: Uint8Array, time: number, host: string): Uint8Array {
  return concat(UNDELEGATE, owner, u64(time), utf8(host))
}

/** context ‖ owner (32) ‖ time (u64 ms) ‖ host peer id (UTF-8): the owner reads the holders updates made for it. */
export function readRepairsMessage(owner: Uint8Array, time: number, host: string): Uint8Array {
  return concat(READ_REPAIRS, owner, u64(time), utf8(host))
}

export function signDelegate(vault: Vault, capability: Uint8Array, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(delegateMessage(capability, now, host)) }
}

export function signUndelegate(vault: Vault, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(undelegateMessage(vault.ownerPublicKey, now, host)) }
}

export function signReadRepairs(vault: Vault, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(readRepairsMessage(vault.ownerPublicKey, now, host)) }
}

/** The escrow an offer hands a host: its account and its unsigned claims and refund (base64 XDR). */
export interface OfferTerms {
  readonly account: string
  readonly claims: readonly string[]
  readonly refund: string
}

/**
 * context ‖ SHA-256(canonical CBOR of {account, claims, refund}) ‖ time (u64 ms) ‖ host peer id (UTF-8):
 * the owner hands this host this escrow (so a host cannot replay an owner's offer as another owner's).
 */
export function offerMessage(offer: OfferTerms, time: number, host: string): Uint8Array {
  const terms = encode({ account: offer.account, claims: [...offer.claims], refund: offer.refund })
  return concat(OFFER, sha256(terms), u64(time), utf8(host))
}

export interface OwnerAuth {
  readonly owner: Uint8Array
  readonly time: number
  readonly signature: Uint8Array
}

/**
 * An owner's authority over its shares at a host: signed by the owner itself, or by a delegate
 * the owner granted repair to (core/repair/capability.ts), with that delegation attached. A
 * delegated signature is over delegatedMessage(owner, delegation, message), never `message` itself.
 */
export interface SignedAuth extends OwnerAuth {
  readonly delegation?: Delegation
}

/** A store's signed fields: the lease term asked for, and the owner's signature over it with the share. */
export interface LeaseTerms {
  /** The lease term asked for (ms). */
  readonly lease: number
  /** The owner's clock (default Date.now()). */
  readonly now?: number
}

export function signStore(
  vault: Vault,
  key: Uint8Array,
  size: number,
  host: string,
  { lease, now = Date.now() }: LeaseTerms,
): OwnerAuth & { readonly lease: number } {
  return { lease, owner: vault.ownerPublicKey, time: now, signature: vault.sign(storeMessage(key, size, lease, now, host)) }
}

export function signRenew(
  vault: Vault,
  keys: readonly Uint8Array[],
  host: string,
  { lease, now = Date.now() }: LeaseTerms,
): OwnerAuth & { readonly lease: number } {
  return { lease, owner: vault.ownerPublicKey, time: now, signature: vault.sign(renewMessage(keys, lease, now, host)) }
}

/** Signs a store of one share for one host: the owner's own signature, or a delegate's under its delegation. */
export type StoreSigner = (key: Uint8Array, size: number, host: string, terms: LeaseTerms) => SignedAuth & { readonly lease: number }

export function ownerStoreSigner(vault: Vault): StoreSigner {
  return (key, size, host, terms) => signStore(vault, key, size, host, terms)
}

/** What a repairing host holds of an owner's grant: the owner, the delegate's private seed and the delegation. */
export interface DelegateKey {
  readonly owner: Uint8Array
  readonly seed: Uint8Array
  readonly delegation: Delegation
}

export function delegateStoreSigner(d: DelegateKey): StoreSigner {
  return (key, size, host, { lease, now = Date.now() }) => ({
    lease,
    owner: d.owner,
    time: now,
    delegation: d.delegation,
    signature: delegateSign(d.seed, delegatedMessage(d.owner, d.delegation, storeMessage(key, size, lease, now, host))),
  })
}

export function delegateSignRenew(
  d: DelegateKey,
  keys: readonly Uint8Array[],
  host: string,
  { lease, now = Date.now() }: LeaseTerms,
): SignedAuth & { readonly lease: number } {
  return {
    lease,
    owner: d.owner,
    time: now,
    delegation: d.delegation,
    signature: delegateSign(d.seed, delegatedMessage(d.owner, d.delegation, renewMessage(keys, lease, now, host))),
  }
}

export function signDelete(vault: Vault, key: Uint8Array, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(deleteMessage(key, now, host)) }
}

export function signReadRecords(vault: Vault, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(readRecordsMessage(vault.ownerPublicKey, now, host)) }
}

export function signOffer(vault: Vault, offer: OfferTerms, host: string, now = Date.now()): OwnerAuth {
  return { owner: vault.ownerPublicKey, time: now, signature: vault.sign(offerMessage(offer, now, host)) }
}

/** What a repair delegation may sign: stores and renewals (never deletes, record reads or offers). */
export type DelegableAction = 'store' | 'renew'

/**
 * Why a signature does not count, as a typed error; undefined when it does. With a delegation
 * attached, the request must be of a kind `delegable` allows (scope), the delegation must be
 * signed by `owner`, not ended and not too long, and the delegate must have signed the
 * delegated message; the time window is the same as for the owner's own signatures.
 */
export function authorize(auth: SignedAuth, message: Uint8Array, now: number, delegable?: DelegableAction): DelegationRefusedError | undefined {
  if (Math.abs(auth.time - now) > AUTH_WINDOW_MS) {
    return new DelegationRefusedError(
      'window',
      `The request was signed at ${new Date(auth.time).toISOString()}, more than ${AUTH_WINDOW_MS / 60_000} minutes from this host's clock (${new Date(now).toISOString()}). Check the device's clock.`,
    )
  }
  const d = auth.delegation
  if (!d)
    return verifySignature(auth.owner, message, auth.signature) ? undefined : new DelegationRefusedError('signature', 'The request is not signed by its owner.')
  if (!delegable)
    return new DelegationRefusedError('scope', 'A repair delegation may store and renew shares, nothing else: this request must be signed by the owner.')
  try {
    verifyDelegation(auth.owner, d, now)
  } catch (err) {
    if (err instanceof DelegationRefusedError) return err
    throw err
  }
  if (!verifySignature(d.delegate, delegatedMessage(auth.owner, d, message), auth.signature)) {
    return new DelegationRefusedError('signature', 'The request is not signed by the delegate its repair delegation names.')
  }
  return undefined
}

/** Why a signature does not count, in words for the requester; undefined when it does. */
export function checkAuth(auth: SignedAuth, message: Uint8Array, now: number, delegable?: DelegableAction): string | undefined {
  return authorize(auth, message, now, delegable)?.message
}
