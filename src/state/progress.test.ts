import { describe, expect, it } from 'vitest'
import type { LayrBackupProgress } from '../layr/api.ts'
import { BackupTracker, RateMeter, RestoreTracker, describeRestore, describeUpload } from './progress.ts'

const MiB = 1024 * 1024

/** The events of a backup of `segments` segments of 4 MiB with n shares each, one per 100 ms. */
function backupEvents(segments: number, n: number, bytesTotal = segments * 4 * MiB): LayrBackupProgress[] {
  const out: LayrBackupProgress[] = [
    { type: 'stage', stage: 'finding-hosts' },
    { type: 'place:hosts', hosts: n },
    { type: 'stage', stage: 'encrypting' },
    { type: 'encode:start', bytesTotal, segments },
  ]
  for (let s = 0; s < segments; s++) {
    out.push({ type: 'encode:segment', segmentIndex: s, bytesDone: Math.min(bytesTotal, (s + 1) * 4 * MiB), bytesTotal })
    for (let i = 0; i < n; i++) out.push({ type: 'place:share', segmentIndex: s, shareIndex: i, peer: `p${i}` })
  }
  out.push({ type: 'encode:done', bytesTotal }, { type: 'stage', stage: 'saving-manifest' }, { type: 'stage', stage: 'done' })
  return out
}

describe('BackupTracker', () => {
  it('walks the stages a person sees, in order, and ends at 1', () => {
    const t = new BackupTracker(3, 8 * MiB)
    t.start()
    const seen: string[] = []
    let last = -1
    let time = 0
    for (const e of backupEvents(2, 3)) {
      t.apply(e, (time += 100))
      const s = t.snapshot()
      if (seen[seen.length - 1] !== s.stage) seen.push(s.stage)
      expect(s.fraction).toBeGreaterThanOrEqual(last)
      last = s.fraction
    }
    expect(seen).toEqual(['finding-hosts', 'encoding', 'placing', 'encoding', 'placing', 'saving', 'done'])
    expect(t.snapshot()).toMatchObject({ fraction: 1, sharesPlaced: 6, sharesTotal: 6, hosts: 3, segments: 2 })
  })

  it.each([
    // [segments, n, events applied, expected fraction]
    [1, 3, 4, 0], // encode:start only
    [1, 3, 5, 0], // segment coded, no share placed: the count says 0 of 3
    [1, 3, 6, 1 / 3],
    [2, 4, 5, 0], // half the bytes coded, nothing placed
    [2, 4, 9, 0.5], // first segment's 4 shares out of 8
  ])('%i segment(s), n = %i: after %i events the bar is at %f', (segments, n, count, expected) => {
    const t = new BackupTracker(n, segments * 4 * MiB)
    t.start()
    for (const e of backupEvents(segments, n).slice(0, count)) t.apply(e, 0)
    expect(t.snapshot().fraction).toBeCloseTo(expected, 6)
  })

  it('never runs ahead of its own count', () => {
    const t = new BackupTracker(3, 8 * MiB)
    t.start()
    for (const e of backupEvents(2, 3)) {
      t.apply(e, 0)
      const s = t.snapshot()
      if (s.sharesTotal > 0 && s.stage !== 'done') expect(s.fraction).toBeLessThanOrEqual(s.sharesPlaced / s.sharesTotal + 1e-9)
      if (s.stage === 'placing') expect(describeUpload(s)).toBe(`Placing shares: ${s.sharesPlaced} of ${s.sharesTotal}`)
    }
  })

  it('says "finding hosts" with an indeterminate bar until coding starts', () => {
    const t = new BackupTracker(3, 10)
    t.start()
    expect(t.snapshot()).toMatchObject({ stage: 'finding-hosts', indeterminate: true, fraction: 0 })
    t.apply({ type: 'place:hosts', hosts: 5 }, 0)
    expect(t.snapshot()).toMatchObject({ stage: 'finding-hosts', hosts: 5 })
    t.apply({ type: 'encode:start', bytesTotal: 10, segments: 1 }, 0)
    expect(t.snapshot().indeterminate).toBe(false)
  })

  it('gives speed and time left from the bytes through the pipeline', () => {
    const segments = 4
    const n = 2
    const t = new BackupTracker(n, segments * 4 * MiB)
    t.start()
    let time = 1000
    // Each event 250 ms apart; stop in the middle of the second segment's shares.
    for (const e of backupEvents(segments, n).slice(0, 4 + 5)) t.apply(e, (time += 250))
    const s = t.snapshot()
    expect(s.stage).toBe('placing')
    expect(s.speed).toBeGreaterThan(0)
    // Time left ≈ what remains at the measured rate.
    expect(s.eta).toBeCloseTo(((1 - s.fraction) * 16 * MiB) / s.speed!, 6)
  })

  it('has no speed before any time has passed, nor once done', () => {
    const t = new BackupTracker(2, 4 * MiB)
    t.start()
    t.apply({ type: 'encode:start', bytesTotal: 4 * MiB, segments: 1 }, 0)
    expect(t.snapshot().speed).toBeUndefined()
    expect(t.snapshot().eta).toBeUndefined()
    t.finish()
    expect(t.snapshot()).toMatchObject({ stage: 'done', speed: undefined, fraction: 1 })
  })

  it('handles an empty file (no bytes, one segment)', () => {
    const t = new BackupTracker(3, 0)
    t.start()
    for (const e of backupEvents(1, 3, 0)) t.apply(e, 0)
    expect(t.snapshot()).toMatchObject({ stage: 'done', fraction: 1 })
  })

  it('notes reduced redundancy', () => {
    const t = new BackupTracker(3, 1)
    t.apply({ type: 'place:reduced', segmentIndex: 0, hosts: 2 }, 0)
    expect(t.snapshot().reduced).toBe(true)
  })

  it('ends as cancelled or failed', () => {
    const a = new BackupTracker(3, 1)
    a.fail(true)
    expect(a.snapshot().stage).toBe('cancelled')
    const b = new BackupTracker(3, 1)
    b.fail(false)
    expect(b.snapshot().stage).toBe('failed')
  })
})

describe('RateMeter', () => {
  it('measures over its window and keeps one older sample across a gap', () => {
    const m = new RateMeter(1000)
    m.add(0, 0)
    expect(m.rate()).toBeUndefined()
    m.add(500, 500)
    expect(m.rate()).toBeCloseTo(1000)
    m.add(1000, 1000)
    m.add(1500, 3000) // faster now: the 0 ms sample leaves the window, the 500 ms one is kept
    m.add(2000, 5000)
    expect(m.rate()).toBeCloseTo(((5000 - 500) * 1000) / 1500)
    m.add(10_000, 6000) // a long pause still gives a (slow) rate
    expect(m.rate()).toBeCloseTo((1000 * 1000) / 8000)
  })
})

describe('RestoreTracker', () => {
  it('follows decode events to done, counting skipped shares', () => {
    const t = new RestoreTracker(8 * MiB)
    expect(describeRestore(t.snapshot())).toBe('Finding shares')
    t.apply({ type: 'decode:start', bytesTotal: 8 * MiB, segments: 2 }, 0)
    t.apply({ type: 'decode:share-rejected', segmentIndex: 0, shareIndex: 1, reason: 'unreachable' }, 100)
    t.apply({ type: 'decode:segment', segmentIndex: 0, bytesDone: 4 * MiB, bytesTotal: 8 * MiB }, 1000)
    const mid = t.snapshot()
    expect(mid).toMatchObject({ stage: 'fetching', fraction: 0.5, sharesRejected: 1 })
    expect(mid.speed).toBeCloseTo(4 * MiB)
    expect(mid.eta).toBeCloseTo(1)
    expect(describeRestore(mid)).toContain('1 share(s) skipped')
    t.apply({ type: 'decode:segment', segmentIndex: 1, bytesDone: 8 * MiB, bytesTotal: 8 * MiB }, 2000)
    t.apply({ type: 'decode:done', bytesTotal: 8 * MiB }, 2000)
    expect(t.snapshot().stage).toBe('writing')
    t.finish()
    expect(t.snapshot()).toMatchObject({ stage: 'done', fraction: 1 })
  })
})

describe('describeUpload', () => {
  it('names the stage, with the share count while placing', () => {
    const t = new BackupTracker(3, 8 * MiB)
    expect(describeUpload(t.snapshot())).toBe('Waiting')
    t.start()
    expect(describeUpload(t.snapshot())).toBe('Finding hosts')
    const events = backupEvents(2, 3)
    for (const e of events.slice(0, 4)) t.apply(e, 0)
    expect(describeUpload(t.snapshot())).toBe('Encrypting and encoding part 1 of 2')
    for (const e of events.slice(4, 7)) t.apply(e, 0)
    expect(describeUpload(t.snapshot())).toBe('Placing shares: 2 of 6')
    t.finish()
    expect(describeUpload(t.snapshot())).toBe('Done')
  })
})
