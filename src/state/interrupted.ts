/**
 * Interrupted backups (a reload, a closed tab, a crash): the queue lists each with what it had
 * placed and how long the hosts keep that, and offers Resume and Discard. Resume reads the file
 * again through the handle kept with it when there is one (call it from the click: the browser
 * asks the person's permission), else the person picks the file again; the facade checks it is
 * the same file and places only the shares that are missing. Discard deletes what was placed.
 * Plain TypeScript so it runs under Vitest; FilesState mirrors `views()` into $state.
 */
import type { BackupJobOptions, FileEntry, InterruptedBackup, RemoveProgress, RemoveReport } from '../layr/api.ts'
import { describeFailure, isCancellation, type Problem } from './errors.ts'
import { BackupTracker, type UploadSnapshot } from './progress.ts'

/** What of the facade the list uses. */
export interface InterruptedApi {
  interrupted(): Promise<InterruptedBackup[]>
  resumeBackup(id: string, file?: File | Blob, options?: BackupJobOptions): Promise<FileEntry>
  discardBackup(id: string, options?: { onProgress?: (e: RemoveProgress) => void }): Promise<RemoveReport>
}

/** waiting: Resume and Discard offered; resuming / discarding: running; done: resumed to the end; gone: nothing left to resume. */
export type InterruptedStage = 'waiting' | 'resuming' | 'discarding' | 'done' | 'gone'

export interface InterruptedView {
  readonly backup: InterruptedBackup
  readonly stage: InterruptedStage
  /** The resumed backup's progress (shares already placed counted), while it runs and after. */
  readonly progress: UploadSnapshot | undefined
  /** Shares deleted so far, while discarding. */
  readonly discarding: { readonly done: number; readonly total: number } | undefined
  readonly problem: Problem | undefined
  /** Resume asks the person for the file (no handle kept, or it could not be read, or the one picked was not the same). */
  readonly needsFile: boolean
  readonly entry: FileEntry | undefined
}

export interface InterruptedListOptions {
  readonly api: InterruptedApi
  /** Shares per segment, for the progress count, when the backup's own are not known. */
  readonly n: () => number
  readonly onChange?: () => void
  readonly onDone?: (entry: FileEntry) => void
  readonly onDiscarded?: (backup: InterruptedBackup, report: RemoveReport) => void
  readonly now?: () => number
}

interface Item {
  backup: InterruptedBackup
  stage: InterruptedStage
  tracker: BackupTracker | undefined
  discarding: { done: number; total: number } | undefined
  problem: Problem | undefined
  needsFile: boolean
  entry: FileEntry | undefined
}

export class InterruptedList {
  readonly #options: InterruptedListOptions
  #items: Item[] = []

  constructor(options: InterruptedListOptions) {
    this.#options = options
  }

  /** Asks the facade which backups were interrupted (on load); rows already here keep their state. */
  async load(): Promise<void> {
    const found = await this.#options.api.interrupted()
    const known = new Map(this.#items.map((i) => [i.backup.id, i]))
    this.#items = found.map(
      (backup) =>
        known.get(backup.id) ?? {
          backup,
          stage: 'waiting',
          tracker: undefined,
          discarding: undefined,
          problem: undefined,
          needsFile: !backup.hasHandle,
          entry: undefined,
        },
    )
    this.#changed()
  }

  views(): InterruptedView[] {
    return this.#items.map((i) => ({
      backup: i.backup,
      stage: i.stage,
      progress: i.tracker?.snapshot(),
      discarding: i.discarding,
      problem: i.problem,
      needsFile: i.needsFile,
      entry: i.entry,
    }))
  }

  /** A resume or discard runs. */
  get running(): boolean {
    return this.#items.some((i) => i.stage === 'resuming' || i.stage === 'discarding')
  }

  /**
   * Resumes the backup: with `file` (picked again), or through its kept handle. Call it straight
   * from the click: the facade's call is the first thing it does, so the browser still sees the
   * gesture when it asks for permission to read the file. Never throws.
   */
  async resume(id: string, file?: File | Blob): Promise<void> {
    const item = this.#find(id)
    if (!item || item.stage === 'resuming' || item.stage === 'discarding' || item.stage === 'done') return
    const { backup } = item
    const tracker = new BackupTracker(this.#options.n(), backup.size, backup.placed)
    tracker.start()
    item.tracker = tracker
    item.stage = 'resuming'
    item.problem = undefined
    const now = this.#options.now ?? (() => performance.now())
    const options: BackupJobOptions = {
      onProgress: (e) => {
        // The backup's own shares per segment (its total over its parts), whatever the settings say now.
        if (e.type === 'encode:start' && e.segments > 0 && backup.total % e.segments === 0) tracker.start(backup.total / e.segments)
        tracker.apply(e, now())
        this.#changed()
      },
    }
    const running = file ? this.#options.api.resumeBackup(id, file, options) : this.#options.api.resumeBackup(id, undefined, options)
    this.#changed()
    try {
      item.entry = await running
      tracker.finish()
      item.stage = 'done'
      item.needsFile = false
      this.#changed()
      this.#options.onDone?.(item.entry)
      return
    } catch (err) {
      item.tracker = undefined
      const name = (err as { name?: unknown } | null)?.name
      if (isCancellation(err)) item.stage = 'waiting'
      else if (name === 'BackupNotFoundError') item.stage = 'gone'
      else item.stage = 'waiting'
      // No handle, an unreadable one, or not the same file: the next Resume asks for the file.
      if (name === 'NeedFileError' || name === 'FileChangedError') item.needsFile = true
      item.problem = isCancellation(err) ? undefined : describeFailure('resume', err)
    }
    this.#changed()
  }

  /** Deletes what the backup placed, then drops its row. Never throws. */
  async discard(id: string): Promise<void> {
    const item = this.#find(id)
    if (!item || item.stage === 'resuming' || item.stage === 'discarding' || item.stage === 'done') return
    if (item.stage === 'gone') return this.dismiss(id)
    item.stage = 'discarding'
    item.problem = undefined
    item.discarding = { done: 0, total: item.backup.placed }
    this.#changed()
    try {
      const report = await this.#options.api.discardBackup(id, {
        onProgress: (e) => {
          item.discarding = { done: e.done, total: e.total }
          this.#changed()
        },
      })
      this.#items = this.#items.filter((i) => i !== item)
      this.#changed()
      this.#options.onDiscarded?.(item.backup, report)
      return
    } catch (err) {
      item.stage = (err as { name?: unknown } | null)?.name === 'BackupNotFoundError' ? 'gone' : 'waiting'
      item.discarding = undefined
      item.problem = describeFailure('discard', err)
    }
    this.#changed()
  }

  /** Drops a finished (or vanished) row. */
  dismiss(id: string): void {
    const before = this.#items.length
    this.#items = this.#items.filter((i) => i.backup.id !== id || (i.stage !== 'done' && i.stage !== 'gone'))
    if (this.#items.length !== before) this.#changed()
  }

  #find(id: string): Item | undefined {
    return this.#items.find((i) => i.backup.id === id)
  }

  #changed(): void {
    this.#options.onChange?.()
  }
}
