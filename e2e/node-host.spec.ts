/**
 * Node hosts (host/main.ts, as separate processes) serving browser tabs: a tab whose own hosting
 * is off backs up a file onto three Node hosts only — reached over WebRTC Direct, with no relay
 * in the path — and after its browser data is gone, a fresh profile given the recovery text
 * lists the file (manifest records kept by the Node hosts) and restores identical bytes. Then a
 * Node host is stopped and restarted on its data directory: same peer id, same shares, serving.
 * The other way round, a Node peer (e2e/node-owner.ts) backs up onto host tabs and restores.
 */
import { expect, test, type Browser } from '@playwright/test'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, killRelay, spawnRelay, waitForRelay, type RelayProcess } from './relay-process.ts'
import { hostStatus, spawnHost, stopHost, waitForHost, type HostProcess } from './host-process.ts'
import { closePeers, makeFile, openPeer, restoreHash, type Peer } from './peers.ts'
import { heldKeys } from './helpers.ts'

const MiB = 1024 * 1024

/** A tab with its own hosting switched off (a setting kept in localStorage). */
async function ownerTab(browser: Browser, url: string, name: string): Promise<Peer> {
  const context = await browser.newContext()
  await context.addInitScript(() => {
    if (!localStorage.getItem('layr-settings')) localStorage.setItem('layr-settings', JSON.stringify({ hostingEnabled: false }))
  })
  const page = await context.newPage()
  const log: string[] = []
  page.on('console', (m) => log.push(`[${name}] ${m.type()}: ${m.text()}`))
  await page.goto(url)
  const peerId = await page.evaluate(async () => {
    const layr = await window.layrReady
    await layr.ready
    await window.layrNet.waitForCircuitAddress(30_000)
    return layr.network.status()!.peerId
  })
  return { name, context, page, log, peerId }
}

test('a tab backs up onto Node hosts only, over WebRTC Direct, and restores from the recovery text after its data is gone', async ({ browser }) => {
  test.setTimeout(150_000)
  const dir = mkdtempSync(join(tmpdir(), 'layr-node-hosts-'))
  let relay: RelayProcess | undefined
  const hosts: HostProcess[] = []
  const contexts: Peer[] = []
  try {
    relay = spawnRelay(await freePort(), join(dir, 'relay-key'))
    await waitForRelay(relay)
    for (let i = 0; i < 3; i++) hosts.push(await spawnHost(join(dir, `host-${i}`), relay.url, ['--quota', '256MiB']))
    await Promise.all(hosts.map((h) => waitForHost(h)))
    const hostIds = hosts.map((h) => h.peerId)

    const owner = await ownerTab(browser, `${relay.url}/`, 'owner')
    contexts.push(owner)
    const sha = await makeFile(owner.page, 5 * MiB + 123, 'on-node-hosts.bin')
    const result = await owner.page.evaluate(async () => {
      const layr = await window.layrReady
      const recovery = await layr.vault.create()
      await layr.settings.setRedundancy(2, 3)
      const entry = await layr.backup((window as unknown as { __file: File }).__file)
      const hosting = await layr.hosting.stats()
      // How this tab reaches each peer it is connected to.
      const conns = layr.network.status()!.connections.map((c) => ({ peer: c.peerId, addr: c.remoteAddr }))
      return { id: entry.id, recovery, placement: await layr.placement(entry.id), hostingEnabled: hosting.enabled, conns }
    })
    expect(result.hostingEnabled).toBe(false)
    for (const holders of result.placement) {
      expect(new Set(holders).size).toBe(3)
      for (const h of holders) expect(hostIds).toContain(h)
    }
    // Every Node host is reached directly over WebRTC Direct: no relay in the data path.
    for (const id of hostIds) {
      const addrs = result.conns.filter((c) => c.peer === id).map((c) => c.addr)
      expect(
        addrs.some((a) => a.includes('/webrtc-direct/') && !a.includes('/p2p-circuit')),
        `${id}: ${addrs.join(' ')}`,
      ).toBe(true)
    }
    const segments = result.placement.length
    for (const h of hosts) expect((await hostStatus(h)).shares).toBe(segments)

    // The owner's browser data is gone: a fresh profile with only the recovery text.
    await owner.context.close()
    contexts.pop()
    const device = await ownerTab(browser, `${relay.url}/`, 'device')
    contexts.push(device)
    const listed = await device.page.evaluate(async (text) => {
      const layr = await window.layrReady
      await layr.vault.importRecoveryText(text)
      // A fresh tab's first DHT round can miss peers (FINDINGS); the app syncs again on its own, so
      // ask again a few times, as a person pressing Sync would.
      const misses: string[] = []
      for (;;) {
        try {
          return { files: (await layr.syncFiles()).map((f) => ({ id: f.id, name: f.name })), misses }
        } catch (err) {
          misses.push((err as Error).message)
          if (misses.length >= 5) throw new Error(misses.join('\n'))
          await new Promise((r) => setTimeout(r, 1000))
        }
      }
    }, result.recovery)
    if (listed.misses.length > 0) console.log(`file list needed ${listed.misses.length + 1} tries: ${listed.misses.join(' / ')}`)
    expect(listed.files).toEqual([{ id: result.id, name: 'on-node-hosts.bin' }])
    expect((await restoreHash(device.page, result.id)).sha256).toBe(sha)

    // A Node host stopped and started again on its data directory: same peer id, same shares,
    // and needed (with one host down, k = 2 of the 3 remain only if it serves).
    const again = hosts[0]!
    await stopHost(again)
    await stopHost(hosts[1]!, 'SIGKILL')
    hosts[0] = await spawnHost(again.dataDir, relay.url)
    const status = await waitForHost(hosts[0])
    expect(status.peerId).toBe(again.peerId)
    expect(status.shares).toBe(segments)
    expect((await restoreHash(device.page, result.id)).sha256).toBe(sha)
  } finally {
    await Promise.all(contexts.map((c) => c.context.close().catch(() => undefined)))
    await Promise.all(hosts.map((h) => stopHost(h, 'SIGKILL').catch(() => undefined)))
    if (relay) await killRelay(relay)
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a Node peer backs up onto host tabs and restores: tabs serve Node peers too', async ({ browser }) => {
  test.setTimeout(120_000)
  const dir = mkdtempSync(join(tmpdir(), 'layr-node-owner-'))
  let relay: RelayProcess | undefined
  const tabs: Peer[] = []
  try {
    relay = spawnRelay(await freePort(), join(dir, 'relay-key'))
    await waitForRelay(relay)
    tabs.push(...(await Promise.all(['t1', 't2', 't3'].map((n) => openPeer(browser, n, `${relay!.url}/`)))))
    const run = spawn(process.execPath, ['--import', 'tsx', 'e2e/node-owner.ts', relay.multiaddrs[0]!, '2', '3', String(3 * MiB + 5)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    run.stdout.on('data', (d: Buffer) => (out += d.toString()))
    run.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve))
    expect(code, out).toBe(0)
    const result = JSON.parse(out.trim().split('\n').pop()!) as { holders: string[][]; intact: boolean; conns: string[] }
    expect(result.intact).toBe(true)
    const tabIds = tabs.map((t) => t.peerId)
    for (const seg of result.holders) {
      expect(new Set(seg).size).toBe(3)
      for (const h of seg) expect(tabIds).toContain(h)
    }
    // The Node peer reached every tab over a direct (WebRTC) connection, not through the relay.
    for (const id of tabIds)
      expect(
        result.conns.some((c) => c.startsWith(`${id} `) && c.endsWith(' direct') && c.includes('/webrtc')),
        result.conns.join('\n'),
      ).toBe(true)
    for (const t of tabs) expect((await heldKeys(t.page)).length).toBe(result.holders.length)
  } finally {
    await closePeers(tabs)
    if (relay) await killRelay(relay)
    rmSync(dir, { recursive: true, force: true })
  }
})
