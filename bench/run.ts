/**
 * `npm run bench [NAME]`: benchmarks that print one JSON line per figure,
 *   {"bench":…,"metric":…,"value":…,"unit":…,"target":…}
 * Ratios are measured side by side in one run (these machines are noisy).
 */
import { build } from 'vite'
import { chromium, type Browser, type Page } from '@playwright/test'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHttpServer } from '../relay/http.ts'
import type { Figure } from './page/pipeline.ts'

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns',
]

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

async function withBenchPage<T>(fn: (page: Page, browser: Browser) => Promise<T>): Promise<T> {
  const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url))
  const outDir = fileURLToPath(new URL('../node_modules/.cache/layr-bench', import.meta.url))
  await build({ configFile })
  const server = createHttpServer({ staticDir: outDir, routes: new Map() })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const browser = await chromium.launch({
    executablePath: process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  })
  try {
    const page = await browser.newPage()
    page.on('crash', () => console.error('page: CRASHED'))
    page.on('console', (m) => (m.type() === 'error' || m.text().startsWith('WT')) && console.error('page:', m.text()))
    page.on('worker', (w) => w.on('console', (m) => m.text().startsWith('WT') && console.error('worker:', m.text())))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => window.bench?.ready)
    return await fn(page, browser)
  } finally {
    await browser.close()
    server.close()
  }
}

/** Resident memory of this run's Chromium renderer processes (descendants of this process), in bytes. */
function rendererRss(): number {
  const children = new Map<number, number[]>()
  const cmd = new Map<number, string>()
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)) {
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
  await withBenchPage(async (page) => {
    await page.setInputFiles('#file', files)
    if (process.env.LAYR_BENCH_STAGES) {
      for (const f of await page.evaluate((m) => window.bench.stageBreakdown(m), Math.min(sizeMiB, 64))) print(f)
    }
    const figures = await bounded('pipeline figures', page.evaluate((o) => window.bench.pipelineBench(o), { sizeMiB, rounds, ...(process.env.LAYR_BENCH_LOOKAHEAD ? { lookahead: Number(process.env.LAYR_BENCH_LOOKAHEAD) } : {}), ...(process.env.LAYR_BENCH_WORKERS ? { workers: Number(process.env.LAYR_BENCH_WORKERS) } : {}), ...(process.env.LAYR_BENCH_MODE ? { mode: process.env.LAYR_BENCH_MODE } : {}) }))
    for (const f of figures) print(f)

    // Peak memory while encoding 1 GiB (shares released as a network upload would): the
    // page's V8 heap plus ArrayBuffer backing stores (CDP), and the growth of the renderer
    // process's resident memory, which also counts the Worker encoders' isolates.
    const cdp = await page.context().newCDPSession(page)
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
    for (const f of await bounded('file read', page.evaluate((m) => window.bench.fileRead(m), bigMiB))) print(f)
    const r = await bounded(
      `encode ${bigMiB} MiB`,
      page.evaluate(([m, mode]) => window.bench.encodeOnly(m, 2, mode), [bigMiB, process.env.LAYR_BENCH_MODE ?? 'encoder'] as const),
    ).finally(() => (sampling = false))
    await sampler
    const MiB = 1024 * 1024
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_MBps`, value: Math.round((bigMiB * 1.048576) / (r.ms / 1000)), unit: 'MB/s' })
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_peak_js_heap_MiB`, value: Math.round(peakHeap / MiB), unit: 'MiB', target: '<= 256' })
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_renderer_rss_growth_MiB`, value: Math.round((peakRss - rssBefore) / MiB), unit: 'MiB' })
  })
}

const BENCHES: Record<string, () => Promise<void>> = { pipeline }

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = wanted.filter((w) => !(w in BENCHES))
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`)
  process.exit(2)
}
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) await BENCHES[name]!()
