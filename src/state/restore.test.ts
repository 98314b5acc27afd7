import { describe, expect, it } from 'vitest'
import type { RestoreOptions } from '../layr/api.ts'
import { NotEnoughSharesError } from '../core/errors.ts'
import { RestoreTask, blobSink, chooseSaveTarget, type RestoreFn } from './restore.ts'

const fakeRestore =
  (chunks: Uint8Array[], fail?: unknown): RestoreFn =>
  async (_id, sink, options: RestoreOptions) => {
    const total = chunks.reduce((n, c) => n + c.length, 0)
    const w = sink.getWriter()
    options.onProgress?.({ type: 'decode:start', bytesTotal: total, segments: chunks.length })
    let done = 0
    for (const [i, c] of chunks.entries()) {
      if (fail && i === 1) {
        await w.abort(fail)
        throw fail
      }
      await w.write(c)
      done += c.length
      options.onProgress?.({ type: 'decode:segment', segmentIndex: i, bytesDone: done, bytesTotal: total })
    }
    options.onProgress?.({ type: 'decode:done', bytesTotal: total })
    await w.close()
  }

describe('chooseSaveTarget', () => {
  it('falls back to a download of one Blob when there is no picker', async () => {
    const got: Array<{ blob: Blob; name: string }> = []
    const target = await chooseSaveTarget({ name: 'a.txt', type: 'text/plain' }, { download: (blob, name) => got.push({ blob, name }) })
    expect(target?.kind).toBe('download')
    const task = new RestoreTask({ id: 'f', name: 'a.txt', size: 6 })
    await task.run(fakeRestore([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]), target!.sink)
    expect(task.view().progress).toMatchObject({ stage: 'done', fraction: 1, bytesDone: 6 })
    expect(got).toHaveLength(1)
    expect(got[0]!.name).toBe('a.txt')
    expect(got[0]!.blob.type).toBe('text/plain')
    expect([...new Uint8Array(await got[0]!.blob.arrayBuffer())]).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('uses the picker when there is one, and gives nothing when the person closes it', async () => {
    const sink = new WritableStream<Uint8Array>()
    const handle = { createWritable: async () => sink } as unknown as FileSystemFileHandle
    const names: Array<string | undefined> = []
    const picked = await chooseSaveTarget({ name: 'b.bin', type: '' }, { picker: async (o) => (names.push(o?.suggestedName), handle) })
    expect(picked).toEqual({ sink, kind: 'picker' })
    expect(names).toEqual(['b.bin'])
    const closed = await chooseSaveTarget(
      { name: 'b.bin', type: '' },
      {
        picker: async () => {
          throw new DOMException('The user aborted a request.', 'AbortError')
        },
      },
    )
    expect(closed).toBeUndefined()
  })
})

describe('RestoreTask', () => {
  it('reports a failure by its message, and no Blob is offered', async () => {
    const got: Blob[] = []
    const task = new RestoreTask({ id: 'f', name: 'x', size: 6 })
    const err = new NotEnoughSharesError(0, 1, 2, [])
    await task.run(
      fakeRestore([new Uint8Array(3), new Uint8Array(3)], err),
      blobSink('', (b) => got.push(b)),
    )
    expect(task.view().progress.stage).toBe('failed')
    expect(task.view().problem).toMatchObject({ name: 'NotEnoughSharesError', tone: 'danger' })
    // In words, with the technical message folded away.
    expect(task.view().problem!.message).not.toContain('Segment 0')
    expect(task.view().problem!.detail).toContain('Segment 0 cannot be rebuilt')
    expect(got).toEqual([])
  })

  it('says how many of the file’s hosts could not be reached, from the restore’s events', async () => {
    const task = new RestoreTask({ id: 'f', name: 'x', size: 6, hosts: ['a', 'b', 'c'] })
    const unreachable = { reason: 'unreachable', detail: 'Network failure while dialling 12D3KooW…: NO_RESERVATION' } as const
    const err = new NotEnoughSharesError(0, 1, 2, [
      { shareIndex: 1, ...unreachable },
      { shareIndex: 2, ...unreachable },
    ])
    await task.run(async (_id, sink, options) => {
      options.onProgress?.({ type: 'decode:start', bytesTotal: 6, segments: 1 })
      for (const [shareIndex, peer] of [
        [1, 'b'],
        [2, 'c'],
      ] as const)
        options.onProgress?.({ type: 'restore:bad-host', peer, segmentIndex: 0, shareIndex, reason: 'unreachable' })
      await sink.abort(err)
      throw err
    }, new WritableStream())
    expect(task.view().problem).toMatchObject({
      name: 'NotEnoughSharesError',
      tone: 'danger',
      message: '2 of the file’s 3 hosts are offline, and the shares the others hold are 1 too few to rebuild it. Try again when more of them are online.',
    })
    expect(task.view().problem!.detail).toContain('NO_RESERVATION')
  })

  it('is cancelled through its signal', async () => {
    const task = new RestoreTask({ id: 'f', name: 'x', size: 6 })
    const run = task.run(
      (_id, _sink, options) =>
        new Promise((_resolve, reject) => options.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
      new WritableStream(),
    )
    task.cancel()
    await run
    expect(task.view()).toMatchObject({ progress: { stage: 'cancelled' }, problem: undefined })
    expect(task.settled).toBe(true)
  })
})
