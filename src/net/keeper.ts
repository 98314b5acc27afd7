/**
 * Keeps a libp2p node connected to a set of relays, redialling with capped, jittered exponential
 * backoff when they drop (a relay restart, a network change). Used by browser tabs for their
 * bootstrap relays and by relays for the other relays they join.
 *
 * libp2p's own reconnect queue is not enough here: it retries only peers tagged keep-alive, only
 * about 5 times over ~30 s, and the circuit-relay transport removes that tag from a relay the
 * moment its reservation is lost, which races with the reconnect. This keeper never gives up
 * while the node runs; it re-reads the address list every few failed rounds, so a relay that
 * came back with a new address or identity is picked up from a fresh /bootstrap.json.
 *
 * A tab that was frozen (Chromium freezes hidden tabs) or a machine that slept runs no code for a
 * while, and its connections may have died meanwhile without a word reaching it. So the keeper
 * also wakes up on what says "time passed": the page's `resume` and `visibilitychange` events and
 * `online` (`wakeSignals`), and a check that fires much later than it was set for (a wall-clock
 * jump, `clockJumpMs`). It then pings every relay it thinks is connected, drops the connections
 * that do not answer, and redials at once; the relay reservation, and with it this tab's
 * /p2p-circuit/webrtc address, comes back with the connection (circuit-relay transport).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

export type KeeperEvent =
  | { readonly type: 'connected'; readonly peerId: string; readonly ms: number }
  | { readonly type: 'disconnected'; readonly peerId: string }
  | { readonly type: 'failed'; readonly attempt: number; readonly error: string; readonly retryInMs: number }
  /** Time passed without us (`reason`: a page event, or `clock` for a late timer); `dead`: the relays whose connections no longer answered. */
  | { readonly type: 'woke'; readonly reason: string; readonly dead: readonly string[] }

export interface KeeperOptions {
  /** Returns the relays' multiaddrs (each with /p2p/<id>). Called at start and after failed rounds. */
  resolve(): Promise<readonly string[]> | readonly string[]
  /** First retry delay; doubles per failed round up to maxDelayMs. */
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
  /** Time limit of one dial. */
  readonly dialTimeoutMs?: number
  /** How often to check the connections while all is well. */
  readonly checkIntervalMs?: number
  /** Re-resolve the address list every this many failed rounds. */
  readonly resolveEvery?: number
  /** Checks that an open connection to `peerId` still carries anything (a libp2p ping); rejects when it does not. */
  ping?(peerId: PeerId, signal: AbortSignal): Promise<unknown>
  /** Time limit of one such ping (default 5 s). */
  readonly pingTimeoutMs?: number
  /**
   * Subscribes to what tells that time may have passed without us (the page's resume, visibility
   * and online events); returns the unsubscribe function.
   */
  wakeSignals?(wake: (reason: string) => void): () => void
  /** A check that fires this much later than it was due counts as a wake (default 20 s). */
  readonly clockJumpMs?: number
  onEvent?(event: KeeperEvent): void
}

export interface KeeperStatus {
  /** Relay peer ids this keeper looks after. */
  readonly targets: readonly string[]
  /** Those with an open connection now. */
  readonly connected: readonly string[]
  /** Failed rounds in a row (0 while connected). */
  readonly failures: number
  readonly lastError: string | undefined
}

export class ConnectionKeeper {
  readonly #node: Libp2p
  readonly #resolve: KeeperOptions['resolve']
  readonly #onEvent: KeeperOptions['onEvent']
  readonly #minDelay: number
  readonly #maxDelay: number
  readonly #dialTimeout: number
  readonly #checkInterval: number
  readonly #resolveEvery: number
  /** peer id → its addresses */
  #targets = new Map<string, Multiaddr[]>()
  #resolved = false
  #failures = 0
  #lastError: string | undefined
  readonly #ping: KeeperOptions['ping']
  readonly #pingTimeout: number
  readonly #wakeSignals: KeeperOptions['wakeSignals']
  readonly #clockJump: number
  #unsubscribe: (() => void) | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** When the scheduled round is due (Date.now()), to see a late timer. */
  #due = 0
  #waking: Promise<void> | undefined
  #running = false
  #rerun = false
  #stopped = true
  #waiters = new Set<() => void>()

  constructor(node: Libp2p, options: KeeperOptions) {
    this.#node = node
    this.#resolve = options.resolve
    this.#onEvent = options.onEvent
    this.#minDelay = options.minDelayMs ?? 250
    this.#maxDelay = options.maxDelayMs ?? 10_000
    this.#dialTimeout = options.dialTimeoutMs ?? 10_000
    this.#checkInterval = options.checkIntervalMs ?? 10_000
    this.#resolveEvery = options.resolveEvery ?? 3
    this.#ping = options.ping
    this.#pingTimeout = options.pingTimeoutMs ?? 5_000
    this.#wakeSignals = options.wakeSignals
    this.#clockJump = options.clockJumpMs ?? 20_000
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#node.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.addEventListener('peer:connect', this.#onConnect)
    this.#node.addEventListener('stop', this.#onStop)
    this.#unsubscribe = this.#wakeSignals?.((reason) => void this.wake(reason))
    this.#schedule(0)
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.removeEventListener('peer:connect', this.#onConnect)
    this.#node.removeEventListener('stop', this.#onStop)
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#wake()
  }

  /**
   * Time may have passed without us (`reason` says what told us): pings the relays that look
   * connected, closes the connections that do not answer, and runs a round now, so the dead ones
   * are redialled at once. Wakes that come while one is under way join it.
   */
  wake(reason: string): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    this.#waking ??= this.#checkConnections(reason).finally(() => (this.#waking = undefined))
    return this.#waking
  }

  async #checkConnections(reason: string): Promise<void> {
    const dead: string[] = []
    const open = this.#node.getConnections().filter((c) => c.status === 'open' && this.#targets.has(c.remotePeer.toString()))
    await Promise.all(
      open.map(async (conn) => {
        const id = conn.remotePeer.toString()
        if (!this.#ping) return
        try {
          await this.#ping(conn.remotePeer, AbortSignal.timeout(this.#pingTimeout))
        } catch (err) {
          if (!dead.includes(id)) dead.push(id)
          // Abort, not close: a close waits for the other side, which is what stopped answering.
          conn.abort(new Error(`The connection to relay ${id} stopped answering (${message(err)}) while this page was not running (${reason}).`))
        }
      }),
    )
    if (this.#stopped) return
    this.#onEvent?.({ type: 'woke', reason, dead })
    this.#schedule(0)
  }

  get status(): KeeperStatus {
    const targets = [...this.#targets.keys()]
    return {
      targets,
      connected: targets.filter((id) => this.#isConnected(id)),
      failures: this.#failures,
      lastError: this.#lastError,
    }
  }

  /** Resolves once at least one relay is connected (or the keeper stops). */
  async whenConnected(signal?: AbortSignal): Promise<void> {
    while (!this.#stopped && this.status.connected.length === 0) {
      signal?.throwIfAborted()
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#waiters.delete(done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        this.#waiters.add(done)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
    signal?.throwIfAborted()
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    if (!this.#targets.has(id) || this.#stopped) return
    this.#onEvent?.({ type: 'disconnected', peerId: id })
    this.#schedule(this.#minDelay)
  }

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    if (this.#targets.has(evt.detail.toString())) this.#wake()
  }

  readonly #onStop = (): void => {
    this.stop()
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }

  #isConnected(peerId: string): boolean {
    return this.#node.getConnections().some((c) => c.remotePeer.toString() === peerId && c.status === 'open')
  }

  #schedule(ms: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#due = Date.now() + ms
    this.#timer = setTimeout(() => {
      // Much later than due: the page was frozen, or the machine slept (a hidden tab's throttled
      // timers are late by a minute at most). The connections may be dead without a word.
      if (Date.now() - this.#due > this.#clockJump) void this.wake('clock')
      else void this.#round()
    }, ms)
  }

  async #refresh(): Promise<void> {
    const list = await this.#resolve()
    const targets = new Map<string, Multiaddr[]>()
    for (const text of list) {
      const ma = multiaddr(text)
      const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (id === undefined || id === this.#node.peerId.toString()) continue
      const addrs = targets.get(id) ?? []
      addrs.push(ma)
      targets.set(id, addrs)
    }
    if (targets.size === 0) throw new Error('no relay address with a /p2p/<peer id>')
    this.#targets = targets
    this.#resolved = true
  }

  async #round(): Promise<void> {
    if (this.#stopped) return
    if (this.#running) {
      this.#rerun = true
      return
    }
    this.#running = true
    try {
      const errors: string[] = []
      if (!this.#resolved || (this.#failures > 0 && this.#failures % this.#resolveEvery === 0)) {
        await this.#refresh().catch((err: unknown) => errors.push(`resolving relays: ${message(err)}`))
      }
      const missing = [...this.#targets.entries()].filter(([id]) => !this.#isConnected(id))
      const results = await Promise.allSettled(
        missing.map(async ([id, addrs]) => {
          const started = Date.now()
          await this.#node.dial(addrs, { signal: AbortSignal.timeout(this.#dialTimeout) })
          this.#onEvent?.({ type: 'connected', peerId: id, ms: Date.now() - started })
        }),
      )
      for (const r of results) if (r.status === 'rejected') errors.push(message(r.reason))
      if (this.#stopped) return
      const allConnected = this.#resolved && [...this.#targets.keys()].every((id) => this.#isConnected(id))
      if (allConnected) {
        this.#failures = 0
        this.#lastError = undefined
        this.#wake()
        this.#schedule(this.#checkInterval)
        return
      }
      this.#failures++
      this.#lastError = errors.join('; ') || 'not connected'
      const base = Math.min(this.#maxDelay, this.#minDelay * 2 ** (this.#failures - 1))
      const retryInMs = Math.round(base * (0.5 + Math.random() * 0.5))
      this.#onEvent?.({ type: 'failed', attempt: this.#failures, error: this.#lastError, retryInMs })
      this.#schedule(retryInMs)
    } finally {
      this.#running = false
      if (this.#rerun && !this.#stopped) {
        this.#rerun = false
        this.#schedule(0)
      }
    }
  }
}

function message(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  // A failed WebSocket dial rejects with the socket's 'error' Event, not an Error.
  if (typeof err === 'object' && err !== null) {
    const { message: m, type } = err as { message?: unknown; type?: unknown }
    if (typeof m === 'string' && m !== '') return m
    if (typeof type === 'string') return `${type} event (connection refused?)`
  }
  return String(err)
}
