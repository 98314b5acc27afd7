/**
 * A holders update: what a repairing host tells the owner after it rebuilt and re-placed some of
 * a file's shares, signed with the delegate key of the owner's grant (capability.ts). It names
 * shares only by key, and their new holders; the owner's tab checks it against its own manifest,
 * audits the new holders, and only then writes a new manifest revision signed by itself.
 *
 *   update body    = CBOR {owner, fileId, base, moves: [{key, holder}], stale: [{key, peer}], time}
 *   signed message = "layr/v2/holders-update" ‖ 0x00 ‖ SHA-256(update body)
 *   update         = CBOR {body: bytes, signature: bytes (64)}
 *   answer body    = CBOR [update, …]                       (the `repairs` request, FORMAT §17)
 *
 * `base` is the revision of the layout the repair started from; `moves` are cumulative (the
 * latest holder of every share moved since the owner last granted); `stale` are old holders the
 * owner may ask to delete once it has saved the new revision.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { decode, encode } from 'cborg'
import { concat, equal, utf8 } from '../bytes.ts'
import { MANIFEST_LIMITS } from '../manifest/types.ts'
import { verifySignature } from '../vault/index.ts'
import { checkCborBounds } from '../../net/share/cbor-bounds.ts'
import { CapabilityError, delegateSign, MAX_CAPABILITY_FILES } from './capability.ts'

const CONTEXT = utf8('layr/v2/holders-update\0')
/** Moves (or stale entries) in one update: every share of a large file. */
export const MAX_UPDATE_MOVES = 65_536
/** The largest answer to `repairs`. */
export const MAX_UPDATES_BYTES = 8 * 1024 * 1024

export interface HoldersUpdate {
  readonly owner: Uint8Array
  readonly fileId: Uint8Array
  readonly base: number
  readonly moves: readonly { readonly key: Uint8Array; readonly holder: string }[]
  readonly stale: readonly { readonly key: Uint8Array; readonly peer: string }[]
  /** The repairing host's clock when it signed (ms). */
  readonly time: number
}

export interface SignedUpdate {
  readonly update: HoldersUpdate
  /** The exact bytes signed (the owner verifies these, nothing re-encoded). */
  readonly body: Uint8Array
  readonly signature: Uint8Array
}

function bodyOf(u: HoldersUpdate): Uint8Array {
  return encode({
    owner: u.owner,
    fileId: u.fileId,
    base: u.base,
    moves: u.moves.map((m) => ({ key: m.key, holder: m.holder })),
    stale: u.stale.map((s) => ({ key: s.key, peer: s.peer })),
    time: u.time,
  })
}

export function updateMessage(body: Uint8Array): Uint8Array {
  return concat(CONTEXT, sha256(body))
}

export function signUpdate(delegateSeed: Uint8Array, u: HoldersUpdate): SignedUpdate {
  const body = bodyOf(u)
  return { update: u, body, signature: delegateSign(delegateSeed, updateMessage(body)) }
}

export function encodeUpdates(updates: readonly SignedUpdate[]): Uint8Array {
  return encode(updates.map((u) => ({ body: u.body, signature: u.signature })))
}

type Rec = Record<string, unknown>

function fail(what: string): never {
  throw new CapabilityError(`Malformed holders update: ${what}.`)
}

function rec(v: unknown, keys: readonly string[]): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail('not a map')
  const r = v as Rec
  if (Object.getPrototypeOf(r) !== Object.prototype) fail('a "__proto__" key')
  for (const k of Object.keys(r)) if (!keys.includes(k)) fail(`unknown field "${k}"`)
  for (const k of keys) if (!(k in r)) fail(`missing field "${k}"`)
  return r
}

function b(v: unknown, what: string, size: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== size) fail(`${what} must be ${size} bytes`)
  return v
}

function peer(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > MANIFEST_LIMITS.idLength) fail(`${what} must be a peer id`)
  return v
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} must be a whole number`)
  return v
}

function cbor(data: Uint8Array, maxDepth: number): unknown {
  try {
    checkCborBounds(data, { maxItems: Math.ceil(data.length / 4) + 64, maxDepth })
    return decode(data, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    fail(`not canonical CBOR (${(err as Error).message})`)
  }
}

/**
 * Decodes an answer to `repairs`, and keeps the updates that verify under `delegate` and name
 * `owner`: a forged or altered one is dropped (and counted), never half-believed.
 */
export function decodeUpdates(data: Uint8Array, owner: Uint8Array, delegate: Uint8Array): { updates: SignedUpdate[]; rejected: number } {
  if (data.length > MAX_UPDATES_BYTES) fail(`${data.length} bytes, over the ${MAX_UPDATES_BYTES}-byte limit`)
  const raw = cbor(data, 2)
  if (!Array.isArray(raw) || raw.length > MAX_CAPABILITY_FILES) fail(`not a list of at most ${MAX_CAPABILITY_FILES}`)
  const updates: SignedUpdate[] = []
  let rejected = 0
  for (const item of raw) {
    const r = rec(item, ['body', 'signature'])
    if (!(r.body instanceof Uint8Array)) fail('body must be bytes')
    const signature = b(r.signature, 'signature', 64)
    if (!verifySignature(delegate, updateMessage(r.body), signature)) {
      rejected++
      continue
    }
    const u = rec(cbor(r.body, 3), ['owner', 'fileId', 'base', 'moves', 'stale', 'time'])
    const update: HoldersUpdate = {
      owner: b(u.owner, 'owner', 32),
      fileId: b(u.fileId, 'fileId', 16),
      base: uint(u.base, 'base'),
      moves: list(u.moves, 'moves').map((m) => {
        const x = rec(m, ['key', 'holder'])
        return { key: b(x.key, 'move key', 32), holder: peer(x.holder, 'move holder') }
      }),
      stale: list(u.stale, 'stale').map((m) => {
        const x = rec(m, ['key', 'peer'])
        return { key: b(x.key, 'stale key', 32), peer: peer(x.peer, 'stale peer') }
      }),
      time: uint(u.time, 'time'),
    }
    if (!equal(update.owner, owner)) {
      rejected++
      continue
    }
    updates.push({ update, body: r.body, signature })
  }
  return { updates, rejected }
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v) || v.length > MAX_UPDATE_MOVES) fail(`${what} must be a list of at most ${MAX_UPDATE_MOVES}`)
  return v
}
