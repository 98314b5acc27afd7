import { describe, expect, it } from 'vitest'
import { formatAgo, formatBytes, formatDuration, formatEta, formatFactor, formatSpeed, plural, shortId } from './format.ts'

describe('format', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [64 * 1024 * 1024, '64 MiB'],
    [1.25 * 1024 ** 3, '1.3 GiB'],
  ])('formatBytes(%i) = %s', (n, s) => expect(formatBytes(n)).toBe(s))

  it.each([
    [undefined, ''],
    [Number.NaN, ''],
    [0.2, '1 s left'],
    [59, '59 s left'],
    [61, '1 min left'],
    [3600, '1 h left'],
    [3900, '1 h 5 min left'],
  ])('formatEta(%s) = %s', (s, out) => expect(formatEta(s)).toBe(out))

  it('formatSpeed', () => {
    expect(formatSpeed(undefined)).toBe('—')
    expect(formatSpeed(0)).toBe('—')
    expect(formatSpeed(1.5 * 1024 * 1024)).toBe('1.5 MiB/s')
  })

  it.each([
    [10_000, 'just now'],
    [5 * 60_000, '5 min ago'],
    [3 * 3600_000, '3 h ago'],
    [30 * 3600_000, 'yesterday'],
    [72 * 3600_000, '3 days ago'],
  ])('formatAgo(now − %i) = %s', (ago, out) => expect(formatAgo(1_000_000_000 - ago, 1_000_000_000)).toBe(out))

  it.each([
    [0, '1 s'],
    [4000, '4 s'],
    [59_000, '59 s'],
    [5 * 60_000, '5 min'],
    [90 * 60_000, '1.5 h'],
    [6 * 3600_000, '6 h'],
    [24 * 3600_000, '24 h'],
    [72 * 3600_000, '72 h'],
    [5 * 24 * 3600_000, '5 days'],
  ])('formatDuration(%i) = %s', (ms, out) => expect(formatDuration(ms)).toBe(out))

  it('shortId, formatFactor, plural', () => {
    expect(shortId('12D3KooWabcdefghijklmnop')).toBe('12D3KooW…mnop')
    expect(shortId('short')).toBe('short')
    expect(formatFactor(3 / 2)).toBe('1.5×')
    expect(formatFactor(8 / 3)).toBe('2.67×')
    expect(plural(1, 'share')).toBe('1 share')
    expect(plural(3, 'share')).toBe('3 shares')
  })
})
