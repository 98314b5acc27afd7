import { describe, expect, it } from 'vitest'
import { makePolicy } from '../src/core/erasure/index.ts'
import { DAY, poissonLower95, poissonUpper95, sfc32, simulate, type Scheme, type SimConfig } from './durability.ts'

/** A small world (300 hosts, 2,000 files, a year at 10 %/month), so that a few seconds show the differences. */
const world: Omit<SimConfig, 'scheme'> = {
  seed: 7,
  files: 2000,
  owners: 10,
  hosts: 300,
  years: 1,
  churnPerMonth: 0.1,
  alwaysOn: 0,
  onlineMeanHours: 8,
  offlineMeanHours: 16,
  ownerOnlineHours: 8,
}
const k4n8 = (repair: boolean, lostAfterMs = 7 * DAY): Scheme => ({
  kind: 'erasure',
  policy: makePolicy({ k: 4, n: 8, repairThreshold: 8 }),
  lostAfterMs,
  repair,
  retryMs: 0,
  preferReliable: true,
  gather: false,
})
const mirror: Scheme = { kind: 'mirror', copies: 3, patchEveryDays: 30 }

describe('durability simulation', () => {
  it('repair keeps far more files than audits alone, and a seed gives the same counts every time', () => {
    const repaired = simulate({ ...world, scheme: k4n8(true) })
    const unrepaired = simulate({ ...world, scheme: k4n8(false) })
    expect(unrepaired.lost).toBeGreaterThan(500)
    expect(repaired.lost * 10).toBeLessThan(unrepaired.lost)
    expect(repaired.repairs).toBeGreaterThan(0)
    expect(unrepaired.repairs).toBe(0)
    const again = simulate({ ...world, scheme: k4n8(true) })
    expect({ ...again, wallMs: 0 }).toEqual({ ...repaired, wallMs: 0 })
    const otherSeed = simulate({ ...world, seed: 8, scheme: k4n8(true) })
    expect(otherSeed.repairs).not.toBe(repaired.repairs)
  })

  it('mirroring patched once a month loses many files at high churn, erasure coding with repair fewer at less storage', () => {
    const m = simulate({ ...world, scheme: mirror })
    const e = simulate({ ...world, scheme: k4n8(true) })
    expect(m.storage).toBe(3)
    expect(e.storage).toBe(2)
    expect(m.lost).toBeGreaterThan(100)
    expect(e.lost * 5).toBeLessThan(m.lost)
  })

  it('loses nothing without churn, and the fast count agrees with segmentVerdict on every check', () => {
    const calm = { ...world, churnPerMonth: 0, years: 0.1 }
    const a = simulate({ ...calm, scheme: k4n8(true, 24 * 3600_000) })
    expect(a.lost).toBe(0)
    // A short wait makes many verdicts; checking every one with segmentVerdict changes nothing.
    const b = simulate({ ...calm, scheme: k4n8(true, 24 * 3600_000), checkEveryVerdict: true })
    expect({ ...b, wallMs: 0 }).toEqual({ ...a, wallMs: 0 })
    expect(a.repairs).toBeGreaterThan(0) // tabs away for a day are rebuilt elsewhere: traffic, not loss
  })

  it('bounds a Poisson count at 95 % (the rule of three for none)', () => {
    expect(poissonUpper95(0)).toBeCloseTo(2.996, 3)
    expect(poissonUpper95(1)).toBeCloseTo(4.744, 3)
    expect(poissonUpper95(10)).toBeCloseTo(17.0, 1)
    expect(poissonLower95(0)).toBe(0)
    expect(poissonLower95(1)).toBeCloseTo(0.0513, 3)
    expect(poissonLower95(10)).toBeCloseTo(5.43, 2)
    // Wilson–Hilferty above 50 meets the exact sums there.
    expect(poissonUpper95(51) / poissonUpper95(50)).toBeGreaterThan(1)
    expect(Math.abs(poissonUpper95(51) - 64.4)).toBeLessThan(0.3)
  })

  it('sfc32 is reproducible and spread over [0, 1)', () => {
    const a = sfc32(1)
    const b = sfc32(1)
    const xs = Array.from({ length: 10_000 }, () => a())
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()))
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1)
  })
})
