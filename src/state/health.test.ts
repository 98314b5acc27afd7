import { describe, expect, it } from 'vitest'
import type { AuditFigures, FileEntry, FileHealth } from '../layr/api.ts'
import { placedSurvives } from '../core/repair/index.ts'
import {
  ActivityTracker,
  describeActivity,
  describeAuditFigures,
  describeHealth,
  describeRepair,
  describeSurvival,
  formatChance,
  hostCounts,
} from './health.ts'

const NOW = 1_000_000_000_000
const MIN = 60_000
const H = 3600_000

/** A single-part file, k = 2, n = 3, r = 3, on three hosts, fully verified a minute ago. */
function health(over: Partial<FileHealth> = {}): FileHealth {
  return {
    k: 2,
    n: 3,
    r: 3,
    verified: 3,
    answered: 3,
    counted: 3,
    survives: 1,
    failed: 0,
    offline: 0,
    failedHosts: 0,
    awayHosts: 0,
    shares: 3,
    findings: [],
    needsRepair: false,
    repairable: true,
    checkedAt: NOW - MIN,
    ...over,
  }
}

function file(h: FileHealth | undefined, over: Partial<FileEntry> = {}): FileEntry {
  return {
    id: 'f',
    name: 'a.bin',
    size: 1,
    type: '',
    createdAt: 0,
    k: 2,
    n: 3,
    segments: 1,
    hosts: ['p1', 'p2', 'p3'],
    placedSurvives: 1,
    health: h,
    ...over,
  }
}

describe('describeHealth', () => {
  it.each<[string, FileEntry, { level: string; line: string; survival?: string; hosts?: string; canRepair: boolean }]>([
    ['not checked yet', file(undefined), { level: 'unknown', line: 'Not verified yet · on 3 hosts; its first check runs soon', canRepair: false }],
    [
      'all verified, one host to spare',
      file(health()),
      { level: 'good', line: '3 of 3 verified · last check 1 min ago', survival: 'Survives losing any 1 host', canRepair: false },
    ],
    [
      'all verified, k = 4 of n = 8',
      file(health({ k: 4, n: 8, verified: 8, survives: 4, checkedAt: NOW }), { k: 4, n: 8, hosts: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }),
      { level: 'good', line: '8 of 8 verified · last check just now', survival: 'Survives losing any 4 hosts', canRepair: false },
    ],
    [
      'one host away: amber, nothing lost yet',
      file(health({ verified: 2, counted: 3, survives: 0, offline: 1, awayHosts: 1 })),
      { level: 'risk', line: '2 of 3 verified', survival: 'Survives no host loss until it is repaired', hosts: '1 host away', canRepair: true },
    ],
    [
      'one host failed its audit',
      file(health({ verified: 2, counted: 2, survives: 0, failed: 1, failedHosts: 1, needsRepair: true })),
      { level: 'risk', line: '2 of 3 verified', hosts: '1 host failed its audit', canRepair: true },
    ],
    [
      'two hosts away and none verified enough: cannot be restored now',
      file(health({ verified: 1, counted: 3, survives: -1, offline: 2, awayHosts: 2 })),
      {
        level: 'lost',
        line: '1 of 3 verified',
        survival: 'Cannot be restored right now: too many of its hosts are away',
        hosts: '2 hosts away',
        canRepair: true,
      },
    ],
    [
      'all verified but on 2 hosts (k = 2, n = 3): survives nothing, never green, and Repair now can spread it out',
      file(health({ survives: 0 }), { hosts: ['p1', 'p2'] }),
      { level: 'risk', line: '3 of 3 verified', survival: 'Survives no host loss: open Layr on more devices or wait for more hosts', canRepair: true },
    ],
    [
      'a repair that failed can be tried again',
      file(health({ repair: { at: NOW, placed: 0, unplaced: 0, error: { name: 'RepairImpossibleError', message: 'x' } } })),
      { level: 'good', line: '3 of 3 verified', canRepair: true },
    ],
    [
      'four parts, all verified',
      file(health({ shares: 12 }), { segments: 4 }),
      { level: 'good', line: '3 of 3 verified in each of its 4 parts · last check 1 min ago', canRepair: false },
    ],
    [
      'four parts, the weakest has 2: shares, not hosts, without reputation figures',
      file(health({ verified: 2, survives: 0, offline: 4, awayHosts: 2, shares: 12 }), { segments: 4 }),
      { level: 'risk', line: '2 of 3 verified in its weakest part', hosts: '2 hosts away', canRepair: true },
    ],
  ])('%s', (_name, f, want) => {
    const words = describeHealth(f, NOW, hostCounts(f))
    expect(words.level).toBe(want.level)
    expect(words.line).toContain(want.line)
    if (want.survival) expect(words.survival.text).toBe(want.survival)
    if (want.survival) expect(words.survival.verified).toBe(f.health !== undefined)
    if (want.hosts) expect(words.hosts).toBe(want.hosts)
    expect(words.canRepair).toBe(want.canRepair)
    expect(words.line).not.toMatch(/healthy/i)
  })
})

/**
 * A file entry as the facade makes it from a placement: per segment, the host of each share (the
 * facade's placedSurvives, from core, over the same holders).
 */
function placed(k: number, placement: readonly (readonly string[])[]): FileEntry {
  const manifest = { codec: { k }, segments: placement.map((hosts) => ({ shares: hosts.map((h) => ({ holders: [h] })) })) }
  return file(undefined, {
    k,
    n: placement[0]!.length,
    segments: placement.length,
    hosts: [...new Set(placement.flat())],
    placedSurvives: placedSurvives(manifest),
  })
}

describe('describeSurvival from the placement, before any check', () => {
  it.each<[string, FileEntry, { tone: string; text: string }]>([
    // k = 2, n = 3 on 2 hosts: one host holds two shares of the segment, and losing it loses the file.
    [
      '2 of 3, doubled up on 2 hosts',
      placed(2, [['a', 'a', 'b']]),
      { tone: 'warn', text: 'Survives no host loss: open Layr on more devices or wait for more hosts' },
    ],
    ['2 of 3 on 3 hosts', placed(2, [['a', 'b', 'c']]), { tone: 'ok', text: 'Survives losing any 1 host' }],
    // 4 of 12 on 2 hosts, 6 each: either host alone still has 6 ≥ 4.
    [
      '4 of 12, 6 + 6 on 2 hosts',
      placed(4, [['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'b']]),
      { tone: 'ok', text: 'Survives losing any 1 host' },
    ],
    // Uneven: 9 + 3 on 2 hosts: losing the host of 9 leaves 3 < 4.
    ['4 of 12, uneven 9 + 3', placed(4, [['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b']]), { tone: 'warn', text: 'Survives no host loss' }],
    // 4 of 12 on 3 hosts, 4 each: any 2 may go.
    ['4 of 12, 4 + 4 + 4', placed(4, [['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c']]), { tone: 'ok', text: 'Survives losing any 2 hosts' }],
    // The weakest part rules: part 1 is spread, part 2 doubled up on one host.
    [
      'two parts, the second doubled up',
      placed(2, [
        ['a', 'b', 'c'],
        ['a', 'a', 'b'],
      ]),
      { tone: 'warn', text: 'Survives no host loss' },
    ],
    ['4 of 12 on 12 hosts', placed(4, [[...'abcdefghijkl']]), { tone: 'ok', text: 'Survives losing any 8 hosts' }],
    ['fewer than k placed', placed(3, [['a', 'b']]), { tone: 'danger', text: 'Cannot be restored' }],
  ])('%s', (_name, f, want) => {
    const words = describeSurvival(f)
    expect(words.tone).toBe(want.tone)
    expect(words.text).toContain(want.text)
    expect(words.verified).toBe(false)
  })

  it('gives way to the last check once there is one (verified)', () => {
    const f = { ...placed(2, [['a', 'b', 'c']]), health: health({ survives: 0, verified: 2, offline: 1 }) }
    expect(describeSurvival(f)).toMatchObject({ tone: 'warn', verified: true, text: 'Survives no host loss until it is repaired' })
  })

  it('is never green when it survives no host loss', () => {
    for (const s of [-1, 0]) {
      expect(describeSurvival(file(undefined, { placedSurvives: s })).tone).not.toBe('ok')
      expect(describeSurvival(file(health({ survives: s }))).tone).not.toBe('ok')
    }
  })
})

describe('describeRepair', () => {
  const at = NOW - 5 * MIN
  it.each<[string, FileHealth['repair'], Partial<FileHealth>, { tone: string; text: string; detail?: string }]>([
    ['placed all', { at, placed: 2, unplaced: 0 }, {}, { tone: 'ok', text: 'Repaired 5 min ago: 2 shares rebuilt on new hosts.' }],
    [
      'placed some',
      { at, placed: 1, unplaced: 1 },
      {},
      { tone: 'warn', text: 'Repaired in part 5 min ago: 1 share rebuilt on new hosts; 1 share found no new host and stays where it was.' },
    ],
    ['placed none', { at, placed: 0, unplaced: 2 }, {}, { tone: 'warn', text: 'no new host could take 2 shares; they stay where they were' }],
    ['nothing to do', { at, placed: 0, unplaced: 0 }, {}, { tone: 'muted', text: 'Nothing needed rebuilding (5 min ago).' }],
    [
      'spread out a doubled-up placement',
      { at, placed: 3, unplaced: 0, spread: 3, unspread: 0 },
      {},
      { tone: 'ok', text: 'Repaired 5 min ago: 3 shares moved to new hosts.' },
    ],
    [
      'rebuilt some, spread others, some still doubled up',
      { at, placed: 3, unplaced: 0, spread: 1, unspread: 2 },
      {},
      {
        tone: 'warn',
        text: 'Repaired 5 min ago: 2 shares rebuilt on new hosts and 1 share moved to new hosts. 2 shares still share hosts with others of their part, until more hosts are online.',
      },
    ],
    [
      'no new host to spread to',
      { at, placed: 0, unplaced: 0, spread: 0, unspread: 4 },
      {},
      { tone: 'warn', text: 'No new host was free (5 min ago): 4 shares still share hosts with others of their part.' },
    ],
    [
      'too few verified',
      { at, placed: 0, unplaced: 0, error: { name: 'RepairImpossibleError', message: 'Segment 0 has 1 verified share(s)' } },
      {},
      { tone: 'danger', text: 'too few of its shares could be verified', detail: 'RepairImpossibleError: Segment 0 has 1 verified share(s)' },
    ],
    [
      'another error',
      { at, placed: 0, unplaced: 0, error: { name: 'ManifestConflictError', message: 'x' } },
      {},
      { tone: 'warn', text: 'Repair did not finish (5 min ago); nothing was changed.' },
    ],
  ])('%s', (_name, repair, over, want) => {
    const out = describeRepair(health({ ...over, ...(repair ? { repair } : {}) }), NOW)
    expect(out?.tone).toBe(want.tone)
    expect(out?.text).toContain(want.text)
    if (want.detail) expect(out?.detail).toBe(want.detail)
  })

  it('says nothing before any repair', () => {
    expect(describeRepair(health(), NOW)).toBeUndefined()
  })
})

describe('ActivityTracker and describeActivity', () => {
  it('follows a background repair: its audit first, then the shares placed, then nothing', () => {
    const t = new ActivityTracker()
    const texts: string[] = []
    const look = (): void => {
      const a = t.get('f')
      texts.push(describeActivity(a)?.text ?? '—')
    }
    t.apply({ type: 'check:start', fileId: 'f' })
    look()
    t.apply({ type: 'check:progress', fileId: 'f', done: 2, total: 3 })
    look()
    t.apply({ type: 'check:done', fileId: 'f', health: health() })
    look()
    t.apply({ type: 'repair:start', fileId: 'f' })
    look()
    t.apply({ type: 'repair:progress', fileId: 'f', done: 3, total: 5 })
    look()
    t.apply({ type: 'repair:done', fileId: 'f', placed: 5, unplaced: 0, health: health() })
    look()
    expect(texts).toEqual([
      'Checking: asking its hosts…',
      'Checking: 2 of 3 shares audited',
      '—',
      'Repairing: fetching good shares and finding new hosts…',
      'Repairing: 3 of 5 shares placed',
      '—',
    ])
  })

  it('a repair the person asked for says so during its audit', () => {
    expect(describeActivity({ kind: 'check', done: 1, total: 3 }, true)).toEqual({
      text: 'Repairing: first a check, 1 of 3 shares audited',
      fraction: 1 / 3,
      repairing: true,
    })
  })

  it('a failed repair ends the activity; other files are untouched', () => {
    const t = new ActivityTracker(new Map([['g', 'check']]))
    t.apply({ type: 'repair:start', fileId: 'f' })
    t.apply({ type: 'repair:failed', fileId: 'f', error: { name: 'RepairImpossibleError', message: 'x' }, health: undefined })
    expect(t.get('f')).toBeUndefined()
    expect(t.get('g')).toEqual({ kind: 'check', done: 0, total: 0 })
    expect(describeActivity(t.get('g'))?.fraction).toBeUndefined()
    expect(describeActivity(undefined)).toBeUndefined()
    expect(describeActivity(undefined, true)).toEqual({ text: 'Repairing…', fraction: undefined, repairing: true })
  })
})

describe('the audit figure', () => {
  it.each([
    [0.5, '50 %'],
    [0.758, '76 %'],
    [0.995, '99.5 %'],
    [0.999, '99.9 %'],
    [1 - 2 ** -20, '99.9999 %'],
    [1, '100 %'],
  ])('formatChance(%f) = %s', (p, s) => expect(formatChance(p)).toBe(s))

  it('is computed from the facade figures', () => {
    const f: AuditFigures = {
      leaves: 16,
      leavesAsked: 1,
      catchHalfPerAudit: 0.5,
      auditsToCatchHalf: 20,

      auditEveryMs: 24 * H,
      retryMs: 6 * H,
    }
    expect(describeAuditFigures(f)).toBe(
      'Each check asks every host for 1 of the 16 leaves of each share (1/16 of its bytes). A host that kept only half of a share is caught with ' +
        'probability 50 % per check, and with 1 − 2⁻²⁰ (99.9999 %) within 20 checks; checks run every 24 h while Layr is open (every 6 h for files with a host away).',
    )
  })

  it('other sizings give other words', () => {
    const f: AuditFigures = {
      leaves: 64,
      leavesAsked: 4,
      catchHalfPerAudit: 0.9434,
      auditsToCatchHalf: 5,

      auditEveryMs: 12 * H,
      retryMs: 90 * MIN,
    }
    const text = describeAuditFigures(f)
    expect(text).toContain('4 of the 64 leaves of each share (1/16 of its bytes)')
    expect(text).toContain('probability 94 % per check')
    expect(text).toContain('within 5 checks')
    expect(text).toContain('every 12 h while Layr is open (every 1.5 h for files')
    expect(text).not.toContain('2⁻')
  })
})
