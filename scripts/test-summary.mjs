// The counting half of `npm test` (scripts/test.mjs), pure so that it can be unit-tested:
// runners' JSON reports in, counts and the closing lines out. A test that passed only on a
// retry is flaky: counted apart from the passes, and named just above the final line.

/** Counts from Vitest's JSON report, or undefined when it wrote none. */
export function vitestCounts(report) {
  if (!report || typeof report.numPassedTests !== 'number') return undefined
  return { passed: report.numPassedTests, failed: report.numFailedTests ?? 0, flaky: [], label: 'unit test(s)' }
}

/** Counts from Playwright's JSON report, or undefined when it wrote none. */
export function playwrightCounts(report) {
  const s = report?.stats
  if (!s) return undefined
  const flaky = []
  const walk = (suite, titles) => {
    const here = suite.title ? [...titles, suite.title] : titles
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'flaky') flaky.push([...here, spec.title].join(' › ') + (t.projectName ? ` [${t.projectName}]` : ''))
      }
    }
    for (const child of suite.suites ?? []) walk(child, here)
  }
  for (const suite of report.suites ?? []) walk(suite, [])
  // The names come from the suites; if they are missing, still count what the stats say.
  while (flaky.length < (s.flaky ?? 0)) flaky.push('(unnamed end-to-end test)')
  return { passed: s.expected ?? 0, failed: s.unexpected ?? 0, flaky, label: 'end-to-end test(s)' }
}

/** A running total over the stages of a run. */
export function createTally() {
  const t = { passed: 0, failed: 0, flaky: [], failures: [] }
  return {
    totals: t,
    /** A check that is one test (a type checker). */
    check(label, ok) {
      if (ok) t.passed++
      else {
        t.failed++
        t.failures.push(label)
      }
    },
    /** A runner's counts; a runner that failed without a failing test, or wrote no report, is one failure. */
    runner(name, ok, counts) {
      if (!counts) {
        t.failed++
        t.failures.push(`${name} produced no report`)
        return
      }
      t.passed += counts.passed
      t.failed += counts.failed
      t.flaky.push(...counts.flaky)
      if (counts.failed > 0) t.failures.push(`${counts.failed} ${counts.label}`)
      if (!ok && counts.failed === 0) {
        t.failed++
        t.failures.push(`${name} (run error)`)
      }
    },
  }
}

/**
 * The closing lines. The last is `tests: N passed, N failed`, with `, N flaky` added only when
 * some test passed only on a retry; the flaky tests' names come just above it.
 */
export function summaryLines({ passed, failed, flaky, failures }) {
  const lines = []
  if (failures.length) lines.push(`failed: ${failures.join('; ')}`)
  if (flaky.length) {
    lines.push(`flaky (passed only on a retry): ${flaky.length}`)
    for (const name of flaky) lines.push(`  flaky: ${name}`)
  }
  lines.push(`tests: ${passed} passed, ${failed} failed${flaky.length ? `, ${flaky.length} flaky` : ''}`)
  return lines
}
