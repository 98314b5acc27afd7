/**
 * Where a tab finds its first relay: /bootstrap.json on the page's own origin, which the relay
 * that served the app answers with its peer id and dialable WebSocket multiaddrs.
 */
import { isPrivateIp } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { CancelledError } from '../core/errors.ts'
import { BootstrapError } from './errors.ts'

export interface BootstrapInfo {
  readonly peerId: string
  /** Dialable multiaddrs of the relay, each ending in /p2p/<peerId>. */
  readonly multiaddrs: readonly string[]
}

export interface FetchBootstrapOptions {
  /** Defaults to the page's origin. */
  readonly origin?: string
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
}

/** Fetches and validates `<origin>/bootstrap.json`. Throws BootstrapError (or CancelledError). */
export async function fetchBootstrap(options: FetchBootstrapOptions = {}): Promise<BootstrapInfo> {
  const origin = options.origin ?? globalThis.location?.origin
  if (origin === undefined) throw new BootstrapError('No origin to fetch /bootstrap.json from: pass one.')
  const url = new URL('/bootstrap.json', origin)
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000)]
  if (options.signal) signals.push(options.signal)
  let body: unknown
  try {
    const res = await fetch(url, { signal: AbortSignal.any(signals), cache: 'no-store' })
    if (!res.ok) throw new BootstrapError(`${url} answered HTTP ${res.status}: the relay is not running its peer network.`)
    body = await res.json()
  } catch (err) {
    if (err instanceof BootstrapError) throw err
    if (options.signal?.aborted) throw new CancelledError()
    throw new BootstrapError(`Could not fetch ${url}: ${(err as Error).message}. Is the relay running?`, { cause: err })
  }
  return parseBootstrap(body, url.protocol === 'https:')
}

/**
 * Validates a /bootstrap.json body. On an https page only secure WebSocket addresses are kept:
 * the browser refuses ws:// from a secure page (mixed content).
 */
export function parseBootstrap(body: unknown, secureOnly: boolean): BootstrapInfo {
  if (typeof body !== 'object' || body === null) throw new BootstrapError('/bootstrap.json is not a JSON object.')
  const { peerId, multiaddrs } = body as { peerId?: unknown; multiaddrs?: unknown }
  if (typeof peerId !== 'string' || peerId === '') throw new BootstrapError('/bootstrap.json has no peerId.')
  if (!Array.isArray(multiaddrs)) throw new BootstrapError('/bootstrap.json has no multiaddrs list.')
  const usable: string[] = []
  for (const text of multiaddrs) {
    if (typeof text !== 'string') continue
    let names: string[]
    try {
      names = multiaddr(text)
        .getComponents()
        .map((c) => c.name)
    } catch {
      continue
    }
    if (!text.endsWith(`/p2p/${peerId}`)) continue
    const secure = names.includes('tls') || names.includes('wss')
    if (!names.includes('ws') && !names.includes('wss')) continue
    if (secureOnly && !secure) continue
    usable.push(text)
  }
  if (usable.length === 0) {
    throw new BootstrapError(
      secureOnly
        ? '/bootstrap.json lists no secure WebSocket (/tls/ws) address, which an https page needs. Put the relay behind TLS and set LAYR_ANNOUNCE.'
        : '/bootstrap.json lists no WebSocket address with the relay peer id.',
    )
  }
  return { peerId, multiaddrs: usable }
}

/**
 * Whether a host is loopback or on a private network, where peers' private addresses are their
 * real ones: the DHT must keep them and the browser must be allowed to dial them.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  // The same ranges libp2p itself treats as private (loopback, RFC 1918, CGNAT, link-local, ULA…).
  return isPrivateIp(host) === true
}
