import { describe, expect, it } from 'vitest'
import type { HostScore, PeerPlacement } from '../layr/api.ts'
import { formatScore, hostScoreRows, scoresExplained } from './hosts.ts'

const NOW = 1_000_000_000_000
const H = 3600_000

function score(over: Partial<HostScore> = {}): HostScore {
  return { audit: 1, online: 1, passed: 12, failed: 0, disqualified: false, lastSeen: NOW - 60_000, ...over }
}

function place(peerId: string, shares: number, connected: boolean, reputation?: HostScore): PeerPlacement {
  return { peerId, shares, connected, ...(reputation ? { reputation } : {}) }
}

describe('formatScore', () => {
  it.each([
    [1, '100 %'],
    [0.9999, '99.9 %'],
    [0.9599, '95.9 %'], // just under the disqualification line never reads as 96 %
    [0.96, '96 %'],
    [0.5, '50 %'],
    [0, '0 %'],
  ])('%f → %s', (s, out) => expect(formatScore(s)).toBe(out))
})

describe('hostScoreRows', () => {
  it.each<[string, PeerPlacement, Record<string, unknown>]>([
    [
      'a good host, connected',
      place('good', 3, true, score()),
      {
        audit: '100 %',
        online: '100 %',
        audits: '12 passed, 0 failed',
        seen: 'Connected now',
        disqualified: false,
        badge: undefined,
        holding: '3 shares of yours',
      },
    ],
    [
      'away for 3 h',
      place('away', 1, false, score({ online: 0.93, offlineSince: NOW - 3 * H })),
      { online: '93 %', seen: 'Away for 3 h', away: true, holding: '1 share of yours' },
    ],
    ['reached at its last check, not connected now', place('seen', 1, false, score()), { seen: 'Last seen 1 min ago', away: false }],
    ['never audited', place('new', 2, true), { audit: undefined, online: undefined, audits: undefined, seen: 'Connected now' }],
    [
      'disqualified, shares still on it',
      place('liar', 2, true, score({ audit: 0.93, failed: 3, disqualified: true })),
      { disqualified: true, badge: 'Disqualified: failed its audits; its shares are being moved', audits: '12 passed, 3 failed' },
    ],
    [
      'disqualified, shares moved away',
      place('liar', 0, false, score({ audit: 0.9, disqualified: true })),
      { badge: 'Disqualified: failed its audits; its shares were moved to other hosts', holding: 'none of your shares now' },
    ],
  ])('%s', (_name, p, want) => {
    const [row] = hostScoreRows([p], NOW)
    expect(row).toMatchObject({ peerId: p.peerId, ...want })
  })

  it('lists disqualified hosts first, then by shares held', () => {
    const rows = hostScoreRows([place('a', 1, true, score()), place('b', 5, true, score()), place('c', 0, false, score({ disqualified: true }))], NOW)
    expect(rows.map((r) => r.peerId)).toEqual(['c', 'b', 'a'])
  })

  it('explains the scores with the disqualification line', () => {
    expect(scoresExplained()).toContain('below 96 % a host is disqualified')
  })
})
