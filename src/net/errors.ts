/**
 * Network errors with a stable `name`. Raw libp2p, WebRTC and fetch errors are converted into
 * these here, at the network adapter's boundary (`toNetworkError`), and nowhere else; callers
 * compare on `name`, never on messages. The libp2p error is kept as `cause`, for logs.
 */
import { CancelledError, LayrError } from '../core/errors.ts'

export abstract class NetworkError extends LayrError {}

/** /bootstrap.json could not be fetched, or it does not list a usable relay address. */
export class BootstrapError extends NetworkError {
  override readonly name = 'BootstrapError'
}

/** None of the relays could be reached, so this tab can neither be found nor reach other tabs. */
export class RelayUnreachableError extends NetworkError {
  override readonly name = 'RelayUnreachableError'
}

/** A connection to a peer could not be opened (its tab may be closed, or no route works). */
export class PeerUnreachableError extends NetworkError {
  override readonly name = 'PeerUnreachableError'
}

/** The DHT did not find the peer, or found no peers at all. */
export class PeerNotFoundError extends NetworkError {
  override readonly name = 'PeerNotFoundError'
}

/** A network operation ran past its time limit. */
export class NetworkTimeoutError extends NetworkError {
  override readonly name = 'NetworkTimeoutError'
}

/** The peer does not speak the protocol (another version of Layr, or not a Layr peer). */
export class ProtocolUnsupportedError extends NetworkError {
  override readonly name = 'ProtocolUnsupportedError'
}

/** A stream or connection closed or was reset in the middle of an exchange. */
export class StreamInterruptedError extends NetworkError {
  override readonly name = 'StreamInterruptedError'
}

/**
 * Data was sent over a relayed (signalling-only) connection and hit the relay's limits. Bulk data
 * must go over a direct WebRTC connection.
 */
export class RelayLimitError extends NetworkError {
  override readonly name = 'RelayLimitError'
}

/** A malformed multiaddr or peer id. */
export class InvalidAddressError extends NetworkError {
  override readonly name = 'InvalidAddressError'
}

/** The node is stopped (or not started yet). */
export class NodeNotRunningError extends NetworkError {
  override readonly name = 'NodeNotRunningError'
}

/** Any other failure of the network stack. */
export class NetworkFailureError extends NetworkError {
  override readonly name = 'NetworkFailureError'
}

export interface ErrorContext {
  /** What was being done, for the message: "dialling", "finding peers", ... */
  readonly op: string
  /** The peer concerned, if any. */
  readonly peer?: string
  /** The caller's signal: an abort it caused becomes CancelledError, not a timeout. */
  readonly signal?: AbortSignal
}

const UNREACHABLE = new Set([
  'DialError',
  'DialDeniedError',
  'ConnectionFailedError',
  'ConnectionDeniedError',
  'NoValidAddressesError',
  'EncryptionFailedError',
  'InvalidCryptoExchangeError',
  'UnexpectedPeerError',
  'TransportUnavailableError',
  'SDPHandshakeFailedError',
  'DataChannelError',
  'AggregateError',
])

const INTERRUPTED = new Set([
  'StreamResetError',
  'StreamAbortedError',
  'StreamStateError',
  'StreamClosedError',
  'StreamBufferError',
  'UnexpectedEOFError',
  'MuxerClosedError',
  'ConnectionClosedError',
  'ConnectionClosingError',
])

const RELAY_LIMIT = new Set(['LimitedConnectionError', 'TransferLimitError', 'DurationLimitError'])

/** Converts anything a libp2p call threw into a NetworkError (or CancelledError). */
export function toNetworkError(err: unknown, context: ErrorContext): LayrError {
  if (err instanceof LayrError) return err
  if (context.signal?.aborted === true && !isTimeoutReason(context.signal.reason)) return new CancelledError()
  // A failed WebSocket dial rejects with the socket's 'error' Event, which has no name.
  const isEvent = typeof err === 'object' && err !== null && 'type' in err && 'target' in err
  const name = isEvent ? 'ConnectionFailedError' : typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : 'Error'
  const detail = err instanceof Error ? err.message : isEvent ? `WebSocket ${String((err as { type: unknown }).type)} event` : String(err)
  const who = context.peer !== undefined ? ` ${shortId(context.peer)}` : ''
  const options = { cause: err }
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new NetworkTimeoutError(`Timed out ${context.op}${who} (${detail}). The peer or relay may be slow or gone; try again.`, options)
  }
  if (name === 'UnsupportedProtocolError') {
    return new ProtocolUnsupportedError(`Peer${who} does not speak the protocol needed for ${context.op}; it may run another version of Layr.`, options)
  }
  if (RELAY_LIMIT.has(name)) {
    return new RelayLimitError(`${capitalize(context.op)}${who} hit the relay's limits: data must go over a direct connection (${detail}).`, options)
  }
  if (INTERRUPTED.has(name)) {
    return new StreamInterruptedError(`The connection${who} closed while ${context.op} (${detail}). Try again; the peer may have left.`, options)
  }
  if (UNREACHABLE.has(name)) {
    return new PeerUnreachableError(`Could not reach${who || ' the peer'} while ${context.op} (${detail}). Its tab may be closed.`, options)
  }
  if (name === 'InvalidMultiaddrError' || name === 'InvalidPeerIdError' || name === 'InvalidParametersError') {
    return new InvalidAddressError(`Bad peer address while ${context.op}: ${detail}`, options)
  }
  if (name === 'NotFoundError') {
    return new PeerNotFoundError(`Nothing found while ${context.op}${who}: the peer may have left the network.`, options)
  }
  if (name === 'NotStartedError') {
    return new NodeNotRunningError(`The network node is not running (${context.op}).`, options)
  }
  return new NetworkFailureError(`Network failure while ${context.op}${who}: ${name}: ${detail}`, options)
}

function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && 'name' in reason && reason.name === 'TimeoutError'
}

function shortId(peer: string): string {
  return peer.length > 16 ? `${peer.slice(0, 8)}…${peer.slice(-6)}` : peer
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
