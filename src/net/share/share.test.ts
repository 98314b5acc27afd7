import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { deleteMessage, ShareHost } from './host.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, MAX_FRAME, type ShareRequest } from './messages.ts'

async function share(seed: number, leaves = 2) {
  const bytes = patternBytes(leaves * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}

async function setup(quota = 10 * LEAF_SIZE) {
  const owner = await Vault.create()
  const store = new MemoryShareStore()
  const host = new ShareHost(store, '12D3KooWHost', quota)
  return { owner, store, host }
}

describe('share protocol messages', () => {
  it('round-trips every request and response', async () => {
    const s = await share(1)
    const reqs: ShareRequest[] = [
      { type: 'store', key: s.key, root: s.root, owner: new Uint8Array(32), bytes: s.bytes },
      { type: 'fetch', key: s.key },
      { type: 'fetch', key: s.key, range: { offset: 5, length: 10 } },
      { type: 'delete', key: s.key, signature: new Uint8Array(64) },
      { type: 'stat' },
    ]
    for (const r of reqs) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    const res = { status: 'ok', stat: { quota: 1, used: 2, shares: 3 } } as const
    expect(decodeResponse(encodeResponse(res))).toEqual(res)
    expect(decodeResponse(encodeResponse({ status: 'not-found', message: 'no' }))).toEqual({ status: 'not-found', message: 'no' })
  })

  const bad: [string, unknown][] = [
    ['not a map', [1, 2]],
    ['unknown type', { type: 'format-disk' }],
    ['extra field', { type: 'stat', x: 1 }],
    ['short key', { type: 'fetch', key: new Uint8Array(31) }],
    ['string key', { type: 'fetch', key: 'abc' }],
    ['negative range', { type: 'fetch', key: new Uint8Array(32), range: { offset: -1, length: 1 } }],
    ['huge range', { type: 'fetch', key: new Uint8Array(32), range: { offset: 0, length: 2 ** 40 } }],
    ['empty store', { type: 'store', key: new Uint8Array(32), root: new Uint8Array(32), owner: new Uint8Array(32), bytes: new Uint8Array(0) }],
    ['short signature', { type: 'delete', key: new Uint8Array(32), signature: new Uint8Array(10) }],
  ]
  it.each(bad)('refuses %s with a ProtocolError', (_label, value) => {
    expect(() => decodeRequest(encode(value))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('refuses garbage, truncated frames and frames over the limit before decoding them', () => {
    const good = encodeRequest({ type: 'stat' })
    for (const f of [new Uint8Array([0xff, 0x00]), good.subarray(0, good.length - 1), new Uint8Array(MAX_FRAME + 1)]) {
      expect(() => decodeRequest(f)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    }
    expect(() => decodeResponse(encode({ status: 'exploded', message: 'x' }))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })
})

describe('ShareHost', () => {
  it('stores, serves (whole and ranges), reports stat, and deletes on the owner’s signature', async () => {
    const { owner, host } = await setup()
    const s = await share(2)
    expect(await host.handle({ type: 'store', key: s.key, root: s.root, owner: owner.ownerPublicKey, bytes: s.bytes })).toEqual({ status: 'ok' })
    const got = await host.handle({ type: 'fetch', key: s.key })
    expect(got.status === 'ok' && got.bytes).toEqual(s.bytes)
    const part = await host.handle({ type: 'fetch', key: s.key, range: { offset: LEAF_SIZE, length: 100 } })
    expect(part.status === 'ok' && part.bytes).toEqual(s.bytes.subarray(LEAF_SIZE, LEAF_SIZE + 100))
    expect(await host.handle({ type: 'stat' })).toEqual({ status: 'ok', stat: { quota: 10 * LEAF_SIZE, used: 2 * LEAF_SIZE, shares: 1 } })
    const signature = owner.sign(deleteMessage(s.key, '12D3KooWHost'))
    expect(await host.handle({ type: 'delete', key: s.key, signature })).toEqual({ status: 'ok' })
    expect((await host.handle({ type: 'fetch', key: s.key })).status).toBe('not-found')
    expect(host.counters).toMatchObject({ stored: 1, served: 2, deleted: 1 })
  })

  it('refuses bytes that do not match the claimed root, and stores nothing', async () => {
    const { owner, host, store } = await setup()
    const s = await share(3)
    const tampered = s.bytes.slice()
    tampered[77]! ^= 1
    const res = await host.handle({ type: 'store', key: s.key, root: s.root, owner: owner.ownerPublicKey, bytes: tampered })
    expect(res.status).toBe('root-mismatch')
    expect((await store.usage()).shares).toBe(0)
  })

  it('refuses a key not derived from the root', async () => {
    const { owner, host } = await setup()
    const s = await share(4)
    const res = await host.handle({ type: 'store', key: new Uint8Array(32), root: s.root, owner: owner.ownerPublicKey, bytes: s.bytes })
    expect(res.status).toBe('bad-request')
  })

  it('refuses a store over the quota, and says how much is free', async () => {
    const { owner, host, store } = await setup(3 * LEAF_SIZE)
    const a = await share(5)
    const b = await share(6)
    expect((await host.handle({ type: 'store', key: a.key, root: a.root, owner: owner.ownerPublicKey, bytes: a.bytes })).status).toBe('ok')
    const res = await host.handle({ type: 'store', key: b.key, root: b.root, owner: owner.ownerPublicKey, bytes: b.bytes })
    expect(res).toEqual({ status: 'over-quota', message: `This host has ${LEAF_SIZE} bytes free of its quota.` })
    expect((await store.usage()).shares).toBe(1)
  })

  it('a full device is over-quota too, not a crash', async () => {
    const owner = await Vault.create()
    const host = new ShareHost(new MemoryShareStore(LEAF_SIZE), 'p', 100 * LEAF_SIZE)
    const s = await share(7)
    expect((await host.handle({ type: 'store', key: s.key, root: s.root, owner: owner.ownerPublicKey, bytes: s.bytes })).status).toBe('over-quota')
  })

  it('refuses an unsigned, wrongly signed, or other-host delete', async () => {
    const { owner, host } = await setup()
    const mallory = await Vault.create()
    const s = await share(8)
    await host.handle({ type: 'store', key: s.key, root: s.root, owner: owner.ownerPublicKey, bytes: s.bytes })
    const attempts = [
      new Uint8Array(64),
      mallory.sign(deleteMessage(s.key, '12D3KooWHost')),
      owner.sign(deleteMessage(s.key, '12D3KooWOtherHost')),
    ]
    for (const signature of attempts) {
      expect((await host.handle({ type: 'delete', key: s.key, signature })).status).toBe('unauthorized')
    }
    expect((await host.handle({ type: 'fetch', key: s.key })).status).toBe('ok')
  })

  it('a range outside the share is a bad request', async () => {
    const { owner, host } = await setup()
    const s = await share(9, 1)
    await host.handle({ type: 'store', key: s.key, root: s.root, owner: owner.ownerPublicKey, bytes: s.bytes })
    expect((await host.handle({ type: 'fetch', key: s.key, range: { offset: LEAF_SIZE, length: 1 } })).status).toBe('bad-request')
  })
})
