/**
 * What runs in the background while the app is open, each with start() and stop(), so a
 * composition root decides what runs (a tab runs both; a test, neither; later: audits, repair).
 */

export interface Service {
  start(): void
  stop(): void
  readonly running: boolean
}

/**
 * Runs `task` after `firstMs`, then every `everyMs` (± a quarter, so peers that opened together
 * do not all sync at once), while started. A task that fails is tried again at the next turn;
 * one turn never overlaps the next.
 */
export function periodic(task: () => Promise<unknown>, options: { firstMs: number; everyMs: number; random?: () => number }): Service {
  const random = options.random ?? Math.random
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  const schedule = (ms: number): void => {
    timer = setTimeout(() => {
      void task()
        .catch(() => {})
        .finally(() => running && schedule(options.everyMs * (0.75 + random() / 2)))
    }, ms)
  }
  return {
    start() {
      if (running) return
      running = true
      schedule(options.firstMs)
    },
    stop() {
      running = false
      clearTimeout(timer)
    },
    get running() {
      return running
    },
  }
}
