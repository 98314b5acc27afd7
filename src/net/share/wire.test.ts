import { describe, expect, it } from 'vitest'
import type { Stream } from '@libp2p/interface'
import { rejectionOf } from '../../testing/expect.ts'
import { FrameReader, readFrame } from './wire.ts'

/** A stream whose peer sends `chunks`, then either ends or (stall) sends nothing more. */
function peerSends(chunks: Uint8Array[], end: 'close' | 'stall' = 'close'): Stream {
  return {
    async *[Symbol.asyncIterator]() {
      for (const c of chunks) yield c
      if (end === 'stall') await new Promise(() => {})
    },
  } as unknown as Stream
}

function header(length: number): Uint8Array {
  const h = new Uint8Array(4)
  new DataView(h.buffer).setUint32(0, length)
  return h
}

describe('readFrame (bounded frames from untrusted peers)', () => {
  it('reads a frame whose header and body arrive in pieces', async () => {
    const body = new Uint8Array([1, 2, 3, 4, 5])
    const h = header(5)
    const frame = await readFrame(peerSends([h.subarray(0, 1), h.subarray(1, 3), new Uint8Array([...h.subarray(3), 1, 2]), body.subarray(2)]), 10, 1000)
    expect([...frame]).toEqual([1, 2, 3, 4, 5])
  })

  it('refuses an announced length over the limit before buffering it', async () => {
    const err = await rejectionOf(readFrame(peerSends([header(0xffffffff)]), 1024, 1000), 'ProtocolError')
    expect(err.message).toMatch(/4294967295-byte message; the limit is 1024/)
  })

  it('refuses more bytes than the announced length', async () => {
    await rejectionOf(readFrame(peerSends([header(2), new Uint8Array([1, 2, 3])]), 10, 1000), 'ProtocolError')
  })

  it('reports a stream closed mid-message as interrupted', async () => {
    await rejectionOf(readFrame(peerSends([header(10), new Uint8Array(4)]), 10, 1000), 'StreamInterruptedError')
  })

  it('gives up on a peer that stalls mid-message', async () => {
    const started = Date.now()
    const err = await rejectionOf(readFrame(peerSends([header(10), new Uint8Array(4)], 'stall'), 10, 150), 'NetworkTimeoutError')
    expect(err.message).toMatch(/within 150 ms/)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('one reader takes frames one after another, even when they arrive in one chunk', async () => {
    const both = new Uint8Array([...header(2), 7, 8, ...header(3), 1, 2, 3])
    const reader = new FrameReader(peerSends([both.subarray(0, 5), both.subarray(5)]))
    expect([...(await reader.read({ max: 10, timeoutMs: 1000 }))]).toEqual([7, 8])
    expect([...(await reader.read({ max: 10, exact: 3, timeoutMs: 1000 }))]).toEqual([1, 2, 3])
    const short = new FrameReader(peerSends([header(4), new Uint8Array(4)]))
    await rejectionOf(short.read({ max: 10, exact: 5, timeoutMs: 1000 }), 'ProtocolError')
  })
})
