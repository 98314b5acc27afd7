import { describe, expect, it } from 'vitest'
import { createTally, playwrightCounts, summaryLines, vitestCounts } from './test-summary.mjs'

/** A Playwright JSON report as `--reporter=json` writes it (the fields the summary reads). */
function playwrightReport(tests: { file: string; describe?: string; title: string; status: string }[]) {
  const stats = { expected: 0, unexpected: 0, flaky: 0, skipped: 0 }
  for (const t of tests) stats[t.status as keyof typeof stats]++
  const files = [...new Set(tests.map((t) => t.file))]
  return {
    stats,
    suites: files.map((file) => ({
      title: file,
      file,
      specs: tests.filter((t) => t.file === file && !t.describe).map((t) => ({ title: t.title, tests: [{ projectName: '', status: t.status }] })),
      suites: [...new Set(tests.filter((t) => t.file === file && t.describe).map((t) => t.describe!))].map((d) => ({
        title: d,
        specs: tests.filter((t) => t.file === file && t.describe === d).map((t) => ({ title: t.title, tests: [{ projectName: '', status: t.status }] })),
      })),
    })),
  }
}

/** What CI reads: the last line, `N passed, N failed` (', N …' may follow). */
const CI_LINE = /^tests: (\d+) passed, (\d+) failed(?:, (\d+) flaky)?$/

describe('npm test summary', () => {
  it('with no flaky tests, the final line stays exactly `tests: N passed, N failed`', () => {
    const t = createTally()
    t.check('tsc', true)
    t.check('svelte-check', true)
    t.runner('vitest', true, vitestCounts({ numPassedTests: 40, numFailedTests: 0 }))
    t.runner(
      'playwright',
      true,
      playwrightCounts(
        playwrightReport([
          { file: 'a.spec.ts', title: 'one', status: 'expected' },
          { file: 'a.spec.ts', title: 'two', status: 'expected' },
        ]),
      ),
    )
    expect(summaryLines(t.totals)).toEqual(['tests: 44 passed, 0 failed'])
  })

  it('a test that passed only on its retry is flaky: not a pass, counted and named just above the final line', () => {
    const t = createTally()
    t.check('tsc', true)
    t.runner('vitest', true, vitestCounts({ numPassedTests: 10, numFailedTests: 0 }))
    t.runner(
      'playwright',
      true,
      playwrightCounts(
        playwrightReport([
          { file: 'a.spec.ts', title: 'steady', status: 'expected' },
          { file: 'share-store.spec.ts', describe: 'IndexedDB ShareStore contract', title: 'a full device is a StorageFullError', status: 'flaky' },
          { file: 'b.spec.ts', title: 'wobbly', status: 'flaky' },
        ]),
      ),
    )
    const lines = summaryLines(t.totals)
    expect(lines.at(-1)).toBe('tests: 12 passed, 0 failed, 2 flaky')
    expect(lines.at(-1)).toMatch(CI_LINE)
    expect(lines.slice(-3, -1)).toEqual([
      '  flaky: share-store.spec.ts › IndexedDB ShareStore contract › a full device is a StorageFullError',
      '  flaky: b.spec.ts › wobbly',
    ])
  })

  it('failures are counted and listed; flaky tests do not hide them', () => {
    const t = createTally()
    t.check('tsc', false)
    t.runner('vitest', false, vitestCounts({ numPassedTests: 5, numFailedTests: 2 }))
    t.runner(
      'playwright',
      false,
      playwrightCounts(
        playwrightReport([
          { file: 'a.spec.ts', title: 'broken', status: 'unexpected' },
          { file: 'a.spec.ts', title: 'wobbly', status: 'flaky' },
        ]),
      ),
    )
    const lines = summaryLines(t.totals)
    expect(lines[0]).toBe('failed: tsc; 2 unit test(s); 1 end-to-end test(s)')
    expect(lines.at(-1)).toBe('tests: 5 passed, 4 failed, 1 flaky')
  })

  it('a runner that wrote no report, or failed with no failing test, is one failure', () => {
    const t = createTally()
    t.runner('vitest', false, vitestCounts(undefined))
    t.runner('playwright', false, playwrightCounts(playwrightReport([{ file: 'a.spec.ts', title: 'ok', status: 'expected' }])))
    const lines = summaryLines(t.totals)
    expect(lines[0]).toBe('failed: vitest produced no report; playwright (run error)')
    expect(lines.at(-1)).toBe('tests: 1 passed, 2 failed')
  })

  it('flaky tests the report counts but does not name are still counted', () => {
    const counts = playwrightCounts({ stats: { expected: 3, unexpected: 0, flaky: 1, skipped: 0 }, suites: [] })
    expect(counts).toEqual({ passed: 3, failed: 0, flaky: ['(unnamed end-to-end test)'], label: 'end-to-end test(s)' })
  })
})
