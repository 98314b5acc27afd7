import { describe, expect, it } from 'vitest'
import { patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import type { MaintenanceEvent } from './api.ts'
import { createLayr } from './client.ts'
import { collect, parts } from '../testing/memory-layr.ts'

describe('the facade, composed from memory parts on the grid', () => {
  it('backs up, lists, restores on this and another device, and removes', async () => {
    const g = new Grid(6)
    g.now = Date.now()
    const a = await createLayr(parts(g, 'peer-0'), { autostart: false })
    const text = await a.vault.create()
    const data = patternBytes(300_000, 3)
    const entry = await a.backup(new Blob([data]), { name: 'notes.bin' })
    expect(entry).toMatchObject({ name: 'notes.bin', size: data.length, k: 2, n: 3 })
    expect((await a.files()).map((f) => f.id)).toEqual([entry.id])
    expect(await collect((sink) => a.restore(entry.id, sink))).toEqual(data)

    // Another device: the recovery text alone finds the file on the network.
    const b = await createLayr(parts(g, 'peer-5'), { autostart: false })
    await b.vault.importRecoveryText(text)
    expect((await b.syncFiles()).map((f) => f.name)).toEqual(['notes.bin'])
    expect(await collect((sink) => b.restore(entry.id, sink))).toEqual(data)

    const report = await a.remove(entry.id)
    expect(report.unreachable).toBe(0)
    expect(report.recordCopies).toBeGreaterThanOrEqual(3)
    expect(await a.files()).toEqual([])
    let held = 0
    for (const p of g.peers) held += (await p.shares.usage()).shares
    expect(held).toBe(0)
    expect(await b.syncFiles()).toEqual([])
  })

  it('keeps the vault only in the vault store it was given, and says plainly when there is none', async () => {
    const g = new Grid(2)
    const p = parts(g, 'peer-0')
    const l = await createLayr(p, { autostart: false })
    await expect(l.files()).rejects.toMatchObject({ name: 'NoVaultError' })
    await l.vault.create()
    expect(p.stored.v?.kind).toBe('plain')
    await expect(l.restore('00'.repeat(16), new WritableStream())).rejects.toMatchObject({ name: 'FileNotFoundError' })
  })

  it('audits a file to verified health, marks a host that lies in its audits bad, and repairs its shares away', async () => {
    const g = new Grid(8)
    g.now = Date.now()
    const a = await createLayr(parts(g, 'peer-0'), { autostart: false })
    await a.vault.create()
    const data = patternBytes(300_000, 4)
    const entry = await a.backup(new Blob([data]), { name: 'kept.bin' })
    const health = await a.checkHealth(entry.id)
    expect(health).toMatchObject({ verified: 3, answered: 3, failed: 0, offline: 0, needsRepair: false })
    expect(health.survives).toBeGreaterThanOrEqual(1)
    expect((await a.files())[0]!.health?.verified).toBe(3)

    // A host that answers every audit with zeroed leaves: wrong at once, disqualified after three.
    const liar = (await a.placement(entry.id))[0]![0]!
    g.lie(liar, (req, res) => (req.type === 'audit' && res.status === 'ok' && res.bytes ? { ...res, bytes: new Uint8Array(res.bytes.length) } : res))
    const seen = await a.checkHealth(entry.id)
    expect(seen.failed).toBeGreaterThan(0)
    expect(seen.verified).toBeLessThan(3)
    for (let i = 0; i < 3; i++) await a.checkHealth(entry.id)
    const bad = (await a.network.placements()).find((p) => p.peerId === liar)
    expect(bad?.reputation).toMatchObject({ disqualified: true })
    expect(bad?.reputation?.failed).toBeGreaterThanOrEqual(3)

    const report = await a.repair(entry.id)
    expect(report.placed).toBeGreaterThan(0)
    expect(report.unplaced).toBe(0)
    expect((await a.placement(entry.id)).flat()).not.toContain(liar)
    expect(report.health).toMatchObject({ verified: 3, failed: 0 })
    // The liar was asked to delete what it held (its delete handler is honest).
    expect((await g.peer(liar).shares.usage()).shares).toBe(0)
    expect(await collect((sink) => a.restore(entry.id, sink))).toEqual(data)
    expect((await a.checkHealth(entry.id)).verified).toBe(3)
  })

  it('repairs by itself while open: the background loop audits a file that is due and rebuilds what a gone host held', async () => {
    const g = new Grid(7)
    g.now = Date.now()
    const p = { ...parts(g, 'peer-0'), maintenance: { tickMs: 50, auditEveryMs: 100, retryMs: 100 } }
    const a = await createLayr(p, { autostart: true })
    await a.ready
    await a.vault.create()
    await a.settings.setLostAfter(0)
    const entry = await a.backup(new Blob([patternBytes(200_000, 6)]), { name: 'auto.bin' })
    const gone = (await a.placement(entry.id))[0]![1]!
    g.breakPeer(gone)
    const done = await new Promise<MaintenanceEvent>((resolve) => {
      const off = a.maintenance.subscribe((e) => {
        if (e.type === 'repair:done' || e.type === 'repair:failed') {
          off()
          resolve(e)
        }
      })
    })
    expect(done).toMatchObject({ type: 'repair:done', fileId: entry.id, unplaced: 0 })
    expect((await a.placement(entry.id)).flat()).not.toContain(gone)
    expect((await a.files())[0]!.health).toMatchObject({ verified: 3, needsRepair: false })
  })

  it('spreads a reduced file out by itself once a host joins: quietly nothing while there is none, then 3 distinct hosts a segment', async () => {
    const g = new Grid(3) // this tab and two hosts: k = 2, n = 3 doubles a share of every segment
    g.now = Date.now()
    const p = { ...parts(g, 'peer-0'), maintenance: { tickMs: 50, auditEveryMs: 100, retryMs: 100 } }
    const a = await createLayr(p, { autostart: true })
    await a.ready
    await a.vault.create()
    const data = patternBytes(200_000, 7)
    const events: MaintenanceEvent[] = []
    a.maintenance.subscribe((e) => void events.push(e))
    const entry = await a.backup(new Blob([data]), { name: 'reduced.bin' })
    const before = await a.placement(entry.id)
    for (const seg of before) expect(new Set(seg).size).toBe(2)
    expect((await a.files())[0]!.placedSurvives).toBe(0)

    // Audit rounds come and go; with no new host nothing moves, and it is no repair nor a failure.
    const checked = (count: number) =>
      new Promise<void>((resolve) => {
        const off = a.maintenance.subscribe((e) => {
          if (e.type === 'check:done' && --count === 0) (off(), resolve())
        })
      })
    await checked(3)
    expect(events.filter((e) => e.type.startsWith('repair:'))).toEqual([])
    expect(await a.placement(entry.id)).toEqual(before)
    expect((await a.files())[0]!.health).toMatchObject({ verified: 3, survives: 0, failed: 0 })
    expect((await a.files())[0]!.health?.repair).toBeUndefined()

    g.add('peer-3')
    const done = await new Promise<MaintenanceEvent>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the loop did not spread the file out within 20 s')), 20_000)
      const off = a.maintenance.subscribe((e) => {
        if (e.type === 'repair:done' || e.type === 'repair:failed') (off(), clearTimeout(t), resolve(e))
      })
    })
    expect(done).toMatchObject({ type: 'repair:done', fileId: entry.id, unplaced: 0 })
    const after = await a.placement(entry.id)
    for (const seg of after) expect(new Set(seg).size).toBe(3)
    const [f] = await a.files()
    expect(f!.placedSurvives).toBe(1)
    expect(f!.health).toMatchObject({ verified: 3, survives: 1, needsRepair: false })
    // The doubled-up hosts dropped what moved: the grid holds exactly the file's shares.
    let held = 0
    for (const peer of g.peers) held += (await peer.shares.usage()).shares
    expect(held).toBe(after.flat().length)
    expect(await collect((sink) => a.restore(entry.id, sink))).toEqual(data)
  })

  it('Repair now spreads a reduced file out when a host has joined, and with none moves nothing and fails nothing', async () => {
    const g = new Grid(3)
    g.now = Date.now()
    const a = await createLayr(parts(g, 'peer-0'), { autostart: false })
    await a.vault.create()
    const data = patternBytes(300_000, 8)
    const entry = await a.backup(new Blob([data]), { name: 'now.bin' })
    const before = await a.placement(entry.id)
    const none = await a.repair(entry.id)
    expect(none).toMatchObject({ placed: 0, unplaced: 0, health: { survives: 0, failed: 0 } })
    expect(none.health.repair?.error).toBeUndefined()
    expect(await a.placement(entry.id)).toEqual(before)

    g.add('peer-3')
    const report = await a.repair(entry.id)
    expect(report.placed).toBe(before.length) // one doubled share a segment
    expect(report.health).toMatchObject({ verified: 3, survives: 1 })
    for (const seg of await a.placement(entry.id)) expect(new Set(seg).size).toBe(3)
    expect((await a.files())[0]!.placedSurvives).toBe(1)
    expect(await collect((sink) => a.restore(entry.id, sink))).toEqual(data)
  })
})
