/**
 * Delegated repair with real parts: a relay, Node host processes (host/main.ts) and a Chromium
 * tab. The owner's tab backs up a file onto four Node storage hosts, grants a fifth Node host
 * (which stores nothing itself) repair through the Settings card, and closes. A holder is killed;
 * the repairing host, on its own schedule, audits the file, rebuilds the lost shares and places
 * them on the spare storage host under the owner's delegation. The owner's tab reopens (same
 * profile), picks up the new holders on its sync, and restores the file byte for byte with the
 * lost holder and another original holder both gone: only the rebuilt shares make that possible.
 */
import { expect, test } from '@playwright/test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, killRelay, spawnRelay, waitForRelay, type RelayProcess } from './relay-process.ts'
import { spawnHost, stopHost, waitForHost, type HostProcess } from './host-process.ts'
import { makeFile, restoreHash } from './peers.ts'
import { createVault } from './ui.ts'

const MiB = 1024 * 1024
/** WebRTC Direct for the tab, WebSocket on loopback for Node hosts to reach one another. */
const LISTEN = ['--listen', '/ip4/0.0.0.0/udp/0/webrtc-direct,/ip4/127.0.0.1/tcp/0/ws,/p2p-circuit,/webrtc']

async function metric(host: HostProcess, name: string): Promise<number> {
  const text = await (await fetch(`${host.httpUrl}/metrics`)).text()
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}

test('a Node host repairs a file while its owner’s tab is closed; the tab picks up the new holders and restores without the lost ones', async ({ browser }) => {
  test.setTimeout(300_000)
  const dir = mkdtempSync(join(tmpdir(), 'layr-delegated-'))
  let relay: RelayProcess | undefined
  const hosts: HostProcess[] = []
  const context = await browser.newContext()
  const log: string[] = []
  try {
    relay = spawnRelay(await freePort(), join(dir, 'relay-key'))
    await waitForRelay(relay)
    for (let i = 0; i < 4; i++) hosts.push(await spawnHost(join(dir, `store-${i}`), relay.url, ['--quota', '256MiB', '--repair-every', '0', ...LISTEN]))
    // The repairer: repairs every 2 s, rebuilds at once what it cannot reach, and stores nothing itself.
    const repairer = await spawnHost(join(dir, 'repairer'), relay.url, ['--quota', '0', '--repair-every', '2s', '--repair-lost-after', '0', ...LISTEN])
    hosts.push(repairer)
    await Promise.all(hosts.map((h) => waitForHost(h)))
    const storeIds = hosts.slice(0, 4).map((h) => h.peerId)

    // The owner's tab, its own hosting off: its shares go to the Node hosts.
    await context.addInitScript(() => {
      if (!localStorage.getItem('layr-settings')) localStorage.setItem('layr-settings', JSON.stringify({ hostingEnabled: false }))
    })
    let page = await context.newPage()
    page.on('console', (m) => log.push(`[owner] ${m.type()}: ${m.text()}`))
    await page.goto(`${relay.url}/`)
    await createVault(page)
    await page.evaluate(async () => {
      const layr = await window.layrReady
      await layr.ready
      await window.layrNet.waitForCircuitAddress(30_000)
      await layr.settings.setRedundancy(2, 3)
    })
    const sha = await makeFile(page, 3 * MiB + 77, 'delegated.bin')
    const backedUp = await page.evaluate(async () => {
      const layr = await window.layrReady
      const entry = await layr.backup((window as unknown as { __file: File }).__file)
      return { id: entry.id, placement: await layr.placement(entry.id) }
    })
    for (const seg of backedUp.placement) for (const h of seg) expect(storeIds).toContain(h)

    // Grant the repairer through the Settings card.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Host peer id').fill(repairer.peerId)
    await page.getByRole('button', { name: 'Grant', exact: true }).click()
    await expect(page.getByTestId('delegation-status')).toContainText('Granted to', { timeout: 60_000 })
    await expect(page.getByTestId('delegation-status')).toContainText('1 file(s)')

    // The owner's tab closes (its profile stays); a holder of segment 0 goes away for good.
    await page.close()
    const lost = backedUp.placement[0]![0]!
    const other = backedUp.placement[0]![1]!
    await stopHost(hosts[storeIds.indexOf(lost)]!, 'SIGKILL')
    const lostSegments = backedUp.placement.filter((seg) => seg.includes(lost)).length

    // The repairer notices on its own and places the rebuilt shares.
    await expect.poll(() => metric(repairer, 'layr_host_repair_placed_total'), { timeout: 120_000, intervals: [1000] }).toBeGreaterThanOrEqual(lostSegments)

    // The owner's tab comes back and syncs: it adopts the new holders (auditing them itself).
    page = await context.newPage()
    page.on('console', (m) => log.push(`[owner again] ${m.type()}: ${m.text()}`))
    await page.goto(`${relay.url}/`)
    const after = await page.evaluate(
      async ({ id, lost }) => {
        const layr = await window.layrReady
        await layr.ready
        await window.layrNet.waitForCircuitAddress(30_000)
        const misses: string[] = []
        for (let i = 0; i < 10; i++) {
          await layr.syncFiles().catch((err: Error) => misses.push(err.message))
          const placement = await layr.placement(id)
          if (placement.every((seg) => !seg.includes(lost))) return { placement, status: layr.delegation.status(), misses }
          await new Promise((r) => setTimeout(r, 1000))
        }
        return { placement: await layr.placement(id), status: layr.delegation.status(), misses }
      },
      { id: backedUp.id, lost },
    )
    expect(after.placement.flat(), `${JSON.stringify(after)}\n${log.join('\n')}`).not.toContain(lost)
    expect(after.status?.lastSync?.error).toBeUndefined()
    const rebuilt = after.placement.flat().filter((h) => !backedUp.placement.flat().includes(h))
    expect(rebuilt.length).toBeGreaterThanOrEqual(1)
    for (const h of after.placement.flat()) expect(storeIds).toContain(h)

    // Another original holder of segment 0 goes too: only the rebuilt share makes k = 2 there.
    await stopHost(hosts[storeIds.indexOf(other)]!, 'SIGKILL')
    expect((await restoreHash(page, backedUp.id)).sha256).toBe(sha)
  } finally {
    await context.close().catch(() => undefined)
    await Promise.all(hosts.map((h) => stopHost(h, 'SIGKILL').catch(() => undefined)))
    if (relay) await killRelay(relay)
    rmSync(dir, { recursive: true, force: true })
  }
})
