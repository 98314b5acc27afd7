/**
 * A host's authentication of stores and renewals signed by a repair delegate (core/repair/
 * capability.ts): accepted as the owner's, so the owner's own renewals and deletes work on the
 * claims they make; refused, with a typed reason, when the delegate's key is wrong, the
 * delegation is forged, ended or too long, the request is of a kind a delegation does not allow,
 * or it is replayed outside the time window or at another host.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_LEASE_MS } from '../../core/lease/index.ts'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { equal, toHex } from '../../core/bytes.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import {
  DelegationRefusedError,
  encodeCapability,
  makeCapability,
  MAX_DELEGATION_MS,
  newDelegateKey,
  signDelegation,
  type Delegation,
} from '../../core/repair/capability.ts'
import { DelegatedRepairs, MemoryGrantStore } from '../../transfer/delegated.ts'
import {
  AUTH_WINDOW_MS,
  authorize,
  delegateSignRenew,
  delegateStoreSigner,
  signDelegate,
  signDelete,
  signReadRepairs,
  signRenew,
  signUndelegate,
  storeMessage,
  type DelegateKey,
} from './auth.ts'
import { ShareHost } from './host.ts'
import { decodeRequest, encodeRequest, type ShareRequest } from './messages.ts'

const HOST = '12D3KooWHost'
const NOW = 1_800_000_000_000
const DAY = 86_400_000

async function share(seed: number) {
  const bytes = patternBytes(2 * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}

async function setup() {
  const owner = await Vault.create()
  const store = new MemoryShareStore()
  const clock = { now: NOW }
  const host = new ShareHost(store, HOST, 64 * LEAF_SIZE, { limits: { perOwner: 1, perPeer: 1 }, now: () => clock.now })
  const key = newDelegateKey()
  const delegate: DelegateKey = { owner: owner.ownerPublicKey, seed: key.seed, delegation: signDelegation(owner, key.publicKey, 'all', NOW + 30 * DAY) }
  return { owner, store, host, clock, delegate }
}

type Share = Awaited<ReturnType<typeof share>>

function delegatedStore(d: DelegateKey, s: Share, at = NOW, host = HOST): ShareRequest & { type: 'store' } {
  return {
    type: 'store',
    key: s.key,
    root: s.root,
    ...delegateStoreSigner(d)(s.key, s.bytes.length, host, { lease: DEFAULT_LEASE_MS, now: at }),
    bytes: s.bytes,
  }
}

/** The reason the host's authenticator gives for a store request (undefined: accepted). */
function reasonFor(req: ShareRequest & { type: 'store' }, now = NOW): string | undefined {
  return authorize(req, storeMessage(req.key, req.bytes.length, req.lease, req.time, HOST), now, 'store')?.reason
}

describe('a host honours a repair delegate', () => {
  it('stores a delegate-signed share as the owner’s, and then the owner renews and deletes it', async () => {
    const { owner, store, host, delegate } = await setup()
    const s = await share(1)
    const req = delegatedStore(delegate, s)
    // Through the wire codec, as a host receives it.
    const wire = decodeRequest(encodeRequest(req))
    expect(wire).toEqual(req)
    expect(await host.serve(wire, { peer: 'repairer' })).toEqual({ status: 'ok' })
    const rec = await store.record(toHex(s.key))
    expect(rec?.owners.map((c) => equal(c.owner, owner.ownerPublicKey))).toEqual([true])
    // The owner's renewal finds it as its own.
    const renewed = await host.serve({ type: 'renew', keys: [s.key], ...signRenew(owner, [s.key], HOST, { lease: DEFAULT_LEASE_MS, now: NOW + 1 }) })
    expect(renewed.status === 'ok' && renewed.leases?.[0]).toBeGreaterThan(0)
    // And the owner's delete releases it.
    expect(await host.serve({ type: 'delete', key: s.key, ...signDelete(owner, s.key, HOST, NOW + 2) })).toEqual({ status: 'ok' })
    expect(await store.usage()).toEqual({ bytes: 0, shares: 0 })
  })

  it('lets the delegate renew the owner’s leases', async () => {
    const { host, delegate, owner } = await setup()
    const s = await share(2)
    await host.serve({
      type: 'store',
      key: s.key,
      root: s.root,
      ...delegateStoreSigner(delegate)(s.key, s.bytes.length, HOST, { lease: 7 * DAY, now: NOW }),
      bytes: s.bytes,
    })
    const res = await host.serve({ type: 'renew', keys: [s.key], ...delegateSignRenew(delegate, [s.key], HOST, { lease: DEFAULT_LEASE_MS, now: NOW }) })
    expect(res).toEqual({ status: 'ok', leases: [NOW + DEFAULT_LEASE_MS] })
    expect(owner.ownerPublicKey).toEqual(delegate.owner)
  })

  it('refuses, each with its reason: a wrong delegate key, a forged, ended or too long delegation, a replay', async () => {
    const { owner, host, delegate } = await setup()
    const s = await share(3)
    const other = newDelegateKey()
    const stranger = await Vault.create()
    const cases: Array<[string, ShareRequest & { type: 'store' }, string]> = [
      // Signed by a key the delegation does not name.
      ['wrong key', delegatedStore({ ...delegate, seed: other.seed }, s), 'signature'],
      // A delegation naming this owner but signed by another vault.
      [
        'forged delegation',
        delegatedStore({ ...delegate, delegation: { ...signDelegation(stranger, delegate.delegation.delegate, 'all', NOW + DAY) } }, s),
        'delegation-signature',
      ],
      // A real delegation with its expiry moved (the owner's signature no longer covers it).
      ['altered expiry', delegatedStore({ ...delegate, delegation: { ...delegate.delegation, expires: NOW + 60 * DAY } }, s), 'delegation-signature'],
      ['ended', delegatedStore({ ...delegate, delegation: signDelegation(owner, delegate.delegation.delegate, 'all', NOW - 1) }, s), 'expired'],
      [
        'too long',
        delegatedStore({ ...delegate, delegation: signDelegation(owner, delegate.delegation.delegate, 'all', NOW + MAX_DELEGATION_MS + DAY) }, s),
        'too-long',
      ],
      ['replayed later', delegatedStore(delegate, s, NOW - AUTH_WINDOW_MS - 1), 'window'],
      ['for another host', delegatedStore(delegate, s, NOW, '12D3KooWOther'), 'signature'],
    ]
    for (const [what, req, reason] of cases) {
      expect([what, reasonFor(req)]).toEqual([what, reason])
      const res = await host.serve(req, { peer: 'repairer' })
      expect([what, res.status]).toEqual([what, 'unauthorized'])
    }
    // The owner's signature is not a delegate's: a delegation attached to an owner-signed store fails.
    const ownerSigned = delegatedStore(delegate, s)
    const forgedOwn = { ...ownerSigned, signature: owner.sign(storeMessage(s.key, s.bytes.length, DEFAULT_LEASE_MS, NOW, HOST)) }
    expect(reasonFor(forgedOwn)).toBe('signature')
    expect(await host.accounting.used()).toEqual({ bytes: 0, shares: 0 })
  })

  it('refuses a delegated delete (out of a delegation’s scope), and keeps the share', async () => {
    const { host, delegate } = await setup()
    const s = await share(4)
    expect((await host.serve(delegatedStore(delegate, s))).status).toBe('ok')
    const { delegation, owner } = delegate
    // Whatever the delegate signs, a delete under a delegation is not the owner's.
    const del: ShareRequest = { type: 'delete', key: s.key, owner, time: NOW + 1, signature: new Uint8Array(64), delegation }
    const wire = decodeRequest(encodeRequest(del))
    const res = await host.serve(wire)
    expect(res.status).toBe('unauthorized')
    expect(res.status !== 'ok' && res.message).toMatch(/may store and renew shares, nothing else/)
    expect(authorize(del as never, new Uint8Array(1), NOW)?.reason).toBe('scope')
    expect((await host.accounting.used()).shares).toBe(1)
  })

  it('is a typed error with a stable name', async () => {
    const { delegate } = await setup()
    const s = await share(5)
    const err = authorize(
      delegatedStore({ ...delegate, delegation: { ...delegate.delegation, signature: new Uint8Array(64) } as Delegation }, s),
      new Uint8Array(1),
      NOW,
      'store',
    )
    expect(err).toBeInstanceOf(DelegationRefusedError)
    expect(err?.name).toBe('DelegationRefusedError')
  })
})

describe('a host takes a grant of repair only from the owner it names', () => {
  async function repairHost() {
    const grants = new MemoryGrantStore()
    const clock = { now: NOW }
    const repairs = new DelegatedRepairs({ net: undefined as never, store: grants, lostAfterMs: 0, now: () => clock.now })
    const host = new ShareHost(new MemoryShareStore(), HOST, 64 * LEAF_SIZE, { now: () => clock.now, repairs })
    return { host, grants, clock }
  }

  it('keeps a grant signed by its owner, forgets it on undelegate, and answers repairs only to the owner', async () => {
    const { host, grants } = await repairHost()
    const owner = await Vault.create()
    const stranger = await Vault.create()
    const cap = encodeCapability(makeCapability(owner, [], 'all', NOW + DAY))
    const grant = (signer: Vault, bytes = cap, at = NOW, to = HOST): ShareRequest =>
      decodeRequest(encodeRequest({ type: 'delegate', ...signDelegate(signer, bytes, to, at), capability: bytes }))
    // Signed by another vault than the capability's owner.
    expect((await host.serve(grant(stranger))).status).toBe('unauthorized')
    // Signed for another host, or long ago.
    expect((await host.serve(grant(owner, cap, NOW, '12D3KooWOther'))).status).toBe('unauthorized')
    expect((await host.serve(grant(owner, cap, NOW - AUTH_WINDOW_MS - 1))).status).toBe('unauthorized')
    // Malformed, and an ended delegation.
    expect((await host.serve(grant(owner, new Uint8Array([1, 2, 3])))).status).toBe('bad-request')
    const ended = encodeCapability(makeCapability(owner, [], 'all', NOW - 1))
    expect(await host.serve(grant(owner, ended))).toMatchObject({ status: 'unauthorized', message: expect.stringMatching(/ended/) })
    expect(grants.grants.size).toBe(0)
    expect(await host.serve(grant(owner))).toEqual({ status: 'ok' })
    expect([...grants.grants.keys()]).toEqual([owner.ownerId])
    // Another owner cannot read this owner's updates, nor withdraw its grant.
    expect((await host.serve({ type: 'repairs', ...signReadRepairs(stranger, HOST, NOW), owner: owner.ownerPublicKey })).status).toBe('unauthorized')
    expect((await host.serve({ type: 'undelegate', ...signUndelegate(stranger, HOST, NOW), owner: owner.ownerPublicKey })).status).toBe('unauthorized')
    const read = await host.serve({ type: 'repairs', ...signReadRepairs(owner, HOST, NOW) })
    expect(read.status === 'ok' && read.bytes).toEqual(new Uint8Array([0x80]))
    expect(await host.serve({ type: 'undelegate', ...signUndelegate(owner, HOST, NOW) })).toEqual({ status: 'ok' })
    expect(grants.grants.size).toBe(0)
  })

  it('a host that does not repair for others says so', async () => {
    const { host } = await setup()
    const owner = await Vault.create()
    expect((await host.serve({ type: 'repairs', ...signReadRepairs(owner, HOST, NOW) })).status).toBe('not-found')
  })
})
