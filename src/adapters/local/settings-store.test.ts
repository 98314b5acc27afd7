import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, loadSettings, saveSettings } from './settings-store.ts'
import { loadHealth, saveHealth } from './health-store.ts'
import { loadReputation, saveReputation } from './reputation-store.ts'
import type { FileHealth } from '../../layr/api.ts'

function memoryStorage(initial?: string) {
  const m = new Map<string, string>(initial === undefined ? [] : [['layr-settings', initial]])
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) }
}

describe('settings store', () => {
  it('gives the defaults when nothing or garbage is stored', () => {
    expect(loadSettings(memoryStorage())).toEqual(DEFAULT_SETTINGS)
    expect(loadSettings(memoryStorage('{not json'))).toEqual(DEFAULT_SETTINGS)
    expect(loadSettings(memoryStorage('[1,2]'))).toEqual(DEFAULT_SETTINGS)
  })

  it('round-trips, and replaces each invalid field by its default', () => {
    const s = memoryStorage()
    const payout = 'GAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCF6M'
    const ledger = { kind: 'custom', horizonUrl: 'https://horizon.example.org', passphrase: 'Example ; 2026' } as const
    saveSettings(
      {
        k: 2,
        n: 5,
        relays: ['/dns4/r.example/tcp/443/wss'],
        hostingEnabled: false,
        quota: 123,
        lostAfterMs: 60_000,
        leaseMs: 30 * 86_400_000,
        ledger,
        hostPrice: 20_000_000,
        payoutAccount: payout,
        maxPrice: 5_000_000,
      },
      s,
    )
    expect(loadSettings(s)).toEqual({
      ledger,
      hostPrice: 20_000_000,
      payoutAccount: payout,
      maxPrice: 5_000_000,
      k: 2,
      n: 5,
      relays: ['/dns4/r.example/tcp/443/wss'],
      hostingEnabled: false,
      quota: 123,
      lostAfterMs: 60_000,
      leaseMs: 30 * 86_400_000,
    })
    const bad = memoryStorage(
      JSON.stringify({
        k: -1,
        n: 2.5,
        relays: ['ok', 7],
        hostingEnabled: 'yes',
        quota: 'lots',
        lostAfterMs: -5,
        ledger: { kind: 'custom', horizonUrl: 'javascript:alert(1)', passphrase: 'x' },
        hostPrice: -3,
        payoutAccount: 'GABC',
      }),
    )
    expect(loadSettings(bad)).toEqual({ ...DEFAULT_SETTINGS, relays: ['ok'] })
  })

  it('keeps testnet, and turns an unknown ledger into the local one', () => {
    expect(loadSettings(memoryStorage(JSON.stringify({ ledger: { kind: 'testnet' } }))).ledger).toEqual({ kind: 'testnet' })
    expect(loadSettings(memoryStorage(JSON.stringify({ ledger: { kind: 'mainnet' } }))).ledger).toEqual({ kind: 'local' })
  })
})

describe('health store', () => {
  it('round-trips audit rounds and drops malformed entries, and old mere checks', () => {
    const s = memoryStorage()
    const h: FileHealth = {
      k: 3,
      n: 6,
      r: 5,
      verified: 6,
      answered: 6,
      counted: 6,
      survives: 3,
      failed: 0,
      offline: 0,
      failedHosts: 0,
      awayHosts: 0,
      shares: 12,
      findings: [],
      needsRepair: false,
      repairable: true,
      checkedAt: 5,
    }
    const m = new Map([['ab', h]])
    saveHealth(m, s)
    expect(loadHealth(s)).toEqual(m)
    const bad = { getItem: () => JSON.stringify({ ab: { ...h, verified: 'x' }, cd: h, ef: { live: 1, n: 2, k: 1, checkedAt: 3 } }) }
    expect([...loadHealth(bad).keys()]).toEqual(['cd'])
    expect(loadHealth({ getItem: () => '{oops' }).size).toBe(0)
  })
})

describe('reputation store', () => {
  it('round-trips, drops malformed entries, and keeps the most recently seen hosts first', () => {
    const s = memoryStorage()
    const rep = (lastSeen: number) => ({ audit: { alpha: 50, beta: 1 }, online: { alpha: 40, beta: 2 }, passed: 3, failed: 1, lastSeen })
    saveReputation(
      new Map([
        ['old', rep(1)],
        ['new', rep(9)],
      ]),
      s,
    )
    expect([...loadReputation(s)]).toEqual([
      ['new', rep(9)],
      ['old', rep(1)],
    ])
    const bad = { getItem: () => JSON.stringify({ a: rep(2), b: { audit: { alpha: -1, beta: 0 } }, c: 'x' }) }
    expect([...loadReputation(bad).keys()]).toEqual(['a'])
    expect(loadReputation({ getItem: () => 'null' }).size).toBe(0)
  })
})
