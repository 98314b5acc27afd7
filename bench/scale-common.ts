/** What bench/scale.ts and its peer processes (bench/scale-worker.ts) share: key-space helpers, time limits, and their messages. */
import { createHash } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerNode } from '../src/net/node.ts'

/** A peer's place in the DHT's key space, as kad-dht computes it. */
export function kadIdOf(peerId: string): Uint8Array {
  return createHash('sha256').update(peerIdFromString(peerId).toMultihash().bytes).digest()
}

/** Negative when a is nearer to target than b. */
export function xorLess(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const d = (a[i]! ^ target[i]!) - (b[i]! ^ target[i]!)
    if (d !== 0) return d
  }
  return 0
}

/** `p`, or an error after `ms`: a step that hangs is reported, not waited for forever. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`scale: ${what} took over ${ms} ms`)), ms)))
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}

/** A node's lookup of its own id: how a peer joins the DHT (kad-dht's first table refresh does the same). */
export async function selfLookup(node: PeerNode): Promise<void> {
  const run = async (): Promise<void> => {
    for await (const _ of node.services.dht.getClosestPeers(node.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(20_000) })) void _
  }
  await within(25_000, 'a self-lookup', run())
}

export function gc(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

/** One DHT lookup as a peer process measured it. */
export interface LookupResult {
  readonly ms: number
  /** Referrals between the asking peer's own table and the closest peer found; -1 when none was found. */
  readonly hops: number
  /** The closest peer found (not the asker), if any. */
  readonly found?: string
  /** Peers the lookup sent a query to. */
  readonly queried: number
}

/**
 * A lookup of `key` from `node`: latency, and hops = the referral depth of the closest peer found
 * (a peer already in the asker's table is 0 hops away; one named by a peer of the table is 1; …).
 */
export async function lookup(node: PeerNode, key: Uint8Array, timeoutMs: number): Promise<LookupResult> {
  const self = node.peerId.toString()
  const target = createHash('sha256').update(key).digest()
  const depth = new Map<string, number>()
  const finals: string[] = []
  let queried = 0
  const t0 = performance.now()
  for await (const e of node.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(timeoutMs) })) {
    if (e.name === 'SEND_QUERY') {
      queried++
      const to = e.to.toString()
      if (!depth.has(to)) depth.set(to, 0) // asked without being named: from its own table
    } else if (e.name === 'PEER_RESPONSE') {
      const d = depth.get(e.from.toString()) ?? 0
      for (const p of e.closer) if (!depth.has(p.id.toString())) depth.set(p.id.toString(), d + 1)
    } else if (e.name === 'FINAL_PEER') finals.push(e.peer.id.toString())
  }
  const ms = performance.now() - t0
  const found = finals.filter((f) => f !== self).sort((a, b) => xorLess(kadIdOf(a), kadIdOf(b), target))[0]
  return found === undefined ? { ms, hops: -1, queried } : { ms, hops: depth.get(found) ?? 0, found, queried }
}

/** What the bench asks a peer process. */
export type WorkerRequest =
  | { readonly op: 'start'; readonly count: number; readonly bootstrap: readonly string[]; readonly connections: number; readonly quota: number }
  | { readonly op: 'lookup'; readonly peer: string; readonly key: string; readonly timeoutMs: number }
  | { readonly op: 'stats' }
  | { readonly op: 'stop' }

export interface WorkerStats {
  readonly peers: number
  /** Growth of the process's RSS and heap since before its first peer (after a GC). */
  readonly rss: number
  readonly heap: number
  readonly connections: number
}

export type WorkerResponse =
  | { readonly op: 'start'; readonly ids: readonly string[]; readonly failed: readonly string[] }
  | { readonly op: 'lookup'; readonly result: LookupResult }
  | { readonly op: 'stats'; readonly stats: WorkerStats }
  | { readonly op: 'stop' }
  | { readonly op: 'error'; readonly message: string }
