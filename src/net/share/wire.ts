/**
 * Frames on a libp2p stream: a 4-byte big-endian length, then that many bytes. The reader
 * checks the length against its limit before buffering anything, and gives up after a time
 * limit, so a peer that lies about sizes or stalls mid-stream costs a bounded amount.
 */
import type { Stream } from '@libp2p/interface'
import { NetworkTimeoutError, StreamInterruptedError } from '../errors.ts'
import { sendWithBackpressure } from '../stream.ts'
import { ProtocolError } from './messages.ts'

const CHUNK = 64 * 1024

export async function writeFrame(stream: Stream, frame: Uint8Array, signal?: AbortSignal): Promise<void> {
  const header = new Uint8Array(4)
  new DataView(header.buffer).setUint32(0, frame.length)
  await sendWithBackpressure(stream, header, signal)
  for (let o = 0; o < frame.length; o += CHUNK) {
    await sendWithBackpressure(stream, frame.subarray(o, Math.min(frame.length, o + CHUNK)), signal)
  }
}

/** Reads exactly one frame of at most `max` bytes. */
export async function readFrame(stream: Stream, max: number, timeoutMs: number): Promise<Uint8Array> {
  const it = stream[Symbol.asyncIterator]()
  let header = new Uint8Array(0)
  let body: Uint8Array | undefined
  let filled = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NetworkTimeoutError(`The peer sent no complete message within ${timeoutMs} ms.`)), timeoutMs)
  })
  try {
    for (;;) {
      const r = await Promise.race([it.next(), timeout])
      if (r.done) throw new StreamInterruptedError('The peer closed the stream before its message was complete.')
      let chunk: Uint8Array = r.value instanceof Uint8Array ? r.value : r.value.subarray()
      if (!body) {
        const need = 4 - header.length
        const joined = new Uint8Array(header.length + Math.min(need, chunk.length))
        joined.set(header)
        joined.set(chunk.subarray(0, need), header.length)
        header = joined
        chunk = chunk.subarray(need)
        if (header.length < 4) continue
        const length = new DataView(header.buffer).getUint32(0)
        if (length > max) throw new ProtocolError(`The peer announced a ${length}-byte message; the limit is ${max}.`)
        body = new Uint8Array(length)
      }
      if (filled + chunk.length > body.length) throw new ProtocolError('The peer sent more bytes than its message length.')
      body.set(chunk, filled)
      filled += chunk.length
      if (filled === body.length) return body
    }
  } finally {
    clearTimeout(timer)
  }
}
