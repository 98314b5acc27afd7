import { describe, expect, it } from 'vitest'
import { DISQUALIFY_BELOW, hostPreference, isDisqualified, NEW_HOST, recordAudit, recordOnline, scoreOf, updateBeta } from './index.ts'

describe('reputation', () => {
  it('forgets: λ scales both counts before each outcome', () => {
    expect(updateBeta({ alpha: 10, beta: 2 }, true, 0.5)).toEqual({ alpha: 6, beta: 1 })
    expect(updateBeta({ alpha: 10, beta: 2 }, false, 0.5)).toEqual({ alpha: 5, beta: 2 })
  })

  it('disqualifies a new host after three wrong answers, not one or two', () => {
    let r = recordAudit(undefined, false, 1)
    expect(isDisqualified(r)).toBe(false)
    r = recordAudit(r, false, 2)
    expect(isDisqualified(r)).toBe(false)
    r = recordAudit(r, false, 3)
    expect(isDisqualified(r)).toBe(true)
    expect(r.disqualifiedAt).toBe(3)
    expect(scoreOf(r.audit)).toBeLessThan(DISQUALIFY_BELOW)
    expect(hostPreference(r)).toBe(0)
    // and it stays so, even after good answers
    for (let i = 0; i < 100; i++) r = recordAudit(r, true, 4 + i)
    expect(isDisqualified(r)).toBe(true)
  })

  it('a host with a long good record survives a few failures', () => {
    let r = NEW_HOST
    for (let i = 0; i < 500; i++) r = recordAudit(r, true, i)
    for (let i = 0; i < 10; i++) r = recordAudit(r, false, 600 + i)
    expect(isDisqualified(r)).toBe(false)
    expect(r.passed).toBe(500)
    expect(r.failed).toBe(10)
  })

  it('being offline lowers the online score and preference, never disqualifies', () => {
    let r = recordOnline(undefined, false, 10)
    for (let i = 0; i < 200; i++) r = recordOnline(r, false, 11 + i)
    expect(r.offlineSince).toBe(10)
    expect(isDisqualified(r)).toBe(false)
    expect(hostPreference(r)).toBeLessThan(hostPreference(NEW_HOST))
    r = recordOnline(r, true, 500)
    expect(r.offlineSince).toBeUndefined()
    expect(r.lastSeen).toBe(500)
  })
})
