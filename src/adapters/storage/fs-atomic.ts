/**
 * Files written so that a crash (kill -9, power loss) leaves either the old file or the whole new
 * one, never a part: write a temporary file in the same file system, fsync it, rename it over
 * the target, then fsync the directory so the rename itself is on disk. Node-only (the host's
 * stores; a tab uses IndexedDB). Every file-system failure passes through toFsStoreError, where
 * ENOSPC and EDQUOT become StorageFullError.
 */
import { mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { StorageError, StorageFullError } from '../../ports/share-store.ts'

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])

export function toFsStoreError(err: unknown, doing: string): Error {
  if (err instanceof StorageFullError || err instanceof StorageError) return err
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (code !== undefined && FULL.has(code)) {
    return new StorageFullError(`The disk refused more data while ${doing} (${code}): free space on it or lower the hosting quota.`)
  }
  const message = err instanceof Error ? err.message : String(err)
  return new StorageError(`The disk failed while ${doing}: ${message}`)
}

/**
 * How bytes reach a new file. The default writes them all and fsyncs; tests substitute one that
 * fails part-way (a disk that fills up mid-write).
 */
export interface FileWriter {
  write(path: string, bytes: Uint8Array): Promise<void>
}

export const defaultWriter: FileWriter = {
  async write(path, bytes) {
    const fh = await open(path, 'wx', 0o600)
    try {
      let off = 0
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off)
        off += bytesWritten
      }
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
}

/** fsync of a directory: makes the renames and unlinks in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** A name in `tmpDir` no other writer uses. */
export function tmpName(tmpDir: string): string {
  return join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
}

/**
 * Writes `bytes` to `target` atomically (through `tmpDir`, which must be on the same file
 * system). The caller fsyncs the target's directory (once for several files).
 */
export async function writeAtomic(target: string, bytes: Uint8Array, tmpDir: string, writer: FileWriter = defaultWriter): Promise<void> {
  const tmp = tmpName(tmpDir)
  try {
    await writer.write(tmp, bytes)
    await rename(tmp, target)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
}

/** Removes what an interrupted writer left in `tmpDir` (call once at open, before any write). */
export async function clearTmp(tmpDir: string): Promise<number> {
  await mkdir(tmpDir, { recursive: true, mode: 0o700 })
  let n = 0
  for (const name of await readdir(tmpDir)) {
    await rm(join(tmpDir, name), { force: true, recursive: true })
    n++
  }
  return n
}

/** One operation at a time per key, in the order they were asked. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>()

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#tails.set(key, tail)
    try {
      return await run
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Waits for every operation started so far. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()])
  }
}
