import { describe, expect, it } from 'vitest'
import { DEFAULT_LEASE_MS, HOST_MAX_LEASE_MS, MAX_RENEW_KEYS, PENDING_LEASE_MS } from '../../core/lease/index.ts'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { signRenew, signStore, ShareHost } from './host.ts'
import { decodeRequest, decodeRequestHead, decodeResponse, encodeRequest, encodeResponse, ProtocolError, type ShareRequest } from './messages.ts'
import { encode } from 'cborg'

const HOST = '12D3KooWHost'
const NOW = 1_800_000_000_000
const DAY = 86_400_000

async function share(seed: number) {
  const bytes = patternBytes(2 * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}
type Share = Awaited<ReturnType<typeof share>>

async function setup() {
  const clock = { now: NOW }
  const store = new MemoryShareStore()
  const host = new ShareHost(store, HOST, 100 * LEAF_SIZE, { limits: { perOwner: 1, perPeer: 1 }, now: () => clock.now })
  return { clock, store, host, owner: await Vault.create() }
}

const storeReq = (owner: Vault, s: Share, lease: number, now: number): ShareRequest => ({
  type: 'store',
  key: s.key,
  root: s.root,
  ...signStore(owner, s.key, s.bytes.length, HOST, { lease, now }),
  bytes: s.bytes,
})
const renewReq = (owner: Vault, keys: Uint8Array[], lease: number, now: number, host = HOST): ShareRequest => ({
  type: 'renew',
  keys,
  ...signRenew(owner, keys, host, { lease, now }),
})

describe('leases', () => {
  it('a share is kept until its lease ends, then dropped, and its room given back', async () => {
    const { clock, host, store, owner } = await setup()
    const s = await share(1)
    expect((await host.serve(storeReq(owner, s, PENDING_LEASE_MS, NOW))).status).toBe('ok')
    clock.now = NOW + PENDING_LEASE_MS - 1
    expect(await host.expire()).toEqual({ shares: 0, bytes: 0 })
    expect(await store.record((await import('../../core/bytes.ts')).toHex(s.key))).toBeDefined()
    clock.now = NOW + PENDING_LEASE_MS
    expect(await host.expire()).toEqual({ shares: 1, bytes: s.bytes.length })
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('not-found')
    const stat = await host.serve({ type: 'stat' })
    expect(stat.status === 'ok' && stat.stat?.used).toBe(0)
    expect(host.counters.expired).toBe(1)
    // Its owner's part of the host was given back too: the whole quota can be filled again.
    expect((await host.serve(storeReq(owner, await share(2), DEFAULT_LEASE_MS, clock.now))).status).toBe('ok')
  })

  it('a renewal extends the lease, and says key by key when it ends (0 for what is not held)', async () => {
    const { clock, host, owner } = await setup()
    const [a, b] = [await share(1), await share(2)]
    await host.serve(storeReq(owner, a, PENDING_LEASE_MS, NOW))
    clock.now = NOW + 2 * DAY
    const res = await host.serve(renewReq(owner, [a.key, b.key], DEFAULT_LEASE_MS, clock.now))
    expect(res).toEqual({ status: 'ok', leases: [clock.now + DEFAULT_LEASE_MS, 0] })
    expect(host.counters.renewed).toBe(1)
    clock.now = NOW + 2 * DAY + DEFAULT_LEASE_MS - 1
    expect((await host.expire()).shares).toBe(0)
    clock.now += 1
    expect((await host.expire()).shares).toBe(1)
  })

  it('a lease never shortens, and is capped by the host', async () => {
    const { clock, host, owner } = await setup()
    const s = await share(1)
    await host.serve(storeReq(owner, s, 10 * HOST_MAX_LEASE_MS, NOW))
    const renewed = await host.serve(renewReq(owner, [s.key], DAY, NOW + 1))
    expect(renewed).toEqual({ status: 'ok', leases: [NOW + HOST_MAX_LEASE_MS] })
    // A store again with a short lease does not shorten it either.
    await host.serve(storeReq(owner, s, DAY, NOW + 2))
    clock.now = NOW + 2 * DAY
    expect((await host.expire()).shares).toBe(0)
    expect(await host.serve(renewReq(owner, [s.key], 0, clock.now))).toEqual({ status: 'ok', leases: [NOW + HOST_MAX_LEASE_MS] })
  })

  it('one owner’s lease ending drops only its claim: the other owner’s keeps the bytes', async () => {
    const { clock, host, owner } = await setup()
    const other = await Vault.create()
    const s = await share(1)
    await host.serve(storeReq(owner, s, DAY, NOW))
    await host.serve(storeReq(other, s, 10 * DAY, NOW))
    clock.now = NOW + 2 * DAY
    expect((await host.expire()).shares).toBe(0)
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('ok')
    // The first owner no longer holds it: its renewal finds nothing.
    expect(await host.serve(renewReq(owner, [s.key], DAY, clock.now))).toEqual({ status: 'ok', leases: [0] })
    clock.now = NOW + 10 * DAY
    expect((await host.expire()).shares).toBe(1)
  })

  it('only the owner can renew its lease, for this host, within the time window', async () => {
    const { clock, host, owner } = await setup()
    const s = await share(1)
    await host.serve(storeReq(owner, s, DAY, NOW))
    const stranger = await Vault.create()
    // Another key renews nothing of this owner's.
    expect(await host.serve(renewReq(stranger, [s.key], 100 * DAY, NOW))).toEqual({ status: 'ok', leases: [0] })
    const forged = { ...(renewReq(stranger, [s.key], 100 * DAY, NOW) as Extract<ShareRequest, { type: 'renew' }>), owner: owner.ownerPublicKey }
    expect((await host.serve(forged)).status).toBe('unauthorized')
    expect((await host.serve(renewReq(owner, [s.key], 100 * DAY, NOW, `${HOST}-other`))).status).toBe('unauthorized')
    expect((await host.serve(renewReq(owner, [s.key], 100 * DAY, NOW - DAY))).status).toBe('unauthorized')
    // Keys swapped after signing: the signature covers them.
    const t = await share(2)
    const signed = renewReq(owner, [s.key], 100 * DAY, NOW) as Extract<ShareRequest, { type: 'renew' }>
    expect((await host.serve({ ...signed, keys: [t.key] })).status).toBe('unauthorized')
    clock.now = NOW + DAY
    expect((await host.expire()).shares).toBe(1)
  })

  it('the Hosting view’s "expiring soon": shares whose every lease ends within the window', async () => {
    const { host, owner } = await setup()
    const [a, b] = [await share(1), await share(2)]
    await host.serve(storeReq(owner, a, PENDING_LEASE_MS, NOW))
    await host.serve(storeReq(owner, b, DEFAULT_LEASE_MS, NOW))
    expect(await host.expiring(7 * DAY)).toEqual({ shares: 1, bytes: a.bytes.length, next: NOW + PENDING_LEASE_MS })
    expect(await host.expiring(DEFAULT_LEASE_MS)).toMatchObject({ shares: 2 })
  })

  it('claims kept before leases end DEFAULT_LEASE_MS after their last store', async () => {
    const { clock, host, store, owner } = await setup()
    const s = await share(1)
    await host.serve(storeReq(owner, s, DAY, NOW))
    const hex = (await import('../../core/bytes.ts')).toHex(s.key)
    const r = (await store.record(hex))!
    await store.update({ ...r, owners: r.owners.map(({ expires: _, ...c }) => c) })
    clock.now = NOW + DEFAULT_LEASE_MS - 1
    expect((await host.expire()).shares).toBe(0)
    clock.now = NOW + DEFAULT_LEASE_MS
    expect((await host.expire()).shares).toBe(1)
  })

  it('a renew message is bounded: 1 to MAX_RENEW_KEYS keys of 32 bytes, and its answer as many lease ends', async () => {
    const owner = await Vault.create()
    const keys = Array.from({ length: MAX_RENEW_KEYS }, (_, i) => new Uint8Array(32).fill(i))
    const req = renewReq(owner, keys, DAY, NOW)
    expect(decodeRequest(encodeRequest(req))).toEqual(req)
    const head = (o: Record<string, unknown>) =>
      encode({ type: 'renew', lease: 1, owner: owner.ownerPublicKey, time: NOW, signature: new Uint8Array(64), ...o })
    expect(() => decodeRequestHead(head({ keys: [...keys, new Uint8Array(32)] }))).toThrow(ProtocolError)
    expect(() => decodeRequestHead(head({ keys: [] }))).toThrow(/keys must be a list of 1 to 256/)
    expect(() => decodeRequestHead(head({ keys: [new Uint8Array(31)] }))).toThrow(/key must be 32 bytes/)
    const answer = { status: 'ok', leases: [1, 0, NOW] } as const
    expect(decodeResponse(encodeResponse(answer))).toEqual(answer)
    expect(() => decodeResponse({ head: encode({ status: 'ok', leases: Array.from({ length: MAX_RENEW_KEYS + 1 }, () => 1) }) })).toThrow(ProtocolError)
    expect(() => decodeResponse({ head: encode({ status: 'ok', leases: [-1] }) })).toThrow(ProtocolError)
  })
})
