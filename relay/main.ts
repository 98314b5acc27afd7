/**
 * The Layr relay: one process, one address. It serves the built app, /health,
 * /bootstrap.json and /metrics, and on the same port the peer network (libp2p
 * over WebSocket: circuit-relay-v2 signalling, kad-dht) and, under /ledger, the local development
 * ledger: a Horizon-compatible stand-in for Stellar (relay/ledger/), not a blockchain.
 */
import './polyfill.ts' // first: Node 20 lacks Promise.withResolvers and WebSocket, which libp2p needs
import { configFromEnv, ConfigError } from './config.ts'
import { startRelay } from './relay.ts'

try {
  const relay = await startRelay(configFromEnv())
  console.log(`Layr is running at ${relay.url}`)
  console.log(`Relay peer id ${relay.peerId}; libp2p on the same port: ${relay.multiaddrs.join(' ')}`)
  if (relay.ledgerUrl) console.log(`Local development ledger (Horizon-compatible; a stand-in, not a blockchain): ${relay.ledgerUrl}`)
  console.log('Open it in a browser to back up files; leave a tab open to host. Ctrl-C stops it.')
  const stop = (): void => {
    void relay.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`layr relay: ${err.message}`)
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`layr relay: the port is already in use. Stop the other process or choose another port, e.g. LAYR_PORT=8081 npm start.`)
  } else {
    console.error('layr relay: could not start:', err)
  }
  process.exit(1)
}
