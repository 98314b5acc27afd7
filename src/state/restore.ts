/**
 * Where a restored file goes: straight to a file the person picks (File System Access API,
 * written as it is decoded, so any size fits), or, in browsers without it, into a Blob that is
 * offered as a download at the end. Plain TypeScript; the browser parts are passed in so the
 * logic runs under Vitest.
 */
import type { FileEntry, RestoreOptions, RestoreReport } from '../layr/api.ts'
import { describeFailure, isCancellation, type Problem } from './errors.ts'
import { RestoreTracker, type RestoreSnapshot } from './progress.ts'

export interface SaveTarget {
  readonly sink: WritableStream<Uint8Array>
  /** 'picker': written to the chosen file as it comes; 'download': offered when complete. */
  readonly kind: 'picker' | 'download'
}

interface SaveFilePickerOptions {
  suggestedName?: string
  types?: Array<{ description?: string; accept: Record<string, string[]> }>
}
type ShowSaveFilePicker = (options?: SaveFilePickerOptions) => Promise<FileSystemFileHandle>

/** The File System Access API's picker, where the browser has one. */
export function savePicker(): ShowSaveFilePicker | undefined {
  const w = globalThis as { showSaveFilePicker?: ShowSaveFilePicker }
  return typeof w.showSaveFilePicker === 'function' ? w.showSaveFilePicker.bind(globalThis) : undefined
}

/** Offers `blob` as a download named `name` (an <a download> click). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** A sink that gathers the bytes and hands them to `deliver` as one Blob when closed. */
export function blobSink(type: string, deliver: (blob: Blob) => void): WritableStream<Uint8Array> {
  let parts: BlobPart[] = []
  return new WritableStream<Uint8Array>({
    write(chunk) {
      parts.push(new Uint8Array(chunk))
    },
    close() {
      const blob = new Blob(parts, { type: type || 'application/octet-stream' })
      parts = []
      deliver(blob)
    },
    abort() {
      parts = []
    },
  })
}

/**
 * Asks where to save `entry`. Call it straight from the click: the picker needs the user's
 * gesture. Resolves undefined when the person closes the picker.
 */
export async function chooseSaveTarget(
  entry: Pick<FileEntry, 'name' | 'type'>,
  env: { picker?: ShowSaveFilePicker | undefined; download?: (blob: Blob, name: string) => void } = { picker: savePicker(), download: downloadBlob },
): Promise<SaveTarget | undefined> {
  if (env.picker) {
    try {
      const handle = await env.picker({ suggestedName: entry.name })
      const writable = await handle.createWritable()
      return { sink: writable as unknown as WritableStream<Uint8Array>, kind: 'picker' }
    } catch (err) {
      if (isCancellation(err)) return undefined
      // A picker that refuses (e.g. a blocked folder): fall back to a download.
    }
  }
  const download = env.download ?? downloadBlob
  return { sink: blobSink(entry.type, (blob) => download(blob, entry.name)), kind: 'download' }
}

export type RestoreFn = (fileId: string, sink: WritableStream<Uint8Array>, options: RestoreOptions) => Promise<RestoreReport | void>

export interface RestoreView {
  readonly fileId: string
  readonly name: string
  readonly progress: RestoreSnapshot
  readonly problem: Problem | undefined
}

/** One restore: progress for its bar, cancel through its signal. */
export class RestoreTask {
  readonly fileId: string
  readonly name: string
  /** The file's distinct hosts, for the words of a failure. */
  readonly hosts: number | undefined
  readonly #controller = new AbortController()
  readonly #tracker: RestoreTracker
  readonly #now: () => number
  #problem: Problem | undefined
  onChange: () => void = () => {}

  constructor(entry: Pick<FileEntry, 'id' | 'name' | 'size'> & Partial<Pick<FileEntry, 'hosts'>>, now: () => number = () => performance.now()) {
    this.fileId = entry.id
    this.name = entry.name
    this.hosts = entry.hosts?.length
    this.#tracker = new RestoreTracker(entry.size)
    this.#now = now
  }

  view(): RestoreView {
    return { fileId: this.fileId, name: this.name, progress: this.#tracker.snapshot(), problem: this.#problem }
  }

  get settled(): boolean {
    const s = this.#tracker.snapshot().stage
    return s === 'done' || s === 'failed' || s === 'cancelled'
  }

  /** Never throws: the outcome is in view(). */
  async run(restore: RestoreFn, sink: WritableStream<Uint8Array>): Promise<void> {
    this.onChange()
    try {
      await restore(this.fileId, sink, {
        signal: this.#controller.signal,
        onProgress: (e) => {
          this.#tracker.apply(e, this.#now())
          this.onChange()
        },
      })
      this.#tracker.finish()
    } catch (err) {
      const cancelled = this.#controller.signal.aborted || isCancellation(err)
      this.#tracker.fail(cancelled)
      const unreachable = this.#tracker.snapshot().unreachableHosts.length
      this.#problem = cancelled ? undefined : describeFailure('restore', err, { ...(this.hosts !== undefined ? { hosts: this.hosts } : {}), unreachable })
    }
    this.onChange()
  }

  cancel(): void {
    this.#controller.abort()
  }
}
