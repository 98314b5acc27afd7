import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shareStoreContract, bytesOf, recordFor } from '../../testing/share-store-contract.ts'
import { recordStoreContract } from '../../testing/record-store-contract.ts'
import { openFsShareStore, type RecoveryReport } from './fs.ts'
import { openFsRecordStore } from './fs-records.ts'
import { defaultWriter, type FileWriter } from './fs-atomic.ts'
import { ShareHost } from '../../net/share/host.ts'
import { Vault } from '../../core/vault/index.ts'
import { merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { signStore } from '../../net/share/auth.ts'
import { toHex } from '../../core/bytes.ts'

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'layr-fs-store-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('FsShareStore passes the ShareStore contract', () => {
  for (const c of shareStoreContract) {
    it(c.name, async () => {
      const dir = tempDir()
      await c.run({
        open: () => openFsShareStore(dir),
        reopen: () => openFsShareStore(dir),
        openSmall: async () => ({ store: await openFsShareStore(tempDir(), { capacity: 100_000 }), capacity: 100_000 }),
      })
    })
  }
})

describe('FsRecordStore passes the RecordStore contract', () => {
  for (const c of recordStoreContract) {
    it(c.name, async () => {
      const dir = tempDir()
      await c.run({ open: () => openFsRecordStore(dir), reopen: () => openFsRecordStore(dir) })
    })
  }
})

/** A disk that fills up after `room` bytes: the write that crosses it lands part-way, then fails with ENOSPC. */
function fillingDisk(room: number): FileWriter & { written: number } {
  const w = {
    written: 0,
    async write(path: string, bytes: Uint8Array) {
      if (w.written + bytes.length <= room) {
        w.written += bytes.length
        return defaultWriter.write(path, bytes)
      }
      const part = bytes.subarray(0, Math.max(0, room - w.written))
      writeFileSync(path, part)
      w.written = room
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })
    },
  }
  return w
}

describe('FsShareStore under faults', () => {
  it('a disk that fills mid-write is a StorageFullError: nothing half-written is kept or claimed, after a reopen too', async () => {
    const dir = tempDir()
    const disk = fillingDisk(150_000)
    const s = await openFsShareStore(dir, { writer: disk })
    const a = bytesOf(100_000, 1)
    await s.put(recordFor('aa', a), a)
    const b = bytesOf(100_000, 2)
    await expect(s.put(recordFor('bb', b), b)).rejects.toMatchObject({ name: 'StorageFullError' })
    expect(await s.get('bb')).toBeUndefined()
    expect(await s.record('bb')).toBeUndefined()
    expect(await s.usage()).toEqual({ bytes: 100_000, shares: 1 })
    await s.close()
    // Nothing of the failed write is left on disk.
    expect(readdirSync(join(dir, 'tmp'))).toEqual([])
    expect(existsSync(join(dir, 'shares', 'bb'))).toBe(readdirSync(join(dir, 'shares')).includes('bb'))
    const again = await openFsShareStore(dir)
    expect((await again.list()).map((r) => r.key)).toEqual(['aa'])
    expect(await again.get('aa')).toEqual(a)
  })

  it('other disk errors are a StorageError, not a crash', async () => {
    const s = await openFsShareStore(tempDir(), {
      writer: { write: async () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) },
    })
    const b = bytesOf(1000, 1)
    await expect(s.put(recordFor('cc', b), b)).rejects.toMatchObject({ name: 'StorageError' })
    expect(await s.list()).toEqual([])
  })

  it('keys that could name another path are refused', async () => {
    const s = await openFsShareStore(tempDir())
    const b = bytesOf(10, 1)
    for (const key of ['../x', 'a/b', '', '.', 'x'.repeat(200)]) {
      await expect(s.put(recordFor(key, b), b)).rejects.toMatchObject({ name: 'InvalidInputError' })
    }
    expect(await s.delete('../x')).toBe(false)
  })

  it('opening drops records whose bytes are missing or short, bytes without a record, corrupt records and temporary files', async () => {
    const dir = tempDir()
    const s = await openFsShareStore(dir)
    for (const k of ['k1', 'k2', 'k3', 'k4']) await s.put(recordFor(k, bytesOf(5000, 1)), bytesOf(5000, 1))
    await s.close()
    const shard = (k: string) => join(dir, 'shares', k.slice(0, 2))
    rmSync(join(shard('k1'), 'k1.bin')) // record without bytes
    truncateSync(join(shard('k2'), 'k2.bin'), 4000) // bytes cut short
    rmSync(join(shard('k3'), 'k3.rec')) // bytes without a record
    writeFileSync(join(shard('k4'), 'k4.rec'), 'not cbor at all') // unreadable record
    writeFileSync(join(dir, 'tmp', '123-abc.tmp'), 'half a share')
    let report: RecoveryReport | undefined
    const again = await openFsShareStore(dir, { onRecover: (r) => (report = r) })
    expect(await again.list()).toEqual([])
    expect(report).toEqual({ shares: 0, droppedRecords: 2, orphanBytes: 1, corruptRecords: 1, tmpFiles: 1 })
    expect(readdirSync(shard('k1'))).toEqual([])
  })

  it('through the host, a full disk is the protocol’s over-quota answer and the host goes on serving', async () => {
    const store = await openFsShareStore(tempDir(), { writer: fillingDisk(70_000) })
    const host = new ShareHost(store, 'host-peer', 10 * 2 ** 20)
    const owner = await Vault.create()
    const send = async (seed: number) => {
      const bytes = bytesOf(65536, seed)
      const root = await merkleRoot(bytes)
      const key = await shareKey(root)
      const lease = 24 * 3600_000
      const auth = signStore(owner, key, bytes.length, 'host-peer', { lease })
      return { key, res: await host.serve({ type: 'store', key, root, bytes, ...auth }, { peer: 'p' }) }
    }
    const first = await send(1)
    expect(first.res.status).toBe('ok')
    const second = await send(2)
    expect(second.res).toMatchObject({ status: 'over-quota' })
    expect((await host.serve({ type: 'fetch', key: first.key }, { peer: 'p' })).status).toBe('ok')
    expect((await host.serve({ type: 'fetch', key: second.key }, { peer: 'p' })).status).toBe('not-found')
    expect(toHex(second.key)).toHaveLength(64)
  })
})
