/**
 * A stand-in for one side of a libp2p stream, for protocol tests without a network: the peer's
 * bytes come from `incoming` (then the peer closes, or stalls), and what this side sends is kept
 * in `sent`, to be read back as frames.
 */
import type { Stream } from '@libp2p/interface'
import { FrameReader } from '../net/share/wire.ts'

export interface FakeStream {
  readonly stream: Stream
  readonly sent: Uint8Array[]
  /** Resolves when this side closed or aborted the stream. */
  readonly done: Promise<'closed' | 'aborted'>
  /** Queues more bytes from the peer. */
  push(chunk: Uint8Array): void
  /** The peer ends its side. */
  end(): void
}

export function fakeStream(incoming: readonly Uint8Array[] = [], then: 'close' | 'stall' = 'close'): FakeStream {
  const queue = [...incoming]
  let ended = then === 'close' && incoming.length > 0
  let wake: (() => void) | undefined
  const sent: Uint8Array[] = []
  let finish!: (how: 'closed' | 'aborted') => void
  const done = new Promise<'closed' | 'aborted'>((r) => (finish = r))
  const stream = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift()
        if (next) {
          yield next
          continue
        }
        if (ended) return
        await new Promise<void>((r) => (wake = r))
      }
    },
    send(chunk: Uint8Array | { subarray(): Uint8Array }) {
      sent.push((chunk instanceof Uint8Array ? chunk : chunk.subarray()).slice())
      return true
    },
    addEventListener() {},
    removeEventListener() {},
    async close() {
      finish('closed')
    },
    abort() {
      finish('aborted')
    },
  }
  return {
    stream: stream as unknown as Stream,
    sent,
    done,
    push(chunk) {
      queue.push(chunk)
      wake?.()
    },
    end() {
      ended = true
      wake?.()
    },
  }
}

/** A 4-byte length header and the frame. */
export function frame(body: Uint8Array, announced = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, announced)
  out.set(body, 4)
  return out
}

/** The frames in what a fake stream sent. */
export async function sentFrames(s: FakeStream): Promise<Uint8Array[]> {
  const all = fakeStream(s.sent)
  const reader = new FrameReader(all.stream)
  const out: Uint8Array[] = []
  for (;;) {
    try {
      out.push(await reader.read({ max: 1 << 30, timeoutMs: 1000 }))
    } catch {
      return out
    }
  }
}
