/**
 * UploadJournal: where the owner keeps the backups it is placing, as they go, so a backup that a
 * reload or a crash cut short can be resumed (placing only what is missing) or discarded
 * (deleting what was placed). IndexedDB in the browser, memory in tests.
 */

/** A backup being placed, as far as it got. */
export interface JournalEntry {
  /** The hex of the file id the backup gives its file. */
  readonly id: string
  readonly name: string
  readonly type: string
  readonly size: number
  /** The file's lastModified (ms), when it had one (0 otherwise). */
  readonly lastModified: number
  /** When the backup began, and the manifest's createdAt (ms since the epoch). */
  readonly startedAt: number
  readonly createdAt: number
  readonly k: number
  readonly n: number
  readonly shareSize: number
  /** The file key, wrapped by the vault (unreadable without it). */
  readonly wrappedKey: Uint8Array
  /** The plan: [segment][share] → host, and the spares. */
  readonly assignments: readonly (readonly string[])[]
  readonly hosts: readonly string[]
  readonly spares: readonly string[]
  /** Share keys (hex) of each segment whose shares began to leave, by segment index. */
  readonly encoded: Readonly<Record<number, readonly string[]>>
  /** Shares that reached a host: [segment, share, host]. */
  readonly landed: readonly (readonly [number, number, string])[]
  /** Until when the hosts keep the placed shares unless the backup goes on (ms since the epoch). */
  readonly keptUntil: number
  /** The file's handle, when it came with one (File System Access API). */
  readonly handle?: FileSystemFileHandle
}

export interface UploadJournal {
  put(entry: JournalEntry): Promise<void>
  get(id: string): Promise<JournalEntry | undefined>
  list(): Promise<JournalEntry[]>
  delete(id: string): Promise<void>
}
