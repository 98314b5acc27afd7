import { describe, expect, it } from 'vitest'
import { Vault } from '../../core/vault/index.ts'
import { mergeRecords, recordsKey, signRecord, verifyRecord, RECORD_LIMITS, type ManifestRecord } from '../../core/records/index.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { MemoryRecordStore } from '../../adapters/storage/memory-records.ts'
import { RECORD_OVERHEAD } from '../../ports/record-store.ts'
import { ShareHost } from './host.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ShareRequest } from './messages.ts'

const fileA = new Uint8Array(16).fill(0xa)
const fileB = new Uint8Array(16).fill(0xb)

function setup(quota = 1 << 20) {
  const records = new MemoryRecordStore()
  const host = new ShareHost(new MemoryShareStore(), '12D3KooWHost', quota, records)
  return { host, records }
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

  it('derives a distinct 32-byte DHT key per owner', async () => {
    const [a, b] = [await Vault.create(), await Vault.create()]
    expect(recordsKey(a.ownerPublicKey)).toHaveLength(32)
    expect(recordsKey(a.ownerPublicKey)).not.toEqual(recordsKey(b.ownerPublicKey))
  })

  it('round-trips the record requests and answers through the codec', async () => {
    const v = await Vault.create()
    const record = signRecord(v, fileA, 7, new Uint8Array([9, 9]))
    const reqs: ShareRequest[] = [
      { type: 'record-put', record },
      { type: 'record-list', owner: v.ownerPublicKey },
      { type: 'record-get', owner: v.ownerPublicKey, fileId: fileA },
    ]
    for (const r of reqs) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    const res = { status: 'ok', record, entries: [{ fileId: fileA, revision: 7 }] } as const
    expect(decodeResponse(encodeResponse(res))).toEqual(res)
  })

  it('rejects malformed record messages', () => {
    const bad = [
      { type: 'record-put', record: { owner: new Uint8Array(32), fileId: new Uint8Array(15), revision: 1, sealed: new Uint8Array(0), signature: new Uint8Array(64) } },
      { type: 'record-put', record: new Uint8Array(3) },
      { type: 'record-list', owner: new Uint8Array(31) },
      { type: 'record-get', owner: new Uint8Array(32) },
    ]
    for (const b of bad) expect(() => decodeRequest(encodeRequest(b as ShareRequest))).toThrow(/Malformed/)
    const tooMany = { status: 'ok', entries: Array.from({ length: RECORD_LIMITS.perOwner + 1 }, () => ({ fileId: fileA, revision: 1 })) }
    expect(() => decodeResponse(encodeResponse(tooMany as never))).toThrow(/at most/)
  })
})

describe('ShareHost keeps manifest records', () => {
  it('stores, lists and returns signed records, keeping the highest revision', async () => {
    const { host } = setup()
    const v = await Vault.create()
    expect(await host.handle({ type: 'record-put', record: signRecord(v, fileA, 2, new Uint8Array([2])) })).toMatchObject({ status: 'ok' })
    // An older revision (a replayed put) does not win.
    const stale = await host.handle({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array([1])) })
    expect(stale).toMatchObject({ status: 'ok', entries: [{ revision: 2 }] })
    await host.handle({ type: 'record-put', record: signRecord(v, fileB, 1, new Uint8Array([3])) })
    const list = await host.handle({ type: 'record-list', owner: v.ownerPublicKey })
    expect(list.status === 'ok' && list.entries?.length).toBe(2)
    const got = await host.handle({ type: 'record-get', owner: v.ownerPublicKey, fileId: fileA })
    expect(got.status === 'ok' && [...got.record!.sealed]).toEqual([2])
    const other = await Vault.create()
    expect(await host.handle({ type: 'record-list', owner: other.ownerPublicKey })).toEqual({ status: 'ok', entries: [] })
  })

  it('refuses a record not signed by its owner', async () => {
    const { host, records } = setup()
    const [v, mallory] = [await Vault.create(), await Vault.create()]
    const forged = { ...signRecord(mallory, fileA, 9, new Uint8Array(0)), owner: v.ownerPublicKey }
    expect(await host.handle({ type: 'record-put', record: forged })).toMatchObject({ status: 'unauthorized' })
    expect(await records.usage()).toEqual({ bytes: 0, records: 0 })
  })

  it('counts records against the quota, each with a fixed overhead (a tombstone is not free)', async () => {
    const { host } = setup(2000)
    const v = await Vault.create()
    expect(RECORD_OVERHEAD).toBe(512)
    expect(await host.handle({ type: 'record-put', record: signRecord(v, fileA, 1, new Uint8Array(900)) })).toMatchObject({ status: 'ok' })
    expect(await host.handle({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { used: 900 + 512 } })
    expect(await host.handle({ type: 'record-put', record: signRecord(v, fileB, 1, new Uint8Array(0)) })).toMatchObject({ status: 'ok' })
    expect(await host.handle({ type: 'record-put', record: signRecord(v, new Uint8Array(16).fill(0xc), 1, new Uint8Array(0)) })).toMatchObject({ status: 'over-quota' })
    // Replacing a record only needs room for the difference.
    expect(await host.handle({ type: 'record-put', record: signRecord(v, fileA, 2, new Uint8Array(976)) })).toMatchObject({ status: 'ok' })
    expect(await host.handle({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { used: 2000 } })
  })

  it('parallel stores cannot all pass one quota check', async () => {
    const { host } = setup(3 * 512 + 100)
    const v = await Vault.create()
    const puts = Array.from({ length: 6 }, (_, i) => host.handle({ type: 'record-put', record: signRecord(v, new Uint8Array(16).fill(i + 1), 1, new Uint8Array(0)) }))
    const results = await Promise.all(puts)
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(3)
    expect(results.filter((r) => r.status === 'over-quota')).toHaveLength(3)
  })
})

describe('hostile map keys', () => {
  it('a "__proto__" key is refused, not silently dropped', () => {
    const frame = encodeRequest(JSON.parse('{"type":"stat","__proto__":{"type":"stat"}}') as ShareRequest)
    expect(() => decodeRequest(frame)).toThrow(/__proto__/)
  })
})
