/**
 * The development ledger's file: its whole state as JSON, rewritten after every change. Each write
 * is atomic (a temporary file written and fsync'ed, renamed over the old one, the directory
 * fsync'ed), so a crash leaves either the old state or the new one, never half of either.
 * `flush()` resolves once everything changed so far is on disk: the HTTP layer awaits it before it
 * answers a submission, so an acknowledged transaction survives a restart.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DevLedger, type DevLedgerOptions } from './engine.ts'
import { stateFromJson, stateToJson } from './state.ts'

export interface LedgerFile {
  readonly ledger: DevLedger
  readonly path: string
  /** Resolves when every change so far is written. */
  flush(): Promise<void>
  /** Flushes and stops writing. */
  close(): Promise<void>
}

/** Opens (or creates) the ledger kept at `path`. A file that is not a ledger is an error, never overwritten. */
export async function openLedgerFile(path: string, options: Omit<DevLedgerOptions, 'state'> = {}): Promise<LedgerFile> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const ledger = new DevLedger({ ...options, ...(text !== undefined ? { state: stateFromJson(text) } : {}) })
  await mkdir(dirname(path), { recursive: true })
  let written = 0
  let changed = text === undefined ? 1 : 0
  let writing: Promise<void> | undefined
  let closed = false

  const writeLoop = async (): Promise<void> => {
    while (written < changed) {
      const target = changed
      await writeAtomically(path, stateToJson(ledger.state as never))
      written = target
    }
  }
  const flush = async (): Promise<void> => {
    while (written < changed) {
      writing ??= writeLoop().finally(() => (writing = undefined))
      await writing
    }
  }
  const off = ledger.onChange(() => {
    if (closed) return
    changed++
    void flush().catch((err: unknown) => console.error(`relay: writing the dev ledger to ${path} failed:`, err))
  })
  await flush()
  return {
    ledger,
    path,
    flush,
    close: async () => {
      await flush()
      closed = true
      off()
    },
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const file = await open(tmp, 'w', 0o600)
  try {
    await file.writeFile(text, 'utf8')
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await dir.close()
  }
}
