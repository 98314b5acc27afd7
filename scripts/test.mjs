#!/usr/bin/env node
// `npm test`: the type checks, lint (typescript-eslint) and format check (prettier), the unit tests (Vitest)
// and the browser end-to-end tests (Playwright on Debian's Chromium), then one summary line counting all of them:
//   tests: N passed, N failed
// or, when some test passed only on a retry (CI allows one), `tests: N passed, N failed, N flaky`
// with the flaky tests named just above it; flaky tests are not counted as passed.
// Each type checker, the linter and the format check count as one test. A stage that crashes without a report counts as one failure.
// The counting is in test-summary.mjs (unit-tested).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { createTally, playwrightCounts, summaryLines, vitestCounts } from './test-summary.mjs'

const bin = (name) => join('node_modules', '.bin', name)
const tmp = mkdtempSync(join(tmpdir(), 'layr-test-'))
const tally = createTally()

function step(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return r.status === 0
}

function check(label, cmd, args) {
  tally.check(label, step(label, cmd, args))
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

check('tsc', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])
check('svelte-check', bin('svelte-check'), ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human'])
check('eslint', bin('eslint'), ['.'])
check('prettier', bin('prettier'), ['--check', '.'])

const unitJson = join(tmp, 'vitest.json')
const unitOk = step('unit tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`])
tally.runner('vitest', unitOk, vitestCounts(readJson(unitJson)))

const e2eJson = join(tmp, 'playwright.json')
const port = process.env.LAYR_E2E_PORT ?? String(await freePort())
const e2eOk = step('end-to-end tests', bin('playwright'), ['test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson,
  LAYR_E2E_PORT: port,
})
tally.runner('playwright', e2eOk, playwrightCounts(existsSync(e2eJson) ? readJson(e2eJson) : undefined))

console.log(`\n${summaryLines(tally.totals).join('\n')}`)
process.exit(tally.totals.failed === 0 ? 0 : 1)
