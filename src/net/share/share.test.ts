import { DEFAULT_LEASE_MS } from '../../core/lease/index.ts'
import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { AUTH_WINDOW_MS, signDelete, signStore, ShareHost, type HostOptions } from './host.ts'
import { decodeRequest, decodeRequestHead, decodeResponse, encodeRequest, encodeResponse, HEADER_LIMITS, type ShareRequest } from './messages.ts'

const HOST = '12D3KooWHost'
const NOW = 1_800_000_000_000
/** Hosts in these tests let one owner fill the whole quota, unless a test says otherwise. */
const WHOLE: HostOptions['limits'] = { perOwner: 1, perPeer: 1 }

async function share(seed: number, leaves = 2) {
  const bytes = patternBytes(leaves * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}

async function setup(quota = 10 * LEAF_SIZE, options: HostOptions = {}) {
  const owner = await Vault.create()
  const store = new MemoryShareStore()
  const clock = { now: NOW }
  const host = new ShareHost(store, HOST, quota, { limits: WHOLE, now: () => clock.now, ...options })
  return { owner, store, host, clock }
}

type Share = Awaited<ReturnType<typeof share>>

function storeReq(owner: Vault, s: Share, at = NOW, host = HOST, lease = DEFAULT_LEASE_MS): ShareRequest {
  return { type: 'store', key: s.key, root: s.root, ...signStore(owner, s.key, s.bytes.length, host, { lease, now: at }), bytes: s.bytes }
}

function deleteReq(owner: Vault, s: Share, at = NOW + 1, host = HOST): ShareRequest {
  return { type: 'delete', key: s.key, ...signDelete(owner, s.key, host, at) }
}

describe('share protocol messages', () => {
  it('round-trips every request and response, with data in a body frame after a small header', async () => {
    const s = await share(1)
    const v = await Vault.create()
    const reqs: ShareRequest[] = [
      storeReq(v, s),
      { type: 'fetch', key: s.key },
      { type: 'fetch', key: s.key, range: { offset: 5, length: 10 } },
      deleteReq(v, s),
      { type: 'stat' },
    ]
    for (const r of reqs) {
      const msg = encodeRequest(r)
      expect(msg.head.length).toBeLessThan(300)
      expect(decodeRequest(msg)).toEqual(r)
    }
    expect(encodeRequest(reqs[0]!).body).toEqual(s.bytes)
    const res = { status: 'ok', stat: { quota: 1, used: 2, shares: 3 } } as const
    expect(decodeResponse(encodeResponse(res))).toEqual(res)
    const fetched = { status: 'ok', bytes: s.bytes } as const
    expect(decodeResponse(encodeResponse(fetched))).toEqual(fetched)
    expect(decodeResponse(encodeResponse({ status: 'not-found', message: 'no' }))).toEqual({ status: 'not-found', message: 'no' })
  })

  const auth = { owner: new Uint8Array(32), time: NOW, signature: new Uint8Array(64) }
  const bad: [string, unknown][] = [
    ['not a map', [1, 2]],
    ['unknown type', { type: 'format-disk' }],
    ['extra field', { type: 'stat', x: 1 }],
    ['short key', { type: 'fetch', key: new Uint8Array(31) }],
    ['string key', { type: 'fetch', key: 'abc' }],
    ['negative range', { type: 'fetch', key: new Uint8Array(32), range: { offset: -1, length: 1 } }],
    ['huge range', { type: 'fetch', key: new Uint8Array(32), range: { offset: 0, length: 2 ** 40 } }],
    ['a store over the share size', { type: 'store', key: new Uint8Array(32), root: new Uint8Array(32), ...auth, body: 2 ** 30 }],
    ['an unsigned store', { type: 'store', key: new Uint8Array(32), root: new Uint8Array(32), owner: new Uint8Array(32), body: LEAF_SIZE }],
    ['short signature', { type: 'delete', key: new Uint8Array(32), ...auth, signature: new Uint8Array(10) }],
    ['a delete with no owner', { type: 'delete', key: new Uint8Array(32), time: NOW, signature: new Uint8Array(64) }],
    ['a float', { type: 'fetch', key: new Uint8Array(32), range: { offset: 1.5, length: 1 } }],
  ]
  it.each(bad)('refuses %s with a ProtocolError', (_label, value) => {
    expect(() => decodeRequestHead(encode(value))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('refuses garbage, truncated headers and headers over the limit before decoding them', () => {
    const good = encodeRequest({ type: 'stat' }).head
    for (const f of [new Uint8Array([0xff, 0x00]), good.subarray(0, good.length - 1), new Uint8Array(HEADER_LIMITS.request + 1)]) {
      expect(() => decodeRequestHead(f)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    }
    expect(() => decodeResponse({ head: encode({ status: 'exploded', message: 'x' }) })).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('STAT carries what the host says of its reliability: persistent storage, and a tab, an app or a server', () => {
    for (const stat of [
      { quota: 1, used: 0, shares: 0, persistent: true, kind: 'tab' },
      { quota: 1, used: 0, shares: 0, persistent: false, kind: 'app' },
      { quota: 1, used: 0, shares: 0, room: 1, kind: 'server' },
      { quota: 1, used: 0, shares: 0, persistent: true },
    ] as const) {
      const res = { status: 'ok', stat } as const
      expect(decodeResponse(encodeResponse(res))).toEqual(res)
    }
  })

  const badStats: [string, Record<string, unknown>][] = [
    ['persistent as a number', { persistent: 1 }],
    ['persistent as text', { persistent: 'yes' }],
    ['persistent as null', { persistent: null }],
    ['an unknown kind', { kind: 'phone' }],
    ['a kind in capitals', { kind: 'Tab' }],
    ['a kind as a number', { kind: 0 }],
    ['a kind as a list', { kind: ['tab'] }],
    ['an over-long kind', { kind: 'tab'.repeat(1000) }],
  ]
  it.each(badStats)('refuses a STAT with %s', (_label, extra) => {
    expect(() => decodeResponse({ head: encode({ status: 'ok', stat: { quota: 1, used: 0, shares: 0, ...extra } }) })).toThrow(
      expect.objectContaining({ name: 'ProtocolError', message: expect.stringMatching(/stat\.(persistent|kind)/) }),
    )
  })

  it('refuses unknown fields in answers, too', () => {
    for (const head of [
      { status: 'ok', extra: 1 },
      { status: 'ok', stat: { quota: 1, used: 0, shares: 0, free: 1 } },
      { status: 'not-found', message: 'x', why: 'y' },
    ]) {
      expect(() => decodeResponse({ head: encode(head) })).toThrow(/unknown field/)
    }
  })

  it('a body must be exactly what the header announced, and only where one is announced', async () => {
    const v = await Vault.create()
    const s = await share(11)
    const msg = encodeRequest(storeReq(v, s))
    expect(() => decodeRequest({ head: msg.head, body: msg.body!.subarray(1) })).toThrow(/announced/)
    expect(() => decodeRequest({ head: msg.head })).toThrow(/announced/)
    expect(() => decodeRequest({ head: encodeRequest({ type: 'stat' }).head, body: new Uint8Array(1) })).toThrow(/carries none/)
    const fetched = encodeResponse({ status: 'ok', bytes: s.bytes })
    // A peer may not answer with more than the request can take (a 100-byte range).
    expect(() => decodeResponse(fetched, 100)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })
})

describe('ShareHost', () => {
  it('says in STAT what its description says, asked afresh each time, and leaves out one that fails', async () => {
    let description: { persistent?: boolean; kind?: 'tab' | 'app' | 'server' } = { persistent: false, kind: 'tab' }
    let broken = false
    const { host } = await setup(10 * LEAF_SIZE, {
      describe: async () => {
        if (broken) throw new Error('navigator.storage went away')
        return description
      },
    })
    const stat = async () => {
      const res = await host.serve({ type: 'stat' })
      return res.status === 'ok' ? res.stat : undefined
    }
    expect(await stat()).toMatchObject({ persistent: false, kind: 'tab' })
    description = { persistent: true, kind: 'app' }
    expect(await stat()).toMatchObject({ persistent: true, kind: 'app' })
    broken = true
    const plain = await stat()
    expect(plain).toEqual({ quota: 10 * LEAF_SIZE, used: 0, shares: 0, room: 10 * LEAF_SIZE })
  })

  it('stores, serves (whole and ranges), reports stat, and deletes on the owner’s signature', async () => {
    const { owner, host } = await setup()
    const s = await share(2)
    expect(await host.serve(storeReq(owner, s))).toEqual({ status: 'ok' })
    const got = await host.serve({ type: 'fetch', key: s.key })
    expect(got.status === 'ok' && got.bytes).toEqual(s.bytes)
    const part = await host.serve({ type: 'fetch', key: s.key, range: { offset: LEAF_SIZE, length: 100 } })
    expect(part.status === 'ok' && part.bytes).toEqual(s.bytes.subarray(LEAF_SIZE, LEAF_SIZE + 100))
    expect(await host.serve({ type: 'stat' })).toEqual({ status: 'ok', stat: { quota: 10 * LEAF_SIZE, used: 2 * LEAF_SIZE, shares: 1, room: 8 * LEAF_SIZE } })
    expect(await host.serve(deleteReq(owner, s))).toEqual({ status: 'ok' })
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('not-found')
    expect(host.counters).toMatchObject({ stored: 1, served: 2, deleted: 1 })
  })

  it('refuses bytes that do not match the claimed root, and stores nothing', async () => {
    const { owner, host, store } = await setup()
    const s = await share(3)
    const tampered = s.bytes.slice()
    tampered[77]! ^= 1
    const res = await host.serve({ ...storeReq(owner, s), bytes: tampered } as ShareRequest)
    expect(res.status).toBe('root-mismatch')
    expect((await store.usage()).shares).toBe(0)
    expect(host.accounting.inflight).toBe(0)
  })

  it('refuses a key not derived from the root', async () => {
    const { owner, host } = await setup()
    const s = await share(4)
    const res = await host.serve(storeReq(owner, { ...s, key: new Uint8Array(32) }))
    expect(res.status).toBe('bad-request')
  })

  it('refuses a store over the quota, and says how much is free', async () => {
    const { owner, host, store } = await setup(3 * LEAF_SIZE)
    const a = await share(5)
    const b = await share(6)
    expect((await host.serve(storeReq(owner, a))).status).toBe('ok')
    const res = await host.serve(storeReq(owner, b))
    expect(res).toEqual({ status: 'over-quota', message: `This host has ${LEAF_SIZE} bytes free of its quota.` })
    expect((await store.usage()).shares).toBe(1)
  })

  it('a full device is over-quota too, not a crash', async () => {
    const owner = await Vault.create()
    const host = new ShareHost(new MemoryShareStore(LEAF_SIZE), HOST, 100 * LEAF_SIZE, { limits: WHOLE, now: () => NOW })
    const s = await share(7)
    expect((await host.serve(storeReq(owner, s))).status).toBe('over-quota')
  })

  it('refuses a store that is unsigned, signed by another key, signed for another host, or signed outside the time window', async () => {
    const { owner, host, store } = await setup()
    const mallory = await Vault.create()
    const s = await share(12)
    const good = storeReq(owner, s) as Extract<ShareRequest, { type: 'store' }>
    const attempts: ShareRequest[] = [
      { ...good, signature: new Uint8Array(64) },
      { ...good, signature: (storeReq(mallory, s) as typeof good).signature },
      storeReq(owner, s, NOW, '12D3KooWOtherHost'),
      storeReq(owner, s, NOW - AUTH_WINDOW_MS - 1),
      storeReq(owner, s, NOW + AUTH_WINDOW_MS + 1),
      // Signed for another size: the header's size is what was signed.
      { ...good, ...signStore(owner, s.key, s.bytes.length + LEAF_SIZE, HOST, { lease: DEFAULT_LEASE_MS, now: NOW }) },
    ]
    for (const req of attempts) expect((await host.serve(req)).status).toBe('unauthorized')
    expect((await store.usage()).shares).toBe(0)
  })

  it('refuses an unsigned, wrongly signed, other-host or out-of-time delete', async () => {
    const { owner, host } = await setup()
    const mallory = await Vault.create()
    const s = await share(8)
    await host.serve(storeReq(owner, s))
    const good = deleteReq(owner, s) as Extract<ShareRequest, { type: 'delete' }>
    const attempts: ShareRequest[] = [
      { ...good, signature: new Uint8Array(64) },
      { ...good, signature: (deleteReq(mallory, s) as typeof good).signature },
      deleteReq(owner, s, NOW + 1, '12D3KooWOtherHost'),
      deleteReq(owner, s, NOW + AUTH_WINDOW_MS + 1),
    ]
    for (const req of attempts) expect((await host.serve(req)).status).toBe('unauthorized')
    // Another owner's delete finds nothing of its own to delete.
    expect((await host.serve(deleteReq(mallory, s))).status).toBe('not-found')
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('ok')
  })

  it('a squatter who stores a share first cannot lock out or evict its owner', async () => {
    const { owner, host, store } = await setup()
    const squatter = await Vault.create()
    const s = await share(13)
    // The squatter has the bytes (fetches are open) and stores them first under its own key.
    expect((await host.serve(storeReq(squatter, s))).status).toBe('ok')
    expect(await host.serve(storeReq(owner, s))).toEqual({ status: 'ok' })
    expect((await store.usage()).bytes).toBe(s.bytes.length)
    // The squatter's delete releases only its own hold: the owner's share stays.
    expect((await host.serve(deleteReq(squatter, s))).status).toBe('ok')
    const got = await host.serve({ type: 'fetch', key: s.key })
    expect(got.status === 'ok' && got.bytes).toEqual(s.bytes)
    expect((await store.record(await hex(s.key)))?.owners.length).toBe(1)
    // The owner can still delete it, and then it is gone.
    expect((await host.serve(deleteReq(owner, s))).status).toBe('ok')
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('not-found')
  })

  it('a replayed delete does not undo a later store', async () => {
    const { owner, host, clock } = await setup()
    const s = await share(14)
    await host.serve(storeReq(owner, s, NOW))
    const del = deleteReq(owner, s, NOW + 1000)
    expect((await host.serve(del)).status).toBe('ok')
    clock.now = NOW + 5000
    expect((await host.serve(storeReq(owner, s, NOW + 5000))).status).toBe('ok')
    const replay = await host.serve(del)
    expect(replay.status).toBe('unauthorized')
    expect((await host.serve({ type: 'fetch', key: s.key })).status).toBe('ok')
    // Later still, the same delete is also past its time window.
    clock.now = NOW + AUTH_WINDOW_MS + 2000
    expect((await host.serve(del)).status).toBe('unauthorized')
  })

  it('a store signed with an older time does not reopen the door to an older delete', async () => {
    const { owner, host } = await setup()
    const s = await share(15)
    await host.serve(storeReq(owner, s, NOW + 5000))
    // The same owner stores again with a clock that went back (within the window).
    await host.serve(storeReq(owner, s, NOW + 1000))
    expect((await host.serve(deleteReq(owner, s, NOW + 3000))).status).toBe('unauthorized')
    expect((await host.serve(deleteReq(owner, s, NOW + 6000))).status).toBe('ok')
  })

  it('one owner, and one peer, may hold only their part of a free host', async () => {
    const quota = 8 * LEAF_SIZE
    const { host } = await setup(quota, { limits: { perOwner: 0.5, perPeer: 0.75 } })
    const [a, b] = [await Vault.create(), await Vault.create()]
    const shares = await Promise.all([20, 21, 22, 23].map((i) => share(i)))
    const ctx = { peer: 'peer-1' }
    expect((await host.serve(storeReq(a, shares[0]!), ctx)).status).toBe('ok')
    expect((await host.serve(storeReq(a, shares[1]!), ctx)).status).toBe('ok')
    const third = await host.serve(storeReq(a, shares[2]!), ctx)
    expect(third).toMatchObject({ status: 'over-quota', message: expect.stringMatching(/for one owner/) })
    // A throwaway owner key from the same peer gets only the peer's part.
    expect((await host.serve(storeReq(b, shares[2]!), ctx)).status).toBe('ok')
    expect(await host.serve(storeReq(b, shares[3]!), ctx)).toMatchObject({ status: 'over-quota', message: expect.stringMatching(/from one peer/) })
    // STAT tells each peer what it may still store.
    expect(await host.serve({ type: 'stat' }, ctx)).toMatchObject({ stat: { room: 0 } })
    expect(await host.serve({ type: 'stat' }, { peer: 'peer-2' })).toMatchObject({ stat: { room: 2 * LEAF_SIZE } })
    // Another peer is not held back by the first one's use.
    expect((await host.serve(storeReq(b, shares[3]!), { peer: 'peer-2' })).status).toBe('ok')
    // A delete gives the owner and the peer their room back.
    expect((await host.serve(deleteReq(a, shares[0]!), ctx)).status).toBe('ok')
    expect((await host.serve(storeReq(a, shares[2]!), ctx)).status).toBe('ok')
  })

  it('each owner’s and peer’s part is counted again from what the host holds after a restart', async () => {
    const quota = 8 * LEAF_SIZE
    const store = new MemoryShareStore()
    const limits = { perOwner: 0.5, perPeer: 0.5 }
    const a = await Vault.create()
    const s = await Promise.all([40, 41, 42].map((i) => share(i)))
    const first = new ShareHost(store, HOST, quota, { limits, now: () => NOW })
    for (const x of s.slice(0, 2)) expect((await first.serve(storeReq(a, x), { peer: 'p' })).status).toBe('ok')
    const again = new ShareHost(store, HOST, quota, { limits, now: () => NOW })
    expect(await again.serve(storeReq(a, s[2]!), { peer: 'p' })).toMatchObject({ status: 'over-quota', message: expect.stringMatching(/for one owner/) })
    expect(await again.serve(storeReq(await Vault.create(), s[2]!), { peer: 'p' })).toMatchObject({
      status: 'over-quota',
      message: expect.stringMatching(/from one peer/),
    })
  })

  it('bounds the bytes one peer has in flight: a store admitted but not yet sent holds room, later ones are busy', async () => {
    const { owner, host } = await setup(64 * LEAF_SIZE, { limits: { ...WHOLE, inflightPerPeer: 4 * LEAF_SIZE, inflightTotal: 6 * LEAF_SIZE } })
    const s = await Promise.all([30, 31, 32, 33].map((i) => share(i)))
    const head = (x: Share) => decodeRequestHead(encodeRequest(storeReq(owner, x)).head)
    const first = await host.admit(head(s[0]!), { peer: 'p1' })
    const second = await host.admit(head(s[1]!), { peer: 'p1' })
    expect([first.status, second.status]).toEqual(['continue', 'continue'])
    expect(await host.admit(head(s[2]!), { peer: 'p1' })).toMatchObject({ status: 'busy' })
    expect((await host.admit(head(s[2]!), { peer: 'p2' })).status).toBe('continue')
    // The total is spent too: a third peer waits.
    expect(await host.admit(head(s[3]!), { peer: 'p3' })).toMatchObject({ status: 'busy' })
    expect(host.accounting.inflight).toBe(6 * LEAF_SIZE)
    // Handling (or dropping) a request gives its room back.
    await host.handle(storeReq(owner, s[0]!), { peer: 'p1' }, first as never)
    expect(host.accounting.inflight).toBe(4 * LEAF_SIZE)
  })

  it('a range outside the share is a bad request', async () => {
    const { owner, host } = await setup()
    const s = await share(9, 1)
    await host.serve(storeReq(owner, s))
    expect((await host.serve({ type: 'fetch', key: s.key, range: { offset: LEAF_SIZE, length: 1 } })).status).toBe('bad-request')
  })
})

async function hex(b: Uint8Array): Promise<string> {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
