/**
 * The Files view: this vault's files, the backup queue (UploadQueue, one backup at a time),
 * restores to disk, health checks and deletes. The logic lives in plain modules (uploads.ts,
 * restore.ts, progress.ts); this class keeps their latest views in $state.
 */
import type { FileEntry, Layr } from '../layr/api.ts'
import { describeError, type Problem } from './errors.ts'
import { RestoreTask, chooseSaveTarget, type RestoreView } from './restore.ts'
import { UploadQueue, type UploadView } from './uploads.ts'
import { plural } from '../ui/format.ts'

export interface RemovingView {
  readonly id: string
  readonly name: string
  readonly done: number
  readonly total: number
}

/** Files whose health is checked by themselves after the list loads. */
const AUTO_CHECK_LIMIT = 20
/** How long finished backups stay in the queue once all are done. */
const DONE_ROWS_MS = 20_000

export class FilesState {
  readonly #layr: Layr
  readonly #queue: UploadQueue
  readonly #restores = new Map<string, RestoreTask>()
  /** Backed up since the queue was last idle: their health is checked once it is. */
  #fresh: string[] = []
  #clearTimer: ReturnType<typeof setTimeout> | undefined

  entries = $state.raw<readonly FileEntry[]>([])
  loaded = $state(false)
  syncing = $state(false)
  filter = $state('')
  uploads = $state.raw<readonly UploadView[]>([])
  restores = $state.raw<ReadonlyMap<string, RestoreView>>(new Map())
  checking = $state.raw<ReadonlySet<string>>(new Set())
  removing = $state.raw<RemovingView | undefined>()
  /** The file the delete dialog asks about. */
  pendingDelete = $state.raw<FileEntry | undefined>()
  problem = $state.raw<Problem | undefined>()
  /** A calm line for the live region: what just happened. */
  notice = $state('')

  readonly visible = $derived.by(() => {
    const q = this.filter.trim().toLowerCase()
    return q ? this.entries.filter((f) => f.name.toLowerCase().includes(q)) : this.entries
  })
  readonly totalSize = $derived(this.entries.reduce((n, f) => n + f.size, 0))
  readonly active = $derived(this.uploads.filter((u) => !u.settled).length)

  constructor(layr: Layr) {
    this.#layr = layr
    this.#queue = new UploadQueue({
      backup: (file, options) => layr.backup(file, options),
      n: () => layr.settings.n,
      onChange: () => (this.uploads = this.#queue.views()),
      onDone: (entry) => {
        this.#upsert(entry)
        this.notice = `${entry.name} is backed up on ${plural(entry.hosts.length, 'host')}.`
        this.#fresh.push(entry.id)
        if (this.#queue.tasks.every((t) => t.settled)) this.#afterBatch()
      },
    })
  }

  /** All backups are done: check the new files' health, and tidy the done rows away after a while. */
  #afterBatch(): void {
    const ids = this.#fresh
    this.#fresh = []
    void this.#checkAll(this.entries.filter((f) => ids.includes(f.id)))
    clearTimeout(this.#clearTimer)
    this.#clearTimer = setTimeout(() => {
      if (!this.#queue.tasks.every((t) => t.settled)) return
      for (const t of this.#queue.tasks) if (t.stage === 'done') this.#queue.dismiss(t.id)
    }, DONE_ROWS_MS)
  }

  /** Reads the file list kept in this browser, then checks the health of files not checked yet. */
  async refresh(): Promise<void> {
    try {
      this.entries = await this.#layr.files()
      this.problem = undefined
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.loaded = true
    }
    void this.#autoCheck()
  }

  /** After a vault change: forget what was shown. */
  async reset(): Promise<void> {
    this.entries = []
    this.loaded = false
    await this.refresh()
  }

  /** Fetches this vault's file list from the network (after restoring a vault on a new device). */
  async sync(): Promise<void> {
    if (this.syncing) return
    this.syncing = true
    try {
      const before = this.entries.length
      this.entries = await this.#layr.syncFiles()
      const found = this.entries.length - before
      this.notice = found > 0 ? `Found ${plural(found, 'file')} on the network.` : 'Your file list is up to date.'
      this.problem = undefined
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.syncing = false
      this.loaded = true
    }
  }

  /** Queues files for backup, one at a time, in the order given. */
  add(files: Iterable<File>): void {
    const list = [...files]
    if (list.length === 0) return
    this.#queue.add(list)
    this.notice = `${plural(list.length, 'file')} added to the backup queue.`
  }

  cancelUpload(id: number): void {
    this.#queue.cancel(id)
  }

  dismissUpload(id: number): void {
    this.#queue.dismiss(id)
  }

  clearFinished(): void {
    this.#queue.clearSettled()
  }

  /**
   * Restores `entry` to disk: asks where to save it (call straight from the click, the file
   * picker needs the gesture), then streams the file there.
   */
  async restore(entry: FileEntry): Promise<void> {
    const current = this.#restores.get(entry.id)
    if (current && !current.settled) return
    let target
    try {
      target = await chooseSaveTarget(entry)
    } catch (err) {
      this.problem = describeError(err)
      return
    }
    if (!target) return // the person closed the picker
    const task = new RestoreTask(entry)
    this.#restores.set(entry.id, task)
    task.onChange = () => this.#publishRestores()
    await task.run((id, sink, options) => this.#layr.restore(id, sink, options), target.sink)
    const view = task.view()
    if (view.progress.stage === 'done') {
      this.notice = target.kind === 'download' ? `${entry.name} is restored to your downloads.` : `${entry.name} is restored.`
      // A finished row goes away by itself; a failed one stays until dismissed.
      setTimeout(() => {
        if (this.#restores.get(entry.id) === task) this.dismissRestore(entry.id)
      }, 8000)
    }
  }

  cancelRestore(fileId: string): void {
    this.#restores.get(fileId)?.cancel()
  }

  dismissRestore(fileId: string): void {
    this.#restores.delete(fileId)
    this.#publishRestores()
  }

  /** Asks each host of the file's shares whether it still has them; `quiet` keeps errors off the page. */
  async check(entry: FileEntry, quiet = false): Promise<void> {
    if (this.checking.has(entry.id)) return
    this.checking = new Set([...this.checking, entry.id])
    try {
      const health = await this.#layr.checkHealth(entry.id)
      const latest = this.entries.find((f) => f.id === entry.id)
      if (latest) this.#upsert({ ...latest, health })
    } catch (err) {
      if (!quiet) this.problem = describeError(err)
    } finally {
      const next = new Set(this.checking)
      next.delete(entry.id)
      this.checking = next
    }
  }

  askDelete(entry: FileEntry): void {
    this.pendingDelete = entry
  }

  cancelDelete(): void {
    this.pendingDelete = undefined
  }

  /** Deletes the file asked about: its shares at their hosts, and its manifest. */
  async confirmDelete(): Promise<void> {
    const entry = this.pendingDelete
    this.pendingDelete = undefined
    if (!entry || this.removing) return
    this.removing = { id: entry.id, name: entry.name, done: 0, total: 0 }
    try {
      const report = await this.#layr.remove(entry.id, {
        onProgress: (e) => (this.removing = { id: entry.id, name: entry.name, done: e.done, total: e.total }),
      })
      this.entries = this.entries.filter((f) => f.id !== entry.id)
      this.notice =
        `${entry.name} is deleted; ${plural(report.deleted, 'share')} removed from ${plural(entry.hosts.length, 'host')}.` +
        (report.unreachable > 0
          ? ` ${plural(report.unreachable, 'share')} sat on hosts that were away: they hold only encrypted bytes nobody else can read.`
          : '')
      this.problem = undefined
    } catch (err) {
      this.problem = describeError(err)
      await this.refresh()
    } finally {
      this.removing = undefined
    }
  }

  dismissProblem(): void {
    this.problem = undefined
  }

  #upsert(entry: FileEntry): void {
    const rest = this.entries.filter((f) => f.id !== entry.id)
    this.entries = [entry, ...rest].sort((a, b) => b.createdAt - a.createdAt)
  }

  #publishRestores(): void {
    this.restores = new Map([...this.#restores].map(([id, t]) => [id, t.view()]))
  }

  async #autoCheck(): Promise<void> {
    await this.#layr.ready
    await this.#checkAll(this.entries.filter((f) => !f.health).slice(0, AUTO_CHECK_LIMIT))
  }

  /** Checks files one after another, quietly: a file that cannot be checked keeps its Check button. */
  async #checkAll(files: readonly FileEntry[]): Promise<void> {
    for (const f of files) {
      if (this.entries.some((e) => e.id === f.id)) await this.check(f, true)
    }
  }
}
