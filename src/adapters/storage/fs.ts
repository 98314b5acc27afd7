/**
 * ShareStore on plain files, for the Node host. One directory per store:
 *
 *   shares/<first two chars of key>/<key>.bin   the share's bytes
 *   shares/<first two chars of key>/<key>.rec   its record (CBOR): size, root, owners and leases
 *   tmp/                                        files being written (same file system)
 *
 * Every file is written whole and renamed into place (fs-atomic.ts), and `put` resolves only
 * once both files and their directory are fsynced, so an acknowledged share survives a crash.
 * The record is the claim: it is renamed in last and removed first, so at any instant of a crash
 * a record names bytes that are complete. Opening the store checks every record against its
 * bytes file and drops what does not hold together (a record without its bytes, bytes without
 * a record, leftovers in tmp/), so a host restarted after kill -9 never claims a share it cannot
 * serve. Records and sizes are kept in memory (listing never touches the bytes).
 */
import { mkdir, open, readdir, readFile, stat, statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { decode, encode } from 'cborg'
import { InvalidInputError } from '../../core/errors.ts'
import type { ByteRange, OwnerClaim, ShareRecord, ShareStore, StoreUsage } from '../../ports/share-store.ts'
import { StorageFullError } from '../../ports/share-store.ts'
import { clearTmp, defaultWriter, KeyedLock, syncDir, toFsStoreError, writeAtomic, type FileWriter } from './fs-atomic.ts'

export interface FsShareStoreOptions {
  /** Bytes of shares this store may hold (a disk of that size, for tests). Default: no limit of its own. */
  readonly capacity?: number
  /** Free disk space to leave untouched: a put that would go below it is a StorageFullError. Default 0. */
  readonly keepFree?: number
  /** How files are written (tests inject failures). */
  readonly writer?: FileWriter
  /** What opening found and dropped (for the host's log). */
  readonly onRecover?: (report: RecoveryReport) => void
}

export interface RecoveryReport {
  readonly shares: number
  /** Records whose bytes were missing or of the wrong size: dropped. */
  readonly droppedRecords: number
  /** Bytes files no record named: removed. */
  readonly orphanBytes: number
  /** Unreadable records: removed with their bytes. */
  readonly corruptRecords: number
  /** Temporary files of interrupted writes: removed. */
  readonly tmpFiles: number
}

/** Keys become file names: hex share keys in practice; nothing that could name another path. */
const KEY = /^[A-Za-z0-9_-]{1,128}$/

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new InvalidInputError(`"${key.slice(0, 80)}" is not a share key this store can keep (letters, digits, - and _ only).`)
}

interface StoredClaim {
  o: Uint8Array
  s: number
  v?: string
  e?: number
}

function encodeRecord(r: ShareRecord): Uint8Array {
  const owners: StoredClaim[] = r.owners.map((c) => ({
    o: c.owner,
    s: c.since,
    ...(c.via !== undefined ? { v: c.via } : {}),
    ...(c.expires !== undefined ? { e: c.expires } : {}),
  }))
  return encode({ v: 1, key: r.key, size: r.size, root: r.root, owners, at: r.storedAt })
}

function decodeRecord(bytes: Uint8Array): ShareRecord {
  const x = decode(bytes) as { v: number; key: string; size: number; root: Uint8Array; owners: StoredClaim[]; at: number }
  if (x.v !== 1 || typeof x.key !== 'string' || !Number.isSafeInteger(x.size) || !(x.root instanceof Uint8Array) || !Array.isArray(x.owners)) {
    throw new Error('not a share record')
  }
  const owners: OwnerClaim[] = x.owners.map((c) => ({
    owner: c.o,
    since: c.s,
    ...(c.v !== undefined ? { via: c.v } : {}),
    ...(c.e !== undefined ? { expires: c.e } : {}),
  }))
  return { key: x.key, size: x.size, root: x.root, owners, storedAt: x.at }
}

function copyRecord(r: ShareRecord): ShareRecord {
  return { ...r, root: r.root.slice(), owners: r.owners.map((c) => ({ ...c, owner: c.owner.slice() })) }
}

export async function openFsShareStore(dir: string, options: FsShareStoreOptions = {}): Promise<FsShareStore> {
  const store = new FsShareStore(dir, options)
  try {
    await store.load()
  } catch (err) {
    throw toFsStoreError(err, `opening the share store in ${dir}`)
  }
  return store
}

export class FsShareStore implements ShareStore {
  readonly #shares: string
  readonly #tmp: string
  readonly #index = new Map<string, ShareRecord>()
  readonly #locks = new KeyedLock()
  readonly #writer: FileWriter
  #bytes = 0
  /** Bytes of puts under way (counted against the capacity before they land). */
  #pending = 0
  #closed = false

  constructor(
    readonly dir: string,
    private readonly options: FsShareStoreOptions = {},
  ) {
    this.#shares = join(dir, 'shares')
    this.#tmp = join(dir, 'tmp')
    this.#writer = options.writer ?? defaultWriter
  }

  #paths(key: string): { shard: string; bin: string; rec: string } {
    const shard = join(this.#shares, key.slice(0, 2).padEnd(2, '_'))
    return { shard, bin: join(shard, `${key}.bin`), rec: join(shard, `${key}.rec`) }
  }

  /** Reads every record and checks it against its bytes; drops what does not hold together. */
  async load(): Promise<void> {
    await mkdir(this.#shares, { recursive: true, mode: 0o700 })
    const tmpFiles = await clearTmp(this.#tmp)
    let droppedRecords = 0
    let orphanBytes = 0
    let corruptRecords = 0
    for (const shardName of await readdir(this.#shares)) {
      const shard = join(this.#shares, shardName)
      const names = new Set(await readdir(shard).catch(() => [] as string[]))
      let changed = false
      for (const name of names) {
        if (!name.endsWith('.rec')) continue
        const key = name.slice(0, -4)
        const bin = join(shard, `${key}.bin`)
        let record: ShareRecord | undefined
        try {
          record = decodeRecord(await readFile(join(shard, name)))
          if (record.key !== key) throw new Error('record of another key')
        } catch {
          corruptRecords++
        }
        const size = names.has(`${key}.bin`) ? (await stat(bin)).size : -1
        if (record && size === record.size) {
          this.#index.set(key, record)
          this.#bytes += record.size
          continue
        }
        if (record) droppedRecords++
        await unlink(join(shard, name)).catch(() => undefined)
        await unlink(bin).catch(() => undefined)
        changed = true
      }
      for (const name of names) {
        if (!name.endsWith('.bin') || this.#index.has(name.slice(0, -4))) continue
        // Bytes no record names: an interrupted put (or delete). Not a share.
        await unlink(join(shard, name)).catch(() => undefined)
        if (!names.has(`${name.slice(0, -4)}.rec`)) orphanBytes++
        changed = true
      }
      if (changed) await syncDir(shard)
    }
    this.options.onRecover?.({ shares: this.#index.size, droppedRecords, orphanBytes, corruptRecords, tmpFiles })
  }

  async #checkRoom(adding: number): Promise<void> {
    const { capacity, keepFree } = this.options
    if (capacity !== undefined && this.#bytes + this.#pending + adding > capacity) {
      throw new StorageFullError(`This host's store holds at most ${capacity} bytes and has ${Math.max(0, capacity - this.#bytes - this.#pending)} free.`)
    }
    if (keepFree !== undefined && keepFree > 0) {
      const fs = await statfs(this.dir)
      const free = fs.bavail * fs.bsize
      if (free - adding < keepFree) {
        throw new StorageFullError(`The disk has ${free} bytes free and this host keeps ${keepFree} of them free: no room for ${adding} more.`)
      }
    }
  }

  async put(record: ShareRecord, bytes: Uint8Array): Promise<void> {
    checkKey(record.key)
    return this.#locks.run(record.key, async () => {
      this.#open()
      const key = record.key
      const { shard, bin, rec } = this.#paths(key)
      const old = this.#index.get(key)
      const adding = bytes.length - (old?.size ?? 0)
      await this.#checkRoom(Math.max(0, adding))
      const kept: ShareRecord = copyRecord({ ...record, size: bytes.length })
      this.#pending += Math.max(0, adding)
      try {
        await mkdir(shard, { recursive: true, mode: 0o700 })
        if (old) {
          // Replacing: the old claim goes first, so a crash never pairs it with the new bytes.
          await unlink(rec)
          await syncDir(shard)
          this.#index.delete(key)
          this.#bytes -= old.size
        }
        await writeAtomic(bin, bytes, this.#tmp, this.#writer)
        await writeAtomic(rec, encodeRecord(kept), this.#tmp, this.#writer)
        await syncDir(shard)
      } catch (err) {
        // Whatever landed of a put that failed is not a share: leave no claim and no bytes.
        await unlink(rec).catch(() => undefined)
        await unlink(bin).catch(() => undefined)
        throw toFsStoreError(err, 'storing a share')
      } finally {
        this.#pending -= Math.max(0, adding)
      }
      this.#index.set(key, kept)
      this.#bytes += kept.size
    })
  }

  async update(record: ShareRecord): Promise<boolean> {
    if (!KEY.test(record.key)) return false
    return this.#locks.run(record.key, async () => {
      this.#open()
      const cur = this.#index.get(record.key)
      if (!cur) return false
      const kept = copyRecord({ ...record, size: cur.size })
      const { shard, rec } = this.#paths(record.key)
      try {
        await writeAtomic(rec, encodeRecord(kept), this.#tmp, this.#writer)
        await syncDir(shard)
      } catch (err) {
        throw toFsStoreError(err, 'updating a share record')
      }
      this.#index.set(record.key, kept)
      return true
    })
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    this.#open()
    const r = this.#index.get(key)
    if (!r) return undefined
    const offset = range?.offset ?? 0
    const length = range?.length ?? r.size
    if (range) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > r.size) {
        throw new InvalidInputError(`Range ${offset}+${length} is outside the share's ${r.size} bytes.`)
      }
    }
    let fh
    try {
      fh = await open(this.#paths(key).bin, 'r')
    } catch (err) {
      // Deleted meanwhile: absent, as the contract says.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !this.#index.has(key)) return undefined
      throw toFsStoreError(err, 'reading a share')
    }
    try {
      const out = new Uint8Array(length)
      let got = 0
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got)
        if (bytesRead === 0) throw new Error(`the share's file ended after ${offset + got} of ${r.size} bytes`)
        got += bytesRead
      }
      return out
    } catch (err) {
      throw toFsStoreError(err, 'reading a share')
    } finally {
      await fh.close()
    }
  }

  async record(key: string): Promise<ShareRecord | undefined> {
    const r = this.#index.get(key)
    return r && copyRecord(r)
  }

  async delete(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false
    return this.#locks.run(key, async () => {
      this.#open()
      const cur = this.#index.get(key)
      if (!cur) return false
      const { shard, bin, rec } = this.#paths(key)
      try {
        // The claim first: a crash between the two leaves orphan bytes, which open() removes.
        await unlink(rec)
        this.#index.delete(key)
        this.#bytes -= cur.size
        await unlink(bin).catch(() => undefined)
        await syncDir(shard)
      } catch (err) {
        throw toFsStoreError(err, 'deleting a share')
      }
      return true
    })
  }

  async list(): Promise<ShareRecord[]> {
    return [...this.#index.values()].map(copyRecord)
  }

  async usage(): Promise<StoreUsage> {
    return { bytes: this.#bytes, shares: this.#index.size }
  }

  /** Waits for the writes under way (each is durable once it resolves), then refuses new ones. */
  async close(): Promise<void> {
    await this.#locks.idle()
    this.#closed = true
  }

  #open(): void {
    if (this.#closed) throw new InvalidInputError('This share store is closed.')
  }
}
