/**
 * The backup queue: files wait their turn and are backed up one at a time (each backup already
 * keeps the network busy with parallel share stores, and one at a time keeps memory small).
 * Each task can be cancelled, queued or running, through its AbortSignal. Plain TypeScript so it
 * runs under Vitest; FilesState mirrors `views()` into $state.
 */
import type { BackupJobOptions, FileEntry } from '../layr/api.ts'
import type { PayDecision, PaymentQuote } from '../transfer/pay.ts'
import { describeFailure, isCancellation, type Problem } from './errors.ts'
import { BackupTracker, type UploadSnapshot } from './progress.ts'

export type BackupFn = (file: Blob, options: BackupJobOptions & { name?: string }) => Promise<FileEntry>

/** What a row of the queue shows; a new object on every change. */
export interface UploadView {
  readonly id: number
  readonly name: string
  readonly size: number
  readonly progress: UploadSnapshot
  readonly problem: Problem | undefined
  readonly entry: FileEntry | undefined
  readonly settled: boolean
  /** Some planned hosts charge: what they cost, waiting for the owner to pay or choose free hosts. */
  readonly payment: PaymentQuote | undefined
  /** Hosts that charge which this backup left out, and why (no wallet connected, or the owner chose free hosts). */
  readonly unpaid: { readonly hosts: number; readonly reason: 'no-wallet' | 'declined' } | undefined
}

let nextId = 1

/** A file to back up, with the handle a drop gave for it (Chromium), if any: kept so an interrupted backup can resume by itself. */
export interface UploadItem {
  readonly file: Blob
  readonly name: string
  readonly handle?: Promise<FileSystemFileHandle | undefined> | undefined
}

export class UploadTask {
  readonly id = nextId++
  readonly file: Blob
  readonly name: string
  readonly #handle: Promise<FileSystemFileHandle | undefined> | undefined
  readonly #controller = new AbortController()
  readonly #now: () => number
  #tracker: BackupTracker
  #problem: Problem | undefined
  #entry: FileEntry | undefined
  #view: UploadView | undefined
  #payment: { quote: PaymentQuote; answer: (d: PayDecision) => void } | undefined
  #unpaid: UploadView['unpaid']
  onChange: () => void = () => {}

  constructor(file: Blob, name: string, now: () => number = () => performance.now(), handle?: Promise<FileSystemFileHandle | undefined>) {
    this.file = file
    this.name = name
    this.#handle = handle
    this.#now = now
    this.#tracker = new BackupTracker(1, file.size)
  }

  get stage(): UploadSnapshot['stage'] {
    return this.#tracker.stage
  }

  get settled(): boolean {
    const s = this.stage
    return s === 'done' || s === 'failed' || s === 'cancelled'
  }

  get entry(): FileEntry | undefined {
    return this.#entry
  }

  view(): UploadView {
    return (this.#view ??= {
      id: this.id,
      name: this.name,
      size: this.file.size,
      progress: this.#tracker.snapshot(),
      problem: this.#problem,
      entry: this.#entry,
      settled: this.settled,
      payment: this.#payment?.quote,
      unpaid: this.#unpaid,
    })
  }

  #changed(): void {
    this.#view = undefined
    this.onChange()
  }

  /** Backs the file up with `n` shares per segment (for the share count); never throws. */
  async run(backup: BackupFn, n: number): Promise<void> {
    if (this.stage !== 'queued') return
    this.#tracker = new BackupTracker(n, this.file.size)
    this.#tracker.start()
    this.#changed()
    try {
      // A handle that cannot be had (a synthetic drop, another browser) is simply left out.
      const handle = await this.#handle?.catch(() => undefined)
      this.#entry = await backup(this.file, {
        name: this.name,
        signal: this.#controller.signal,
        ...(handle ? { handle } : {}),
        confirmPayment: (quote) =>
          new Promise<PayDecision>((resolve) => {
            this.#payment = { quote, answer: resolve }
            this.#changed()
          }),
        onProgress: (e) => {
          if (e.type === 'pay:skipped') this.#unpaid = { hosts: e.hosts, reason: e.reason }
          this.#tracker.apply(e, this.#now())
          this.#changed()
        },
      })
      this.#tracker.finish()
    } catch (err) {
      const cancelled = this.#controller.signal.aborted || isCancellation(err)
      this.#tracker.fail(cancelled)
      this.#problem = cancelled ? undefined : describeFailure('backup', err)
    }
    this.#changed()
  }

  /** The owner's answer to the payment prompt: pay the hosts that charge, or use free hosts only. */
  answerPayment(decision: PayDecision): void {
    const asked = this.#payment
    if (!asked) return
    this.#payment = undefined
    asked.answer(decision)
    this.#changed()
  }

  /** Stops the backup (or drops it from the queue). A finished task stays as it is. */
  cancel(): void {
    if (this.settled) return
    // A prompt still open is answered "free hosts only"; the abort then stops the backup.
    this.answerPayment('free')
    this.#controller.abort()
    if (this.stage === 'queued') {
      this.#tracker.fail(true)
      this.#changed()
    }
  }
}

export interface UploadQueueOptions {
  readonly backup: BackupFn
  /** Shares per segment of the redundancy in force when a task starts. */
  readonly n: () => number
  readonly onChange?: () => void
  /** Called after each successful backup. */
  readonly onDone?: (entry: FileEntry) => void
  readonly now?: () => number
}

export class UploadQueue {
  readonly #options: UploadQueueOptions
  #tasks: UploadTask[] = []
  #pump: Promise<void> | undefined

  constructor(options: UploadQueueOptions) {
    this.#options = options
  }

  get tasks(): readonly UploadTask[] {
    return this.#tasks
  }

  views(): UploadView[] {
    return this.#tasks.map((t) => t.view())
  }

  /** Queues the files (in order); they start as soon as the tasks ahead are done. */
  add(files: Iterable<File | UploadItem>): UploadTask[] {
    const added: UploadTask[] = []
    for (const f of files) {
      const task = f instanceof Blob ? new UploadTask(f, f.name, this.#options.now) : new UploadTask(f.file, f.name, this.#options.now, f.handle)
      task.onChange = () => this.#options.onChange?.()
      added.push(task)
    }
    if (added.length === 0) return added
    this.#tasks = [...this.#tasks, ...added]
    this.#options.onChange?.()
    this.#kick()
    return added
  }

  cancel(id: number): void {
    this.#tasks.find((t) => t.id === id)?.cancel()
  }

  answerPayment(id: number, decision: PayDecision): void {
    this.#tasks.find((t) => t.id === id)?.answerPayment(decision)
  }

  /** Drops finished, failed and cancelled rows. */
  clearSettled(): void {
    this.#tasks = this.#tasks.filter((t) => !t.settled)
    this.#options.onChange?.()
  }

  dismiss(id: number): void {
    this.#tasks = this.#tasks.filter((t) => t.id !== id || !t.settled)
    this.#options.onChange?.()
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.#pump) await this.#pump
  }

  #kick(): void {
    if (this.#pump) return
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined
      if (this.#next()) this.#kick()
    })
  }

  async #run(): Promise<void> {
    for (let task = this.#next(); task; task = this.#next()) {
      await task.run(this.#options.backup, this.#options.n())
      if (task.entry) this.#options.onDone?.(task.entry)
    }
  }

  #next(): UploadTask | undefined {
    return this.#tasks.find((t) => t.stage === 'queued')
  }
}
