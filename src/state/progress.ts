/**
 * Progress events → what a progress bar shows: a stage, a fraction, a speed and the time left.
 * Plain TypeScript (no runes) so it runs under Vitest; the *.svelte.ts state classes keep the
 * latest snapshot in $state.
 *
 * A backup interleaves its steps per segment: encrypt and code segment i (encode:segment), then
 * place its n shares (place:share × n), then the next segment. So the stage follows the last
 * event, and the bar moves with the shares placed, the count the row shows (placing is the slow
 * part: it crosses the network).
 */
import type { LayrBackupProgress, LayrRestoreProgress } from '../layr/api.ts'

export type UploadStage = 'queued' | 'finding-hosts' | 'encoding' | 'placing' | 'saving' | 'done' | 'failed' | 'cancelled'

export interface UploadSnapshot {
  readonly stage: UploadStage
  /** 0…1 */
  readonly fraction: number
  /** True while no fraction can be given yet (looking for hosts). */
  readonly indeterminate: boolean
  readonly bytesTotal: number
  readonly segments: number
  readonly segmentsEncoded: number
  readonly sharesPlaced: number
  /** segments × n, 0 until encoding starts. */
  readonly sharesTotal: number
  /** Hosts found with room, once known. */
  readonly hosts: number | undefined
  /** Whether some segment went to fewer than n distinct hosts. */
  readonly reduced: boolean
  /** Peers besides this browser that keep the file's manifest, once saved. */
  readonly manifestCopies: number | undefined
  /** File bytes per second through the whole pipeline. */
  readonly speed: number | undefined
  /** Seconds left. */
  readonly eta: number | undefined
}

/** Bytes per second over a sliding window of samples. */
export class RateMeter {
  readonly #windowMs: number
  #samples: Array<{ t: number; bytes: number }> = []

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs
  }

  add(t: number, bytes: number): void {
    this.#samples.push({ t, bytes })
    // Keep one sample older than the window, so a long gap still gives a rate.
    while (this.#samples.length > 2 && this.#samples[1]!.t < t - this.#windowMs) this.#samples.shift()
  }

  reset(): void {
    this.#samples = []
  }

  /** undefined until the samples span at least `minSpanMs`. */
  rate(minSpanMs = 400): number | undefined {
    const first = this.#samples[0]
    const last = this.#samples[this.#samples.length - 1]
    if (!first || !last || last.t - first.t < minSpanMs) return undefined
    const r = ((last.bytes - first.bytes) * 1000) / (last.t - first.t)
    return r > 0 ? r : undefined
  }
}

export class BackupTracker {
  #stage: UploadStage = 'queued'
  #n: number
  #bytesTotal: number
  #segments = 0
  #segmentsEncoded = 0
  #bytesEncoded = 0
  #encodeDone = false
  #sharesPlaced = 0
  #hosts: number | undefined
  #reduced = false
  #manifestCopies: number | undefined
  readonly #meter = new RateMeter()

  /**
   * `n`: shares per segment of the policy the backup runs with; `bytesTotal`: the file's size;
   * `placed`: shares that already landed (a resumed backup places only the others).
   */
  constructor(n: number, bytesTotal: number, placed = 0) {
    this.#n = n
    this.#bytesTotal = bytesTotal
    this.#sharesPlaced = placed
  }

  get stage(): UploadStage {
    return this.#stage
  }

  /** The backup began: it looks for hosts first. */
  start(n: number = this.#n): void {
    this.#n = n
    this.#stage = 'finding-hosts'
  }

  apply(e: LayrBackupProgress, now: number): void {
    switch (e.type) {
      case 'stage':
        this.#stage =
          e.stage === 'finding-hosts'
            ? 'finding-hosts'
            : e.stage === 'encrypting'
              ? 'encoding'
              : e.stage === 'placing'
                ? 'placing'
                : e.stage === 'saving-manifest'
                  ? 'saving'
                  : 'done'
        break
      case 'place:hosts':
        this.#hosts = e.hosts
        break
      case 'encode:start':
        this.#bytesTotal = e.bytesTotal
        this.#segments = e.segments
        this.#stage = 'encoding'
        this.#meter.reset()
        this.#meter.add(now, 0)
        break
      case 'encode:segment':
        this.#bytesEncoded = e.bytesDone
        this.#segmentsEncoded = Math.max(this.#segmentsEncoded, e.segmentIndex + 1)
        this.#stage = 'placing'
        break
      case 'encode:done':
        this.#encodeDone = true
        this.#bytesEncoded = e.bytesTotal
        break
      case 'place:share':
        this.#sharesPlaced++
        // Every share of the coded segments is out: the next segment is being coded.
        if (this.#sharesPlaced >= this.#segmentsEncoded * this.#n && this.#segmentsEncoded < this.#segments) this.#stage = 'encoding'
        else this.#stage = 'placing'
        break
      case 'place:reduced':
        this.#reduced = true
        break
      case 'manifest:saved':
        this.#manifestCopies = e.copies
        break
      default:
        return // decode events do not occur in a backup
    }
    if (this.#segments > 0 || this.#encodeDone) this.#meter.add(now, this.fraction * this.#bytesTotal)
  }

  finish(): void {
    this.#stage = 'done'
  }

  fail(cancelled: boolean): void {
    this.#stage = cancelled ? 'cancelled' : 'failed'
  }

  get sharesTotal(): number {
    return this.#segments * this.#n
  }

  /**
   * The bar follows the count the row shows ("Placing shares: 3 of 24"): shares placed of all the
   * file's shares, so it never runs ahead of its own words. Coding moves the words, not the bar.
   */
  get fraction(): number {
    if (this.#stage === 'done') return 1
    const total = this.sharesTotal
    return total > 0 ? Math.min(1, this.#sharesPlaced / total) : 0
  }

  snapshot(): UploadSnapshot {
    const active = this.#stage === 'encoding' || this.#stage === 'placing'
    const speed = active ? this.#meter.rate() : undefined
    const fraction = this.fraction
    return {
      stage: this.#stage,
      fraction,
      indeterminate: this.#stage === 'finding-hosts',
      bytesTotal: this.#bytesTotal,
      segments: this.#segments,
      segmentsEncoded: this.#segmentsEncoded,
      sharesPlaced: Math.min(this.#sharesPlaced, this.sharesTotal || this.#sharesPlaced),
      sharesTotal: this.sharesTotal,
      hosts: this.#hosts,
      reduced: this.#reduced,
      manifestCopies: this.#manifestCopies,
      speed,
      eta: speed ? ((1 - fraction) * this.#bytesTotal) / speed : undefined,
    }
  }
}

export type RestoreStage = 'starting' | 'fetching' | 'writing' | 'done' | 'failed' | 'cancelled'

export interface RestoreSnapshot {
  readonly stage: RestoreStage
  readonly fraction: number
  readonly bytesDone: number
  readonly bytesTotal: number
  readonly segments: number
  /** Shares that were missing, corrupt or unreachable (the others made up for them). */
  readonly sharesRejected: number
  /** Hosts that answered with corrupt bytes. */
  readonly badHosts: readonly string[]
  /** Hosts that could not be reached. */
  readonly unreachableHosts: readonly string[]
  readonly speed: number | undefined
  readonly eta: number | undefined
}

export class RestoreTracker {
  #stage: RestoreStage = 'starting'
  #bytesTotal: number
  #bytesDone = 0
  #segments = 0
  #rejected = 0
  #badHosts = new Set<string>()
  #unreachable = new Set<string>()
  readonly #meter = new RateMeter()

  constructor(bytesTotal: number) {
    this.#bytesTotal = bytesTotal
  }

  apply(e: LayrRestoreProgress, now: number): void {
    switch (e.type) {
      case 'decode:start':
        this.#bytesTotal = e.bytesTotal
        this.#segments = e.segments
        this.#stage = 'fetching'
        this.#meter.reset()
        this.#meter.add(now, 0)
        break
      case 'decode:segment':
        this.#bytesDone = e.bytesDone
        this.#meter.add(now, e.bytesDone)
        break
      case 'decode:share-rejected':
        this.#rejected++
        break
      case 'decode:done':
        this.#bytesDone = e.bytesTotal
        this.#stage = 'writing'
        break
      case 'restore:bad-host':
        if (e.reason === 'corrupt') this.#badHosts.add(e.peer)
        if (e.reason === 'unreachable') this.#unreachable.add(e.peer)
        break
      default:
        break
    }
  }

  finish(): void {
    this.#stage = 'done'
    this.#bytesDone = this.#bytesTotal
  }

  fail(cancelled: boolean): void {
    this.#stage = cancelled ? 'cancelled' : 'failed'
  }

  snapshot(): RestoreSnapshot {
    const fraction = this.#stage === 'done' ? 1 : this.#bytesTotal > 0 ? this.#bytesDone / this.#bytesTotal : 0
    const speed = this.#stage === 'fetching' ? this.#meter.rate() : undefined
    return {
      stage: this.#stage,
      fraction,
      bytesDone: this.#bytesDone,
      bytesTotal: this.#bytesTotal,
      segments: this.#segments,
      sharesRejected: this.#rejected,
      badHosts: [...this.#badHosts],
      unreachableHosts: [...this.#unreachable],
      speed,
      eta: speed ? (this.#bytesTotal - this.#bytesDone) / speed : undefined,
    }
  }
}

/** The words a progress row shows for a backup's stage. */
export function describeUpload(s: UploadSnapshot): string {
  switch (s.stage) {
    case 'queued':
      return 'Waiting'
    case 'finding-hosts':
      return 'Finding hosts'
    case 'encoding':
      return s.segments > 1 ? `Encrypting and encoding part ${Math.min(s.segmentsEncoded + 1, s.segments)} of ${s.segments}` : 'Encrypting and encoding'
    case 'placing':
      return `Placing shares: ${s.sharesPlaced} of ${s.sharesTotal}`
    case 'saving':
      return 'Saving the file list'
    case 'done':
      return 'Done'
    case 'failed':
      return 'Failed'
    case 'cancelled':
      return 'Cancelled'
  }
}

export function describeRestore(s: RestoreSnapshot): string {
  switch (s.stage) {
    case 'starting':
      return 'Finding shares'
    case 'fetching':
      return s.sharesRejected > 0 ? `Fetching and decrypting (${s.sharesRejected} share(s) skipped)` : 'Fetching and decrypting'
    case 'writing':
      return 'Saving to disk'
    case 'done':
      return 'Saved'
    case 'failed':
      return 'Failed'
    case 'cancelled':
      return 'Cancelled'
  }
}
