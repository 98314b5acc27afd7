#!/usr/bin/env node
// `npm test`: the type checks, the unit tests (Vitest) and the browser end-to-end tests
// (Playwright on Debian's Chromium), then one summary line counting all of them:
//   tests: N passed, N failed
// Each type checker counts as one test. A stage that crashes without a report counts as one failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'

const bin = (name) => join('node_modules', '.bin', name)
const tmp = mkdtempSync(join(tmpdir(), 'layr-test-'))
let passed = 0
let failed = 0
const failures = []

function step(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return r.status === 0
}

function check(label, cmd, args) {
  if (step(label, cmd, args)) passed++
  else {
    failed++
    failures.push(label)
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Passed/failed counts from a runner's JSON report, or undefined when it wrote none. */
function unit(report) {
  return report && { passed: report.numPassedTests, failed: report.numFailedTests, label: 'unit test(s)' }
}

function e2e(report) {
  const s = report?.stats
  if (!s) return undefined
  if (s.flaky > 0) console.log(`note: ${s.flaky} end-to-end test(s) passed only on retry (flaky).`)
  return { passed: s.expected + s.flaky, failed: s.unexpected, label: 'end-to-end test(s)' }
}

/** Adds a runner's counts; a runner that failed without a failing test, or wrote no report, is one failure. */
function tally(runner, ok, counts) {
  if (!counts) {
    failed++
    failures.push(`${runner} produced no report`)
    return
  }
  passed += counts.passed
  failed += counts.failed
  if (counts.failed > 0) failures.push(`${counts.failed} ${counts.label}`)
  if (!ok && counts.failed === 0) {
    failed++
    failures.push(`${runner} (run error)`)
  }
}

check('tsc', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])
check('svelte-check', bin('svelte-check'), ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human'])

const unitJson = join(tmp, 'vitest.json')
const unitOk = step('unit tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`])
tally('vitest', unitOk, unit(readJson(unitJson)))

const e2eJson = join(tmp, 'playwright.json')
const port = process.env.LAYR_E2E_PORT ?? String(await freePort())
const e2eOk = step('end-to-end tests', bin('playwright'), ['test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson,
  LAYR_E2E_PORT: port,
})
tally('playwright', e2eOk, e2e(existsSync(e2eJson) ? readJson(e2eJson) : undefined))

if (failures.length) console.log(`\nfailed: ${failures.join('; ')}`)
console.log(`\ntests: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
