/**
 * `npm run bench [NAME]`: benchmarks that print one JSON line per figure,
 *   {"bench":…,"metric":…,"value":…,"unit":…,"target":…}
 * Ratios are measured side by side in one run (these machines are noisy).
 */
import { build } from 'vite'
import { chromium, type Browser, type Page } from '@playwright/test'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createHttpServer } from '../relay/http.ts'
import type { Figure } from './page/pipeline.ts'

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns',
]

function print(f: Figure): void {
  console.log(JSON.stringify({ bench: f.bench, metric: f.metric, value: f.value, unit: f.unit, ...(f.target ? { target: f.target } : {}) }))
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

async function pipeline(): Promise<void> {
  const sizeMiB = Number(process.env.LAYR_BENCH_MIB ?? 256)
  const rounds = Number(process.env.LAYR_BENCH_ROUNDS ?? 3)
  await withBenchPage(async (page) => {
    if (process.env.LAYR_BENCH_STAGES) {
      for (const f of await page.evaluate((m) => window.bench.stageBreakdown(m), Math.min(sizeMiB, 64))) print(f)
    }
    const figures = await page.evaluate((o) => window.bench.pipelineBench(o), { sizeMiB, rounds, ...(process.env.LAYR_BENCH_LOOKAHEAD ? { lookahead: Number(process.env.LAYR_BENCH_LOOKAHEAD) } : {}), ...(process.env.LAYR_BENCH_WORKERS ? { workers: Number(process.env.LAYR_BENCH_WORKERS) } : {}), ...(process.env.LAYR_BENCH_MODE ? { mode: process.env.LAYR_BENCH_MODE } : {}) })
    for (const f of figures) print(f)

    // Peak memory while encoding 1 GiB: V8 heap plus ArrayBuffer backing stores, sampled over CDP.
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('HeapProfiler.collectGarbage')
    let peak = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number }
        peak = Math.max(peak, u.usedSize + (u.backingStorageSize ?? 0))
        await new Promise((r) => setTimeout(r, 25))
      }
    })()
    const bigMiB = Number(process.env.LAYR_BENCH_BIG_MIB ?? 1024)
    const r = await page.evaluate((m) => window.bench.encodeOnly(m), bigMiB)
    sampling = false
    await sampler
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_MBps`, value: Math.round((bigMiB * 1.048576) / (r.ms / 1000)), unit: 'MB/s' })
    print({ bench: 'pipeline', metric: `encode_${bigMiB}MiB_peak_js_heap_MiB`, value: Math.round(peak / 1024 / 1024), unit: 'MiB', target: '<= 256' })
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
