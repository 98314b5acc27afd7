import { describe, expect, it } from 'vitest'
import { ConfigError, configFromEnv } from './config.ts'
import { contentSecurityPolicy, DEFAULT_LEDGER_ORIGINS } from './security.ts'

const connectSrc = (csp: string): string[] =>
  csp
    .split('; ')
    .find((d) => d.startsWith('connect-src '))!
    .split(' ')
    .slice(1)

describe('the ledgers the page may reach (LAYR_LEDGER_ORIGINS → connect-src)', () => {
  it('allows testnet’s Horizon and friendbot by default, besides the relay’s own origin', () => {
    expect(configFromEnv({}).ledgerOrigins).toEqual(DEFAULT_LEDGER_ORIGINS)
    expect(connectSrc(contentSecurityPolicy(configFromEnv({}).ledgerOrigins))).toEqual([
      "'self'",
      'ws:',
      'wss:',
      'https://horizon-testnet.stellar.org',
      'https://friendbot.stellar.org',
    ])
  })

  it('takes a list of origins, or none', () => {
    const origins = configFromEnv({ LAYR_LEDGER_ORIGINS: 'https://horizon.example.org, http://10.0.0.2:8000/' }).ledgerOrigins
    expect(origins).toEqual(['https://horizon.example.org', 'http://10.0.0.2:8000'])
    expect(connectSrc(contentSecurityPolicy(origins))).toEqual(["'self'", 'ws:', 'wss:', ...origins!])
    expect(configFromEnv({ LAYR_LEDGER_ORIGINS: 'none' }).ledgerOrigins).toEqual([])
  })

  it.each(['*', 'https://horizon.example.org/path', 'ftp://x.example', 'horizon.example.org', "'unsafe-inline'"])('refuses %s', (value) => {
    expect(() => configFromEnv({ LAYR_LEDGER_ORIGINS: value })).toThrow(ConfigError)
  })
})
