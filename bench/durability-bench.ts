/**
 * `npm run bench durability`: the churn simulation of bench/durability.ts (its header states the
 * model) over the sweeps below, one JSON line per figure, then a table on stderr. Each scenario
 * is one simulated year of `files` one-segment files (several seeds for the headline ones, their
 * counts summed); runs share the machine's cores (child processes).
 *
 * - r_wait: the default 4-of-8 with r ∈ {5, 6, 7, 8} and waits of 24 h, 72 h and 7 days, at 10 %/month.
 * - default: DEFAULT_POLICY and DEFAULT_LOST_AFTER_MS at churn 5, 10, 20, 40 %/month, with no and
 *   with 10 % always-on hosts; beside it no repair, and repair targets taken at random (not by
 *   hostPreference).
 * - mirror: the original Layr's 3 copies, patched once a month, at the same churn rates.
 * - 3x: codes at 3× storage (as much as mirroring): 3-of-9 and 4-of-12, with the default wait.
 *
 * Losses are files lost per million file-years, with the one-sided 95 % Poisson upper bound
 * (3 / file-years when none is lost: the rule of three); a ratio to mirroring divides mirroring's
 * lower bound by the other's upper bound. Knobs: LAYR_BENCH_SCALE (file counts ×, default 1),
 * LAYR_BENCH_WORKERS (default: the cores), LAYR_BENCH_VERBOSE=1 (each run on stderr),
 * LAYR_BENCH_EXPERIMENTS=1 (also: hourly and 3-hourly retries, gathering repair, 8-of-16 and
 * other variants).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { DEFAULT_POLICY, makePolicy, type RedundancyPolicy } from '../src/core/erasure/index.ts'
import { DEFAULT_LOST_AFTER_MS } from '../src/core/repair/index.ts'
import { DAY, HOUR, poissonLower95, poissonUpper95, type Scheme, type SimConfig, type SimResult } from './durability.ts'
import type { Figure } from './page/pipeline.ts'

/** The stated model: everything but the policy, the churn and the always-on share. */
export const MODEL = {
  hosts: 2000,
  owners: 20,
  years: 1,
  onlineMeanHours: 8,
  offlineMeanHours: 16,
  ownerOnlineHours: 8,
} as const
export const BASE_CHURN = 0.1
const CHURNS = [0.05, 0.1, 0.2, 0.4]
const ALWAYS_ON = [0, 0.1]

interface Scenario {
  readonly name: string
  readonly group: string
  readonly files: number
  readonly seeds: readonly number[]
  readonly churnPerMonth: number
  readonly alwaysOn: number
  readonly scheme: Scheme
}

interface Totals {
  lost: number
  fileYears: number
  nearMisses: number
  repairBytes: number
  auditBytes: number
  blocked: number
}

const erasure = (policy: RedundancyPolicy, lostAfterMs: number, extra: Partial<Extract<Scheme, { kind: 'erasure' }>> = {}): Scheme => ({
  kind: 'erasure',
  policy,
  lostAfterMs,
  repair: true,
  retryMs: 0,
  preferReliable: true,
  gather: false,
  ...extra,
})
const MIRROR: Scheme = { kind: 'mirror', copies: 3, patchEveryDays: 30 }
/** A code at mirroring's 3× storage, for comparison: 4-of-12, repaired below 10 shares. */
const K4N12: Scheme = erasure(makePolicy({ k: 4, n: 12, repairThreshold: 10 }), DEFAULT_LOST_AFTER_MS)

function waitName(ms: number): string {
  return ms % DAY === 0 && ms >= 7 * DAY ? `${ms / DAY}d` : `${ms / HOUR}h`
}

function scenarioName(s: Omit<Scenario, 'name' | 'files' | 'seeds' | 'group'>, suffix = ''): string {
  const world = `churn${Math.round(s.churnPerMonth * 100)}_alwayson${Math.round(s.alwaysOn * 100)}`
  if (s.scheme.kind === 'mirror') return `mirror${s.scheme.copies}_patch${s.scheme.patchEveryDays}d_${world}${suffix}`
  const { k, n, repairThreshold } = s.scheme.policy
  return `k${k}n${n}_r${repairThreshold}_wait${waitName(s.scheme.lostAfterMs)}_${world}${suffix}`
}

export function scenarios(scale = 1, experiments = false): Scenario[] {
  const files = (x: number): number => Math.max(MODEL.owners, Math.round((x * scale) / MODEL.owners) * MODEL.owners)
  const out: Scenario[] = []
  const add = (group: string, n: number, seeds: number[], churnPerMonth: number, alwaysOn: number, scheme: Scheme, suffix = ''): void => {
    const name = scenarioName({ churnPerMonth, alwaysOn, scheme }, suffix)
    if (!out.some((s) => s.name === name)) out.push({ name, group, files: files(n), seeds, churnPerMonth, alwaysOn, scheme })
  }
  const k48 = (r: number): RedundancyPolicy => makePolicy({ k: 4, n: 8, repairThreshold: r })
  const def = erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS)
  // Fewer files where losses are many anyway (high churn, or the eager 24 h wait whose repair traffic rules it out).
  const sized = (churn: number): number => (churn >= 0.4 ? 5_000 : churn >= 0.2 ? 10_000 : 20_000)
  // The headline ones first (more seeds): the default, mirroring and 4-of-12 at the base churn.
  add('default', 20_000, [1, 2], BASE_CHURN, 0, def)
  add('mirror', 50_000, [1, 2], BASE_CHURN, 0, MIRROR)
  add('3x', 25_000, [1, 2, 3, 4], BASE_CHURN, 0, K4N12)
  for (const r of [5, 6, 7, 8])
    for (const wait of [24 * HOUR, 72 * HOUR, 7 * DAY]) add('r_wait', wait <= DAY ? 5_000 : 10_000, [1], BASE_CHURN, 0, erasure(k48(r), wait))
  add('default', 5_000, [1], BASE_CHURN, 0, erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS, { repair: false }), '_norepair')
  add('default', 20_000, [1], BASE_CHURN, 0.1, erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS, { preferReliable: false }), '_random_targets')
  for (const alwaysOn of ALWAYS_ON) {
    for (const churn of CHURNS) {
      add('default', sized(churn), [1], churn, alwaysOn, def)
      add('mirror', 20_000, [1], churn, alwaysOn, MIRROR)
    }
  }
  add('3x', 10_000, [1], BASE_CHURN, 0, erasure(makePolicy({ k: 3, n: 9, repairThreshold: 8 }), DEFAULT_LOST_AFTER_MS))
  for (const alwaysOn of ALWAYS_ON) for (const churn of CHURNS) add('3x', sized(churn), [1], churn, alwaysOn, K4N12)
  if (experiments) {
    // How the repair scheduler matters: retrying a waiting segment every hour or three instead of
    // whenever a holder comes back, and gathering shares over time instead of needing k at once.
    add('experiments', 20_000, [1], BASE_CHURN, 0, erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS, { retryMs: HOUR }), '_retry1h')
    add('experiments', 20_000, [1], BASE_CHURN, 0, erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS, { retryMs: 3 * HOUR }), '_retry3h')
    add('experiments', 20_000, [1], BASE_CHURN, 0, erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS, { gather: true }), '_gather')
    add('experiments', 20_000, [1], BASE_CHURN, 0.1, erasure(k48(8), 72 * HOUR))
    add('experiments', 20_000, [1], BASE_CHURN, 0, erasure(makePolicy({ k: 8, n: 16, repairThreshold: 14 }), DEFAULT_LOST_AFTER_MS))
    add('experiments', 20_000, [1], BASE_CHURN, 0, erasure(makePolicy({ k: 4, n: 12, repairThreshold: 9 }), 72 * HOUR))
  }
  return out
}

/** Runs every (scenario, seed) on `workers` child processes, the costliest first. */
async function runAll(list: readonly Scenario[], workers: number, verbose: boolean): Promise<Map<string, Totals>> {
  const jobs = list.flatMap((s) => s.seeds.map((seed) => ({ s, seed })))
  const cost = (j: (typeof jobs)[number]): number => {
    const n = j.s.scheme.kind === 'erasure' ? j.s.scheme.policy.n : 1
    const eager = j.s.scheme.kind === 'erasure' && j.s.scheme.lostAfterMs <= DAY ? 4 : 1
    return j.s.files * n * eager
  }
  jobs.sort((a, b) => cost(b) - cost(a))
  const totals = new Map<string, Totals>()
  const workerPath = fileURLToPath(new URL('./durability-worker.ts', import.meta.url))
  const children: ChildProcess[] = []
  let next = 0
  await new Promise<void>((resolve, reject) => {
    let running = 0
    const give = (child: ChildProcess): void => {
      if (next >= jobs.length) {
        if (running === 0) resolve()
        return
      }
      const id = next++
      const { s, seed } = jobs[id]!
      const cfg: SimConfig = { ...MODEL, seed, files: s.files, churnPerMonth: s.churnPerMonth, alwaysOn: s.alwaysOn, scheme: s.scheme }
      running++
      child.send({ id, cfg })
    }
    for (let w = 0; w < Math.max(1, Math.min(workers, jobs.length)); w++) {
      const child = fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push(child)
      child.on('message', (m: { id: number; result: SimResult }) => {
        running--
        const { s, seed } = jobs[m.id]!
        const r = m.result
        const t = totals.get(s.name) ?? { lost: 0, fileYears: 0, nearMisses: 0, repairBytes: 0, auditBytes: 0, blocked: 0 }
        t.lost += r.lost
        t.fileYears += r.fileYears
        t.nearMisses += r.nearMisses
        // Byte-months weighted by file-years, so seeds average correctly.
        t.repairBytes += r.repairPerStoredByteMonth * r.fileYears
        t.auditBytes += r.auditPerStoredByteMonth * r.fileYears
        t.blocked += r.blockedChecks
        totals.set(s.name, t)
        if (verbose)
          console.error(`durability: ${s.name} seed ${seed}: ${r.lost} lost in ${r.fileYears.toFixed(0)} file-years, ${(r.wallMs / 1000).toFixed(1)} s`)
        give(child)
      })
      child.on('error', reject)
      child.on('exit', (code) => {
        if (code !== 0 && next <= jobs.length && running > 0) reject(new Error(`durability: a simulation process exited with ${code}.`))
      })
      give(child)
    }
  }).finally(() => {
    for (const c of children) if (c.connected) c.disconnect()
  })
  return totals
}

const perMillion = (count: number, fileYears: number): number => (count / fileYears) * 1e6
const round = (x: number, digits = 3): number => Number(x.toPrecision(digits))

export async function durability(print: (f: Figure) => void): Promise<void> {
  const t0 = performance.now()
  const scale = Number(process.env.LAYR_BENCH_SCALE ?? 1)
  const workers = Number(process.env.LAYR_BENCH_WORKERS ?? availableParallelism())
  const list = scenarios(scale, process.env.LAYR_BENCH_EXPERIMENTS === '1')
  const print1 = (metric: string, value: number, unit: string, target?: string): void =>
    print({ bench: 'durability', metric, value, unit, ...(target ? { target } : {}) })

  print1('model_hosts', MODEL.hosts, 'peers')
  print1('model_owners', MODEL.owners, 'owners')
  print1('model_years_per_run', MODEL.years, 'years')
  print1('model_tab_online_mean_h', MODEL.onlineMeanHours, 'h')
  print1('model_tab_offline_mean_h', MODEL.offlineMeanHours, 'h')
  print1('model_owner_online_h_per_day', MODEL.ownerOnlineHours, 'h')
  print1('model_base_churn_pct_per_month', BASE_CHURN * 100, '%/month')
  print1('default_k', DEFAULT_POLICY.k, 'shares')
  print1('default_n', DEFAULT_POLICY.n, 'shares')
  print1('default_r', DEFAULT_POLICY.repairThreshold, 'shares')
  print1('default_wait_h', DEFAULT_LOST_AFTER_MS / HOUR, 'h')

  const totals = await runAll(list, workers, process.env.LAYR_BENCH_VERBOSE === '1')
  const rates = new Map<string, { rate: number; upper: number; lower: number; t: Totals; s: Scenario }>()
  const table: string[] = []
  for (const s of list) {
    const t = totals.get(s.name)!
    const rate = perMillion(t.lost, t.fileYears)
    const upper = perMillion(poissonUpper95(t.lost), t.fileYears)
    const lower = perMillion(poissonLower95(t.lost), t.fileYears)
    rates.set(s.name, { rate, upper, lower, t, s })
    const repair = t.repairBytes / t.fileYears
    const audit = t.auditBytes / t.fileYears
    print1(`${s.name}_lost_per_million_file_years`, round(rate), 'files / 1e6 file-years')
    print1(`${s.name}_lost_per_million_file_years_upper95`, round(upper), 'files / 1e6 file-years')
    print1(`${s.name}_lost_files`, t.lost, 'files')
    print1(`${s.name}_file_years`, Math.round(t.fileYears), 'file-years')
    print1(`${s.name}_files_down_to_k_holders`, t.nearMisses, 'files')
    print1(`${s.name}_repair_per_stored_byte_month`, round(repair), 'B / stored B / month')
    if (s.scheme.kind === 'erasure') print1(`${s.name}_audit_per_stored_byte_month`, round(audit), 'B / stored B / month')
    table.push(
      [
        s.name.padEnd(44),
        String(t.lost).padStart(6),
        String(Math.round(t.fileYears)).padStart(8),
        String(round(rate)).padStart(9),
        String(round(upper)).padStart(9),
        String(t.nearMisses).padStart(6),
        repair.toFixed(3).padStart(7),
        s.scheme.kind === 'erasure' ? audit.toFixed(3).padStart(6) : '     -',
      ].join(' '),
    )
  }

  // Headlines: against mirroring at the base churn with no always-on hosts, and the churn at which losses stay under one per million.
  const base = (scheme: Scheme): string => scenarioName({ churnPerMonth: BASE_CHURN, alwaysOn: 0, scheme })
  const def = erasure(DEFAULT_POLICY, DEFAULT_LOST_AFTER_MS)
  const mirror = rates.get(base(MIRROR))!
  for (const [label, scheme] of [
    ['default', def],
    ['k4n12_r10', K4N12],
  ] as const) {
    const x = rates.get(base(scheme))!
    const lost = x.t.lost
    if (lost > 0) print1(`${label}_vs_mirror_fewer_losses`, round(mirror.rate / x.rate), 'ratio')
    print1(`${label}_vs_mirror_fewer_losses_lower95`, round(mirror.lower / x.upper), 'ratio', '>= 1000')
    for (const alwaysOn of ALWAYS_ON) {
      const under = CHURNS.filter((c) => rates.get(scenarioName({ churnPerMonth: c, alwaysOn, scheme }))!.upper < 1)
      print1(
        `${label}_alwayson${alwaysOn * 100}_max_churn_with_upper95_under_1_per_million`,
        under.length ? Math.max(...under) * 100 : 0,
        '%/month (0: none shown)',
      )
    }
  }
  const seconds = (performance.now() - t0) / 1000
  print1('bench_seconds', Math.round(seconds), 's', '<= 120')
  console.error(
    [
      '',
      `durability: ${MODEL.hosts} hosts (tabs ${MODEL.onlineMeanHours} h on / ${MODEL.offlineMeanHours} h off), ${MODEL.owners} owners online ${MODEL.ownerOnlineHours} h a day, ${MODEL.years} year a run`,
      `${'scenario'.padEnd(44)}   lost  file-yrs  per 1e6y   upper95  to k  repair  audit`,
      ...table,
      `(${Math.round(seconds)} s on ${workers} processes)`,
    ].join('\n'),
  )
}
