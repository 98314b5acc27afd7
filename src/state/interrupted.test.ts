import { describe, expect, it } from 'vitest'
import type { BackupJobOptions, FileEntry, InterruptedBackup, RemoveProgress, RemoveReport } from '../layr/api.ts'
import { InterruptedList, type InterruptedApi } from './interrupted.ts'

const DAY = 86_400_000

function backup(id: string, over: Partial<InterruptedBackup> = {}): InterruptedBackup {
  return { id, name: `${id}.bin`, size: 8, lastModified: 1, startedAt: 0, placed: 9, total: 24, hasHandle: true, keptUntil: 3 * DAY, ...over }
}

function entry(id: string): FileEntry {
  return { id, name: `${id}.bin`, size: 8, type: '', createdAt: 0, k: 4, n: 12, segments: 2, hosts: ['a', 'b', 'c'], placedSurvives: 2, health: undefined }
}

function named(name: string): Error {
  const e = new Error(name)
  e.name = name
  return e
}

/** A fake facade: resume and discard do what the test says, recording how they were called. */
function fakeApi(list: InterruptedBackup[], behave: { resume?: (id: string, file?: Blob) => Error | undefined } = {}) {
  const calls: Array<{ op: 'resume' | 'discard'; id: string; file?: Blob | undefined }> = []
  const api: InterruptedApi = {
    interrupted: async () => list.filter((b) => !calls.some((c) => c.op === 'discard' && c.id === b.id)),
    resumeBackup: async (id: string, file?: File | Blob, options?: BackupJobOptions) => {
      calls.push({ op: 'resume', id, file })
      await Promise.resolve()
      const err = behave.resume?.(id, file)
      if (err) throw err
      // The missing shares of two segments of 12: 15 more after 9.
      options?.onProgress?.({ type: 'encode:start', bytesTotal: 8, segments: 2 })
      for (let i = 0; i < 15; i++) options?.onProgress?.({ type: 'place:share', segmentIndex: i < 3 ? 0 : 1, shareIndex: i, peer: 'a' })
      return entry(id)
    },
    discardBackup: async (id: string, options?: { onProgress?: (e: RemoveProgress) => void }): Promise<RemoveReport> => {
      calls.push({ op: 'discard', id })
      options?.onProgress?.({ type: 'remove:share', done: 4, total: 9 })
      options?.onProgress?.({ type: 'remove:share', done: 9, total: 9 })
      return { deleted: 9, unreachable: 0, recordCopies: 0 }
    },
  }
  return { api, calls }
}

describe('InterruptedList', () => {
  it('lists what the facade kept, needing the file where no handle was kept', async () => {
    const { api } = fakeApi([backup('a'), backup('b', { hasHandle: false })])
    const list = new InterruptedList({ api, n: () => 12 })
    await list.load()
    expect(list.views().map((v) => [v.backup.id, v.stage, v.needsFile])).toEqual([
      ['a', 'waiting', false],
      ['b', 'waiting', true],
    ])
  })

  it('resumes through the kept handle (no file), counting the shares already placed, and reports the entry', async () => {
    const { api, calls } = fakeApi([backup('a')])
    const done: string[] = []
    const list = new InterruptedList({ api, n: () => 3, onDone: (e) => done.push(e.id) })
    await list.load()
    const run = list.resume('a')
    // The facade is called at once, within the click.
    expect(calls).toEqual([{ op: 'resume', id: 'a', file: undefined }])
    expect(list.running).toBe(true)
    await run
    const v = list.views()[0]!
    expect(v.stage).toBe('done')
    // 9 placed before, 15 now: 24 of 24, whatever n the settings say (the backup's own: 24 over 2 parts).
    expect(v.progress).toMatchObject({ stage: 'done', sharesPlaced: 24, sharesTotal: 24, fraction: 1 })
    expect(done).toEqual(['a'])
    expect(list.running).toBe(false)
  })

  it('asks for the file when the handle cannot be read (NeedFileError), then resumes with the file picked', async () => {
    const { api, calls } = fakeApi([backup('a')], { resume: (_id, file) => (file ? undefined : named('NeedFileError')) })
    const list = new InterruptedList({ api, n: () => 12 })
    await list.load()
    await list.resume('a')
    let v = list.views()[0]!
    expect(v).toMatchObject({ stage: 'waiting', needsFile: true, progress: undefined })
    expect(v.problem?.message).toMatch(/^Pick the same file again/)
    const picked = new File([new Uint8Array(8)], 'a.bin')
    await list.resume('a', picked)
    v = list.views()[0]!
    expect(v.stage).toBe('done')
    expect(calls.map((c) => c.file)).toEqual([undefined, picked])
  })

  it('says a changed file is not the same, and still offers Discard', async () => {
    const { api, calls } = fakeApi([backup('a', { hasHandle: false })], { resume: () => named('FileChangedError') })
    const list = new InterruptedList({ api, n: () => 12 })
    await list.load()
    await list.resume('a', new File([new Uint8Array(9)], 'a.bin'))
    const v = list.views()[0]!
    expect(v).toMatchObject({ stage: 'waiting', needsFile: true })
    expect(v.problem?.message).toContain('not the file the backup began with')
    await list.discard('a')
    expect(list.views()).toEqual([])
    expect(calls.map((c) => c.op)).toEqual(['resume', 'discard'])
  })

  it('discards with progress, then drops the row and reports', async () => {
    const { api } = fakeApi([backup('a'), backup('b')])
    const seen: Array<number | undefined> = []
    const reports: RemoveReport[] = []
    const l2 = new InterruptedList({
      api,
      n: () => 12,
      onChange: () => seen.push(l2.views().find((v) => v.backup.id === 'a')?.discarding?.done),
      onDiscarded: (_b, r) => reports.push(r),
    })
    await l2.load()
    await l2.discard('a')
    expect(seen).toContain(4)
    expect(l2.views().map((v) => v.backup.id)).toEqual(['b'])
    expect(reports).toEqual([{ deleted: 9, unreachable: 0, recordCopies: 0 }])
  })

  it('a backup that is no longer there says so and can be dismissed', async () => {
    const { api } = fakeApi([backup('a')], { resume: () => named('BackupNotFoundError') })
    const list = new InterruptedList({ api, n: () => 12 })
    await list.load()
    await list.resume('a')
    expect(list.views()[0]).toMatchObject({ stage: 'gone' })
    expect(list.views()[0]!.problem?.message).toContain('no longer waiting')
    list.dismiss('a')
    expect(list.views()).toEqual([])
  })
})
