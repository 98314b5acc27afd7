import { describe, expect, it } from 'vitest'
import { makePolicy } from '../erasure/index.ts'
import { fileSpread, fileVerdict, placedSurvives, segmentVerdict, spreadShares, survivableLosses, type ShareCheck } from './index.ts'

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

  const D: ShareCheck = { state: 'failed', reason: 'disqualified' }
  /** The holders once each moved share sits on a fresh host of its own. */
  const moved = (holders: readonly string[], moves: readonly number[]): string[] => holders.map((h, i) => (moves.includes(i) ? `new-${i}` : h))

  const spreads: Array<{ name: string; holders: string[]; checks: ShareCheck[]; k: number; moves: number[] }> = [
    { name: 'k=2 n=3 on 2 hosts: one of the doubled host’s two moves', holders: ['a', 'b', 'a'], checks: [V, V, V], k: 2, moves: [2] },
    { name: 'enough hosts: nothing moves', holders: ['a', 'b', 'c'], checks: [V, V, V], k: 2, moves: [] },
    { name: 'uneven hosts: the fullest gives up shares first', holders: ['b', 'b', 'a', 'a', 'a', 'c'], checks: [V, V, V, V, V, V], k: 2, moves: [4, 1, 3] },
    {
      name: 'a disqualified holder next to a doubled one: repair rebuilds its share, spread moves the doubled one',
      holders: ['a', 'b', 'a'],
      checks: [V, D, V],
      k: 2,
      moves: [2],
    },
    { name: 'a disqualified doubled host: its shares are lost (repair’s), not spread', holders: ['a', 'b', 'a'], checks: [D, V, D], k: 2, moves: [] },
    { name: 'a doubled host that is away: nothing to fetch, nothing moves', holders: ['a', 'b', 'a'], checks: [off(0), V, off(0)], k: 2, moves: [] },
    { name: 'a doubled host with one share failed: only verified shares count', holders: ['a', 'b', 'a', 'c'], checks: [V, V, F, V], k: 2, moves: [] },
    { name: 'one host holding all 4 of k=2 n=4', holders: ['a', 'a', 'a', 'a'], checks: [V, V, V, V], k: 2, moves: [3, 2, 1] },
  ]
  for (const { name, holders, checks, k, moves } of spreads) {
    it(`spreads: ${name}`, () => {
      expect(spreadShares(holders, checks)).toEqual(moves)
      // Once moved, the verified shares sit on distinct hosts, and survive as n distinct hosts would.
      const after = moved(holders, moves).filter((_, i) => checks[i]?.state === 'verified')
      expect(new Set(after).size).toBe(after.length)
      expect(survivableLosses(after, k)).toBe(after.length - k)
    })
  }

  it('spreading survives more: k=2 n=3 on 2 hosts goes from 0 host losses to 1, and the fullest host first helps most', () => {
    const m = (holders: string[][]) => ({ codec: { k: 2 }, segments: holders.map((hs) => ({ shares: hs.map((h, index) => ({ index, holders: [h] })) })) })
    const reduced = m([
      ['a', 'b', 'a'],
      ['b', 'a', 'b'],
    ])
    const plan = fileSpread(reduced, [
      [V, V, V],
      [V, V, V],
    ])
    expect(plan).toEqual([[2], [2]])
    expect(placedSurvives(reduced)).toBe(0)
    expect(
      placedSurvives(
        m([
          ['a', 'b', 'c'],
          ['b', 'a', 'c'],
        ]),
      ),
    ).toBe(1)
    // With a single new host (k=4 of 6), the first move (off the fullest host) beats moving any other share.
    const uneven = ['b', 'b', 'a', 'a', 'a', 'c']
    const first = spreadShares(
      uneven,
      uneven.map(() => V),
    )[0]!
    const best = survivableLosses(moved(uneven, [first]), 4)
    for (let i = 0; i < uneven.length; i++) expect(best).toBeGreaterThanOrEqual(survivableLosses(moved(uneven, [i]), 4))
    expect(best).toBeGreaterThan(survivableLosses(moved(uneven, [1]), 4))
  })
})

describe('what a placement survives', () => {
  const m = (k: number, ...segments: string[][]) => ({ codec: { k }, segments: segments.map((hs) => ({ shares: hs.map((h) => ({ holders: h ? [h] : [] })) })) })
  it.each([
    ['k2n3 on 2 hosts, doubled up: either host takes the file', m(2, ['a', 'a', 'b']), 0],
    ['k2n3 on 3 distinct hosts', m(2, ['a', 'b', 'c']), 1],
    ['k4n12 on 3 hosts, 4 each', m(4, ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c']), 2],
    ['k4n12 on 3 uneven hosts: the worst case takes the fullest first', m(4, ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c']), 1],
    ['k4n12 on 12 distinct hosts', m(4, 'abcdefghijkl'.split('')), 8],
    ['the weakest segment decides', m(2, ['a', 'b', 'c'], ['a', 'a', 'b']), 0],
    ['a segment with fewer than k placed shares cannot be restored', m(2, ['a', '', '']), -1],
    ['one host with everything survives nothing', m(2, ['a', 'a', 'a', 'a']), 0],
    ['no segments, nothing to restore from', m(2), -1],
  ])('%s → %s', (_label, manifest, survives) => expect(placedSurvives(manifest)).toBe(survives))
})
