/**
 * Frames on a libp2p stream: a 4-byte big-endian length, then that many bytes. A message is a
 * small header frame, and for the few messages that carry data, a body frame after it.
 *
 * Peers are hostile, so the reader never trusts the announced length: it checks it against the
 * caller's limit, then keeps only the bytes that really arrived (a header that announces 16 MiB
 * and sends nothing costs nothing), and gives up after a time limit. One reader is kept per
 * stream, so bytes of the next frame that arrive with the end of this one are not lost.
 */
import type { Stream } from '@libp2p/interface'
import { NetworkTimeoutError, StreamInterruptedError } from '../errors.ts'
import { sendWithBackpressure } from '../stream.ts'
import { ProtocolError } from './errors.ts'

const CHUNK = 64 * 1024

export async function writeFrame(stream: Stream, frame: Uint8Array, signal?: AbortSignal): Promise<void> {
  const header = new Uint8Array(4)
  new DataView(header.buffer).setUint32(0, frame.length)
  // Small frames go out with their header in one send.
  if (frame.length <= CHUNK) {
    const both = new Uint8Array(4 + frame.length)
    both.set(header)
    both.set(frame, 4)
    await sendWithBackpressure(stream, both, signal)
    return
  }
  await sendWithBackpressure(stream, header, signal)
  for (let o = 0; o < frame.length; o += CHUNK) {
    await sendWithBackpressure(stream, frame.subarray(o, Math.min(frame.length, o + CHUNK)), signal)
  }
}

export interface FrameLimit {
  /** The largest frame accepted. */
  readonly max: number
  /** When set, the frame must be exactly this long. */
  readonly exact?: number
  readonly timeoutMs: number
}

/** Reads frames one after another from one stream. */
export class FrameReader {
  readonly #it: AsyncIterator<Uint8Array | { subarray(): Uint8Array }>
  /** Bytes received past the end of the last frame. */
  #rest: Uint8Array = new Uint8Array(0)

  constructor(stream: Stream) {
    this.#it = stream[Symbol.asyncIterator]()
  }

  async read(limit: FrameLimit): Promise<Uint8Array> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NetworkTimeoutError(`The peer sent no complete message within ${limit.timeoutMs} ms.`)), limit.timeoutMs)
    })
    const next = async (): Promise<Uint8Array> => {
      const r = await Promise.race([this.#it.next(), timeout])
      if (r.done) throw new StreamInterruptedError('The peer closed the stream before its message was complete.')
      return r.value instanceof Uint8Array ? r.value : r.value.subarray()
    }
    try {
      let header = this.#rest
      while (header.length < 4) header = join([header, await next()])
      const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0)
      if (length > limit.max) throw new ProtocolError(`The peer announced a ${length}-byte message; the limit is ${limit.max}.`)
      if (limit.exact !== undefined && length !== limit.exact) {
        throw new ProtocolError(`The peer announced a ${length}-byte body; its header said ${limit.exact}.`)
      }
      // The body grows as bytes arrive; it is joined once, at the end.
      const parts: Uint8Array[] = []
      let have = header.length - 4
      if (have > 0) parts.push(header.subarray(4))
      while (have < length) {
        const chunk = await next()
        parts.push(chunk)
        have += chunk.length
      }
      const all = parts.length === 1 ? parts[0]! : join(parts)
      this.#rest = all.subarray(length).slice()
      return all.subarray(0, length)
    } finally {
      clearTimeout(timer)
    }
  }

  /** True when bytes beyond the frames read so far have arrived. */
  get hasExtra(): boolean {
    return this.#rest.length > 0
  }
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Reads exactly one frame of at most `max` bytes (for streams that carry one frame). */
export async function readFrame(stream: Stream, max: number, timeoutMs: number): Promise<Uint8Array> {
  const reader = new FrameReader(stream)
  const frame = await reader.read({ max, timeoutMs })
  if (reader.hasExtra) throw new ProtocolError('The peer sent more bytes than its message length.')
  return frame
}
