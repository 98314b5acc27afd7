import { describe, expect, it } from 'vitest'
import { describeExpired, describeExpiring } from './leases.ts'

const DAY = 86_400_000
const MiB = 1024 * 1024

describe('lease words in the Hosting view', () => {
  it('says what expires within the window, and nothing when nothing does', () => {
    expect(describeExpiring({ expiring: { within: 7 * DAY, shares: 3, bytes: 12 * MiB, next: 0 } })).toBe(
      '3 shares (12 MiB) expire within 7 days unless their owners renew them.',
    )
    expect(describeExpiring({ expiring: { within: 7 * DAY, shares: 1, bytes: MiB, next: 0 } })).toBe(
      '1 share (1.0 MiB) expires within 7 days unless its owner renews it.',
    )
    expect(describeExpiring({ expiring: { within: 7 * DAY, shares: 0, bytes: 0, next: undefined } })).toBeUndefined()
    expect(describeExpiring(undefined)).toBeUndefined()
  })

  it('counts what was dropped, only when something was', () => {
    expect(describeExpired({ expired: 2 })).toBe('2 shares dropped since hosting started here: their owners did not renew their leases.')
    expect(describeExpired({ expired: 0 })).toBeUndefined()
  })
})
