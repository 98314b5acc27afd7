/** Node host processes (host/main.ts) for end-to-end tests: each with its own data directory, ports and relay. */
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './relay-process.ts'

export interface HostProcess {
  readonly dataDir: string
  readonly httpUrl: string
  child: ChildProcess
  output: string[]
  peerId: string
  multiaddrs: string[]
}

export interface HostStatus {
  readonly peerId: string
  readonly multiaddrs: string[]
  readonly quota: number
  readonly used: number
  readonly shares: number
}

export async function spawnHost(dataDir: string, relayUrl: string, extra: string[] = []): Promise<HostProcess> {
  const httpPort = await freePort()
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'host/main.ts',
      '--data',
      dataDir,
      '--bootstrap',
      relayUrl,
      '--listen',
      '/ip4/0.0.0.0/udp/0/webrtc-direct,/p2p-circuit,/webrtc',
      '--http',
      `127.0.0.1:${httpPort}`,
      '--keep-free',
      '0',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  )
  const output: string[] = []
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
  return { dataDir, httpUrl: `http://127.0.0.1:${httpPort}`, child, output, peerId: '', multiaddrs: [] }
}

export async function hostStatus(host: HostProcess): Promise<HostStatus> {
  const res = await fetch(`${host.httpUrl}/status.json`)
  if (!res.ok) throw new Error(`status ${res.status}`)
  return (await res.json()) as HostStatus
}

/** Waits until the host answers and holds a relay reservation (a /p2p-circuit/webrtc address). */
export async function waitForHost(host: HostProcess, timeoutMs = 30_000): Promise<HostStatus> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (host.child.exitCode !== null) throw new Error(`host exited (${host.child.exitCode}):\n${host.output.join('')}`)
    try {
      const s = await hostStatus(host)
      if (s.multiaddrs.some((m) => m.includes('/p2p-circuit/webrtc'))) {
        host.peerId = s.peerId
        host.multiaddrs = s.multiaddrs
        return s
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`host ${host.dataDir} did not start:\n${host.output.join('')}`)
}

export async function stopHost(host: HostProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => host.child.once('exit', () => resolve()))
  host.child.kill(signal)
  await exited
}
