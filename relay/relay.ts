import type { AddressInfo } from 'node:net'
import type { ServerResponse } from 'node:http'
import { createHttpServer, sendJson, type RouteHandler } from './http.ts'
import type { RelayConfig } from './config.ts'
import { p2pConfigFromEnv, startRelayP2P, type P2PConfig, type RelayP2P } from './p2p.ts'
import { openLedgerFile, type LedgerFile } from './ledger/store.ts'
import { LEDGER_PREFIX, ledgerHandler } from './ledger/horizon.ts'
import { securityHeaders } from './security.ts'

export interface RunningRelay {
  readonly url: string
  readonly port: number
  /** The libp2p peer id (stable across restarts: its key is kept in a file). */
  readonly peerId: string
  /** Dialable WebSocket multiaddrs on the same port as the HTTP server. */
  readonly multiaddrs: readonly string[]
  /** The dev ledger's Horizon URL (…/ledger), when it runs. */
  readonly ledgerUrl?: string
  /** The dev ledger itself (in-process access for tests), when it runs. */
  readonly ledger?: LedgerFile
  stop(): Promise<void>
}

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(body)
}

/**
 * Starts the HTTP server (app, /health, /bootstrap.json, /metrics and, unless it is off, the dev
 * ledger under /ledger), then the libp2p node on the same port: WebSocket upgrades on the HTTP
 * server go to libp2p.
 */
export async function startRelay(config: RelayConfig, p2pConfig: P2PConfig = p2pConfigFromEnv()): Promise<RunningRelay> {
  const startedAt = Date.now()
  let p2p: RelayP2P | undefined
  const routes = new Map<string, RouteHandler>([
    ['/health', (_req, res) => sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) })],
    [
      '/bootstrap.json',
      (_req, res) => {
        if (!p2p) return sendJson(res, 503, { error: 'the peer network is starting' })
        // Public information; other origins (a dev server, another relay's page) may read it.
        res.setHeader('access-control-allow-origin', '*')
        sendJson(res, 200, { peerId: p2p.peerId, multiaddrs: p2p.multiaddrs() })
      },
    ],
    [
      '/metrics',
      (_req, res) => {
        const body = p2p?.metricsText() ?? ''
        sendText(res, p2p ? 200 : 503, 'text/plain; version=0.0.4; charset=utf-8', body)
      },
    ],
  ])
  const ledger = config.ledger ? await openLedgerFile(config.ledger.file) : undefined
  const prefixes = new Map<string, RouteHandler>()
  if (ledger && config.ledger) prefixes.set(LEDGER_PREFIX, ledgerHandler({ ledger: ledger.ledger, flush: ledger.flush, testClock: config.ledger.testClock }))
  const server = createHttpServer({ staticDir: config.staticDir, routes, prefixes, headers: securityHeaders(config.ledgerOrigins) })
  server.on('upgrade', (req, socket, head) => {
    if (p2p) p2p.handleUpgrade(req, socket, head)
    else socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const closeHttp = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  try {
    p2p = await startRelayP2P({ config: p2pConfig, host: config.host, port })
  } catch (err) {
    await closeHttp()
    await ledger?.close()
    throw err
  }
  const running = p2p
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    peerId: running.peerId,
    multiaddrs: running.multiaddrs(),
    ...(ledger ? { ledger, ledgerUrl: `http://${shownHost}:${port}${LEDGER_PREFIX}` } : {}),
    stop: async () => {
      await running.stop().catch((err: unknown) => console.error('relay: libp2p stop failed', err))
      await closeHttp()
      await ledger?.close().catch((err: unknown) => console.error('relay: writing the dev ledger failed', err))
    },
  }
}
