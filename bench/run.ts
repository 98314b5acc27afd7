/**
 * `npm run bench [NAME]`: benchmarks that print one JSON line per figure,
 *   {"bench":…,"metric":…,"value":…,"unit":…,"target":…}
 * Ratios are measured side by side in one run (these machines are noisy).
 *
 * - pipeline: the file pipeline in one tab (LAYR_BENCH_MIB, LAYR_BENCH_BIG_MIB, LAYR_BENCH_ROUNDS…).
 * - network: back up and restore a 64 MiB file across host tabs over the real relay and direct
 *   WebRTC, beside raw transfers of the same bytes over the same connections (bench/page/network.ts);
 *   then the same restore from the host tabs hidden behind another tab for 60 s, as ratios to them in front.
 *   LAYR_BENCH_HOSTS (8; at least 6), LAYR_BENCH_K / LAYR_BENCH_N (4 / 8 with 8 hosts, else 3 / 6),
 *   LAYR_BENCH_NET_MIB (64), LAYR_BENCH_ROUNDS (3), LAYR_BENCH_EXPERIMENTS=1 (where the time goes),
 *   LAYR_BENCH_VERBOSE=1 (every round on stderr), LAYR_BENCH_PORT (default: a free port).
 * - durability: a year of churn in Node, our erasure coding with repair against 3× mirroring patched
 *   once a month (bench/durability.ts states the model; bench/durability-bench.ts the sweeps).
 *   LAYR_BENCH_SCALE (file counts ×, 1), LAYR_BENCH_WORKERS (the cores), LAYR_BENCH_VERBOSE=1,
 *   LAYR_BENCH_EXPERIMENTS=1 (scheduler and code variants too).
 * - scale: a relay and an owner in this process, and 25, 50, then 100 Node peers spread over child
 *   processes, over loopback WebSockets, with the real DHT and share protocol: lookup latency and
 *   hops, placement balance, backup and restore success, memory per peer (bench/scale.ts).
 *   LAYR_BENCH_STEPS (25,50,100), LAYR_BENCH_WORKERS (4), LAYR_BENCH_LOOKUPS,
 *   LAYR_BENCH_SHARES_PER_PEER, LAYR_BENCH_PHASE_S (1), LAYR_BENCH_TOTAL_S (1200), LAYR_BENCH_VERBOSE=1.
 */
import { build } from 'vite'
import { chromium, type Browser, type Page } from '@playwright/test'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHttpServer } from '../relay/http.ts'
import type { Figure } from './page/pipeline.ts'
import { durability as durabilityBench } from './durability-bench.ts'
import { lifecycle, RawChromium, watchLifecycle, type RawPage } from '../e2e/background.ts'
import { CHROMIUM_ARGS } from '../e2e/chromium-args.ts'

function print(f: Figure): void {
  console.log(JSON.stringify({ bench: f.bench, metric: f.metric, value: f.value, unit: f.unit, ...(f.target ? { target: f.target } : {}) }))
}

/** Bounds a benchmark step, so a stalled browser read is reported instead of hanging the run. */
function bounded<T>(what: string, p: Promise<T>, seconds = Number(process.env.LAYR_BENCH_STEP_SECONDS ?? 300)): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: "${what}" took over ${seconds} s; stopped.`)), seconds * 1000)
  })
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}

/** Builds the benchmark page (bench/page) and returns its directory. */
async function buildBenchPage(): Promise<string> {
  const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url))
  await build({ configFile })
  return fileURLToPath(new URL('../node_modules/.cache/layr-bench', import.meta.url))
}

/** Serves the bench page and runs `fn` with a way to open it, each time in a fresh context (its own renderer). */
async function withBenchPage<T>(fn: (open: () => Promise<Page>, browser: Browser) => Promise<T>): Promise<T> {
  const outDir = await buildBenchPage()
  const server = createHttpServer({ staticDir: outDir, routes: new Map() })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const browser = await chromium.launch({
    executablePath: process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  })
  const open = async (): Promise<Page> => {
    const page = await browser.newPage()
    page.on('crash', () => console.error('page: CRASHED'))
    page.on('console', (m) => (m.type() === 'error' || m.text().startsWith('WT')) && console.error('page:', m.text()))
    page.on('worker', (w) => w.on('console', (m) => m.text().startsWith('WT') && console.error('worker:', m.text())))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => window.bench?.ready)
    return page
  }
  try {
    return await fn(open, browser)
  } finally {
    await browser.close()
    server.close()
  }
}

/** Resident memory of this run's Chromium renderer processes (descendants of this process), in bytes. */
function rendererRss(): number {
  const children = new Map<number, number[]>()
  const cmd = new Map<number, string>()
  for (const pid of readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), pid])
      cmd.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8'))
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      if (cmd.get(c)?.includes('--type=renderer')) {
        try {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c}/status`, 'utf8'))
          total += Number(m?.[1] ?? 0) * 1024
        } catch {
          // gone
        }
      }
      walk(c)
    }
  }
  walk(process.pid)
  return total
}

/** A file of random bytes on disk, so the page reads a real disk-backed File as a user's would. */
async function randomFile(dir: string, mib: number): Promise<string> {
  const path = join(dir, `random-${mib}MiB.bin`)
  const out = createWriteStream(path)
  for (let i = 0; i < mib; i++) {
    if (!out.write(randomBytes(1024 * 1024))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return path
}

async function pipeline(): Promise<void> {
  const sizeMiB = Number(process.env.LAYR_BENCH_MIB ?? 256)
  const rounds = Number(process.env.LAYR_BENCH_ROUNDS ?? 3)
  const bigMiB = Number(process.env.LAYR_BENCH_BIG_MIB ?? 1024)
  const dir = mkdtempSync(join(tmpdir(), 'layr-bench-'))
  try {
    const files = [await randomFile(dir, bigMiB)]
    await runPipeline(files, sizeMiB, bigMiB, rounds)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runPipeline(files: string[], sizeMiB: number, bigMiB: number, rounds: number): Promise<void> {
  await withBenchPage(async (open) => {
    // Compute figures, on in-memory Blobs.
    const page = await open()
    if (process.env.LAYR_BENCH_STAGES) {
      for (const f of await page.evaluate((m) => window.bench.stageBreakdown(m), Math.min(sizeMiB, 64))) print(f)
    }
    const figures = await bounded(
      'pipeline figures',
      page.evaluate((o) => window.bench.pipelineBench(o), {
        sizeMiB,
        rounds,
        ...(process.env.LAYR_BENCH_LOOKAHEAD ? { lookahead: Number(process.env.LAYR_BENCH_LOOKAHEAD) } : {}),
        ...(process.env.LAYR_BENCH_WORKERS ? { workers: Number(process.env.LAYR_BENCH_WORKERS) } : {}),
        ...(process.env.LAYR_BENCH_MODE ? { mode: process.env.LAYR_BENCH_MODE } : {}),
      }),
    )
    for (const f of figures) print(f)
    await page.close()

    // Peak memory while encoding 1 GiB from a disk-backed File (shares released as a network
    // upload would), in a fresh page so that the figures' garbage and Workers do not count: the
    // page's V8 heap plus ArrayBuffer backing stores (CDP), and the growth of the renderer
    // processes' resident memory, which also counts the Worker encoders' isolates.
    const big = await open()
    await bounded('give the page the file', big.setInputFiles('#file', files), 60)
    const cdp = await big.context().newCDPSession(big)
    await cdp.send('HeapProfiler.collectGarbage')
    const rssBefore = rendererRss()
    let peakHeap = 0
    let peakRss = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const u = (await cdp.send('Runtime.getHeapUsage').catch(() => ({ usedSize: 0 }))) as { usedSize: number; backingStorageSize?: number }
        peakHeap = Math.max(peakHeap, u.usedSize + (u.backingStorageSize ?? 0))
        peakRss = Math.max(peakRss, rendererRss())
        await new Promise((r) => setTimeout(r, 25))
      }
    })()
    let r: { ms: number; segments: number }
    try {
      for (const f of await bounded(
        'file read',
        big.evaluate((m) => window.bench.fileRead(m), bigMiB),
      ))
        print(f)
      r = await bounded(
        `encode ${bigMiB} MiB`,
        big.evaluate(([m, mode]) => window.bench.encodeOnly(m, 2, mode), [bigMiB, process.env.LAYR_BENCH_MODE ?? 'encoder'] as const),
      )
    } finally {
      sampling = false
      await sampler
    }
    const MiB = 1024 * 1024
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_MBps`, value: Math.round((bigMiB * 1.048576) / (r.ms / 1000)), unit: 'MB/s' })
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_peak_js_heap_MiB`, value: Math.round(peakHeap / MiB), unit: 'MiB', target: '<= 256' })
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_renderer_rss_growth_MiB`, value: Math.round((peakRss - rssBefore) / MiB), unit: 'MiB' })
  })
}

// ---------------------------------------------------------------------------------------------
// network: backup and restore across host tabs vs raw transfers over the same connections

/** CPU time (clock ticks) of this process and its descendants, by pid, with a kind. */
function cpuTicks(): Map<number, { ticks: number; kind: string }> {
  const children = new Map<number, number[]>()
  const stats = new Map<number, { ticks: number; cmd: string }>()
  for (const pid of readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      children.set(Number(f[1]), [...(children.get(Number(f[1])) ?? []), pid])
      stats.set(pid, { ticks: Number(f[11]) + Number(f[12]), cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8') })
    } catch {
      // the process ended while we looked
    }
  }
  const out = new Map<number, { ticks: number; kind: string }>()
  const kindOf = (cmd: string): string =>
    cmd.includes('--type=renderer')
      ? 'renderer'
      : cmd.includes('NetworkService')
        ? 'network-service'
        : cmd.includes('--type=gpu-process')
          ? 'gpu'
          : cmd.includes('--type=')
            ? 'other'
            : cmd.includes('chrom')
              ? 'browser'
              : 'node'
  const walk = (pid: number): void => {
    const s = stats.get(pid)
    if (s) out.set(pid, { ticks: s.ticks, kind: pid === process.pid ? 'node' : kindOf(s.cmd) })
    for (const c of children.get(pid) ?? []) walk(c)
  }
  walk(process.pid)
  return out
}

/** Busy and total jiffies of the whole machine (/proc/stat), every process, not only this run's. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

interface CpuUse {
  /** % of one core, by kind, over the interval. */
  byKind: Record<string, number>
  /** % of one core of the busiest renderer (the owner tab's, in every phase here). */
  busiestRenderer: number
  /** % of the machine (all cores) used by this run's processes. */
  machine: number
  /** % of the machine used by other processes (another job on a shared machine skews figures). */
  others: number
}

async function measureCpu<T>(fn: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const hz = 100 // USER_HZ: /proc/<pid>/stat counts in 1/100 s on Linux
  const before = cpuTicks()
  const m0 = machineTicks()
  const t0 = performance.now()
  const result = await fn()
  const seconds = (performance.now() - t0) / 1000
  const after = cpuTicks()
  const m1 = machineTicks()
  const byKind: Record<string, number> = {}
  let busiest = 0
  let total = 0
  for (const [pid, a] of after) {
    const d = ((a.ticks - (before.get(pid)?.ticks ?? 0)) / hz / seconds) * 100
    byKind[a.kind] = (byKind[a.kind] ?? 0) + d
    if (a.kind === 'renderer') busiest = Math.max(busiest, d)
    total += d
  }
  for (const key of Object.keys(byKind)) byKind[key] = Math.round(byKind[key]!)
  const machine = total / availableParallelism()
  const all = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100
  return { result, cpu: { byKind, busiestRenderer: Math.round(busiest), machine: Math.round(machine), others: Math.max(0, Math.round(all - machine)) } }
}

async function network(): Promise<void> {
  const sizeMiB = Number(process.env.LAYR_BENCH_NET_MIB ?? 64)
  const rounds = Number(process.env.LAYR_BENCH_ROUNDS ?? 3)
  const hostCount = Number(process.env.LAYR_BENCH_HOSTS ?? 8)
  const k = Number(process.env.LAYR_BENCH_K ?? (hostCount >= 8 ? 4 : 3))
  const n = Number(process.env.LAYR_BENCH_N ?? 2 * k)
  // '1': every experiment; otherwise a comma-separated list of experiment name prefixes.
  const experimentsWanted = process.env.LAYR_BENCH_EXPERIMENTS?.trim() ?? ''
  const experiments = experimentsWanted !== '' && experimentsWanted !== '0'
  if (hostCount < 6 || n > hostCount || k >= n) {
    throw new Error(`network bench: need at least 6 hosts and k < n ≤ hosts; got hosts=${hostCount}, k=${k}, n=${n}.`)
  }
  const outDir = await buildBenchPage()
  // The real relay (HTTP, /bootstrap.json, circuit relay, DHT) in this process, serving the bench
  // page, on a free port, with a throwaway key. Loaded only here: libp2p needs the polyfill first.
  await import('../relay/polyfill.ts')
  const { startRelay } = await import('../relay/relay.ts')
  const { p2pConfigFromEnv } = await import('../relay/p2p.ts')
  const keyDir = mkdtempSync(join(tmpdir(), 'layr-bench-relay-'))
  const relay = await startRelay(
    { host: '127.0.0.1', port: Number(process.env.LAYR_BENCH_PORT ?? 0), staticDir: outDir },
    // Defaults, not this shell's LAYR_* settings (a LAYR_BOOTSTRAP would join another network).
    { ...p2pConfigFromEnv({}), keyFile: join(keyDir, 'relay-key') },
  )
  const browser = await chromium.launch({ executablePath: process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS] })
  // The host tabs run in a Chromium of their own without Playwright, each in its own window and
  // profile, so that the hidden-host figures below can hide them for real (e2e/background.ts:
  // pages Playwright drives never go hidden). The owner stays a Playwright page.
  const hostBrowser = await RawChromium.launch()
  try {
    // One context per peer: each is its own profile (identity, IndexedDB, Web Lock).
    const open = async (name: string): Promise<Page> => {
      const page = await (await browser.newContext()).newPage()
      page.on('crash', () => console.error(`${name}: CRASHED`))
      page.on('pageerror', (e) => console.error(`${name}: ${e.message}`))
      page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && console.error(`${name}:`, m.text()))
      await page.goto(relay.url)
      await page.waitForFunction(() => window.benchNet?.ready)
      return page
    }
    const openHost = async (): Promise<RawPage> => {
      const page = await hostBrowser.newWindow(relay.url)
      await page.waitFor(() => Boolean(window.benchNet?.ready))
      return page
    }
    const hosts: RawPage[] = []
    const hostIds: string[] = []
    for (let i = 0; i < hostCount; i++) {
      const page = await bounded(`start host ${i}`, openHost(), 60)
      hostIds.push(
        await bounded(
          `start host ${i}`,
          page.evaluate((x) => window.benchNet.startHost(1024 ** 3, 'bench-r0', x), experiments),
          60,
        ),
      )
      hosts.push(page)
    }
    const owner = await bounded('start owner', open('owner'), 60)
    await bounded(
      'start owner',
      owner.evaluate(() => window.benchNet.startOwner()),
      60,
    )
    const plan = await bounded(
      'prepare',
      owner.evaluate((o) => window.benchNet.prepareOwner(o), { sizeMiB, k, n, hosts: hostIds }),
      60,
    )
    const warm = await bounded(
      'warm-up',
      owner.evaluate(() => window.benchNet.warmUp()),
      120,
    )
    const takeHostStats = () => Promise.all(hosts.map((h) => h.evaluate(() => window.benchNet.takeHostStats())))
    await takeHostStats()
    const file = sizeMiB * 1024 * 1024
    const print1 = (metric: string, value: number, unit: string, target?: string): void =>
      print({ bench: 'network', metric, value, unit, ...(target ? { target } : {}) })
    print1('hosts', hostCount, 'tabs')
    print1('k', k, 'shares')
    print1('n', n, 'shares')
    print1('file_MiB', sizeMiB, 'MiB')
    print1('segments', plan.segments, 'segments')
    print1('warm_up_s', Math.round(warm.ms / 100) / 10, 's')
    if (process.env.LAYR_BENCH_VERBOSE) console.error('warm-up', JSON.stringify(warm))

    // Experiments (LAYR_BENCH_EXPERIMENTS=1, or a list of name prefixes), timed like the figures above:
    // - restore through decodeFile with a timed fetch, 1 (restoreFile's default) or 3 segments ahead;
    // - raw_pull_as_placed: the raw pull, but each segment's data shares from the hosts that hold
    //   them (what "data shares first" asks of each host);
    // - restore with the hosts answering from memory instead of IndexedDB;
    // - decode_local: the owner's decode alone, from shares already fetched;
    // - raw_push_2_per_host: the raw push with two frames in flight per host, as PLACE_AHEAD = 2 has;
    // - backup with 1 (one segment at a time), 2 (the default) or 4 segments placed at once.
    const EXPERIMENTS = [
      ...[1, 3].map((lookahead) => ({
        name: `restore_lookahead${lookahead}`,
        kind: 'restore' as const,
        run: () => owner.evaluate((l) => window.benchNet.restore({ lookahead: l }), lookahead),
      })),
      { name: 'raw_pull_as_placed', kind: 'restore' as const, run: () => owner.evaluate(() => window.benchNet.rawPull(0, true)) },
      {
        name: 'restore_hosts_from_memory',
        kind: 'restore' as const,
        run: async () => {
          await Promise.all(hosts.map((h) => h.evaluate(() => window.benchNet.setServeFromMemory(true))))
          try {
            return await owner.evaluate(() => window.benchNet.restore({ lookahead: 1 }))
          } finally {
            await Promise.all(hosts.map((h) => h.evaluate(() => window.benchNet.setServeFromMemory(false))))
          }
        },
      },
      { name: 'decode_local', kind: 'restore' as const, run: () => owner.evaluate(() => window.benchNet.decodeLocal()) },
      { name: 'raw_push_2_per_host', kind: 'backup' as const, run: () => owner.evaluate(() => window.benchNet.rawPush(2)) },
      ...[1, 2, 4].map((w) => ({
        name: `backup_window${w}`,
        kind: 'backup' as const,
        run: () => owner.evaluate((w) => window.benchNet.backup({ placeAhead: w }), w),
      })),
    ]
    const chosen = EXPERIMENTS.filter((e) => experimentsWanted === '1' || experimentsWanted.split(',').some((p) => p && e.name.startsWith(p.trim())))
    const best = new Map<string, { ms: number; cpu: CpuUse; detail: Record<string, unknown> }>()
    const keep = (phase: string, r: { result: { ms: number }; cpu: CpuUse }): void => {
      if (r.result.ms < (best.get(phase)?.ms ?? Infinity))
        best.set(phase, { ms: r.result.ms, cpu: r.cpu, detail: r.result as unknown as Record<string, unknown> })
    }
    const step = async <T>(what: string, fn: () => Promise<T>) => {
      const x = await bounded(what, measureCpu(fn), Number(process.env.LAYR_BENCH_STEP_SECONDS ?? 180))
      if (process.env.LAYR_BENCH_VERBOSE) console.error(what, JSON.stringify(x.cpu), JSON.stringify(x.result))
      return x
    }
    let intact = true
    let sameConnections = true
    const hostStore = { count: 0, ms: 0, maxMs: 0 }
    const hostFetch = { count: 0, ms: 0, maxMs: 0 }
    const addHostStats = async (): Promise<void> => {
      for (const s of await takeHostStats()) {
        for (const [sum, t] of [
          [hostStore, s.store],
          [hostFetch, s.fetch],
        ] as const) {
          sum.count += t.count
          sum.ms += t.ms
          sum.maxMs = Math.max(sum.maxMs, t.maxMs)
        }
      }
    }
    for (let r = 0; r < rounds; r++) {
      if (r > 0) await Promise.all(hosts.map((h) => h.evaluate((db) => window.benchNet.useDb(db), `bench-r${r}`)))
      await takeHostStats()
      keep('raw_push', await step(`raw push, round ${r}`, () => owner.evaluate(() => window.benchNet.rawPush())))
      const b = await step(`backup, round ${r}`, () => owner.evaluate(() => window.benchNet.backup()))
      if (b.result.hostsFound !== hostCount || b.result.reduced) {
        console.error(`network bench: round ${r}: backup found ${b.result.hostsFound} of ${hostCount} hosts (reduced placement: ${b.result.reduced})`)
      }
      keep('backup', b)
      sameConnections &&= b.result.sameConnections
      await addHostStats()
      keep('raw_pull', await step(`raw pull, round ${r}`, () => owner.evaluate(() => window.benchNet.rawPull(0))))
      await takeHostStats()
      const rs = await step(`restore, round ${r}`, () => owner.evaluate((v) => window.benchNet.restore({ verify: v }), r === rounds - 1))
      keep('restore', rs)
      if (Object.keys(rs.result.rejected).length)
        console.error(`network bench: round ${r}: restore rejected shares`, JSON.stringify(rs.result.rejected), rs.result.rejectedDetail)
      if (r === rounds - 1) intact = rs.result.intact
      sameConnections &&= rs.result.sameConnections
      await addHostStats()
      keep('raw_pull_k_lanes', await step(`raw pull (k lanes), round ${r}`, () => owner.evaluate((lanes) => window.benchNet.rawPull(lanes), k)))
      if (experiments) {
        for (const e of chosen) {
          const x = await step<{ ms: number }>(`${e.name}, round ${r}`, e.run)
          keep(e.name, x)
        }
      }
    }

    const MB = (bytes: number, ms: number): number => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10
    const secs = (ms: number): number => Math.round(ms / 10) / 100
    const ratio = (x: number): number => Math.round(x * 1000) / 1000

    // Hidden hosts (issue 14): the same restore (serve throughput) and its share fetches (fetch
    // latency) from the same host tabs, in front and then hidden behind another tab of their
    // window for LAYR_BENCH_HIDDEN_S (60 s) first; each the best of two.
    const hiddenS = Number(process.env.LAYR_BENCH_HIDDEN_S ?? 60)
    if (hiddenS > 0) {
      const serve = async (label: string) => {
        let bestRestore: { ms: number; fetchMeanMs: number } | undefined
        for (let i = 0; i < 2; i++) {
          const x = await bounded(
            `${label} restore ${i}`,
            owner.evaluate(() => window.benchNet.restore({ lookahead: 1, verify: true })),
          )
          if (!x.intact) console.error(`network bench: ${label}: a restore was not intact`)
          if (!bestRestore || x.ms < bestRestore.ms) bestRestore = x
        }
        return bestRestore!
      }
      await Promise.all(hosts.map((h) => watchLifecycle(h)))
      const front = await serve('front')
      const covers = await Promise.all(hosts.map((h) => hostBrowser.cover(h))).catch((err: unknown) => {
        console.error(`network bench: the host tabs could not be hidden (${(err as Error).message}); no hidden-host figures`)
        return undefined
      })
      if (covers) {
        await new Promise((r) => setTimeout(r, hiddenS * 1000))
        const seen = await Promise.all(hosts.map((h) => lifecycle(h)))
        const hiddenCount = seen.filter((l) => l.visibility === 'hidden').length
        const hidden = await serve('hidden')
        const stillHidden = (await Promise.all(hosts.map((h) => lifecycle(h)))).filter((l) => l.visibility === 'hidden').length
        await Promise.all(covers.map((c) => c.close()))
        const gaps = seen.map((l) => l.recentTickGapMs).sort((a, b) => a - b)
        print1('hidden_hosts', Math.min(hiddenCount, stillHidden), 'tabs', `== ${hostCount}`)
        print1('hidden_for_s', hiddenS, 's', '>= 60')
        // Evidence that Chromium throttled them: a 100 ms interval's median gap in the hidden hosts.
        print1('hidden_host_timer_gap_ms', gaps[Math.floor(gaps.length / 2)] ?? 0, 'ms')
        print1('front_restore_MBps', MB(file, front.ms), 'MB/s')
        print1('hidden_restore_MBps', MB(file, hidden.ms), 'MB/s')
        print1('hidden_vs_front_serve_throughput', ratio(front.ms / hidden.ms), 'ratio', '>= 0.8')
        print1('front_fetch_mean_ms', Math.round(front.fetchMeanMs), 'ms')
        print1('hidden_fetch_mean_ms', Math.round(hidden.fetchMeanMs), 'ms')
        print1('hidden_vs_front_fetch_latency', ratio(front.fetchMeanMs / hidden.fetchMeanMs), 'ratio', '>= 0.8')
      }
    }
    const get = (phase: string) => best.get(phase)!
    const rawPush = get('raw_push').ms
    const rawPull = get('raw_pull').ms
    const bk = get('backup')
    const rest = get('restore')
    const bkd = bk.detail as unknown as {
      shareBytes: number
      discoveryMs: number
      firstSegmentMs: number
      tailMs: number
      meanSpreadMs: number
      meanSegmentMs: number
      meanShareMs: number
      holdersPerHost: number[]
      dataSharesPerHost: number[]
    }
    print1('raw_push_MiB', Math.round(plan.pushBytes / 1024 / 1024), 'MiB')
    print1('raw_pull_MiB', Math.round(plan.pullBytes / 1024 / 1024), 'MiB')
    print1('backup_s', secs(bk.ms), 's')
    print1('raw_push_s', secs(rawPush), 's')
    print1('backup_MBps', MB(file, bk.ms), 'MB/s')
    print1('backup_share_wire_MBps', MB(bkd.shareBytes, bk.ms), 'MB/s')
    print1('raw_push_MBps', MB(plan.pushBytes, rawPush), 'MB/s')
    print1('backup_vs_raw_push', ratio(bk.ms / rawPush), 'ratio', '<= 1.25')
    print1('restore_s', secs(rest.ms), 's')
    print1('raw_pull_s', secs(rawPull), 's')
    print1('restore_MBps', MB(file, rest.ms), 'MB/s')
    print1('raw_pull_MBps', MB(plan.pullBytes, rawPull), 'MB/s')
    print1('restore_vs_raw_pull', ratio(rest.ms / rawPull), 'ratio', '<= 1.25')
    print1('restore_intact', intact ? 1 : 0, 'bool', '== 1')
    print1('same_connections', sameConnections ? 1 : 0, 'bool', '== 1')
    // Where the time goes (from the best round of each).
    print1('raw_pull_k_lanes_MBps', MB(plan.pullBytes, get('raw_pull_k_lanes').ms), 'MB/s')
    print1('backup_discovery_ms', Math.round(bkd.discoveryMs), 'ms')
    print1('backup_first_segment_ms', Math.round(bkd.firstSegmentMs), 'ms')
    print1('backup_after_last_store_ms', Math.round(bkd.tailMs), 'ms')
    print1('backup_segment_store_mean_ms', Math.round(bkd.meanSegmentMs), 'ms')
    print1('backup_share_store_mean_ms', Math.round(bkd.meanShareMs), 'ms')
    print1('backup_segment_first_to_last_share_mean_ms', Math.round(bkd.meanSpreadMs), 'ms')
    print1('backup_shares_per_host_min', Math.min(...bkd.holdersPerHost), 'shares')
    print1('backup_shares_per_host_max', Math.max(...bkd.holdersPerHost), 'shares')
    print1('backup_data_shares_per_host_min', Math.min(...bkd.dataSharesPerHost), 'shares')
    print1('backup_data_shares_per_host_max', Math.max(...bkd.dataSharesPerHost), 'shares')
    print1('host_store_handle_mean_ms', Math.round((hostStore.ms / Math.max(1, hostStore.count)) * 10) / 10, 'ms')
    print1('host_store_handle_max_ms', Math.round(hostStore.maxMs), 'ms')
    print1('host_fetch_handle_mean_ms', Math.round((hostFetch.ms / Math.max(1, hostFetch.count)) * 10) / 10, 'ms')
    print1('host_fetch_handle_max_ms', Math.round(hostFetch.maxMs), 'ms')
    for (const [phase, b] of best) {
      print1(`${phase}_cpu_owner_renderer_pct`, b.cpu.busiestRenderer, '% of a core')
      print1(`${phase}_cpu_all_renderers_pct`, b.cpu.byKind.renderer ?? 0, '% of a core')
      print1(`${phase}_cpu_network_service_pct`, b.cpu.byKind['network-service'] ?? 0, '% of a core')
      print1(`${phase}_cpu_machine_pct`, b.cpu.machine, '% of all cores')
      print1(`${phase}_cpu_other_processes_pct`, b.cpu.others, '% of all cores')
    }
    if (experiments) {
      for (const e of chosen) {
        const x = get(e.name)
        const raw = e.kind === 'restore' ? rawPull : rawPush
        // Raw transfers: wire bytes per second; backups and restores: file bytes per second.
        print1(`experiment_${e.name}_MBps`, MB(typeof x.detail.frames === 'number' ? (x.detail.bytes as number) : file, x.ms), 'MB/s')
        print1(`experiment_${e.name}_vs_raw_${e.kind === 'restore' ? 'pull' : 'push'}`, ratio(x.ms / raw), 'ratio', '<= 1.25')
        if (e.kind === 'restore' && x.detail.fetchMeanMs !== undefined) {
          print1(`experiment_${e.name}_fetch_mean_ms`, Math.round(x.detail.fetchMeanMs as number), 'ms')
          print1(`experiment_${e.name}_fetches_in_flight_mean`, Math.round((x.detail.fetchMeanInflight as number) * 10) / 10, 'fetches')
          print1(`experiment_${e.name}_fetches_in_flight_max`, x.detail.fetchMaxInflight as number, 'fetches')
        } else if (e.kind === 'backup' && x.detail.meanShareMs !== undefined) {
          print1(`experiment_${e.name}_share_store_mean_ms`, Math.round(x.detail.meanShareMs as number), 'ms')
          print1(`experiment_${e.name}_segment_first_to_last_share_mean_ms`, Math.round(x.detail.meanSpreadMs as number), 'ms')
        }
      }
    }
  } finally {
    await browser.close().catch(() => undefined)
    await hostBrowser.close().catch(() => undefined)
    await relay.stop()
    rmSync(keyDir, { recursive: true, force: true })
  }
}

/** Loaded only when asked for: libp2p needs the polyfill first (Node 20). */
async function scaleBench(): Promise<void> {
  await import('../relay/polyfill.ts')
  const { scale } = await import('./scale.ts')
  await scale(print)
}

const BENCHES: Record<string, () => Promise<void>> = { pipeline, network, durability: () => durabilityBench(print), scale: scaleBench }

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = wanted.filter((w) => !(w in BENCHES))
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`)
  process.exit(2)
}
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) await BENCHES[name]!()
