import { describe, expect, it } from 'vitest'
import { choosePassphrase, describeRedundancy, leaseDays, leaseMs, lostAfterHours, lostAfterMs, parseRelays, quotaParts } from './forms.ts'

describe('describeRedundancy', () => {
  it.each([
    [2, 3, 'survives losing 1 host, and takes 1.5× its size'],
    [4, 8, 'survives losing 4 hosts, and takes 2× its size'],
    [3, 10, 'survives losing 7 hosts, and takes 3.33× its size'],
  ])('k = %i, n = %i', (k, n, text) => {
    expect(describeRedundancy(k, n)).toContain(text)
  })

  it.each([
    [3, 3],
    [0, 2],
    [4, 2],
    [1.5, 3],
    [Number.NaN, 3],
  ])('has nothing to say for k = %s, n = %s', (k, n) => {
    expect(describeRedundancy(k, n)).toBeUndefined()
  })
})

describe('describeRedundancy wording', () => {
  it('says shares are made per part of a file, not per file', () => {
    expect(describeRedundancy(2, 3)).toBe(
      'Each part of a file becomes 3 shares, and any 2 of them rebuild that part. Spread over 3 different hosts, it survives losing 1 host, and takes 1.5× its size in space. ' +
        'With fewer hosts online, some hold several shares and a file survives fewer losses: each file says what it survives.',
    )
  })
})

describe('lostAfterMs and lostAfterHours', () => {
  it.each([
    [72, 72 * 3600_000],
    [0, 0],
    [1.5, 5_400_000],
    [720, 720 * 3600_000],
    [721, undefined],
    [-1, undefined],
    [null, undefined],
    [Number.NaN, undefined],
  ])('%s hours → %s ms', (hours, ms) => expect(lostAfterMs(hours)).toBe(ms))

  it.each([
    [72 * 3600_000, 72],
    [0, 0],
    [5_400_000, 1.5],
    [1_000, 0],
  ])('%i ms → %f hours', (ms, hours) => expect(lostAfterHours(ms)).toBe(hours))
})

describe('quotaParts', () => {
  it.each([
    [1024 ** 3, 1, 'GiB'],
    [1.5 * 1024 ** 3, 1.5, 'GiB'],
    [64 * 1024 ** 2, 64, 'MiB'],
    [1000 * 1024 ** 2, 1000, 'MiB'],
    [0, 0, 'MiB'],
  ])('%i bytes → %s %s', (bytes, value, unit) => {
    expect(quotaParts(bytes)).toEqual({ value, unit })
  })
})

describe('parseRelays', () => {
  it('takes one per line or comma, trimmed', () => {
    expect(parseRelays(' /ip4/1.2.3.4/tcp/1/ws/p2p/A \n\n/dns4/x/tcp/443/tls/ws/p2p/B, /ip4/5/tcp/2/ws/p2p/C')).toEqual([
      '/ip4/1.2.3.4/tcp/1/ws/p2p/A',
      '/dns4/x/tcp/443/tls/ws/p2p/B',
      '/ip4/5/tcp/2/ws/p2p/C',
    ])
    expect(parseRelays('  \n ')).toEqual([])
  })
})

describe('choosePassphrase', () => {
  it('gives the passphrase both fields agree on, as typed', () => {
    expect(choosePassphrase(' two words ', ' two words ')).toBe(' two words ')
  })

  it.each([
    ['', '', 'Type a passphrase'],
    ['one thing', 'another', 'not the same'],
    ['Passphrase', 'passphrase', 'not the same'],
  ])('refuses %j / %j', (a, b, message) => {
    expect(() => choosePassphrase(a, b)).toThrow(expect.objectContaining({ name: 'PassphraseMismatchError', message: expect.stringContaining(message) }))
  })
})

describe('the lease field', () => {
  const DAY = 86_400_000
  it.each<[number | null, number | undefined]>([
    [90, 90 * DAY],
    [7, 7 * DAY],
    [365, 365 * DAY],
    [6, undefined],
    [366, undefined],
    [30.5, undefined],
    [null, undefined],
  ])('%s days → %s ms', (days, ms) => {
    expect(leaseMs(days)).toBe(ms)
  })

  it('shows the saved term in days', () => {
    expect(leaseDays(90 * DAY)).toBe(90)
  })
})
