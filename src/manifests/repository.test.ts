import { describe, expect, it } from 'vitest'
import { makePolicy, type FileManifest } from '../core/index.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { Vault } from '../core/vault/index.ts'
import { toHex } from '../core/bytes.ts'
import { signRecord } from '../core/records/index.ts'
import { sealManifest } from '../core/manifest/index.ts'
import { MemoryRecordStore } from '../adapters/storage/memory-records.ts'
import { patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { backupFile } from '../transfer/upload.ts'
import { ManifestRepository, TOMBSTONE_REVISION } from './repository.ts'

async function setup() {
  const g = new Grid(5)
  g.now = Date.now()
  const owner = await Vault.create()
  const net = g.network('owner')
  const m = await backupFile(net, owner, new Blob([patternBytes(100_000)]), { policy: makePolicy({ k: 2, n: 3 }), shareSize: LEAF_SIZE })
  return { g, owner, net, m, repo: new ManifestRepository(owner, new MemoryRecordStore()) }
}

describe('ManifestRepository', () => {
  it('saves, publishes and opens a manifest; another device finds it by syncing', async () => {
    const { g, owner, net, m, repo } = await setup()
    const saved = await repo.save(m, net)
    expect(saved.published.peers.length).toBeGreaterThanOrEqual(3)
    expect((await repo.live()).map((x) => toHex(x.fileId))).toEqual([toHex(m.fileId)])
    const other = new ManifestRepository(owner, new MemoryRecordStore())
    await other.sync(g.network('device-2'))
    expect((await other.get(toHex(m.fileId))).name).toBe(m.name)
  })

  it('revise writes the next revision; an older one is refused as stale', async () => {
    const { net, m, repo } = await setup()
    await repo.save(m, net)
    const r = await repo.revise(toHex(m.fileId), (x) => ({ ...x, name: 'renamed' }), net)
    expect(r.record.revision).toBe(m.revision + 1)
    expect((await repo.get(toHex(m.fileId))).name).toBe('renamed')
    await expect(repo.save(m, net)).rejects.toMatchObject({ name: 'StaleRevisionError' })
  })

  it('remove leaves a tombstone that wins everywhere: the file is gone here and on a synced device', async () => {
    const { g, owner, net, m, repo } = await setup()
    await repo.save(m, net)
    const other = new ManifestRepository(owner, new MemoryRecordStore())
    await other.sync(g.network('device-2'))
    const { published } = await repo.remove(toHex(m.fileId), net)
    expect(published.peers.length).toBeGreaterThanOrEqual(3)
    await expect(repo.get(toHex(m.fileId))).rejects.toMatchObject({ name: 'FileNotFoundError' })
    await other.sync(g.network('device-2'))
    expect(await other.live()).toEqual([])
    // The old live record, saved again by a device that missed the removal, does not come back.
    await expect(other.save(m, net)).rejects.toMatchObject({ name: 'StaleRevisionError' })
  })

  it('a record that carries another file’s manifest is left out, not opened', async () => {
    const owner = await Vault.create()
    const local = new MemoryRecordStore()
    const repo = new ManifestRepository(owner, local)
    const g = new Grid(3)
    g.now = Date.now()
    const real: FileManifest = await backupFile(g.network('o'), owner, new Blob([patternBytes(1000)]), {
      policy: makePolicy({ k: 1, n: 2 }),
      shareSize: LEAF_SIZE,
    })
    const otherFile = new Uint8Array(16).fill(9)
    await local.put(signRecord(owner, otherFile, real.revision, await sealManifest(real, owner)))
    expect(await repo.live()).toEqual([])
    await expect(repo.get(toHex(otherFile))).rejects.toMatchObject({ name: 'ManifestCorruptError' })
    expect(TOMBSTONE_REVISION).toBe(2 ** 53 - 1)
  })

  it('an id that is not a file id is FileNotFoundError', async () => {
    const repo = new ManifestRepository(await Vault.create(), new MemoryRecordStore())
    for (const id of ['', 'zz', '00'.repeat(16)]) await expect(repo.get(id)).rejects.toMatchObject({ name: 'FileNotFoundError' })
  })
})
