/**
 * The owner's backups in progress, kept in the upload journal (ports/upload-journal.ts) as they
 * go: what a fresh backup tells the journal, what a resumed one starts from, what Discard deletes,
 * and what the queue lists as interrupted. The I/O of placing is transfer/upload.ts's; this only
 * keeps its journal.
 */
import { fromHex, toHex } from '../core/bytes.ts'
import { LayrError } from '../core/errors.ts'
import { PENDING_LEASE_MS } from '../core/lease/index.ts'
import { planSegments } from '../core/segment/index.ts'
import type { Vault } from '../core/vault/index.ts'
import type { JournalEntry, UploadJournal } from '../ports/upload-journal.ts'
import type { ResumeState, UploadJournalHooks } from '../transfer/index.ts'
import type { InterruptedBackup } from './api.ts'

/** Resume needs the file again: the user picks it (no handle was kept, or reading it was not allowed). */
export class NeedFileError extends LayrError {
  override readonly name = 'NeedFileError'
}

/** No interrupted backup with that id (it finished, was discarded, or was started in another browser). */
export class BackupNotFoundError extends LayrError {
  override readonly name = 'BackupNotFoundError'
}

/** What a backup knows of its file before it begins. */
export interface BackupStart {
  readonly name: string
  readonly type: string
  readonly size: number
  readonly lastModified: number
  readonly k: number
  readonly n: number
  readonly shareSize: number
  readonly handle?: FileSystemFileHandle
}

export class BackupJournal {
  /** Backups running in this tab: in the journal, but not interrupted. */
  readonly #running = new Set<string>()
  constructor(
    private readonly journal: UploadJournal,
    private readonly now: () => number = Date.now,
  ) {}

  /** Journal hooks for a backup: a fresh one (`start`), or one resumed from `entry`. */
  hooks(from: { start: BackupStart } | { entry: JournalEntry }): UploadJournalHooks & { done(): Promise<void>; stop(): void } {
    let entry: JournalEntry | undefined = 'entry' in from ? from.entry : undefined
    if (entry) this.#running.add(entry.id)
    // Writes go one after another, each the whole entry as it is then. A failed write fails the
    // step that made it (the upload stops), not every write after it.
    let writing = Promise.resolve()
    const write = (next: JournalEntry): Promise<void> => {
      entry = next
      const put = writing.catch(() => {}).then(() => this.journal.put(next))
      writing = put
      return put
    }
    return {
      begin: async ({ identity, createdAt, plan }) => {
        if (!('start' in from)) return
        const id = toHex(identity.fileId)
        this.#running.add(id)
        const now = this.now()
        await write({
          ...from.start,
          id,
          startedAt: now,
          createdAt,
          wrappedKey: identity.wrappedKey,
          assignments: plan.assignments,
          hosts: plan.hosts,
          spares: plan.spares,
          encoded: {},
          landed: [],
          keptUntil: now + PENDING_LEASE_MS,
        })
      },
      encoded: async (segment, keys) => {
        if (entry) await write({ ...entry, encoded: { ...entry.encoded, [segment]: keys.map(toHex) } })
      },
      landed: async (segment, share, peer) => {
        if (entry) await write({ ...entry, landed: [...entry.landed, [segment, share, peer]], keptUntil: this.now() + PENDING_LEASE_MS })
      },
      /** The backup finished (its manifest is saved) or its placed shares were deleted: forget it. */
      done: async () => {
        await writing.catch(() => {})
        if (entry) {
          this.#running.delete(entry.id)
          await this.journal.delete(entry.id)
        }
      },
      /** The backup stopped but stays resumable. */
      stop: () => {
        if (entry) this.#running.delete(entry.id)
      },
    }
  }

  async get(id: string): Promise<JournalEntry> {
    const entry = /^[0-9a-f]{32}$/.test(id) ? await this.journal.get(id) : undefined
    if (!entry) throw new BackupNotFoundError('That interrupted backup is no longer here: it finished, or was discarded (maybe in another tab).')
    return entry
  }

  /** Backups in the journal that no one in this tab is running, oldest first. */
  async interrupted(): Promise<InterruptedBackup[]> {
    const entries = (await this.journal.list()).filter((e) => !this.#running.has(e.id))
    return entries
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((e) => ({
        id: e.id,
        name: e.name,
        size: e.size,
        lastModified: e.lastModified,
        startedAt: e.startedAt,
        placed: new Set(e.landed.map(([s, i]) => `${s}/${i}`)).size,
        total: planSegments(e.size, e.k, e.shareSize).count * e.n,
        hasHandle: e.handle !== undefined,
        keptUntil: e.keptUntil,
      }))
  }

  /** Where `entry`'s backup got to, to resume it: its file key unwrapped by `vault`. */
  async resumeState(entry: JournalEntry, vault: Vault): Promise<ResumeState> {
    const fileId = fromHex(entry.id)
    const fileKey = await vault.unwrapFileKey(entry.wrappedKey, fileId)
    return {
      identity: { fileId, fileKey, wrappedKey: entry.wrappedKey },
      createdAt: entry.createdAt,
      plan: { hosts: entry.hosts, spares: entry.spares, assignments: entry.assignments },
      encoded: new Map(Object.entries(entry.encoded).map(([s, keys]) => [Number(s), keys])),
      landed: new Map(entry.landed.map(([s, i, peer]) => [`${s}/${i}`, peer])),
    }
  }

  /**
   * What Discard deletes: every share of every segment that began to leave, at each host that
   * took it or was planned to (a share in flight when the tab went away may have landed unseen).
   */
  discardJobs(entry: JournalEntry): Array<{ peer: string; key: Uint8Array }> {
    const jobs = new Map<string, { peer: string; key: Uint8Array }>()
    const add = (peer: string | undefined, key: string | undefined): void => {
      if (peer && key) jobs.set(`${peer}/${key}`, { peer, key: fromHex(key) })
    }
    for (const [s, keys] of Object.entries(entry.encoded)) keys.forEach((k, i) => add(entry.assignments[Number(s)]?.[i], k))
    for (const [s, i, peer] of entry.landed) add(peer, entry.encoded[s]?.[i])
    return [...jobs.values()]
  }

  async forget(id: string): Promise<void> {
    this.#running.delete(id)
    await this.journal.delete(id)
  }
}

/** The file behind a kept handle, read with the user's permission (asked for when needed). */
export async function readHandle(handle: FileSystemFileHandle): Promise<File> {
  type Permissioned = FileSystemFileHandle & {
    queryPermission?: (d: { mode: 'read' }) => Promise<PermissionState>
    requestPermission?: (d: { mode: 'read' }) => Promise<PermissionState>
  }
  const h = handle as Permissioned
  try {
    let state = (await h.queryPermission?.({ mode: 'read' })) ?? 'granted'
    if (state !== 'granted') state = (await h.requestPermission?.({ mode: 'read' })) ?? 'denied'
    if (state !== 'granted') throw new Error('permission denied')
    return await handle.getFile()
  } catch (err) {
    throw new NeedFileError(`Layr could not read "${handle.name}" again by itself (${(err as Error).message}): pick the file to go on.`)
  }
}
