/** Extra relay processes for end-to-end tests that stop, restart or add relays (free ports, temporary key files). */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface RelayProcess {
  readonly port: number
  readonly url: string
  peerId: string
  multiaddrs: string[]
  child: ChildProcess
  output: string[]
}

export async function waitForRelay(relay: RelayProcess, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (relay.child.exitCode !== null) throw new Error(`relay exited (${relay.child.exitCode}):\n${relay.output.join('')}`)
    try {
      const res = await fetch(`${relay.url}/bootstrap.json`)
      if (res.ok) {
        const body = (await res.json()) as { peerId: string; multiaddrs: string[] }
        relay.peerId = body.peerId
        relay.multiaddrs = body.multiaddrs
        return
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`relay on ${relay.port} did not start:\n${relay.output.join('')}`)
}

export function spawnRelay(port: number, keyFile: string, env: Record<string, string> = {}): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: { ...process.env, LAYR_HOST: '127.0.0.1', LAYR_PORT: String(port), LAYR_RELAY_KEY_FILE: keyFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
  return { port, url: `http://127.0.0.1:${port}`, peerId: '', multiaddrs: [], child, output }
}

export async function killRelay(relay: RelayProcess): Promise<void> {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => relay.child.once('exit', () => resolve()))
  relay.child.kill('SIGKILL')
  await exited
}

/**
 * A relay serving the production build (dist/, what `npm start` serves: no window hooks) instead
 * of the test flavour the other relays serve (playwright.config.ts builds both).
 */
export async function startProductionRelay(): Promise<RelayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'layr-relay-'))
  const relay = spawnRelay(await freePort(), join(dir, 'relay-key'), { LAYR_STATIC_DIR: 'dist' })
  try {
    await waitForRelay(relay)
  } catch (err) {
    await killRelay(relay)
    throw err
  }
  return relay
}
