/**
 * `npm run bench scale`: the network at 25, 50 and 100 peers on this machine, with the real
 * relay, kad-dht and share protocol, spread over processes so that no one event loop drowns:
 *
 * - this process: the relay (relay/relay.ts, as `npm start` runs it: WebSocket, circuit relay,
 *   DHT server) and one owner peer (not a host) that backs files up and restores them through
 *   transfer/ (backupFile, restoreFile) over libp2pNetwork, exactly as a tab does;
 * - LAYR_BENCH_WORKERS child processes (bench/scale-worker.ts, 4 by default), each running a
 *   batch of the N Node host peers (host/p2p.ts, as `npm run host` makes them), each a DHT server
 *   and a ShareHost with shares in memory (the file store's fsyncs would measure the disk, not the
 *   network). New peers go to the process with the fewest. They talk WebSockets over loopback:
 *   100 WebRTC stacks (node-datachannel, one native thread pool each) on 2 shared cores would
 *   measure CPU starvation, and WebRTC between a tab and a Node host is covered by
 *   e2e/node-host.spec.ts.
 *
 * Peers are added in steps (25, then 25 more, then 50 more); each new peer joins the DHT with a
 * lookup of its own id, as kad-dht's first table refresh does. At each step:
 *
 * - DHT lookups of random keys from random peers: latency, and hops = the referrals between the
 *   asking peer's own routing table and the closest peer found (a peer already in the table is
 *   0 hops away; one named by a peer of the table is 1; …); and whether the closest peer found
 *   is the true closest (known here: we know every peer);
 * - backups of new files (k = 4, n = 8, 64 KiB shares: many shares, little CPU) and placement
 *   balance over all hosts, shares held per host max ÷ mean (of every file so far; and of the
 *   files backed up at that step alone, `placement_step_max_over_mean`);
 * - restores of every file backed up so far, byte for byte;
 * - memory per peer: the growth of the peer processes' RSS and heap since before their first
 *   peer, divided by their peers (after a GC).
 *
 * Every step is bounded: each join, lookup, backup and restore has a time limit, and each phase
 * of a step has a budget (lookups 60 s, backups 150 s, restores 120 s: LAYR_BENCH_PHASE_S scales
 * them); a phase past its budget skips what is left of it, skipped backups and restores count as
 * failed (`…_skipped` says how many), and no step starts after LAYR_BENCH_TOTAL_S (1200) from the
 * start. On 2 cores shared with other work, lookups slow down first (seconds each at 50 peers).
 *
 * Knobs: LAYR_BENCH_STEPS (25,50,100), LAYR_BENCH_WORKERS (4), LAYR_BENCH_CONNECTIONS (48 per
 * peer), LAYR_BENCH_LOOKUPS (60 per step), LAYR_BENCH_SHARES_PER_PEER (8: files are sized so that a
 * step places about this many shares per host), LAYR_BENCH_PHASE_S (1), LAYR_BENCH_TOTAL_S,
 * LAYR_BENCH_VERBOSE=1.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Figure } from './page/pipeline.ts'
import { startRelay } from '../relay/relay.ts'
import { p2pConfigFromEnv } from '../relay/p2p.ts'
import { createHostNode } from '../host/p2p.ts'
import { libp2pNetwork } from '../src/net/peer-network.ts'
import { backupFile, restoreFile } from '../src/transfer/index.ts'
import { makePolicy } from '../src/core/erasure/index.ts'
import { Vault } from '../src/core/vault/index.ts'
import type { FileManifest } from '../src/core/index.ts'
import { kadIdOf, selfLookup, within, xorLess, type LookupResult, type WorkerRequest, type WorkerResponse, type WorkerStats } from './scale-common.ts'

const SHARE = 65536
/**
 * Open connections a peer keeps (libp2p's connection manager closes the least valuable beyond
 * it). Left unbounded, every peer ends up connected to every other (lookups dial and nothing
 * closes), and the ~10,000 connections' pings and keep-alives of 100 peers starve the lookups
 * themselves. A server host keeps about this many in practice.
 */
const PEER_CONNECTIONS = Number(process.env.LAYR_BENCH_CONNECTIONS ?? 48)
const K = 4
const N = 8
const QUOTA = 1024 ** 3
const LOOKUP_MS = 30_000
const BACKUP_MS = 120_000
const RESTORE_MS = 60_000

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}

/** A peer process, and the requests to it awaiting their answer. */
class Worker {
  readonly peers: string[] = []
  readonly #pending = new Map<number, (res: WorkerResponse) => void>()
  #next = 0
  readonly #child: ChildProcess

  constructor(path: string) {
    this.#child = fork(path, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.#child.on('message', (m: { id: number; res: WorkerResponse }) => {
      this.#pending.get(m.id)?.(m.res)
      this.#pending.delete(m.id)
    })
    this.#child.on('exit', (code) => {
      for (const resolve of this.#pending.values()) resolve({ op: 'error', message: `peer process exited (${code})` })
      this.#pending.clear()
    })
  }

  async call<O extends WorkerRequest['op']>(req: Extract<WorkerRequest, { op: O }>, ms: number): Promise<Extract<WorkerResponse, { op: O }>> {
    const id = this.#next++
    const answer = new Promise<WorkerResponse>((resolve) => this.#pending.set(id, resolve))
    this.#child.send({ id, req })
    try {
      const res = await within(ms, `peer process ${req.op}`, answer)
      if (res.op === 'error') throw new Error(res.message)
      return res as Extract<WorkerResponse, { op: O }>
    } finally {
      this.#pending.delete(id)
    }
  }

  kill(): void {
    this.#child.kill('SIGKILL')
  }
}

export async function scale(print: (f: Figure) => void): Promise<void> {
  const steps = (process.env.LAYR_BENCH_STEPS ?? '25,50,100').split(',').map(Number)
  const workerCount = Math.max(1, Number(process.env.LAYR_BENCH_WORKERS ?? 4))
  const lookups = Number(process.env.LAYR_BENCH_LOOKUPS ?? 60)
  const perPeer = Number(process.env.LAYR_BENCH_SHARES_PER_PEER ?? 8)
  const phase = Number(process.env.LAYR_BENCH_PHASE_S ?? 1)
  /** A phase's deadline, `seconds` (scaled) from now: `late()` says when it has passed. */
  const budget = (seconds: number): (() => boolean) => {
    const end = performance.now() + seconds * phase * 1000
    return () => performance.now() > end
  }
  const totalS = Number(process.env.LAYR_BENCH_TOTAL_S ?? 1200)
  const verbose = !!process.env.LAYR_BENCH_VERBOSE
  const say = (m: string): void => void (verbose && console.error(`scale: ${m}`))
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'layr-bench-scale-'))
  const relay = await startRelay({ host: '127.0.0.1', port: 0, staticDir: dir }, { ...p2pConfigFromEnv({}), keyFile: join(dir, 'relay-key') })
  const bootstrap = [...relay.multiaddrs]
  const workerPath = fileURLToPath(new URL('./scale-worker.ts', import.meta.url))
  const workers = Array.from({ length: workerCount }, () => new Worker(workerPath))
  const where = new Map<string, Worker>()
  const owner = await createHostNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    bootstrap,
    privateNetwork: true,
    announceLoopback: true,
    maxConnections: 1000,
  })
  const ownerId = owner.node.peerId.toString()
  const net = libp2pNetwork(owner.node)
  const vault = await Vault.create()
  const policy = makePolicy({ k: K, n: N })
  const files: Array<{ manifest: FileManifest; sha: string }> = []
  const emit = (peersNow: number, metric: string, value: number, unit: string, target?: string): void =>
    print({ bench: 'scale', metric: `${metric}@${peersNow}`, value: Math.round(value * 1000) / 1000, unit, ...(target ? { target } : {}) })

  try {
    for (const step of steps) {
      if ((performance.now() - started) / 1000 > totalS) {
        say(`not starting the ${step}-peer step: the bench has run ${totalS} s`)
        print({ bench: 'scale', metric: `skipped@${step}`, value: 1, unit: 'step' })
        continue
      }
      const t0 = performance.now()
      // Join: the new peers, spread over the processes, each process starting a few at a time.
      const have = where.size
      const adds = workers.map(() => 0)
      for (let i = have; i < step; i++) {
        const w = workers.reduce((best, w, j) => (w.peers.length + adds[j]! < workers[best]!.peers.length + adds[best]! ? j : best), 0)
        adds[w]!++
      }
      say(`joining peers ${have + 1}–${step}`)
      let joinFailed = 0
      await Promise.all(
        workers.map(async (w, j) => {
          if (adds[j] === 0) return
          try {
            const res = await w.call({ op: 'start', count: adds[j]!, bootstrap, connections: PEER_CONNECTIONS, quota: QUOTA }, adds[j]! * 60_000)
            for (const id of res.ids) {
              w.peers.push(id)
              where.set(id, w)
            }
            joinFailed += res.failed.length
            for (const f of res.failed) say(`a peer did not start: ${f}`)
          } catch (err) {
            joinFailed += adds[j]!
            say(`peer process: ${(err as Error).message}`)
          }
        }),
      )
      // The owner refreshes its view too (a tab would have, over the minutes the others joined).
      await selfLookup(owner.node).catch((err: unknown) => say(`owner refresh: ${(err as Error).message}`))
      const peers = [...where.keys()]
      const joinS = (performance.now() - t0) / 1000
      say(`${peers.length} peers joined in ${joinS.toFixed(1)} s`)
      emit(step, 'join_s', joinS, 's')
      emit(step, 'peers_started', peers.length, 'peers')
      if (joinFailed > 0) emit(step, 'peers_failed_to_start', joinFailed, 'peers')

      // DHT lookups of random keys from random peers (the relay and owner are in the DHT too).
      const everyone = [...peers, ownerId, relay.peerId].map((id) => ({ id, kadId: kadIdOf(id) }))
      const results: Array<LookupResult & { exact: boolean }> = []
      let lookupsSkipped = 0
      let late = budget(60)
      for (let i = 0; i < lookups; i++) {
        if (late()) {
          lookupsSkipped = lookups - i
          break
        }
        const from = peers[Math.floor(Math.random() * peers.length)]!
        const key = randomBytes(32)
        const target = createHash('sha256').update(key).digest()
        try {
          const { result } = await where.get(from)!.call({ op: 'lookup', peer: from, key: key.toString('hex'), timeoutMs: LOOKUP_MS }, LOOKUP_MS + 10_000)
          const best = everyone.filter((p) => p.id !== from).reduce((a, b) => (xorLess(a.kadId, b.kadId, target) <= 0 ? a : b))
          results.push({ ...result, exact: result.found === best.id })
        } catch (err) {
          say((err as Error).message)
          results.push({ ms: LOOKUP_MS, hops: -1, queried: 0, exact: false })
        }
      }
      // A lookup that found no one counts as infinitely many hops.
      const hops = results.map((r) => (r.hops < 0 ? Infinity : r.hops))
      const ms = results.map((r) => r.ms)
      const bound = Math.ceil(Math.log2(step))
      emit(step, 'lookup_ms_median', quantile(ms, 0.5), 'ms')
      emit(step, 'lookup_ms_p95', quantile(ms, 0.95), 'ms')
      emit(step, 'lookup_hops_median', quantile(hops, 0.5), 'hops')
      emit(step, 'lookup_hops_p95', quantile(hops, 0.95), 'hops', `<= ${bound}`)
      emit(
        step,
        'lookup_queries_median',
        quantile(
          results.map((r) => r.queried),
          0.5,
        ),
        'requests',
      )
      emit(step, 'lookup_found_true_closest', results.filter((r) => r.exact).length / Math.max(1, results.length), 'ratio')
      if (lookupsSkipped > 0) emit(step, 'lookups_skipped', lookupsSkipped, 'lookups')

      // Backups: about `perPeer` shares per host in all, in files of 1–8 segments.
      const shareCount = new Map<string, number>(peers.map((p) => [p, 0]))
      const segments = Math.ceil((perPeer * step) / N)
      let placed = 0
      let backups = 0
      let backupsOk = 0
      let backupsSkipped = 0
      const b0 = performance.now()
      late = budget(150)
      while (placed < segments) {
        const segs = Math.min(segments - placed, 1 + Math.floor(Math.random() * 8))
        placed += segs
        backups++
        if (late()) {
          backupsSkipped++
          continue
        }
        const bytes = randomBytes(segs * K * SHARE - Math.floor(Math.random() * SHARE))
        try {
          const manifest = await within(
            BACKUP_MS,
            'a backup',
            backupFile(net, vault, new Blob([new Uint8Array(bytes)]), { policy, shareSize: SHARE, discoverMs: 20_000 }),
          )
          backupsOk++
          files.push({ manifest, sha: createHash('sha256').update(bytes).digest('hex') })
          for (const s of manifest.segments) for (const sh of s.shares) for (const h of sh.holders) shareCount.set(h, (shareCount.get(h) ?? 0) + 1)
        } catch (err) {
          say(`backup failed: ${(err as Error).name}: ${(err as Error).message}`)
        }
      }
      const backupS = (performance.now() - b0) / 1000
      emit(step, 'backups', backups, 'files')
      emit(step, 'backup_success', backupsOk / backups, 'ratio', '== 1')
      if (backupsSkipped > 0) emit(step, 'backups_skipped', backupsSkipped, 'files')
      emit(step, 'backup_s_per_file', backupS / Math.max(1, backups - backupsSkipped), 's')
      // Balance of what the hosts hold now (every file so far: what a load-aware placement evens
      // out), and of this step's files alone (a step's new peers take more of them).
      const held = new Map<string, number>(peers.map((p) => [p, 0]))
      for (const f of files) for (const s of f.manifest.segments) for (const sh of s.shares) for (const h of sh.holders) held.set(h, (held.get(h) ?? 0) + 1)
      const counts = [...held.values()]
      const mean = counts.reduce((a, b) => a + b, 0) / counts.length
      const stepCounts = [...shareCount.values()]
      const stepMean = stepCounts.reduce((a, b) => a + b, 0) / stepCounts.length
      emit(step, 'shares_per_peer_mean', mean, 'shares')
      emit(step, 'shares_per_peer_max', Math.max(...counts), 'shares')
      emit(step, 'shares_per_peer_min', Math.min(...counts), 'shares')
      emit(step, 'placement_max_over_mean', Math.max(...counts) / mean, 'ratio', '<= 2')
      emit(step, 'peers_holding_nothing', counts.filter((c) => c === 0).length / counts.length, 'ratio')
      emit(step, 'placement_step_max_over_mean', Math.max(...stepCounts) / stepMean, 'ratio')

      // Restores of every file so far (those of earlier steps too: the network grew around them).
      let restored = 0
      let restoresSkipped = 0
      const r0 = performance.now()
      late = budget(120)
      for (const f of files) {
        if (late()) {
          restoresSkipped++
          continue
        }
        try {
          const h = createHash('sha256')
          await within(
            RESTORE_MS,
            'a restore',
            (async () => {
              for await (const part of restoreFile(net, vault, f.manifest)) h.update(part)
            })(),
          )
          if (h.digest('hex') === f.sha) restored++
          else say('restore gave other bytes')
        } catch (err) {
          say(`restore failed: ${(err as Error).name}: ${(err as Error).message}`)
        }
      }
      emit(step, 'restores', files.length, 'files')
      emit(step, 'restore_success', restored / Math.max(1, files.length), 'ratio', '== 1')
      if (restoresSkipped > 0) emit(step, 'restores_skipped', restoresSkipped, 'files')
      emit(step, 'restore_s_per_file', (performance.now() - r0) / 1000 / Math.max(1, files.length - restoresSkipped), 's')

      const stats: WorkerStats[] = []
      for (const w of workers) {
        try {
          stats.push((await w.call({ op: 'stats' }, 30_000)).stats)
        } catch (err) {
          say(`stats: ${(err as Error).message}`)
        }
      }
      const counted = stats.reduce((n, s) => n + s.peers, 0)
      const sum = (f: (s: WorkerStats) => number): number => stats.reduce((n, s) => n + f(s), 0)
      emit(step, 'memory_rss_per_peer_MiB', sum((s) => s.rss) / Math.max(1, counted) / 2 ** 20, 'MiB')
      emit(step, 'memory_heap_per_peer_MiB', sum((s) => s.heap) / Math.max(1, counted) / 2 ** 20, 'MiB')
      emit(step, 'connections_per_peer_mean', sum((s) => s.connections) / Math.max(1, counted), 'connections')
      emit(step, 'step_s', (performance.now() - t0) / 1000, 's')
    }
    print({ bench: 'scale', metric: 'total_s', value: Math.round((performance.now() - started) / 100) / 10, unit: 's' })
  } finally {
    await Promise.all(workers.map((w) => w.call({ op: 'stop' }, 60_000).catch(() => undefined)))
    for (const w of workers) w.kill()
    await owner.stop().catch(() => undefined)
    await relay.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
