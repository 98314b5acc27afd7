// Types for scripts/test-summary.mjs (plain JavaScript, so that `npm test` needs no compiler).
export interface Counts {
  readonly passed: number
  readonly failed: number
  /** Names of the tests that passed only on a retry (not counted in `passed`). */
  readonly flaky: readonly string[]
  readonly label: string
}
export interface Totals {
  passed: number
  failed: number
  flaky: string[]
  failures: string[]
}
export function vitestCounts(report: unknown): Counts | undefined
export function playwrightCounts(report: unknown): Counts | undefined
export function createTally(): {
  readonly totals: Totals
  check(label: string, ok: boolean): void
  runner(name: string, ok: boolean, counts: Counts | undefined): void
}
export function summaryLines(totals: Totals): string[]
