import { resolve } from 'node:path'

export interface RelayConfig {
  readonly host: string
  readonly port: number
  /** The built app (vite build output) served over HTTP. */
  readonly staticDir: string
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Reads LAYR_HOST / LAYR_PORT; everything has an embedded default so `npm start` needs no setup. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const host = env.LAYR_HOST?.trim() || '127.0.0.1'
  const portText = env.LAYR_PORT?.trim() || '8080'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`LAYR_PORT must be a port number from 0 to 65535, got "${portText}".`)
  }
  const staticDir = resolve(env.LAYR_STATIC_DIR?.trim() || 'dist')
  return { host, port, staticDir }
}
