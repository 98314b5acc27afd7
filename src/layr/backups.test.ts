import { describe, expect, it } from 'vitest'
import { MemoryUploadJournal } from '../adapters/local/upload-journal.ts'
import { MemoryRecordStore } from '../adapters/storage/memory-records.ts'
import { DEFAULT_LEASE_MS, PENDING_LEASE_MS } from '../core/lease/index.ts'
import { patternBytes } from '../testing/corruptors.ts'
import { equal } from '../core/bytes.ts'
import { Grid } from '../testing/grid.ts'
import { collect, parts } from '../testing/memory-layr.ts'
import type { JournalEntry, UploadJournal } from '../ports/upload-journal.ts'
import { createLayr } from './client.ts'

/** The journal of a tab that goes away: after `writes` writes it never answers again (the backup stalls, as in a closed tab). */
function dying(inner: UploadJournal, writes: number): UploadJournal {
  let n = 0
  return {
    put: (e: JournalEntry) => (n++ < writes ? inner.put(e) : new Promise<void>(() => {})),
    get: (id) => inner.get(id),
    list: () => inner.list(),
    delete: (id) => inner.delete(id),
  }
}

/** A tab that backs up 9.5 MB (2-of-3, 5 segments of 1 MiB shares) and goes away after `writes` journal writes; then the same profile opened again. */
async function reloaded(writes: number) {
  const g = new Grid(6)
  g.now = Date.now()
  const journal = new MemoryUploadJournal()
  const records = new MemoryRecordStore()
  const first = parts(g, 'peer-0', records, dying(journal, writes))
  const a = await createLayr(first, { autostart: false })
  await a.vault.create()
  const data = patternBytes(9_500_000, 7)
  const file = new File([data], 'big.bin', { lastModified: 1_700_000_000_000 })
  void a.backup(file).catch(() => {})
  for (let i = 0; i < 400 && (await journal.list())[0]?.landed.length !== writes - 3; i++) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => setTimeout(r, 100))
  // The same profile, opened again: same vault, records and journal.
  const again = { ...parts(g, 'peer-0', records, journal), vaults: first.vaults }
  again.stored.v = first.stored.v
  const b = await createLayr(again, { autostart: false })
  return { g, b, data, file, journal }
}

describe('interrupted backups', () => {
  it('are listed after a reload, and Resume finishes them: the restore matches and the hosts hold exactly the file’s shares', async () => {
    // Writes: begin, 2 segments encoded (placeAhead), then landed shares: stop after 5 of them.
    const { g, b, data, file } = await reloaded(8)
    const [interrupted, ...others] = await b.interrupted()
    expect(others).toEqual([])
    expect(interrupted).toMatchObject({ name: 'big.bin', size: data.length, lastModified: file.lastModified, hasHandle: false, total: 5 * 3 })
    expect(interrupted!.placed).toBe(5)
    expect(interrupted!.keptUntil).toBeGreaterThan(g.now + PENDING_LEASE_MS - 60_000)
    expect(await b.files()).toEqual([])

    await expect(b.resumeBackup(interrupted!.id)).rejects.toMatchObject({ name: 'NeedFileError' })
    await expect(b.resumeBackup(interrupted!.id, new File([data.subarray(1)], 'big.bin'))).rejects.toMatchObject({ name: 'FileChangedError' })
    const entry = await b.resumeBackup(interrupted!.id, file)
    expect(entry).toMatchObject({ id: interrupted!.id, name: 'big.bin', size: data.length })
    expect(await b.interrupted()).toEqual([])
    expect((await b.files()).map((f) => f.id)).toEqual([entry.id])
    // (equal(), not toEqual: comparing 9.5 MB element by element takes vitest a minute.)
    expect(equal(await collect((sink) => b.restore(entry.id, sink)), data)).toBe(true)
    expect(await g.sharesHeld()).toBe(5 * 3)
    // Now that a manifest names them, the shares are kept for the owner's whole term.
    for (const p of g.peers) {
      for (const r of await p.shares.list()) expect(r.owners[0]!.expires! - g.now).toBeGreaterThan(DEFAULT_LEASE_MS - 60_000)
    }
  })

  it('Discard deletes what was placed, even a share in flight when the tab went away, and forgets the backup', async () => {
    const { g, b } = await reloaded(8)
    expect(await g.sharesHeld()).toBeGreaterThanOrEqual(5)
    const [interrupted] = await b.interrupted()
    const report = await b.discardBackup(interrupted!.id)
    expect(report.unreachable).toBe(0)
    expect(await g.sharesHeld()).toBe(0)
    expect(await b.interrupted()).toEqual([])
    await expect(b.resumeBackup(interrupted!.id, new Blob())).rejects.toMatchObject({ name: 'BackupNotFoundError' })
  })

  it('a backup that finishes leaves nothing in the journal, and one that fails takes back what it placed', async () => {
    const g = new Grid(6)
    g.now = Date.now()
    const journal = new MemoryUploadJournal()
    const a = await createLayr(parts(g, 'peer-0', new MemoryRecordStore(), journal), { autostart: false })
    await a.vault.create()
    await a.backup(new Blob([patternBytes(300_000, 1)]), { name: 'a.bin' })
    expect(await journal.list()).toEqual([])
    const stop = new AbortController()
    const failing = a.backup(new Blob([patternBytes(9_500_000, 2)]), { name: 'b.bin', signal: stop.signal })
    for (let i = 0; i < 200 && ((await journal.list())[0]?.landed.length ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 5))
    stop.abort()
    await expect(failing).rejects.toMatchObject({ name: 'CancelledError' })
    expect(await journal.list()).toEqual([])
    expect(await a.interrupted()).toEqual([])
    expect(await g.sharesHeld()).toBe((await a.files())[0]!.segments * 3)
  })

  it('while open, the app renews the leases on every share of its files, so hosts keep them past the first term', async () => {
    const g = new Grid(6)
    g.now = Date.now()
    const a = await createLayr({ ...parts(g, 'peer-0'), renewal: { firstMs: 10, everyMs: 50 } }, { autostart: true })
    await a.ready
    await a.vault.create()
    await a.settings.setLease(30 * 86_400_000)
    const entry = await a.backup(new Blob([patternBytes(300_000, 3)]), { name: 'kept.bin' })
    const ends = async () => (await Promise.all(g.peers.map((p) => p.shares.list()))).flat().map((r) => r.owners[0]!.expires!)
    const first = await ends()
    expect(first.length).toBe(entry.segments * 3)
    // Five minutes on (the hosts' clocks; the owner's signatures stay within the window), renewed again.
    g.now += 5 * 60_000
    for (let i = 0; i < 100 && (await ends()).some((t) => t < g.now + 30 * 86_400_000); i++) await new Promise((r) => setTimeout(r, 20))
    expect((await ends()).every((t) => t === g.now + 30 * 86_400_000)).toBe(true)
  })
})
