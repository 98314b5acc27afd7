import { describe, expect, it } from 'vitest'
import { Vault } from '../core/vault/index.ts'
import { signRecord, verifyRecord, type ManifestRecord } from '../core/records/index.ts'
import { Grid } from '../testing/grid.ts'
import { publishRecord, syncRecords } from './records.ts'

const fileA = new Uint8Array(16).fill(0xa)
const fileB = new Uint8Array(16).fill(0xb)
const TOMBSTONE = 2 ** 53 - 1

function byFile(records: readonly ManifestRecord[], fileId: Uint8Array): ManifestRecord | undefined {
  return records.find((r) => r.fileId.every((x, i) => x === fileId[i]))
}

async function grid(peers = 5) {
  const g = new Grid(peers)
  g.now = Date.now()
  return { g, owner: await Vault.create() }
}

describe('record sync against hostile record peers (on the grid)', () => {
  it('a fresh device finds every record the owner published', async () => {
    const { g, owner } = await grid()
    const a = signRecord(owner, fileA, 3, new Uint8Array([1, 2]))
    const b = signRecord(owner, fileB, 1, new Uint8Array([3]))
    expect((await publishRecord(g.network('owner'), a, { copies: 3 })).peers).toHaveLength(3)
    expect((await publishRecord(g.network('owner'), b, { copies: 3 })).peers).toHaveLength(3)
    const res = await syncRecords(g.network('device-2'), owner)
    expect(res.records.map((r) => r.revision).sort()).toEqual([1, 3])
    expect([...byFile(res.records, fileA)!.sealed]).toEqual([1, 2])
  })

  const lies: Array<[string, (owner: Vault, stranger: Vault) => ManifestRecord]> = [
    ['unsigned', (o) => ({ ...signRecord(o, fileA, 6, new Uint8Array([6])), signature: new Uint8Array(64) })],
    ['another owner’s', (_o, s) => signRecord(s, fileA, 6, new Uint8Array([6]))],
    ['another file’s', (o) => signRecord(o, fileB, 6, new Uint8Array([6]))],
    ['older than advertised', (o) => signRecord(o, fileA, 4, new Uint8Array([4]))],
  ]
  it.each(lies)('ignores an %s record from a peer that advertised a newer one, and takes the honest peer’s', async (_label, forge) => {
    const { g, owner } = await grid(2)
    const stranger = await Vault.create()
    const good = signRecord(owner, fileA, 5, new Uint8Array([5]))
    await publishRecord(g.network('owner'), good, { copies: 2 })
    const liar = g.peers[0]!
    // The liar advertises revision 6, so it is asked first, then answers with a bad record.
    g.lie(liar.id, (req, res) => {
      if (req.type === 'record-list' && res.status === 'ok') return { ...res, entries: [{ fileId: fileA, revision: 6 }] }
      if (req.type === 'record-get' && res.status === 'ok') return { ...res, record: forge(owner, stranger) }
      return res
    })
    const res = await syncRecords(g.network('device-2'), owner)
    expect(res.records).toHaveLength(1)
    const r = res.records[0]!
    expect(r.revision).toBe(5)
    expect([...r.sealed]).toEqual([5])
    expect(verifyRecord(r)).toBe(true)
    expect([...r.owner]).toEqual([...owner.ownerPublicKey])
  })

  it('a tombstone wins over a live record even when the peer that holds it will not serve it', async () => {
    const { g, owner } = await grid(4)
    const live = signRecord(owner, fileA, 2, new Uint8Array([2]))
    const tomb = signRecord(owner, fileA, TOMBSTONE, new Uint8Array(0))
    const [p0, p1, p2, p3] = g.peers
    // p0 and p1 saw the removal; p2 and p3 still hold the live record (they missed the tombstone).
    for (const p of [p0!, p1!]) expect((await g.network('owner').request(p.id, { type: 'record-put', record: tomb })).status).toBe('ok')
    for (const p of [p2!, p3!]) expect((await g.network('owner').request(p.id, { type: 'record-put', record: live })).status).toBe('ok')
    // The tombstone's holders list it, then fail to answer a fetch of it.
    for (const p of [p0!, p1!]) g.lie(p.id, (req, res) => (req.type === 'record-get' ? { status: 'error', message: 'nope' } : res))
    const res = await syncRecords(g.network('device-2'), owner)
    const a = byFile(res.records, fileA)!
    expect(a.revision).toBe(TOMBSTONE)
    expect(a.sealed.length).toBe(0)
  })

  it('a forged tombstone in a list is not believed, and its peer is not asked again', async () => {
    const { g, owner } = await grid(3)
    const live = signRecord(owner, fileA, 2, new Uint8Array([2]))
    await publishRecord(g.network('owner'), live, { copies: 3 })
    const liar = g.peers[0]!
    g.lie(liar.id, (req, res) =>
      req.type === 'record-list' && res.status === 'ok'
        ? { ...res, entries: [{ fileId: fileA, revision: TOMBSTONE, tombstone: new Uint8Array(64).fill(7) }] }
        : res,
    )
    const res = await syncRecords(g.network('device-2'), owner)
    expect(byFile(res.records, fileA)).toMatchObject({ revision: 2 })
  })

  it('record peers that hang or are unreachable are skipped; none answering is RecordsUnavailableError', async () => {
    const { g, owner } = await grid(3)
    await publishRecord(g.network('owner'), signRecord(owner, fileA, 1, new Uint8Array([1])), { copies: 3 })
    g.hangPeer(g.peers[0]!.id)
    g.breakPeer(g.peers[1]!.id)
    const res = await syncRecords(g.network('device-2'), owner, [], { timeoutMs: 200 })
    expect(res.records).toHaveLength(1)
    expect(res.peersAnswered).toBe(1)
    g.breakPeer(g.peers[2]!.id)
    await expect(syncRecords(g.network('device-2'), owner, [], { timeoutMs: 200 })).rejects.toMatchObject({ name: 'RecordsUnavailableError' })
  })

  it('a stranger who knows the owner id learns nothing from the record peers', async () => {
    const { g, owner } = await grid(3)
    await publishRecord(g.network('owner'), signRecord(owner, fileA, 1, new Uint8Array([1])), { copies: 3 })
    const stranger = await Vault.create()
    const { signReadRecords } = await import('../net/share/auth.ts')
    for (const p of g.peers) {
      const auth = { ...signReadRecords(stranger, p.id), owner: owner.ownerPublicKey }
      expect(await g.network('stranger').request(p.id, { type: 'record-list', ...auth })).toMatchObject({ status: 'unauthorized' })
      expect(await g.network('stranger').request(p.id, { type: 'record-get', fileId: fileA, ...auth })).toMatchObject({ status: 'unauthorized' })
    }
  })

  it('pushes what a record peer lacks', async () => {
    const { g, owner } = await grid(3)
    const r = signRecord(owner, fileA, 1, new Uint8Array([1]))
    const res = await syncRecords(g.network('owner'), owner, [r])
    expect(res.republished).toBe(3)
    for (const p of g.peers) expect((await p.records.get(owner.ownerPublicKey, fileA))?.revision).toBe(1)
  })
})
