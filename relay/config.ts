import { resolve } from 'node:path'
import { DEFAULT_LEDGER_ORIGINS } from './security.ts'

export interface RelayConfig {
  readonly host: string
  readonly port: number
  /** The built app (vite build output) served over HTTP. */
  readonly staticDir: string
  /** The local development ledger under /ledger (relay/ledger/), or undefined when it is off. */
  readonly ledger?: LedgerConfig
  /** Origins of the ledgers (Horizon, friendbot) the app may fetch from, in the CSP's connect-src; default testnet's. */
  readonly ledgerOrigins?: readonly string[]
}

export interface LedgerConfig {
  /** Where its state is kept (JSON, rewritten atomically after every change). */
  readonly file: string
  /** Serve POST /ledger/_clock so end-to-end tests can move its clock. Never on by default. */
  readonly testClock: boolean
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/**
 * Reads LAYR_HOST / LAYR_PORT / LAYR_STATIC_DIR and the dev ledger's LAYR_LEDGER (`local`, the
 * default, or `off`), LAYR_LEDGER_FILE (default .layr/dev-ledger.json) and LAYR_LEDGER_TEST_CLOCK
 * (`1` serves POST /ledger/_clock; for test builds only), and LAYR_LEDGER_ORIGINS: the origins of
 * the Horizon servers and friendbots the page may fetch from (space- or comma-separated; default
 * Stellar testnet's Horizon and friendbot; `none` for none). Everything has an embedded default so
 * `npm start` needs no setup.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const host = env.LAYR_HOST?.trim() || '127.0.0.1'
  const portText = env.LAYR_PORT?.trim() || '8080'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`LAYR_PORT must be a port number from 0 to 65535, got "${portText}".`)
  }
  const staticDir = resolve(env.LAYR_STATIC_DIR?.trim() || 'dist')
  const ledgerMode = env.LAYR_LEDGER?.trim() || 'local'
  if (ledgerMode !== 'local' && ledgerMode !== 'off') throw new ConfigError(`LAYR_LEDGER must be "local" or "off", got "${ledgerMode}".`)
  const clock = env.LAYR_LEDGER_TEST_CLOCK?.trim() || '0'
  if (clock !== '0' && clock !== '1') throw new ConfigError(`LAYR_LEDGER_TEST_CLOCK must be 0 or 1, got "${clock}".`)
  const ledger = ledgerMode === 'local' ? { file: resolve(env.LAYR_LEDGER_FILE?.trim() || '.layr/dev-ledger.json'), testClock: clock === '1' } : undefined
  return { host, port, staticDir, ...(ledger ? { ledger } : {}), ledgerOrigins: ledgerOriginsOf(env.LAYR_LEDGER_ORIGINS) }
}

function ledgerOriginsOf(text: string | undefined): readonly string[] {
  const value = text?.trim()
  if (!value) return DEFAULT_LEDGER_ORIGINS
  if (value === 'none') return []
  return value.split(/[\s,]+/).map((o) => {
    let url: URL | undefined
    try {
      url = new URL(o)
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== o.replace(/\/+$/, '')) {
      throw new ConfigError(`LAYR_LEDGER_ORIGINS lists origins such as https://horizon.example.org (scheme, host, optional port; no path), got "${o}".`)
    }
    return url.origin
  })
}
