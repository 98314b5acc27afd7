import type { AddressInfo } from 'node:net'
import { createHttpServer, sendJson, type RouteHandler } from './http.ts'
import type { RelayConfig } from './config.ts'

export interface RunningRelay {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

export async function startRelay(config: RelayConfig): Promise<RunningRelay> {
  const startedAt = Date.now()
  const routes = new Map<string, RouteHandler>([
    [
      '/health',
      (_req, res) => sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
    ],
  ])
  const server = createHttpServer({ staticDir: config.staticDir, routes })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
