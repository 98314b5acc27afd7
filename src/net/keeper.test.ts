import { describe, expect, it } from 'vitest'
import type { Libp2p } from '@libp2p/interface'
import { ConnectionKeeper, type KeeperEvent, type KeeperOptions } from './keeper.ts'

const R1 = '12D3KooWDbF9oWUYBRYtspgEcBqvFckh68DnbSByfB5wgVhHMBjv'
const R2 = '12D3KooWQsfKiNUPLkAtHDgsKsvgVYf2gRH6DG8ryXU1n3jFhxxd'
const addr = (id: string, port = 9000): string => `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${id}`
const id = (s: string): { toString(): string } => ({ toString: () => s })

/** Just enough of a libp2p node: dial succeeds for peers marked up, connections can be dropped. */
class FakeNode extends EventTarget {
  readonly peerId = id('12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelfSelfSelf')
  readonly up = new Set<string>()
  readonly dials: Array<{ at: number; peer: string; addr: string }> = []
  connections: Array<{ remotePeer: { toString(): string }; status: string; abort(err: Error): void }> = []
  /** Relays whose connections still look open but carry nothing (the far end went while we were frozen). */
  readonly zombies = new Set<string>()
  readonly aborted: string[] = []

  async ping(peer: { toString(): string }, signal: AbortSignal): Promise<number> {
    if (!this.zombies.has(peer.toString())) return 1
    await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))
    return 0
  }

  async dial(addrs: Array<{ toString(): string }>): Promise<unknown> {
    const text = addrs[0]!.toString()
    const peer = text.slice(text.lastIndexOf('/p2p/') + 5)
    this.dials.push({ at: Date.now(), peer, addr: text })
    await new Promise((r) => setTimeout(r, 1))
    if (!this.up.has(peer)) throw Object.assign(new Error('connection refused'), { name: 'DialError' })
    this.connections.push({ remotePeer: id(peer), status: 'open', abort: (err) => (this.aborted.push(`${peer}: ${err.message}`), this.drop(peer)) })
    this.dispatchEvent(new CustomEvent('peer:connect', { detail: id(peer) }))
    return {}
  }

  getConnections(): FakeNode['connections'] {
    return this.connections
  }

  drop(peer: string): void {
    this.connections = this.connections.filter((c) => c.remotePeer.toString() !== peer)
    this.dispatchEvent(new CustomEvent('peer:disconnect', { detail: id(peer) }))
  }
}

function keeperFor(node: FakeNode, list: () => string[], events: KeeperEvent[] = []): ConnectionKeeper {
  return new ConnectionKeeper(node as unknown as Libp2p, {
    resolve: list,
    minDelayMs: 5,
    maxDelayMs: 40,
    checkIntervalMs: 1000,
    dialTimeoutMs: 1000,
    resolveEvery: 3,
    onEvent: (e) => events.push(e),
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('ConnectionKeeper', () => {
  it('connects to every relay at start and reports them connected', async () => {
    const node = new FakeNode()
    node.up.add(R1).add(R2)
    const events: KeeperEvent[] = []
    const keeper = keeperFor(node, () => [addr(R1), addr(R2, 9001)], events)
    keeper.start()
    await keeper.whenConnected(AbortSignal.timeout(1000))
    await sleep(20)
    expect([...keeper.status.connected].sort()).toEqual([R1, R2].sort())
    expect(events.filter((e) => e.type === 'connected').length).toBe(2)
    keeper.stop()
  })

  it('redials a dropped relay with growing, capped delays and never gives up', async () => {
    const node = new FakeNode()
    node.up.add(R1)
    const events: KeeperEvent[] = []
    const keeper = keeperFor(node, () => [addr(R1)], events)
    keeper.start()
    await keeper.whenConnected(AbortSignal.timeout(1000))
    node.up.delete(R1)
    node.drop(R1)
    await sleep(800)
    const failed = events.filter((e) => e.type === 'failed')
    // More attempts than libp2p's own reconnect queue (5, then it gives up) would make.
    expect(failed.length).toBeGreaterThan(6)
    const delays = failed.map((e) => (e.type === 'failed' ? e.retryInMs : 0))
    expect(Math.max(...delays)).toBeLessThanOrEqual(40)
    expect(delays.slice(-3).every((d) => d >= 20)).toBe(true) // at the cap (with jitter 0.5–1)
    expect(keeper.status.connected).toEqual([])
    expect(keeper.status.failures).toBe(failed.length)

    node.up.add(R1)
    await keeper.whenConnected(AbortSignal.timeout(1000))
    await sleep(5)
    expect(keeper.status.failures).toBe(0)
    expect(events.some((e) => e.type === 'disconnected')).toBe(true)
    keeper.stop()
  })

  it('asks for a fresh address list every few failed rounds (a relay that moved)', async () => {
    const node = new FakeNode()
    let list = [addr(R1)]
    let resolves = 0
    const keeper = keeperFor(node, () => {
      resolves++
      return list
    })
    keeper.start()
    await sleep(100)
    expect(resolves).toBeGreaterThan(1)
    list = [addr(R2, 9100)]
    node.up.add(R2)
    await keeper.whenConnected(AbortSignal.timeout(2000))
    expect(keeper.status.connected).toEqual([R2])
    expect(node.dials.at(-1)?.addr).toBe(addr(R2, 9100))
    keeper.stop()
  })

  it('keeps the last good list when resolving fails', async () => {
    const node = new FakeNode()
    let calls = 0
    const keeper = keeperFor(node, () => {
      if (calls++ > 0) throw new Error('bootstrap.json unreachable')
      return [addr(R1)]
    })
    keeper.start()
    await sleep(80)
    expect(keeper.status.targets).toEqual([R1])
    expect(keeper.status.lastError).toMatch(/bootstrap.json unreachable|connection refused/)
    node.up.add(R1)
    await keeper.whenConnected(AbortSignal.timeout(1000))
    keeper.stop()
  })

  it('stops dialling when stopped, and whenConnected honours its signal', async () => {
    const node = new FakeNode()
    const keeper = keeperFor(node, () => [addr(R1)])
    keeper.start()
    await sleep(30)
    keeper.stop()
    const count = node.dials.length
    await sleep(100)
    expect(node.dials.length).toBe(count)
    const keeper2 = keeperFor(node, () => [addr(R1)])
    keeper2.start()
    await expect(keeper2.whenConnected(AbortSignal.timeout(30))).rejects.toMatchObject({ name: 'TimeoutError' })
    keeper2.stop()
  })

  describe('after the page was frozen or the machine slept', () => {
    function wakingKeeper(node: FakeNode, events: KeeperEvent[], extra: Partial<KeeperOptions> = {}): ConnectionKeeper {
      return new ConnectionKeeper(node as unknown as Libp2p, {
        resolve: () => [addr(R1), addr(R2, 9001)],
        minDelayMs: 5,
        maxDelayMs: 40,
        checkIntervalMs: 60_000,
        dialTimeoutMs: 1000,
        pingTimeoutMs: 50,
        ping: (peer, signal) => node.ping(peer, signal),
        onEvent: (e) => events.push(e),
        ...extra,
      })
    }

    it('on a wake, drops the relay connections that no longer answer and redials them at once', async () => {
      const node = new FakeNode()
      node.up.add(R1).add(R2)
      const events: KeeperEvent[] = []
      let wake: ((reason: string) => void) | undefined
      let unsubscribed = false
      const keeper = wakingKeeper(node, events, {
        wakeSignals: (w) => {
          wake = w
          return () => void (unsubscribed = true)
        },
      })
      keeper.start()
      await keeper.whenConnected(AbortSignal.timeout(1000))
      await sleep(20)
      expect(keeper.status.connected.length).toBe(2)
      const dials = node.dials.length
      // R1's connection died while we were not running: it still looks open here.
      node.zombies.add(R1)
      wake!('resume')
      await sleep(200)
      expect(events).toContainEqual({ type: 'woke', reason: 'resume', dead: [R1] })
      expect(node.aborted).toEqual([expect.stringMatching(new RegExp(`^${R1}: .*stopped answering.*\\(resume\\)`))])
      // Redialled without waiting for the next check (a minute away), and only R1.
      expect(node.dials.slice(dials).map((d) => d.peer)).toEqual([R1])
      expect([...keeper.status.connected].sort()).toEqual([R1, R2].sort())
      keeper.stop()
      expect(unsubscribed).toBe(true)
    })

    it('takes a check that fires far later than due for a wake (nothing ran meanwhile: a frozen page)', async () => {
      const node = new FakeNode()
      node.up.add(R1).add(R2)
      const events: KeeperEvent[] = []
      const keeper = wakingKeeper(node, events, { checkIntervalMs: 50, clockJumpMs: 150 })
      keeper.start()
      await keeper.whenConnected(AbortSignal.timeout(1000))
      await sleep(120)
      expect(events.some((e) => e.type === 'woke')).toBe(false) // timers on time: no wake
      node.zombies.add(R2)
      // Frozen: this thread runs nothing for 400 ms, so the 50 ms check fires ~350 ms late.
      const end = Date.now() + 400
      while (Date.now() < end) {
        /* frozen */
      }
      await sleep(200)
      expect(events).toContainEqual({ type: 'woke', reason: 'clock', dead: [R2] })
      expect([...keeper.status.connected].sort()).toEqual([R1, R2].sort())
      keeper.stop()
    })
  })
})
