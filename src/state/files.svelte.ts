/**
 * The Files view: this vault's files, the backup queue (UploadQueue, one backup at a time),
 * restores to disk, checks (audits), repairs and deletes. The logic lives in plain modules
 * (uploads.ts, restore.ts, progress.ts, health.ts); this class keeps their latest views in $state.
 *
 * Checks and repairs are followed through the facade's maintenance events, whoever started them:
 * the background loop audits files that are due (unchecked ones within its first turn) and
 * repairs by itself, so a repair the person never asked for shows its progress here too.
 */
import type { FileEntry, Layr, MaintenanceEvent, PeerPlacement } from '../layr/api.ts'
import { describeError, describeFailure, type Problem } from './errors.ts'
import { ActivityTracker, describeAuditFigures, type Activity } from './health.ts'
import { RestoreTask, chooseSaveTarget, type RestoreView } from './restore.ts'
import { UploadQueue, type UploadItem, type UploadView } from './uploads.ts'
import { InterruptedList, type InterruptedView } from './interrupted.ts'
import { plural } from '../ui/format.ts'

export interface RemovingView {
  readonly id: string
  readonly name: string
  readonly done: number
  readonly total: number
}

/** How long finished backups stay in the queue once all are done. */
const DONE_ROWS_MS = 20_000

export class FilesState {
  readonly #layr: Layr
  readonly #queue: UploadQueue
  readonly #interrupted: InterruptedList
  readonly #restores = new Map<string, RestoreTask>()
  readonly #activity: ActivityTracker
  /** Backed up since the queue was last idle: their health is checked once it is. */
  #fresh: string[] = []
  #clearTimer: ReturnType<typeof setTimeout> | undefined
  #hostsTimer: ReturnType<typeof setTimeout> | undefined

  entries = $state.raw<readonly FileEntry[]>([])
  /** What each file's escrows pay its hosts (files backed up to free hosts have none). */
  costs = $state.raw<ReadonlyMap<string, { readonly stroops: bigint; readonly hosts: number }>>(new Map())
  loaded = $state(false)
  syncing = $state(false)
  filter = $state('')
  uploads = $state.raw<readonly UploadView[]>([])
  /** Backups a reload or crash interrupted: Resume or Discard. */
  interrupted = $state.raw<readonly InterruptedView[]>([])
  restores = $state.raw<ReadonlyMap<string, RestoreView>>(new Map())
  /** Checks and repairs running now, per file (from the maintenance events). */
  activity = $state.raw<ReadonlyMap<string, Activity>>(new Map())
  /** Check now / Repair now pressed here and not finished: the row's buttons wait. */
  checking = $state.raw<ReadonlySet<string>>(new Set())
  repairing = $state.raw<ReadonlySet<string>>(new Set())
  /** Why a file's Check now or Repair now failed, shown on its row. */
  rowProblems = $state.raw<ReadonlyMap<string, Problem>>(new Map())
  /** This owner's hosts with their reputation: which of a file's hosts are away. */
  hostScores = $state.raw<readonly PeerPlacement[]>([])
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
  /** Whether leaving the page now would cut a backup short (or a discard): the page asks first. */
  readonly working = $derived(this.active > 0 || this.interrupted.some((i) => i.stage === 'resuming' || i.stage === 'discarding'))

  constructor(layr: Layr) {
    this.#layr = layr
    this.#activity = new ActivityTracker(layr.maintenance.active)
    this.activity = this.#activity.views()
    layr.maintenance.subscribe((e) => this.#onMaintenance(e))
    this.#queue = new UploadQueue({
      backup: (file, options) => layr.backup(file, options),
      n: () => layr.settings.n,
      onChange: () => (this.uploads = this.#queue.views()),
      onDone: (entry) => {
        this.#upsert(entry)
        void this.#loadCosts()
        this.notice =
          `${entry.name} is backed up on ${plural(entry.hosts.length, 'host')}.` +
          (entry.placedSurvives < 1 ? ' It survives no host loss yet: open Layr on more devices or wait for more hosts.' : '')
        this.#fresh.push(entry.id)
        if (this.#queue.tasks.every((t) => t.settled)) this.#afterBatch()
      },
    })
    this.#interrupted = new InterruptedList({
      api: layr,
      n: () => layr.settings.n,
      onChange: () => (this.interrupted = this.#interrupted.views()),
      onDone: (entry) => {
        this.#upsert(entry)
        this.notice = `${entry.name} is backed up on ${plural(entry.hosts.length, 'host')}.`
        void this.check(entry, true)
        setTimeout(() => this.#interrupted.dismiss(entry.id), DONE_ROWS_MS)
      },
      onDiscarded: (backup, report) => {
        this.notice =
          `The interrupted backup of ${backup.name} is discarded; ${plural(report.deleted, 'share')} deleted from its hosts.` +
          (report.unreachable > 0 ? ` ${plural(report.unreachable, 'share')} sat on hosts that were away: they drop them when their lease ends.` : '')
      },
    })
  }

  /** Backups a reload or crash interrupted, from the facade (on load). */
  async loadInterrupted(): Promise<void> {
    try {
      await this.#interrupted.load()
    } catch (err) {
      this.problem = describeError(err)
    }
  }

  /** Resume: call straight from the click (reading a kept handle needs the gesture). */
  resumeInterrupted(id: string, file?: File): Promise<void> {
    return this.#interrupted.resume(id, file)
  }

  discardInterrupted(id: string): Promise<void> {
    return this.#interrupted.discard(id)
  }

  dismissInterrupted(id: string): void {
    this.#interrupted.dismiss(id)
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

  /**
   * Reads the file list kept in this browser, and the backups a reload or crash interrupted. Files never checked are left to the background
   * loop, which audits them within its first turn (a second check here would only collide).
   */
  async refresh(): Promise<void> {
    try {
      this.entries = await this.#layr.files()
      this.problem = undefined
      await this.#loadCosts()
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.loaded = true
    }
    this.#refreshHostsSoon()
    await this.loadInterrupted()
  }

  /** What each file's escrows pay (read from this browser's escrow list). */
  async #loadCosts(): Promise<void> {
    try {
      this.costs = await this.#layr.payments.costs()
    } catch {
      // Costs are a detail of the list: without them the rows say nothing of payment.
    }
  }

  /** What one check asks and catches, in words (from the facade's figures). */
  get auditFigures(): string {
    return describeAuditFigures(this.#layr.maintenance.figures)
  }

  /** After a vault change: forget what was shown. */
  async reset(): Promise<void> {
    this.entries = []
    this.loaded = false
    this.hostScores = []
    this.rowProblems = new Map()
    await this.refresh()
  }

  /**
   * Fetches this vault's file list from the network (after restoring a vault on a new device).
   * `retries`: when no peer keeping file lists answered yet (a tab that has just joined knows few
   * peers), look again that many times, after 3, 6, 12… s, before saying so.
   */
  async sync(options: { retries?: number } = {}): Promise<void> {
    if (this.syncing) return
    this.syncing = true
    try {
      for (let attempt = 0, wait = 3000; ; attempt++, wait *= 2) {
        try {
          const before = this.entries.length
          this.entries = await this.#layr.syncFiles()
          const found = this.entries.length - before
          this.notice = found > 0 ? `Found ${plural(found, 'file')} on the network.` : 'Your file list is up to date.'
          this.problem = undefined
          return
        } catch (err) {
          if ((err as Error).name !== 'RecordsUnavailableError' || attempt >= (options.retries ?? 0)) {
            this.problem = describeError(err)
            return
          }
          this.notice = 'Looking for your file list on the network…'
          await new Promise((r) => setTimeout(r, wait))
        }
      }
    } finally {
      this.syncing = false
      this.loaded = true
    }
  }

  /** Queues files for backup, one at a time, in the order given (with the handles a drop gave, if any). */
  add(files: Iterable<File | UploadItem>): void {
    const list = [...files]
    if (list.length === 0) return
    this.#queue.add(list)
    this.notice = `${plural(list.length, 'file')} added to the backup queue.`
  }

  cancelUpload(id: number): void {
    this.#queue.cancel(id)
  }

  /** Pay the hosts that charge for this backup, or back it up to free hosts only. */
  answerPayment(id: number, decision: 'pay' | 'free'): void {
    this.#queue.answerPayment(id, decision)
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

  /** Whether a check or repair runs for the file, or was just asked for here. */
  busy(fileId: string): boolean {
    return this.activity.has(fileId) || this.checking.has(fileId) || this.repairing.has(fileId)
  }

  /** "Check now": audits every share of the file at its holder; `quiet` keeps errors off the page. */
  async check(entry: FileEntry, quiet = false): Promise<void> {
    if (this.busy(entry.id)) return
    this.checking = withItem(this.checking, entry.id)
    this.#setRowProblem(entry.id, undefined)
    try {
      const health = await this.#layr.checkHealth(entry.id)
      this.#setHealth(entry.id, health)
    } catch (err) {
      if (!quiet) this.#setRowProblem(entry.id, describeError(err))
    } finally {
      this.checking = withoutItem(this.checking, entry.id)
    }
  }

  /**
   * "Repair now": audits, then rebuilds every lost share onto new hosts. Its progress comes
   * through the maintenance events like a background repair's; a failure the file's health
   * does not already tell (its last repair) is shown on the row.
   */
  async repair(entry: FileEntry): Promise<void> {
    if (this.busy(entry.id)) return
    this.repairing = withItem(this.repairing, entry.id)
    this.#setRowProblem(entry.id, undefined)
    try {
      const report = await this.#layr.repair(entry.id)
      this.#setHealth(entry.id, report.health)
      this.notice =
        report.placed > 0 ? `${entry.name} is repaired: ${plural(report.placed, 'share')} rebuilt on new hosts.` : `${entry.name}: nothing needed rebuilding.`
    } catch (err) {
      await this.#reload()
      const problem = describeError(err)
      const told = this.entries.find((f) => f.id === entry.id)?.health?.repair?.error?.name === problem.name
      if (!told) this.#setRowProblem(entry.id, problem)
    } finally {
      this.repairing = withoutItem(this.repairing, entry.id)
    }
  }

  dismissRowProblem(fileId: string): void {
    this.#setRowProblem(fileId, undefined)
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
      // The list again first (refresh clears the page's problem), then why the delete failed.
      await this.refresh()
      this.problem = describeFailure('delete', err)
    } finally {
      this.removing = undefined
    }
  }

  dismissProblem(): void {
    this.problem = undefined
  }

  #onMaintenance(e: MaintenanceEvent): void {
    this.#activity.apply(e)
    this.activity = this.#activity.views()
    switch (e.type) {
      case 'check:done':
        this.#setHealth(e.fileId, e.health)
        this.#refreshHostsSoon()
        break
      case 'repair:done': {
        this.#setHealth(e.fileId, e.health)
        const name = this.entries.find((f) => f.id === e.fileId)?.name
        if (name && e.placed > 0) this.notice = `${name} is repaired: ${plural(e.placed, 'share')} rebuilt on new hosts.`
        // Its holders changed: read the list again (hosts per file), and the hosts' scores.
        void this.#reload()
        this.#refreshHostsSoon()
        break
      }
      case 'repair:failed':
        // The facade kept the error in the file's health (its last repair).
        void this.#reload()
        break
      default:
        break
    }
  }

  /** The file list again, quietly (after a repair moved shares). */
  async #reload(): Promise<void> {
    try {
      this.entries = await this.#layr.files()
    } catch {
      // the next refresh says why
    }
  }

  /** The hosts' scores, read at most every second or so (check events come in bursts). */
  #refreshHostsSoon(): void {
    if (this.#hostsTimer) return
    this.#hostsTimer = setTimeout(() => {
      this.#hostsTimer = undefined
      this.#layr.network.placements().then(
        (p) => (this.hostScores = p),
        () => undefined,
      )
    }, 1000)
  }

  #setHealth(fileId: string, health: FileEntry['health']): void {
    const latest = this.entries.find((f) => f.id === fileId)
    if (latest && health) this.#upsert({ ...latest, health })
  }

  #setRowProblem(fileId: string, problem: Problem | undefined): void {
    if (!problem && !this.rowProblems.has(fileId)) return
    const next = new Map(this.rowProblems)
    if (problem) next.set(fileId, problem)
    else next.delete(fileId)
    this.rowProblems = next
  }

  #upsert(entry: FileEntry): void {
    const rest = this.entries.filter((f) => f.id !== entry.id)
    this.entries = [entry, ...rest].sort((a, b) => b.createdAt - a.createdAt)
  }

  #publishRestores(): void {
    this.restores = new Map([...this.#restores].map(([id, t]) => [id, t.view()]))
  }

  /** Checks files one after another, quietly (a file the background loop checks already is left to it). */
  async #checkAll(files: readonly FileEntry[]): Promise<void> {
    for (const f of files) {
      if (this.entries.some((e) => e.id === f.id)) await this.check(f, true)
    }
  }
}

function withItem<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  return new Set([...set, item])
}

function withoutItem<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  const next = new Set(set)
  next.delete(item)
  return next
}
