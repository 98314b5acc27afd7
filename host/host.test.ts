/**
 * The host process itself (host/main.ts) under kill -9: a Node peer stores shares on it over the
 * share protocol as fast as it answers, the host is killed with SIGKILL in the middle, and then:
 * its store, opened as it lies on disk, claims only whole shares whose bytes hash to their roots,
 * and holds every share it acknowledged; started again on the same data directory it has the
 * same peer id and serves every acknowledged share. A graceful stop (SIGTERM) in the middle of
 * stores loses none either.
 */
import '../relay/polyfill.ts'
import { afterAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { createHostNode, type HostNode } from './p2p.ts'
import { shareRequest } from '../src/net/share/libp2p.ts'
import { signStore } from '../src/net/share/auth.ts'
import { merkleRoot } from '../src/core/merkle/index.ts'
import { shareKey } from '../src/core/pipeline/index.ts'
import { Vault } from '../src/core/vault/index.ts'
import { equal, toHex } from '../src/core/bytes.ts'
import { openFsShareStore } from '../src/adapters/storage/fs.ts'

const dir = mkdtempSync(join(tmpdir(), 'layr-host-proc-'))
const clients: HostNode[] = []
afterAll(async () => {
  for (const c of clients) await c.stop().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

interface Proc {
  child: ChildProcess
  out: string[]
  http: string
}

async function startHostProcess(dataDir: string, wsPort: number, extra: string[] = []): Promise<Proc & { peerId: string; addr: string }> {
  const http = `127.0.0.1:${await freePort()}`
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'host/main.ts',
      '--data',
      dataDir,
      '--bootstrap',
      '',
      '--listen',
      `/ip4/127.0.0.1/tcp/${wsPort}/ws`,
      '--http',
      http,
      '--keep-free',
      '0',
      '--private-network',
      'true',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const out: string[] = []
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
  const end = Date.now() + 30_000
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`host exited ${child.exitCode}: ${out.join('')}`)
    try {
      const s = (await (await fetch(`http://${http}/status.json`)).json()) as { peerId: string; multiaddrs: string[] }
      const addr = s.multiaddrs.find((m) => m.includes('/ws/'))
      if (addr) return { child, out, http, peerId: s.peerId, addr }
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`host did not start: ${out.join('')}`)
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()))
}

async function client(): Promise<HostNode> {
  const c = await createHostNode({ privateKey: await generateKeyPair('Ed25519'), listen: [], bootstrap: [], privateNetwork: true, announceLoopback: true })
  clients.push(c)
  return c
}

const owner = await Vault.create()
const LEASE = 24 * 3600_000

async function share(): Promise<{ bytes: Uint8Array; root: Uint8Array; key: Uint8Array }> {
  const bytes = new Uint8Array(randomBytes(65536 * (1 + Math.floor(Math.random() * 8))))
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}

/** Stores shares one after another until `stop` says so; returns the keys acknowledged ok. */
async function storeUntil(c: HostNode, addr: string, peerId: string, stopAfter: number, onAck: (n: number) => void): Promise<Map<string, Uint8Array>> {
  const acked = new Map<string, Uint8Array>()
  for (let i = 0; i < stopAfter; i++) {
    const s = await share()
    try {
      const res = await shareRequest(
        c.node,
        addr,
        { type: 'store', key: s.key, root: s.root, bytes: s.bytes, ...signStore(owner, s.key, s.bytes.length, peerId, { lease: LEASE }) },
        { timeoutMs: 5000 },
      )
      if (res.status === 'ok') acked.set(toHex(s.key), s.root)
      onAck(acked.size)
    } catch {
      break // the host is gone
    }
  }
  return acked
}

async function checkDisk(dataDir: string, acked: Map<string, Uint8Array>): Promise<number> {
  const store = await openFsShareStore(join(dataDir, 'store'))
  const listed = await store.list()
  for (const r of listed) {
    const bytes = await store.get(r.key)
    expect(bytes?.length, `${r.key} whole`).toBe(r.size)
    expect(equal(await merkleRoot(bytes!), r.root), `${r.key} matches its root`).toBe(true)
  }
  const held = new Set(listed.map((r) => r.key))
  for (const k of acked.keys()) expect(held.has(k), `acknowledged ${k} kept`).toBe(true)
  await store.close()
  return listed.length
}

async function checkServed(c: HostNode, addr: string, acked: Map<string, Uint8Array>): Promise<void> {
  for (const [hex, root] of acked) {
    const key = Uint8Array.from(Buffer.from(hex, 'hex'))
    const res = await shareRequest(c.node, addr, { type: 'fetch', key }, { timeoutMs: 10_000 })
    expect(res.status, `fetch ${hex}`).toBe('ok')
    expect(res.status === 'ok' && res.bytes && equal(await merkleRoot(res.bytes), root)).toBe(true)
  }
}

describe('the host process, killed or stopped mid-store', () => {
  it('after kill -9 its store claims only whole shares, keeps every acknowledged one, and after a restart serves them under the same peer id', async () => {
    const dataDir = join(dir, 'killed')
    const wsPort = await freePort()
    const first = await startHostProcess(dataDir, wsPort)
    const c = await client()
    let killed = false
    const acked = await storeUntil(c, first.addr, first.peerId, 400, (n) => {
      if (n === 12 && !killed) {
        killed = true
        // In the middle of the next stores (a 64–512 KiB store takes a few ms here).
        setTimeout(() => first.child.kill('SIGKILL'), Math.random() * 20)
      }
    })
    await exited(first.child)
    expect(first.child.signalCode).toBe('SIGKILL')
    expect(acked.size).toBeGreaterThanOrEqual(12)
    const onDisk = await checkDisk(dataDir, acked)
    expect(onDisk - acked.size).toBeLessThanOrEqual(1) // at most the store cut by the kill, if it landed whole

    const again = await startHostProcess(dataDir, wsPort)
    try {
      expect(again.peerId).toBe(first.peerId)
      // The connection to the killed process is dead; dial the new one.
      await c.node.hangUp(peerIdFromString(again.peerId)).catch(() => undefined)
      await checkServed(c, again.addr, acked)
      const metrics = await (await fetch(`http://${again.http}/metrics`)).text()
      expect(metrics).toMatch(new RegExp(`^layr_host_shares ${onDisk}$`, 'm'))
    } finally {
      again.child.kill('SIGTERM')
      await exited(again.child)
    }
  }, 90_000)

  it('a graceful stop (SIGTERM) in the middle of stores loses no acknowledged share', async () => {
    const dataDir = join(dir, 'stopped')
    const wsPort = await freePort()
    const first = await startHostProcess(dataDir, wsPort)
    const c = await client()
    let stopped = false
    const acked = await storeUntil(c, first.addr, first.peerId, 400, (n) => {
      if (n === 8 && !stopped) {
        stopped = true
        first.child.kill('SIGTERM')
      }
    })
    await exited(first.child)
    expect(first.child.exitCode).toBe(0)
    expect(first.out.join('')).toContain('SIGTERM')
    await checkDisk(dataDir, acked)
  }, 60_000)
})

describe('a host with a price', () => {
  it('announces its price and payout account in STAT, refuses a store without an escrow, and keeps its price across a restart', async () => {
    const dataDir = join(dir, 'priced')
    const wsPort = await freePort()
    const payout = 'GAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCF6M'
    const first = await startHostProcess(dataDir, wsPort, [
      '--price',
      '10000000',
      '--payout',
      payout,
      '--ledger',
      'http://127.0.0.1:9',
      '--ledger-passphrase',
      'Test ; none',
    ])
    const c = await client()
    try {
      const stat = await shareRequest(c.node, first.addr, { type: 'stat' }, { timeoutMs: 5000 })
      expect(stat.status).toBe('ok')
      expect(stat.status === 'ok' && stat.stat).toMatchObject({ price: 10_000_000, account: payout, kind: 'server', persistent: true })
      const s = await share()
      const res = await shareRequest(
        c.node,
        first.addr,
        { type: 'store', key: s.key, root: s.root, bytes: s.bytes, ...signStore(owner, s.key, s.bytes.length, first.peerId, { lease: LEASE }) },
        { timeoutMs: 5000 },
      )
      expect(res.status).toBe('payment-required')
      const metrics = await (await fetch(`http://${first.http}/metrics`)).text()
      expect(metrics).toMatch(/^layr_host_price_stroops_per_gib_month 10000000$/m)
    } finally {
      first.child.kill('SIGTERM')
      await exited(first.child)
    }
    // Restarted with only --data: the same price and payout account.
    const again = await startHostProcess(dataDir, wsPort)
    try {
      await c.node.hangUp(peerIdFromString(again.peerId)).catch(() => undefined)
      const stat = await shareRequest(c.node, again.addr, { type: 'stat' }, { timeoutMs: 5000 })
      expect(stat.status === 'ok' && stat.stat).toMatchObject({ price: 10_000_000, account: payout })
    } finally {
      again.child.kill('SIGTERM')
      await exited(again.child)
    }
  }, 90_000)
})
