/**
 * '/layr/test-echo/1.0.0': echoes every byte back. Mounted only by tests and diagnostics, to prove
 * a direct connection carries bulk data and to measure it. Never mounted by the app by default.
 */
import type { Stream } from '@libp2p/interface'
import type { PeerNode } from './node.ts'
import { dialDirect, type DialTarget } from './direct.ts'
import { StreamInterruptedError, toNetworkError } from './errors.ts'
import { sendWithBackpressure } from './stream.ts'
import { TEST_ECHO_PROTOCOL } from './protocols.ts'

export async function serveEcho(node: PeerNode): Promise<void> {
  await node.handle(
    TEST_ECHO_PROTOCOL,
    async (stream: Stream) => {
      try {
        for await (const chunk of stream) {
          await sendWithBackpressure(stream, chunk)
        }
        await stream.close()
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: 4, force: true },
  )
}

export interface EchoResult {
  readonly bytes: number
  /** From the first byte sent to the last byte echoed back. */
  readonly ms: number
  /** Bytes each way per second, in MB/s (10^6). */
  readonly mbPerSec: number
  /** Every echoed byte matched what was sent. */
  readonly intact: boolean
  readonly remoteAddr: string
  /** The connection had relay limits (it must not: data goes direct). */
  readonly limited: boolean
  /** Time to get the direct connection (near 0 when one was open already). */
  readonly dialMs: number
  /** Time to open the stream on it. */
  readonly streamMs: number
}

/** Sends `bytes` bytes to a peer's echo service and checks every byte that comes back. */
export async function echoTransfer(
  node: PeerNode,
  target: DialTarget,
  bytes: number,
  options: { chunkSize?: number; timeoutMs?: number } = {},
): Promise<EchoResult> {
  const chunkSize = options.chunkSize ?? 64 * 1024
  const base = new Uint8Array(chunkSize)
  crypto.getRandomValues(base)
  const chunkAt = (index: number): Uint8Array => {
    const chunk = base.slice(0, Math.min(chunkSize, bytes - index * chunkSize))
    new DataView(chunk.buffer).setUint32(0, index) // every chunk differs: catches reordering
    return chunk
  }
  const expected = (offset: number): number => {
    const index = Math.floor(offset / chunkSize)
    const pos = offset % chunkSize
    return pos < 4 ? (index >>> (8 * (3 - pos))) & 0xff : (base[pos] ?? 0)
  }
  const t0 = performance.now()
  const connection = await dialDirect(node, target, { timeoutMs: Math.min(options.timeoutMs ?? 15_000, 15_000) })
  const t1 = performance.now()
  let stream: Stream
  try {
    stream = await connection.newStream(TEST_ECHO_PROTOCOL, { signal: AbortSignal.timeout(20_000) })
  } catch (err) {
    throw toNetworkError(err, { op: 'opening an echo stream', peer: connection.remotePeer.toString() })
  }
  const t2 = performance.now()
  const timer = setTimeout(() => stream.abort(new StreamInterruptedError('echo transfer timed out')), options.timeoutMs ?? 120_000)
  try {
    const start = performance.now()
    let received = 0
    let intact = true
    const reading = (async () => {
      for await (const chunk of stream) {
        const view = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        for (let i = 0; i < view.length && intact; i++) if (view[i] !== expected(received + i)) intact = false
        received += view.length
      }
    })()
    const chunks = Math.ceil(bytes / chunkSize)
    for (let i = 0; i < chunks; i++) {
      await sendWithBackpressure(stream, chunkAt(i))
    }
    await stream.close()
    await reading
    const ms = performance.now() - start
    return {
      bytes,
      ms,
      mbPerSec: bytes / 1e6 / (ms / 1000),
      intact: intact && received === bytes,
      remoteAddr: connection.remoteAddr.toString(),
      limited: connection.limits !== undefined,
      dialMs: t1 - t0,
      streamMs: t2 - t1,
    }
  } catch (err) {
    stream.abort(err as Error)
    throw toNetworkError(err, { op: 'echoing data', peer: connection.remotePeer.toString() })
  } finally {
    clearTimeout(timer)
  }
}
