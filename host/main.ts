/**
 * `npm run host`: a Layr host for others, on a server or a desktop (host.ts). Settings: flags,
 * LAYR_HOST_* variables and DATA/host.json (config.ts; `--help` lists them). Ctrl-C or SIGTERM
 * stops it gracefully: requests under way finish, and every acknowledged share is on disk.
 */
import '../relay/polyfill.ts' // first: Node 20 lacks Promise.withResolvers and WebSocket, which libp2p needs
import { dataDirFrom, HostConfigError, resolveConfig, USAGE } from './config.ts'
import { readStoredSettings, startHost } from './host.ts'

try {
  const argv = process.argv.slice(2)
  const { dataDir, help } = dataDirFrom(argv, process.env)
  if (help) {
    console.log(USAGE)
    process.exit(0)
  }
  const config = resolveConfig(dataDir, await readStoredSettings(dataDir), argv, process.env)
  const host = await startHost(config)
  console.log(`Layr host ${host.peerId} is running; data in ${config.dataDir}`)
  console.log(
    `Offering ${(config.quota / 1024 ** 3).toFixed(2)} GiB; reachable at:\n  ${host.multiaddrs().join('\n  ') || '(no address yet: waiting for a relay reservation)'}`,
  )
  if (host.httpUrl) console.log(`Metrics at ${host.httpUrl}/metrics`)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`host: ${signal}: finishing requests under way, then stopping`)
    void host.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('host: stop failed', err)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
} catch (err) {
  if (err instanceof HostConfigError) console.error(`layr host: ${err.message}`)
  else console.error('layr host: could not start:', err)
  process.exit(1)
}
