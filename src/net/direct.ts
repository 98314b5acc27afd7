/**
 * Direct connections between tabs. Relayed connections are for signalling only (the relay cuts
 * them after a few KiB), so anything that moves data must run over a direct WebRTC connection:
 * `dialDirect` returns one or fails with a typed error, never a relayed connection.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerNode } from './node.ts'
import { InvalidAddressError, PeerUnreachableError, toNetworkError } from './errors.ts'

export interface DialOptions {
  readonly signal?: AbortSignal
  /** Time limit of one dial attempt. */
  readonly timeoutMs?: number
  /**
   * Dial attempts (default 2). A fresh WebRTC dial sometimes hangs (two tabs dialling each other
   * at once, or a relayed leg that stalls); a second, fresh attempt usually succeeds at once.
   */
  readonly attempts?: number
}

const RETRYABLE = new Set(['NetworkTimeoutError', 'PeerUnreachableError', 'StreamInterruptedError'])

/** A peer id string, a PeerId, or a /p2p-circuit/webrtc multiaddr string. */
export type DialTarget = string | PeerId

function parseTarget(target: DialTarget): { peer: string; dial: PeerId | Multiaddr } {
  if (typeof target !== 'string') return { peer: target.toString(), dial: target }
  try {
    if (target.startsWith('/')) {
      const ma = multiaddr(target)
      const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (peer === undefined) throw new Error('no /p2p/<peer id> at the end')
      return { peer, dial: ma }
    }
    return { peer: target, dial: peerIdFromString(target) }
  } catch (err) {
    throw new InvalidAddressError(`"${target}" is neither a peer id nor a multiaddr of a peer: ${(err as Error).message}`, { cause: err })
  }
}

function isDirect(conn: Connection): boolean {
  return conn.status === 'open' && conn.limits === undefined
}

/** Opens (or reuses) a direct, unlimited connection to a peer. */
export async function dialDirect(node: PeerNode, target: DialTarget, options: DialOptions = {}): Promise<Connection> {
  const { peer, dial } = parseTarget(target)
  const attempts = Math.max(1, options.attempts ?? 2)
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialOnce(node, peer, dial, options)
    } catch (err) {
      const name = (err as Error).name
      if (attempt >= attempts || !RETRYABLE.has(name) || options.signal?.aborted) throw err
    }
  }
}

async function dialOnce(node: PeerNode, peer: string, dial: PeerId | Multiaddr, options: DialOptions): Promise<Connection> {
  const existing = node.getConnections().find((c) => c.remotePeer.toString() === peer && isDirect(c))
  if (existing) return existing
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let conn: Connection
  try {
    conn = await node.dial(dial, { signal })
  } catch (err) {
    throw toNetworkError(err, { op: 'dialling', peer, signal: options.signal })
  }
  if (isDirect(conn)) return conn
  // A relayed connection came back (the peer only had circuit addresses in our peer store):
  // libp2p's connection upgrade to WebRTC may still be in flight; look once more.
  const upgraded = node.getConnections().find((c) => c.remotePeer.toString() === peer && isDirect(c))
  if (upgraded) return upgraded
  throw new PeerUnreachableError(
    `Only a relayed connection to ${peer} could be opened (${conn.remoteAddr.toString()}); relays carry signalling only. The peer must be reachable over WebRTC.`,
  )
}

/** Opens a protocol stream over a direct connection. */
export async function openDirectStream(
  node: PeerNode,
  target: DialTarget,
  protocol: string,
  options: DialOptions = {},
): Promise<{ stream: Stream; connection: Connection }> {
  const connection = await dialDirect(node, target, options)
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 20_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  try {
    const stream = await connection.newStream(protocol, { signal })
    return { stream, connection }
  } catch (err) {
    throw toNetworkError(err, { op: `opening a ${protocol} stream`, peer: connection.remotePeer.toString(), signal: options.signal })
  }
}
