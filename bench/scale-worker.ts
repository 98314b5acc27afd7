/**
 * A peer process of `npm run bench scale`: runs a batch of Node host peers (host/p2p.ts, as `npm
 * run host` makes them: a DHT server and a ShareHost on /layr/share/2.0.0, shares in memory) and
 * does what the bench asks of them over IPC (start more, look a key up from one, report memory,
 * stop). Exits with its parent.
 */
import '../relay/polyfill.ts' // first: Node 20 lacks Promise.withResolvers, which libp2p needs
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHostNode, type HostNode } from '../host/p2p.ts'
import { ShareHost } from '../src/net/share/host.ts'
import { mountShareHost } from '../src/net/share/libp2p.ts'
import { MemoryShareStore } from '../src/adapters/storage/memory.ts'
import { MemoryRecordStore } from '../src/adapters/storage/memory-records.ts'
import { gc, lookup, selfLookup, within, type WorkerRequest, type WorkerResponse } from './scale-common.ts'

const nodes = new Map<string, HostNode>()
gc()
const base = process.memoryUsage()
const verbose = !!process.env.LAYR_BENCH_VERBOSE

async function startPeer(bootstrap: readonly string[], connections: number, quota: number): Promise<string> {
  const t0 = performance.now()
  const n = await within(
    30_000,
    'starting a node',
    createHostNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      bootstrap,
      privateNetwork: true,
      announceLoopback: true,
      maxConnections: connections,
    }),
  )
  const id = n.node.peerId.toString()
  nodes.set(id, n)
  await mountShareHost(n.node, new ShareHost(new MemoryShareStore(), id, quota, { records: new MemoryRecordStore() }))
  const t1 = performance.now()
  await within(25_000, 'reaching the relay', n.keeper?.whenConnected(AbortSignal.timeout(20_000)) ?? Promise.resolve())
  const t2 = performance.now()
  await selfLookup(n.node).catch((err: unknown) => verbose && console.error(`scale-worker: join of ${id}: ${(err as Error).message}`))
  if (verbose)
    console.error(
      `scale-worker: joined in ${((t1 - t0) / 1000).toFixed(1)} + ${((t2 - t1) / 1000).toFixed(1)} + ${((performance.now() - t2) / 1000).toFixed(1)} s (start, relay, self-lookup)`,
    )
  return id
}

async function handle(req: WorkerRequest): Promise<WorkerResponse> {
  switch (req.op) {
    case 'start': {
      // A few at a time: each joins the DHT with a lookup of its own id.
      const ids: string[] = []
      const failed: string[] = []
      for (let i = 0; i < req.count; i += 5) {
        const batch = Math.min(5, req.count - i)
        const started = await Promise.allSettled(Array.from({ length: batch }, () => startPeer(req.bootstrap, req.connections, req.quota)))
        for (const s of started) {
          if (s.status === 'fulfilled') ids.push(s.value)
          else failed.push((s.reason as Error).message)
        }
      }
      return { op: 'start', ids, failed }
    }
    case 'lookup': {
      const n = nodes.get(req.peer)
      if (!n) return { op: 'error', message: `no peer ${req.peer} here` }
      return { op: 'lookup', result: await lookup(n.node, Buffer.from(req.key, 'hex'), req.timeoutMs) }
    }
    case 'stats': {
      gc()
      const m = process.memoryUsage()
      let connections = 0
      for (const n of nodes.values()) connections += n.node.getConnections().length
      return { op: 'stats', stats: { peers: nodes.size, rss: m.rss - base.rss, heap: m.heapUsed - base.heapUsed, connections } }
    }
    case 'stop': {
      const all = [...nodes.values()]
      for (let i = 0; i < all.length; i += 10) await Promise.all(all.slice(i, i + 10).map((n) => n.stop().catch(() => undefined)))
      nodes.clear()
      return { op: 'stop' }
    }
  }
}

process.on('message', (m: { id: number; req: WorkerRequest }) => {
  handle(m.req).then(
    (res) => process.send!({ id: m.id, res }),
    (err: unknown) => process.send!({ id: m.id, res: { op: 'error', message: (err as Error).message } }),
  )
})
process.on('disconnect', () => process.exit(0))
