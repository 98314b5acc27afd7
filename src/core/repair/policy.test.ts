import { describe, expect, it } from 'vitest'
import { makePolicy } from '../erasure/index.ts'
import { fileVerdict, segmentVerdict, survivableLosses, type ShareCheck } from './index.ts'

const V: ShareCheck = { state: 'verified' }
const F: ShareCheck = { state: 'failed', reason: 'wrong' }
const off = (since: number): ShareCheck => ({ state: 'offline', since })
const policy = makePolicy({ k: 4, n: 8, repairThreshold: 6 })
const H = 3600_000

describe('repair decisions', () => {
  it('counts hosts away for less than the wait, and rebuilds failed ones and those away longer', () => {
    const now = 100 * H
    const v = segmentVerdict([V, V, V, V, off(now - H), off(now - 80 * H), F, V], policy, now, 72 * H)
    expect(v).toEqual({ verified: 5, counted: 6, lost: [5, 6], needsRepair: false, repairable: true })
    const w = segmentVerdict([V, V, V, V, off(now - 73 * H), off(now - 80 * H), F, V], policy, now, 72 * H)
    expect(w.needsRepair).toBe(true)
    expect(w.lost).toEqual([4, 5, 6])
  })

  it('moves the shares of a disqualified host whatever the count', () => {
    const v = segmentVerdict([V, V, V, V, V, V, V, { state: 'failed', reason: 'disqualified' }], policy, 0)
    expect(v).toMatchObject({ counted: 7, lost: [7], needsRepair: true })
    expect(segmentVerdict([V, V, V, V, V, V, V, F], policy, 0).needsRepair).toBe(false)
  })

  it('cannot repair a segment with fewer than k verified shares', () => {
    const now = 10 * H
    const v = segmentVerdict([V, V, V, F, F, F, off(now), off(now)], policy, now)
    expect(v.needsRepair).toBe(true)
    expect(v.repairable).toBe(false)
    const f = fileVerdict(
      [
        [V, V, V, V, V, V, V, V],
        [V, V, V, F, F, F, off(now), off(now)],
      ],
      policy,
      now,
    )
    expect(f).toMatchObject({ verified: 3, counted: 5, needsRepair: true, repairable: false })
  })

  it('survivable losses take the fullest hosts first', () => {
    expect(survivableLosses(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 4)).toBe(4)
    expect(survivableLosses(['a', 'a', 'b'], 2)).toBe(0)
    expect(survivableLosses(['a', 'b', 'c'], 2)).toBe(1)
    expect(survivableLosses(['a', 'a', 'b', 'c', 'd', 'e'], 4)).toBe(1)
    expect(survivableLosses(['a'], 2)).toBe(-1)
  })
})
