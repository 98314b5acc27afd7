/**
 * /layr/share/1.0.0 on libp2p: one request and one response per stream, always over a direct
 * WebRTC connection (dialDirect; relays carry signalling only). The host side decodes and
 * validates before ShareHost sees anything, and answers malformed requests with a typed
 * status instead of dropping the stream.
 */
import type { Stream } from '@libp2p/interface'
import type { PeerNode } from '../node.ts'
import { dialDirect, type DialTarget } from '../direct.ts'
import { toNetworkError } from '../errors.ts'
import type { ShareHost } from './host.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, MAX_FRAME, SHARE_PROTOCOL, type ShareRequest, type ShareResponse } from './messages.ts'
import { readFrame, writeFrame } from './wire.ts'

/** Time a peer has to send one whole message (a 16 MiB share at ~1 MB/s, with margin). */
const MESSAGE_TIMEOUT_MS = 60_000

export async function mountShareHost(node: PeerNode, host: ShareHost): Promise<void> {
  await node.handle(
    SHARE_PROTOCOL,
    async (stream: Stream) => {
      try {
        let res: ShareResponse
        try {
          res = await host.handle(decodeRequest(await readFrame(stream, MAX_FRAME, MESSAGE_TIMEOUT_MS)))
        } catch (err) {
          if ((err as Error).name !== 'ProtocolError') throw err
          res = { status: 'bad-request', message: (err as Error).message.slice(0, 500) }
        }
        // A requester that stops reading cannot hold the handler (and the share) forever.
        await writeFrame(stream, encodeResponse(res), AbortSignal.timeout(MESSAGE_TIMEOUT_MS))
        await stream.close()
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: 32, force: true },
  )
}

/** Sends one request to a peer's share host and returns its answer (typed errors on failure). */
export async function shareRequest(
  node: PeerNode,
  peer: DialTarget,
  req: ShareRequest,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ShareResponse> {
  const conn = await dialDirect(node, peer, options.signal ? { signal: options.signal } : {})
  let stream: Stream | undefined
  // The caller's signal, and time limits of our own: a host that stops reading must not hang us.
  const limit = (ms: number) => (options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms))
  try {
    stream = await conn.newStream(SHARE_PROTOCOL, { signal: limit(20_000) })
    await writeFrame(stream, encodeRequest(req), limit(MESSAGE_TIMEOUT_MS))
    const frame = await readFrame(stream, MAX_FRAME, options.timeoutMs ?? MESSAGE_TIMEOUT_MS)
    await stream.close()
    return decodeResponse(frame)
  } catch (err) {
    stream?.abort(err as Error)
    if ((err as Error).name === 'ProtocolError') throw err
    throw toNetworkError(err, { op: `sending a ${req.type} request`, peer: conn.remotePeer.toString(), signal: options.signal })
  }
}
