import { describe, expect, it } from 'vitest'
import type { BackupJobOptions, FileEntry } from '../layr/api.ts'
import { CancelledError, InvalidPolicyError } from '../core/errors.ts'
import { UploadQueue, type BackupFn } from './uploads.ts'

function entry(name: string, size: number): FileEntry {
  return { id: name, name, size, type: '', createdAt: 0, k: 2, n: 3, segments: 1, hosts: ['a', 'b', 'c'], placedSurvives: 1, health: undefined }
}

/** A backup the test finishes by hand, recording which ran when. */
function manualBackup() {
  const running: Array<{ name: string; options: BackupJobOptions; resolve: () => void; reject: (e: unknown) => void }> = []
  const started: string[] = []
  let concurrent = 0
  let maxConcurrent = 0
  const backup: BackupFn = (file, options) =>
    new Promise<FileEntry>((resolve, reject) => {
      const name = options.name ?? '?'
      started.push(name)
      concurrent++
      maxConcurrent = Math.max(maxConcurrent, concurrent)
      const done = (): void => {
        concurrent--
      }
      options.signal?.addEventListener('abort', () => {
        done()
        reject(new CancelledError())
      })
      running.push({
        name,
        options,
        resolve: () => {
          done()
          resolve(entry(name, file.size))
        },
        reject: (e) => {
          done()
          reject(e)
        },
      })
    })
  return { backup, running, started, max: () => maxConcurrent }
}

const tick = () => new Promise((r) => setTimeout(r, 0))
const file = (name: string, size = 10) => new File([new Uint8Array(size)], name)

describe('UploadQueue', () => {
  it('backs files up one at a time, in order, and reports each finished entry', async () => {
    const m = manualBackup()
    const done: string[] = []
    let changes = 0
    const q = new UploadQueue({ backup: m.backup, n: () => 3, onDone: (e) => done.push(e.name), onChange: () => changes++ })
    q.add([file('a'), file('b')])
    q.add([file('c')])
    await tick()
    expect(m.started).toEqual(['a'])
    expect(q.views().map((v) => v.progress.stage)).toEqual(['finding-hosts', 'queued', 'queued'])
    m.running[0]!.resolve()
    await tick()
    expect(m.started).toEqual(['a', 'b'])
    m.running[1]!.resolve()
    await tick()
    m.running[2]!.resolve()
    await q.idle()
    expect(done).toEqual(['a', 'b', 'c'])
    expect(m.max()).toBe(1)
    expect(q.views().map((v) => v.progress.stage)).toEqual(['done', 'done', 'done'])
    expect(q.views().every((v) => v.settled && v.entry)).toBe(true)
    expect(changes).toBeGreaterThan(5)
  })

  it('maps progress events into the row, with n from the settings when the task starts', async () => {
    const m = manualBackup()
    let n = 3
    const q = new UploadQueue({ backup: m.backup, n: () => n, now: () => 0 })
    n = 4
    q.add([file('a', 4)])
    await tick()
    const { onProgress } = m.running[0]!.options
    onProgress!({ type: 'encode:start', bytesTotal: 4, segments: 1 })
    onProgress!({ type: 'encode:segment', segmentIndex: 0, bytesDone: 4, bytesTotal: 4 })
    onProgress!({ type: 'place:share', segmentIndex: 0, shareIndex: 0, peer: 'x' })
    expect(q.views()[0]!.progress).toMatchObject({ stage: 'placing', sharesPlaced: 1, sharesTotal: 4 })
    m.running[0]!.resolve()
    await q.idle()
  })

  it('cancels a running task through its signal, and a queued one before it starts', async () => {
    const m = manualBackup()
    const q = new UploadQueue({ backup: m.backup, n: () => 3 })
    const [a, b, c] = q.add([file('a'), file('b'), file('c')])
    await tick()
    q.cancel(b!.id)
    expect(b!.stage).toBe('cancelled')
    q.cancel(a!.id)
    expect(m.running[0]!.options.signal!.aborted).toBe(true)
    await tick()
    expect(a!.stage).toBe('cancelled')
    expect(a!.view().problem).toBeUndefined()
    // b never ran; c is next.
    expect(m.started).toEqual(['a', 'c'])
    m.running[1]!.resolve()
    await q.idle()
    expect(c!.stage).toBe('done')
    // Cancelling a finished task changes nothing.
    q.cancel(c!.id)
    expect(c!.stage).toBe('done')
  })

  it('keeps going after a failure, with the error message a person can act on', async () => {
    const m = manualBackup()
    const q = new UploadQueue({ backup: m.backup, n: () => 3 })
    const [a, b] = q.add([file('a'), file('b')])
    await tick()
    m.running[0]!.reject(new InvalidPolicyError('k must be below n.'))
    await tick()
    expect(a!.stage).toBe('failed')
    expect(a!.view().problem).toEqual({ name: 'InvalidPolicyError', message: 'k must be below n.', tone: 'warning' })
    expect(m.started).toEqual(['a', 'b'])
    m.running[1]!.resolve()
    await q.idle()
    expect(b!.stage).toBe('done')
  })

  it('clears finished rows and keeps the others', async () => {
    const m = manualBackup()
    const q = new UploadQueue({ backup: m.backup, n: () => 3 })
    const [a] = q.add([file('a'), file('b')])
    await tick()
    m.running[0]!.resolve()
    await tick()
    q.clearSettled()
    expect(q.views().map((v) => v.name)).toEqual(['b'])
    q.dismiss(a!.id)
    m.running[1]!.resolve()
    await q.idle()
    q.dismiss(q.tasks[0]!.id)
    expect(q.views()).toEqual([])
  })

  it('starts again for files added after it went idle', async () => {
    const m = manualBackup()
    const q = new UploadQueue({ backup: m.backup, n: () => 3 })
    q.add([file('a')])
    await tick()
    m.running[0]!.resolve()
    await q.idle()
    q.add([file('b')])
    await tick()
    expect(m.started).toEqual(['a', 'b'])
    m.running[1]!.resolve()
    await q.idle()
  })

  it('gives a view object that changes only when the task does', async () => {
    const m = manualBackup()
    const q = new UploadQueue({ backup: m.backup, n: () => 3 })
    const [a] = q.add([file('a')])
    await tick()
    const v1 = a!.view()
    expect(a!.view()).toBe(v1)
    m.running[0]!.options.onProgress!({ type: 'place:hosts', hosts: 3 })
    expect(a!.view()).not.toBe(v1)
    m.running[0]!.resolve()
    await q.idle()
  })
})
