/**
 * An in-memory grid of peers, in the spirit of Tahoe-LAFS's no_network grid: every peer runs the
 * real ShareHost over memory stores, and every request goes through the real codec (header,
 * admission, body, response), so what a unit test sees is what a peer on the wire would. Fault
 * controls: `breakPeer` (unreachable), `hangPeer` (never answers), `slowPeer` (answers late), `movePeer` (unreachable until
 * looked up again), `intercept` (answers in the
 * host's place), `lie` (rewrites what the host answered). `now` is every host's clock.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8 } from '../core/bytes.ts'
import { MemoryShareStore } from '../adapters/storage/memory.ts'
import { MemoryRecordStore } from '../adapters/storage/memory-records.ts'
import { NetworkTimeoutError, PeerUnreachableError } from '../net/errors.ts'
import { ShareHost, type RepairService } from '../net/share/host.ts'
import type { HostLimits } from '../net/share/accounting.ts'
import type { HostPaymentOptions } from '../net/share/payments.ts'
import {
  decodeInterim,
  decodeRequestHead,
  decodeResponse,
  encodeInterim,
  encodeRequest,
  encodeResponse,
  responseBodyMax,
  withRequestBody,
  type ShareRequest,
  type ShareResponse,
} from '../net/share/messages.ts'
import type { PeerNetwork, RequestOptions } from '../ports/peer-network.ts'

export interface GridPeer {
  readonly id: string
  readonly host: ShareHost
  readonly shares: MemoryShareStore
  readonly records: MemoryRecordStore
}

type Lie = (req: ShareRequest, res: ShareResponse) => ShareResponse
/** Answers in the host's place (its host never sees the request), or undefined to let it through. */
type Intercept = (req: ShareRequest) => ShareResponse | undefined

export class Grid {
  readonly peers: GridPeer[] = []
  readonly #broken = new Set<string>()
  readonly #slow = new Map<string, number>()
  readonly #moved = new Set<string>()
  readonly #lies = new Map<string, Lie>()
  readonly #intercepts = new Map<string, Intercept>()
  /** Every host's clock (ms since the epoch). */
  now = 1_800_000_000_000

  constructor(count: number, options: { quota?: number; limits?: Partial<Omit<HostLimits, 'quota'>> } = {}) {
    for (let i = 0; i < count; i++) this.add(`peer-${i}`, options)
  }

  /** `repairs`: the peer repairs for others under owners' grants (a Node host's DelegatedRepairs). */
  add(
    id: string,
    options: { quota?: number; limits?: Partial<Omit<HostLimits, 'quota'>>; payments?: HostPaymentOptions; repairs?: RepairService } = {},
  ): GridPeer {
    const shares = new MemoryShareStore()
    const records = new MemoryRecordStore()
    const host = new ShareHost(shares, id, options.quota ?? 64 * 1024 * 1024, {
      records,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.payments ? { payments: options.payments } : {}),
      ...(options.repairs ? { repairs: options.repairs } : {}),
      now: () => this.now,
    })
    const peer = { id, host, shares, records }
    this.peers.push(peer)
    return peer
  }

  /** Shares held by every peer of the grid, counted (a share on two peers counts twice). */
  async sharesHeld(): Promise<number> {
    let n = 0
    for (const p of this.peers) n += (await p.shares.usage()).shares
    return n
  }

  peer(id: string): GridPeer {
    const p = this.peers.find((x) => x.id === id)
    if (!p) throw new Error(`grid: no peer ${id}`)
    return p
  }

  breakPeer(id: string): void {
    this.#broken.add(id)
  }

  hangPeer(id: string): void {
    this.#slow.set(id, Infinity)
  }

  /** Answers `ms` late (past the caller's time limit, a NetworkTimeoutError, as on the wire). */
  slowPeer(id: string, ms: number): void {
    this.#slow.set(id, ms)
  }

  /** The peer came back elsewhere: unreachable at what this side knew, until it is relocated. */
  movePeer(id: string): void {
    this.#moved.add(id)
  }

  lie(id: string, lie: Lie): void {
    this.#lies.set(id, lie)
  }

  /** Answers some requests in the host's place (a refusal the host never handled). */
  intercept(id: string, fn: Intercept): void {
    this.#intercepts.set(id, fn)
  }

  heal(id: string): void {
    this.#broken.delete(id)
    this.#slow.delete(id)
    this.#lies.delete(id)
    this.#intercepts.delete(id)
  }

  /** The network as the peer `self` sees it (itself left out of lookups). */
  network(self: string): PeerNetwork {
    const live = (): string[] => this.peers.map((p) => p.id).filter((id) => id !== self && !this.#broken.has(id))
    return {
      discoverPeers: async () => live(),
      relocate: async (peer) => {
        if (this.#broken.has(peer)) throw new PeerUnreachableError(`grid: ${peer} is unreachable.`)
        this.#moved.delete(peer)
      },
      kadId: async (peer) => kadId(peer),
      closestPeers: async (key) => {
        const distance = (id: string): bigint => xor(kadId(id), key)
        return live().sort((a, b) => (distance(a) < distance(b) ? -1 : distance(a) > distance(b) ? 1 : 0))
      },
      request: (peer, req, options) => this.#request(self, peer, req, options ?? {}),
    }
  }

  async #request(self: string, to: string, req: ShareRequest, options: RequestOptions): Promise<ShareResponse> {
    options.signal?.throwIfAborted()
    if (this.#broken.has(to) || this.#moved.has(to) || !this.peers.some((p) => p.id === to)) throw new PeerUnreachableError(`grid: ${to} is unreachable.`)
    const slow = this.#slow.get(to)
    if (slow !== undefined) {
      const limit = Math.min(options.timeoutMs ?? 60_000, options.deadlineMs ?? Infinity)
      await new Promise<void>((resolve, reject) => {
        const late = slow >= limit
        const t = setTimeout(() => (late ? reject(new NetworkTimeoutError(`grid: ${to} did not answer in time.`)) : resolve()), Math.min(slow, limit))
        options.signal?.addEventListener('abort', () => (clearTimeout(t), reject(options.signal!.reason as Error)), { once: true })
      })
    }
    const early = this.#intercepts.get(to)?.(req)
    if (early) return decodeResponse(encodeResponse(early), responseBodyMax(req))
    const { host } = this.peer(to)
    const ctx = { peer: self }
    const msg = encodeRequest(req)
    const head = decodeRequestHead(msg.head)
    let res: ShareResponse
    if (msg.body) {
      const admission = await host.admit(head, ctx)
      const interim = decodeInterim(encodeInterim(admission.status === 'continue' ? { status: 'continue' } : admission))
      if (interim.status !== 'continue') return interim
      res = await host.handle(withRequestBody(head, msg.body.slice()), ctx, admission.status === 'continue' ? admission : undefined)
    } else {
      res = await host.handle(withRequestBody(head, undefined), ctx)
    }
    const lie = this.#lies.get(to)
    if (lie) res = lie(req, res)
    return decodeResponse(encodeResponse(res), responseBodyMax(req))
  }
}

/** A grid peer's place in the key space. */
export function kadId(peer: string): Uint8Array {
  return sha256(utf8(peer))
}

function xor(a: Uint8Array, b: Uint8Array): bigint {
  let v = 0n
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt((a[i] ?? 0) ^ (b[i] ?? 0))
  return v
}
