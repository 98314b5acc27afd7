/**
 * RecordStore on plain files, for the Node host: records/<owner hex>/<file id hex>.rec, each a
 * CBOR manifest record written atomically (fs-atomic.ts). Revisions and sizes are indexed in
 * memory at open, so `put` decides against the index with no read, and usage costs nothing; the
 * sealed bytes stay on disk until asked for. One put at a time per (owner, file): two puts of
 * one file cannot both win.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { decode, encode } from 'cborg'
import { toHex } from '../../core/bytes.ts'
import { recordId, type ManifestRecord } from '../../core/records/index.ts'
import { entryOf, RECORD_OVERHEAD, type RecordEntry, type RecordStore, type RecordUsage } from '../../ports/record-store.ts'
import { clearTmp, defaultWriter, KeyedLock, syncDir, toFsStoreError, writeAtomic, type FileWriter } from './fs-atomic.ts'

interface Indexed {
  readonly revision: number
  readonly sealed: number
}

const HEX = /^[0-9a-f]{2,128}$/

function encodeRecord(r: ManifestRecord): Uint8Array {
  return encode({ v: 1, owner: r.owner, fileId: r.fileId, revision: r.revision, sealed: r.sealed, signature: r.signature })
}

function decodeRecord(bytes: Uint8Array): ManifestRecord {
  const x = decode(bytes) as { v: number } & ManifestRecord
  if (x.v !== 1 || !(x.owner instanceof Uint8Array) || !(x.fileId instanceof Uint8Array) || !Number.isSafeInteger(x.revision)) {
    throw new Error('not a manifest record')
  }
  return { owner: x.owner, fileId: x.fileId, revision: x.revision, sealed: x.sealed, signature: x.signature }
}

export async function openFsRecordStore(dir: string, options: { writer?: FileWriter } = {}): Promise<FsRecordStore> {
  const store = new FsRecordStore(dir, options.writer ?? defaultWriter)
  try {
    await store.load()
  } catch (err) {
    throw toFsStoreError(err, `opening the manifest store in ${dir}`)
  }
  return store
}

export class FsRecordStore implements RecordStore {
  readonly #root: string
  readonly #tmp: string
  readonly #index = new Map<string, Indexed>()
  readonly #locks = new KeyedLock()
  #bytes = 0

  constructor(
    readonly dir: string,
    private readonly writer: FileWriter,
  ) {
    this.#root = join(dir, 'records')
    this.#tmp = join(dir, 'tmp-records')
  }

  async load(): Promise<void> {
    await mkdir(this.#root, { recursive: true, mode: 0o700 })
    await clearTmp(this.#tmp)
    for (const ownerHex of await readdir(this.#root)) {
      if (!HEX.test(ownerHex)) continue
      for (const name of await readdir(join(this.#root, ownerHex))) {
        if (!name.endsWith('.rec')) continue
        const path = join(this.#root, ownerHex, name)
        try {
          const r = decodeRecord(await readFile(path))
          if (toHex(r.owner) !== ownerHex || `${toHex(r.fileId)}.rec` !== name) throw new Error('misplaced')
          this.#add(recordId(r.owner, r.fileId), { revision: r.revision, sealed: r.sealed.length })
        } catch {
          await unlink(path).catch(() => undefined) // unreadable: not a record this host can serve
        }
      }
    }
  }

  #add(id: string, entry: Indexed): void {
    const cur = this.#index.get(id)
    this.#bytes += entry.sealed + RECORD_OVERHEAD - (cur ? cur.sealed + RECORD_OVERHEAD : 0)
    this.#index.set(id, entry)
  }

  #path(owner: Uint8Array, fileId: Uint8Array): { dir: string; file: string } {
    const dir = join(this.#root, toHex(owner))
    return { dir, file: join(dir, `${toHex(fileId)}.rec`) }
  }

  async put(r: ManifestRecord): Promise<ManifestRecord> {
    const id = recordId(r.owner, r.fileId)
    return this.#locks.run(id, async () => {
      const cur = this.#index.get(id)
      if (cur && cur.revision >= r.revision) {
        const kept = await this.get(r.owner, r.fileId)
        if (kept) return kept
      }
      const { dir, file } = this.#path(r.owner, r.fileId)
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 })
        await writeAtomic(file, encodeRecord(r), this.#tmp, this.writer)
        await syncDir(dir)
      } catch (err) {
        throw toFsStoreError(err, 'saving a manifest')
      }
      this.#add(id, { revision: r.revision, sealed: r.sealed.length })
      return r
    })
  }

  async get(owner: Uint8Array, fileId: Uint8Array): Promise<ManifestRecord | undefined> {
    if (!this.#index.has(recordId(owner, fileId))) return undefined
    try {
      return decodeRecord(await readFile(this.#path(owner, fileId).file))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw toFsStoreError(err, 'reading a manifest')
    }
  }

  async delete(owner: Uint8Array, fileId: Uint8Array): Promise<boolean> {
    const id = recordId(owner, fileId)
    return this.#locks.run(id, async () => {
      const cur = this.#index.get(id)
      if (!cur) return false
      const { dir, file } = this.#path(owner, fileId)
      try {
        await unlink(file)
        await syncDir(dir)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFsStoreError(err, 'deleting a manifest')
      }
      this.#index.delete(id)
      this.#bytes -= cur.sealed + RECORD_OVERHEAD
      return true
    })
  }

  async list(owner: Uint8Array): Promise<ManifestRecord[]> {
    const prefix = `${toHex(owner)}/`
    const out: ManifestRecord[] = []
    for (const id of this.#index.keys()) {
      if (!id.startsWith(prefix)) continue
      const [ownerHex, fileHex] = id.split('/') as [string, string]
      try {
        out.push(decodeRecord(await readFile(join(this.#root, ownerHex, `${fileHex}.rec`))))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFsStoreError(err, 'listing manifests')
      }
    }
    return out
  }

  async entries(owner: Uint8Array): Promise<RecordEntry[]> {
    return (await this.list(owner)).map(entryOf)
  }

  async usage(): Promise<RecordUsage> {
    return { bytes: this.#bytes, records: this.#index.size }
  }

  async close(): Promise<void> {
    await this.#locks.idle()
  }
}
