/**
 * /layr/share/2.0.0 on libp2p: one request and its response per stream, always over a direct
 * WebRTC connection (dialDirect; relays carry signalling only).
 *
 *   requester                         host
 *   header ─────────────────────────▶ bounded read (HEADER_LIMITS), checked, admitted
 *            ◀───────────────────────  continue | refusal        (only if a body is announced)
 *   body   ─────────────────────────▶ exactly the announced length, within the peer's budget
 *            ◀───────────────────────  response header [+ body]
 *
 * The host answers everything malformed, truncated or late with a typed status before it
 * closes the stream, and never holds more than what really arrived.
 */
import type { Stream } from '@libp2p/interface'
import type { PeerNode } from '../node.ts'
import { dialDirect, type DialTarget } from '../direct.ts'
import { toNetworkError } from '../errors.ts'
import type { ShareHost } from './host.ts'
import {
  decodeInterim,
  decodeRequestHead,
  decodeResponseHead,
  encodeInterim,
  encodeRequest,
  encodeResponse,
  HEADER_LIMITS,
  requestBodyLength,
  responseBodyMax,
  SHARE_PROTOCOL,
  withRequestBody,
  withResponseBody,
  type ShareRequest,
  type ShareResponse,
} from './messages.ts'
import { FrameReader, writeFrame } from './wire.ts'
import { ProtocolError } from './errors.ts'

/** Time a peer has to send a header: a few hundred bytes. */
const HEADER_TIMEOUT_MS = 10_000
/** Time a peer has to send one whole body (a 1 MiB share at far less than 100 KB/s, with margin). */
const BODY_TIMEOUT_MS = 60_000
/** Streams a peer may have open to this host at once. */
const MAX_INBOUND_STREAMS = 32

function refusalOf(err: unknown): ShareResponse {
  const e = err as Error
  if (e.name === 'ProtocolError') return { status: 'bad-request', message: e.message.slice(0, 500) }
  if (e.name === 'NetworkTimeoutError') return { status: 'bad-request', message: `The request did not arrive in time: ${e.message}` }
  if (e.name === 'StreamInterruptedError') return { status: 'bad-request', message: 'The request ended before it was complete.' }
  throw err
}

/** Serves one inbound stream: read, admit, read the body, answer. */
export async function serveShareStream(
  host: ShareHost,
  stream: Stream,
  peer: string,
  limits: { headerTimeoutMs?: number; bodyTimeoutMs?: number } = {},
): Promise<void> {
  const headerTimeoutMs = limits.headerTimeoutMs ?? HEADER_TIMEOUT_MS
  const bodyTimeoutMs = limits.bodyTimeoutMs ?? BODY_TIMEOUT_MS
  const reader = new FrameReader(stream)
  const answer = (frame: Uint8Array): Promise<void> => writeFrame(stream, frame, AbortSignal.timeout(bodyTimeoutMs))
  let res: ShareResponse
  try {
    // Up to an offer's limit (the largest request header); decodeRequestHead holds every other type to HEADER_LIMITS.request.
    const head = decodeRequestHead(await reader.read({ max: HEADER_LIMITS.offer, timeoutMs: headerTimeoutMs }))
    const bodyLength = requestBodyLength(head)
    if (bodyLength === undefined) {
      if (reader.hasExtra) throw new ProtocolError('The request has bytes after its header.')
      res = await host.handle(withRequestBody(head, undefined), { peer })
    } else {
      const admission = await host.admit(head, { peer })
      await answer(encodeInterim(admission.status === 'continue' ? { status: 'continue' } : admission))
      if (admission.status !== 'continue') {
        await stream.close()
        return
      }
      let body: Uint8Array
      try {
        body = await reader.read({ max: bodyLength, exact: bodyLength, timeoutMs: bodyTimeoutMs })
      } catch (err) {
        admission.room?.release()
        throw err
      }
      res = await host.handle(withRequestBody(head, body), { peer }, admission)
    }
  } catch (err) {
    res = refusalOf(err)
  }
  const out = encodeResponse(res)
  await answer(out.head)
  if (out.body) await answer(out.body)
  await stream.close()
}

export async function mountShareHost(node: PeerNode, host: ShareHost): Promise<void> {
  await node.handle(
    SHARE_PROTOCOL,
    async (stream: Stream, connection) => {
      try {
        await serveShareStream(host, stream, connection.remotePeer.toString())
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: MAX_INBOUND_STREAMS, force: true },
  )
}

/** Sends one request to a peer's share host and returns its answer (typed errors on failure). */
export async function shareRequest(
  node: PeerNode,
  peer: DialTarget,
  req: ShareRequest,
  options: { signal?: AbortSignal; timeoutMs?: number; deadlineMs?: number } = {},
): Promise<ShareResponse> {
  const conn = await dialDirect(node, peer, options.signal ? { signal: options.signal } : {})
  let stream: Stream | undefined
  // The caller's signal, and time limits of our own: a host that stops reading must not hang us.
  const limit = (ms: number) => (options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms))
  const perRead = options.timeoutMs ?? BODY_TIMEOUT_MS
  // With a deadline, every wait gets only what is left of it (counted from the request's send).
  let end = Infinity
  const wait = (): number => Math.max(1, Math.min(perRead, end - Date.now()))
  try {
    stream = await conn.newStream(SHARE_PROTOCOL, { signal: limit(20_000) })
    const reader = new FrameReader(stream)
    const msg = encodeRequest(req)
    await writeFrame(stream, msg.head, limit(BODY_TIMEOUT_MS))
    if (options.deadlineMs !== undefined) end = Date.now() + options.deadlineMs
    if (msg.body) {
      const interim = decodeInterim(await reader.read({ max: HEADER_LIMITS.request, timeoutMs: wait() }))
      if (interim.status !== 'continue') {
        await stream.close()
        return interim
      }
      await writeFrame(stream, msg.body, limit(BODY_TIMEOUT_MS))
    }
    const bodyMax = responseBodyMax(req)
    const head = decodeResponseHead(await reader.read({ max: HEADER_LIMITS.response, timeoutMs: wait() }), bodyMax)
    const bodyLength = head.status === 'ok' ? head.body : undefined
    const body = bodyLength === undefined ? undefined : await reader.read({ max: bodyMax, exact: bodyLength, timeoutMs: wait() })
    await stream.close()
    return withResponseBody(head, body)
  } catch (err) {
    stream?.abort(err as Error)
    if ((err as Error).name === 'ProtocolError') throw err
    throw toNetworkError(err, { op: `sending a ${req.type} request`, peer: conn.remotePeer.toString(), signal: options.signal })
  }
}
