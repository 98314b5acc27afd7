import { afterEach, describe, expect, it, vi } from 'vitest'
import { periodic } from './services.ts'

describe('periodic', () => {
  afterEach(() => void vi.useRealTimers())

  it('runs first after firstMs, then every everyMs (jittered), never overlapping, until stopped', async () => {
    vi.useFakeTimers()
    const runs: number[] = []
    let release: () => void = () => {}
    const s = periodic(
      async () => {
        runs.push(Date.now())
        await new Promise<void>((r) => (release = r))
      },
      { firstMs: 100, everyMs: 1000, random: () => 0.5 },
    )
    const t0 = Date.now()
    s.start()
    s.start() // a second start changes nothing
    await vi.advanceTimersByTimeAsync(99)
    expect(runs).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toEqual([t0 + 100])
    // While the first run is busy, no second one starts.
    await vi.advanceTimersByTimeAsync(5000)
    expect(runs).toHaveLength(1)
    release()
    await vi.advanceTimersByTimeAsync(1000)
    expect(runs).toHaveLength(2)
    s.stop()
    release()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(2)
    expect(s.running).toBe(false)
  })

  it('a failing turn does not stop the next', async () => {
    vi.useFakeTimers()
    let n = 0
    const s = periodic(
      async () => {
        if (n++ === 0) throw new Error('the first turn fails')
      },
      { firstMs: 10, everyMs: 10, random: () => 0.5 },
    )
    s.start()
    await vi.advanceTimersByTimeAsync(35)
    expect(n).toBeGreaterThanOrEqual(3)
    s.stop()
  })
})
