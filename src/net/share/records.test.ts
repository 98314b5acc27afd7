import { describe, expect, it } from 'vitest'
import { Vault } from '../../core/vault/index.ts'
import { checkRecordManifest, mergeRecords, recordsKey, signRecord, verifyRecord, RECORD_LIMITS, type ManifestRecord } from '../../core/records/index.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { MemoryRecordStore } from '../../adapters/storage/memory-records.ts'
import { RECORD_OVERHEAD } from '../../ports/record-store.ts'
import { AUTH_WINDOW_MS, ShareHost, signReadRecords } from './host.ts'
import { decodeRequest, decodeRequestHead, decodeResponse, encodeRequest, encodeResponse, type ShareRequest } from './messages.ts'
import { encode } from 'cborg'

const fileA = new Uint8Array(16).fill(0xa)
const fileB = new Uint8Array(16).fill(0xb)

const HOST = '12D3KooWHost'
const NOW = 1_800_000_000_000

function setup(quota = 1 << 20) {
  const records = new MemoryRecordStore()
  const host = new ShareHost(new MemoryShareStore(), HOST, quota, { records, limits: { perOwner: 1, perPeer: 1 }, now: () => NOW })
  return { host, records }
}

function list(v: Vault, at = NOW, host = HOST): ShareRequest {
  return { type: 'record-list', ...signReadRecords(v, host, at) }
}

function get(v: Vault, fileId: Uint8Array, at = NOW): ShareRequest {
  return { type: 'record-get', fileId, ...signReadRecords(v, HOST, at) }
}

describe('manifest records', () => {
  it('signs and verifies; any changed field breaks the signature', async () => {
    const v = await Vault.create()
    const r = signRecord(v, fileA, 3, new Uint8Array([1, 2, 3]))
    expect(verifyRecord(r)).toBe(true)
    const other = await Vault.create()
    const tampered: ManifestRecord[] = [
      { ...r, revision: 4 },
      { ...r, fileId: fileB },
      { ...r, sealed: new Uint8Array([1, 2, 4]) },
      { ...r, owner: other.ownerPublicKey },
    ]
    for (const t of tampered) expect(verifyRecord(t)).toBe(false)
  })

  it('merges by the highest revision per file', async () => {
    const v = await Vault.create()
    const a1 = signRecord(v, fileA, 1, new Uint8Array([1]))
    const a2 = signRecord(v, fileA, 2, new Uint8Array(0))
    const b1 = signRecord(v, fileB, 1, new Uint8Array([2]))
    const merged = mergeRecords([a2, b1], [a1])
    expect(merged.map((r) => r.revision).sort()).toEqual([1, 2])
    expect(merged.find((r) => r.fileId[0] === 0xa)?.sealed.length).toBe(0)
  })

  it('a record must carry the manifest it names: same owner, file and revision', async () => {
    const v = await Vault.create()
    const r = signRecord(v, fileA, 3, new Uint8Array([1]))
    const m = { owner: v.ownerPublicKey, fileId: fileA, revision: 3 }
    expect(() => checkRecordManifest(r, m)).not.toThrow()
    for (const wrong of [
      { ...m, fileId: fileB },
      { ...m, revision: 2 },
      { ...m, owner: new Uint8Array(32) },
    ]) {
      expect(() => checkRecordManifest(r, wrong)).toThrow(expect.objectContaining({ name: 'ManifestCorruptError' }))
    }
  })

  it('derives a distinct 32-byte DHT key per owner', async () => {
    const [a, b] = [await Vault.create(), await Vault.create()]
    expect(recordsKey(a.ownerPublicKey)).toHaveLength(32)
    expect(recordsKey(a.ownerPublicKey)).not.toEqual(recordsKey(b.ownerPublicKey))
  })

  it('round-trips the record requests and answers through the codec', async () => {
    const v = await Vault.create()
    const record = signRecord(v, fileA, 7, new Uint8Array([9, 9]))
    const reqs: ShareRequest[] = [{ type: 'record-put', record }, list(v), get(v, fileA)]
    for (const r of reqs) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    const tomb = signRecord(v, fileB, 9, new Uint8Array(0))
    const res = {
      status: 'ok',
      entries: [
        { fileId: fileA, revision: 7 },
        { fileId: fileB, revision: 9, tombstone: tomb.signature },
      ],
    } as const
    expect(decodeResponse(encodeResponse(res))).toEqual(res)
    expect(decodeResponse(encodeResponse({ status: 'ok', record }))).toEqual({ status: 'ok', record })
  })

  it('rejects malformed record messages', () => {
    const auth = { owner: new Uint8Array(32), time: NOW, signature: new Uint8Array(64) }
    const bad = [
      { type: 'record-put', record: { owner: new Uint8Array(32), fileId: new Uint8Array(15), revision: 1, signature: new Uint8Array(64) }, body: 0 },
      { type: 'record-put', record: new Uint8Array(3), body: 0 },
      {
        type: 'record-put',
        record: { owner: new Uint8Array(32), fileId: new Uint8Array(16), revision: 1, signature: new Uint8Array(64) },
        body: RECORD_LIMITS.sealedBytes + 1,
      },
      { type: 'record-list', ...auth, owner: new Uint8Array(31) },
      { type: 'record-list', owner: new Uint8Array(32) },
      { type: 'record-get', ...auth },
    ]
    for (const b of bad) expect(() => decodeRequestHead(encode(b))).toThrow(/Malformed/)
    const tooMany = { status: 'ok', entries: Array.from({ length: RECORD_LIMITS.perOwner + 1 }, () => ({ fileId: fileA, revision: 1 })) }
    expect(() => decodeResponse(encodeResponse(tooMany as never))).toThrow(/at most/)
  })
})

describe('ShareHost keeps manifest records', () => {
  it('stores, lists and returns signed records, keeping the highest revision', async () => {
    const { host } = setup()
    const v = await Vault.create()
    expect(await host.serve({ type: 'record-put', record: signRecord(v, fileA, 2, new Uint8Array([2])) })).toMatchObject({ status: 'ok' })
    // An older revision (a replayed put) does not win.
    const stale = await host.serve({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array([1])) })
    expect(stale).toMatchObject({ status: 'ok', entries: [{ revision: 2 }] })
    await host.serve({ type: 'record-put', record: signRecord(v, fileB, 1, new Uint8Array([3])) })
    const listed = await host.serve(list(v))
    expect(listed.status === 'ok' && listed.entries?.length).toBe(2)
    const got = await host.serve(get(v, fileA))
    expect(got.status === 'ok' && [...got.record!.sealed]).toEqual([2])
    const other = await Vault.create()
    expect(await host.serve(list(other))).toEqual({ status: 'ok', entries: [] })
  })

  it('refuses a record not signed by its owner', async () => {
    const { host, records } = setup()
    const [v, mallory] = [await Vault.create(), await Vault.create()]
    const forged = { ...signRecord(mallory, fileA, 9, new Uint8Array(0)), owner: v.ownerPublicKey }
    expect(await host.serve({ type: 'record-put', record: forged })).toMatchObject({ status: 'unauthorized' })
    expect(await records.usage()).toEqual({ bytes: 0, records: 0 })
  })

  it('counts records against the quota, each with a fixed overhead (a tombstone is not free)', async () => {
    const { host } = setup(2000)
    const v = await Vault.create()
    expect(RECORD_OVERHEAD).toBe(512)
    expect(await host.serve({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array(900)) })).toMatchObject({ status: 'ok' })
    expect(await host.serve({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { used: 900 + 512 } })
    expect(await host.serve({ type: 'record-put', record: signRecord(v, fileB, 1, new Uint8Array(0)) })).toMatchObject({ status: 'ok' })
    expect(await host.serve({ type: 'record-put', record: signRecord(v, new Uint8Array(16).fill(0xc), 1, new Uint8Array(0)) })).toMatchObject({
      status: 'over-quota',
    })
    // Replacing a record only needs room for the difference.
    expect(await host.serve({ type: 'record-put', record: signRecord(v, fileA, 2, new Uint8Array(976)) })).toMatchObject({ status: 'ok' })
    expect(await host.serve({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { used: 2000 } })
  })

  it('keeps at most RECORD_LIMITS.perOwner records per owner; replacing one is still allowed', async () => {
    const { host, records } = setup(1 << 30)
    const v = await Vault.create()
    for (let i = 0; i < RECORD_LIMITS.perOwner; i++) {
      const fileId = new Uint8Array(16)
      new DataView(fileId.buffer).setUint32(0, i)
      await records.put({ owner: v.ownerPublicKey, fileId, revision: 1, sealed: new Uint8Array([1]), signature: new Uint8Array(64) })
    }
    const extra = await host.serve({ type: 'record-put', record: signRecord(v, new Uint8Array(16).fill(0xee), 1, new Uint8Array([1])) })
    expect(extra).toMatchObject({ status: 'over-quota', message: expect.stringMatching(/at most 4096 manifests per owner/) })
    expect(await host.serve({ type: 'record-put', record: signRecord(v, new Uint8Array(16), 2, new Uint8Array([1])) })).toMatchObject({ status: 'ok' })
    // Another owner is not affected by this one's records.
    const other = await Vault.create()
    expect(await host.serve({ type: 'record-put', record: signRecord(other, fileA, 1, new Uint8Array([1])) })).toMatchObject({ status: 'ok' })
    // Removing a file is still possible at the limit: its tombstone replaces the live record.
    expect(await host.serve({ type: 'record-put', record: signRecord(v, new Uint8Array(16), 2 ** 53 - 1, new Uint8Array(0)) })).toMatchObject({ status: 'ok' })
  })

  it('tombstones do not use up the limit: at their own limit an old one gives way, and live records still fit', async () => {
    const { host, records } = setup(1 << 30)
    const v = await Vault.create()
    const id = (i: number) => {
      const f = new Uint8Array(16)
      new DataView(f.buffer).setUint32(0, i)
      return f
    }
    for (let i = 0; i < RECORD_LIMITS.perOwner; i++) {
      await records.put({ owner: v.ownerPublicKey, fileId: id(i), revision: 2 ** 53 - 1, sealed: new Uint8Array(0), signature: new Uint8Array(64) })
    }
    // A live record still fits beside a full set of tombstones.
    expect(await host.serve({ type: 'record-put', record: signRecord(v, id(1_000_000), 1, new Uint8Array([1])) })).toMatchObject({ status: 'ok' })
    // A new tombstone makes one old one give way; the count of tombstones stays at the limit.
    const fresh = signRecord(v, id(2_000_000), 2 ** 53 - 1, new Uint8Array(0))
    expect(await host.serve({ type: 'record-put', record: fresh })).toMatchObject({ status: 'ok' })
    const entries = await records.entries(v.ownerPublicKey)
    expect(entries.filter((e) => e.tombstone)).toHaveLength(RECORD_LIMITS.perOwner)
    expect(entries.some((e) => e.tombstone && e.fileId.every((x, i) => x === fresh.fileId[i]))).toBe(true)
    // A forged tombstone evicts nothing.
    const forged = { ...signRecord(v, id(3_000_000), 2 ** 53 - 1, new Uint8Array(0)), signature: new Uint8Array(64) }
    expect(await host.serve({ type: 'record-put', record: forged })).toMatchObject({ status: 'unauthorized' })
    expect((await records.entries(v.ownerPublicKey)).filter((e) => e.tombstone)).toHaveLength(RECORD_LIMITS.perOwner)
  })

  it('parallel stores cannot all pass one quota check', async () => {
    const { host } = setup(3 * 512 + 100)
    const v = await Vault.create()
    const puts = Array.from({ length: 6 }, (_, i) =>
      host.serve({ type: 'record-put', record: signRecord(v, new Uint8Array(16).fill(i + 1), 1, new Uint8Array(0)) }),
    )
    const results = await Promise.all(puts)
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(3)
    expect(results.filter((r) => r.status === 'over-quota')).toHaveLength(3)
  })
})

describe('only the owner reads its records', () => {
  it('refuses a list or get that is unsigned, signed by another key, for another host, or stale', async () => {
    const { host } = setup()
    const [v, stranger] = [await Vault.create(), await Vault.create()]
    await host.serve({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array([1])) })
    const good = list(v) as Extract<ShareRequest, { type: 'record-list' }>
    const attempts: ShareRequest[] = [
      { ...good, signature: new Uint8Array(64) },
      // A stranger who knows the owner id signs with its own key.
      { ...good, signature: (list(stranger) as typeof good).signature },
      list(v, NOW, '12D3KooWOtherHost'),
      list(v, NOW - AUTH_WINDOW_MS - 1),
      { ...(get(v, fileA) as Extract<ShareRequest, { type: 'record-get' }>), signature: (list(stranger) as typeof good).signature },
    ]
    for (const a of attempts) expect(await host.serve(a)).toMatchObject({ status: 'unauthorized' })
    expect(await host.serve(good)).toMatchObject({ status: 'ok', entries: [{ revision: 1 }] })
  })

  it('a tombstone is listed with its signature, so the list itself proves the removal', async () => {
    const { host } = setup()
    const v = await Vault.create()
    await host.serve({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array([1])) })
    const tomb = signRecord(v, fileB, 2 ** 53 - 1, new Uint8Array(0))
    await host.serve({ type: 'record-put', record: tomb })
    const res = await host.serve(list(v))
    expect(res.status === 'ok' && res.entries).toEqual([
      { fileId: fileA, revision: 1 },
      { fileId: fileB, revision: 2 ** 53 - 1, tombstone: tomb.signature },
    ])
  })
})

describe('hostile map keys', () => {
  it('a "__proto__" key is refused, not silently dropped', () => {
    const frame = encode(JSON.parse('{"type":"stat","__proto__":{"type":"stat"}}') as ShareRequest)
    expect(() => decodeRequestHead(frame)).toThrow(/__proto__/)
  })
})
