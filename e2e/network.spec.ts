/**
 * The peer network in real Chromium tabs: each browser context is its own profile and its own
 * libp2p peer, driven through `window.layrNet`. The relay under test is Playwright's webServer
 * (the app's own relay); tests that stop or add relays start their own relay processes on free
 * ports with temporary key files.
 */
import { expect, test, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, killRelay, spawnRelay, waitForRelay } from './relay-process.ts'

const MiB = 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Tabs

interface Tab {
  readonly context: BrowserContext
  readonly page: Page
  readonly log: string[]
  peerId: string
  address: string
}

async function openTab(browser: Browser, name: string): Promise<Tab> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const log: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') log.push(`[${name}] ${msg.type()}: ${msg.text()}`)
  })
  page.on('pageerror', (err) => log.push(`[${name}] pageerror: ${err.message}`))
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => window.layrNet !== undefined)
  return { context, page, log, peerId: '', address: '' }
}

interface StartTiming {
  peerId: string
  address: string
  /** start(): load the network chunk, fetch /bootstrap.json, make a key, start libp2p. */
  startMs: number
  /** The WebSocket dial + noise + yamux to the relay (the keeper's first successful dial). */
  relayDialMs: number
  /** From the relay connection to our /p2p-circuit/webrtc address (the reservation). */
  reservationMs: number
}

/** Starts the tab's node and waits for its /p2p-circuit/webrtc address. */
async function startNode(tab: Tab, bootstrap?: readonly string[]): Promise<StartTiming> {
  const timing = await tab.page.evaluate(async (bootstrap) => {
    const net = window.layrNet
    const t0 = performance.now()
    const status = await net.start(bootstrap ? { bootstrap } : {})
    const t1 = performance.now()
    const addrs = await net.waitForCircuitAddress(30_000)
    const t2 = performance.now()
    const connected = net.relayEvents.find((e) => e.event.type === 'connected')
    const dialMs = connected?.event.type === 'connected' ? connected.event.ms : NaN
    const connectedAt = connected?.at ?? t1
    return {
      peerId: status.peerId,
      address: addrs[0] ?? '',
      startMs: t1 - t0,
      relayDialMs: dialMs,
      reservationMs: t2 - connectedAt,
    }
  }, bootstrap)
  tab.peerId = timing.peerId
  tab.address = timing.address
  return timing
}

async function closeTabs(tabs: readonly Tab[], testInfo: TestInfo): Promise<void> {
  const log = tabs.flatMap((t) => t.log)
  if (log.length > 0 && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('browser console', { body: log.join('\n'), contentType: 'text/plain' })
  }
  await Promise.all(tabs.map((t) => t.context.close().catch(() => undefined)))
}

/**
 * Random-key closest-peer lookups from one tab until it has seen every wanted peer. The first
 * round on fresh WebRTC connections loses answers (FINDINGS.md), so rounds repeat.
 */
async function discover(tab: Tab, want: readonly string[], deadlineMs: number): Promise<{ rounds: number[]; errors: string[] }> {
  return tab.page.evaluate(
    async ({ want, deadlineMs }) => {
      const seen = new Set<string>()
      const rounds: number[] = []
      const errors: string[] = []
      const end = performance.now() + deadlineMs
      while (performance.now() < end && !want.every((id) => seen.has(id))) {
        const t = performance.now()
        try {
          for (const id of await window.layrNet.closestPeers(undefined, 10_000)) seen.add(id)
        } catch (err) {
          errors.push((err as Error).name)
        }
        rounds.push(Math.round(performance.now() - t))
      }
      const missing = want.filter((id) => !seen.has(id))
      if (missing.length > 0) throw new Error(`not found through the DHT: ${missing.join(', ')}`)
      return { rounds, errors }
    },
    { want: [...want], deadlineMs },
  )
}

// ---------------------------------------------------------------------------------------------
// Extra relay processes

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  if (line === undefined) throw new Error(`${name} missing from ${url}/metrics`)
  return Number(line.slice(name.length + 1))
}

/** Runs `fn`; if it throws, attaches what the tabs and relays knew at that moment. */
async function withDiagnostics<T>(testInfo: TestInfo, tabs: readonly Tab[], relayUrls: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const states = await Promise.all(
      tabs.map((t) => t.page.evaluate(() => ({ status: window.layrNet.status(), events: window.layrNet.relayEvents })).catch((e: unknown) => String(e))),
    )
    const metrics = await Promise.all(
      relayUrls.map((u) =>
        fetch(`${u}/metrics`)
          .then((r) => r.text())
          .catch((e: unknown) => String(e)),
      ),
    )
    const path = testInfo.outputPath('network-state.json')
    writeFileSync(path, JSON.stringify({ error: String(err), tabs: states, metrics }, null, 2))
    await testInfo.attach('network state at failure', { path, contentType: 'application/json' })
    throw err
  }
}

function note(testInfo: TestInfo, type: string, description: string): void {
  testInfo.annotations.push({ type, description })
  console.log(`  ${type}: ${description}`)
}

const round = (n: number): number => Math.round(n)

// ---------------------------------------------------------------------------------------------

test.describe('the peer network', () => {
  test('the relay answers /bootstrap.json and /metrics on the app port', async ({ request, baseURL }) => {
    const res = await request.get('/bootstrap.json')
    expect(res.ok()).toBe(true)
    const body = (await res.json()) as { peerId: string; multiaddrs: string[] }
    expect(body.peerId).toMatch(/^12D3KooW/)
    const port = new URL(baseURL ?? '').port
    expect(body.multiaddrs).toContain(`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${body.peerId}`)

    const metrics = await request.get('/metrics')
    expect(metrics.ok()).toBe(true)
    expect(metrics.headers()['content-type']).toContain('text/plain')
    const text = await metrics.text()
    for (const name of ['layr_relay_connected_peers', 'layr_relay_reservations', 'layr_relay_dht_routing_table_size', 'layr_relay_relayed_bytes_total']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'))
      expect(text).toMatch(new RegExp(`^${name} \\d+$`, 'm'))
    }
  })

  test('four tabs get relay reservations, find each other through the DHT and move 16 MiB over direct WebRTC', async ({ browser, baseURL }, testInfo) => {
    test.setTimeout(180_000)
    const relayUrl = baseURL ?? ''
    const names = ['A', 'B', 'C', 'D']
    const tabs = await Promise.all(names.map((n) => openTab(browser, n)))
    try {
      await test.step('each tab reaches the relay and gets a /p2p-circuit/webrtc address', async () => {
        const timings = await Promise.all(tabs.map((t) => startNode(t)))
        for (const [i, t] of timings.entries()) {
          expect(t.address, names[i]).toMatch(/\/ws\/p2p\/12D3KooW\w+\/p2p-circuit\/webrtc\/p2p\/12D3KooW\w+$/)
          expect(t.address.endsWith(`/p2p/${t.peerId}`)).toBe(true)
        }
        expect(new Set(timings.map((t) => t.peerId)).size).toBe(4)
        note(testInfo, 'start() incl. lazy libp2p chunk (ms)', timings.map((t) => round(t.startMs)).join(', '))
        note(testInfo, 'relay WebSocket dial (ms)', timings.map((t) => round(t.relayDialMs)).join(', '))
        note(testInfo, 'relay connected → reservation (ms)', timings.map((t) => round(t.reservationMs)).join(', '))
        await expect.poll(() => metric(relayUrl, 'layr_relay_reservations'), { timeout: 10_000 }).toBeGreaterThanOrEqual(4)
      })

      await test.step('every tab finds the three others through the DHT', async () => {
        const ids = tabs.map((t) => t.peerId)
        const results = await withDiagnostics(testInfo, tabs, [relayUrl], () =>
          Promise.all(
            tabs.map((t) =>
              discover(
                t,
                ids.filter((id) => id !== t.peerId),
                60_000,
              ),
            ),
          ),
        )
        note(testInfo, 'DHT rounds until all found (ms per round)', results.map((r) => `[${r.rounds.join(' ')}]`).join(' '))
        // After the warm-up, a lookup answers quickly and completely (one retry allowed).
        const warmLookup = (t: Tab): Promise<{ ms: number; found: string[] }> =>
          t.page.evaluate(async () => {
            const t0 = performance.now()
            const found = await window.layrNet.closestPeers(undefined, 10_000)
            return { ms: performance.now() - t0, found }
          })
        const warm = await Promise.all(
          tabs.map(async (t) => {
            const others = ids.filter((id) => id !== t.peerId)
            const first = await warmLookup(t)
            return others.every((id) => first.found.includes(id)) ? first : warmLookup(t)
          }),
        )
        note(
          testInfo,
          'warm DHT lookup (ms / other tabs found of 3)',
          warm.map((w, i) => `${round(w.ms)}/${ids.filter((id) => id !== ids[i] && w.found.includes(id)).length}`).join(', '),
        )
        for (const [i, w] of warm.entries()) {
          expect(w.found, `tab ${names[i]} warm lookup`).toEqual(expect.arrayContaining(ids.filter((id) => id !== ids[i])))
        }
        const fp = await tabs[0]!.page.evaluate(async (id) => {
          const t0 = performance.now()
          const addrs = await window.layrNet.findPeer(id, 10_000)
          return { ms: performance.now() - t0, addrs }
        }, tabs[3]!.peerId)
        expect(fp.addrs.some((a) => a.includes('/p2p-circuit/webrtc'))).toBe(true)
        note(testInfo, 'findPeer of a connected tab (ms; answered from the peer store)', String(round(fp.ms)))
        await expect.poll(() => metric(relayUrl, 'layr_relay_dht_routing_table_size'), { timeout: 10_000 }).toBeGreaterThanOrEqual(4)
      })

      await test.step('tab A echoes 16 MiB through tab B over a direct WebRTC connection', async () => {
        const [a, b] = [tabs[0]!, tabs[1]!]
        await b.page.evaluate(async () => {
          const net = window.layrNet
          await net.lib!.serveEcho(net.node!)
        })
        const relayedBefore = await metric(relayUrl, 'layr_relay_relayed_bytes_total')
        const result = await withDiagnostics(testInfo, tabs, [relayUrl], () =>
          a.page.evaluate(async (addr) => {
            const net = window.layrNet
            return net.lib!.echoTransfer(net.node!, addr, 16 * 1024 * 1024, { timeoutMs: 90_000 })
          }, b.address),
        )
        expect(result.intact).toBe(true)
        expect(result.bytes).toBe(16 * MiB)
        expect(result.limited).toBe(false)
        expect(result.remoteAddr).toContain('/webrtc')
        const kinds = await a.page.evaluate(
          (id) =>
            window.layrNet
              .status()
              .connections.filter((c) => c.peerId === id)
              .map((c) => c.kind),
          b.peerId,
        )
        expect(kinds).toContain('webrtc')
        const relayedAfter = await metric(relayUrl, 'layr_relay_relayed_bytes_total')
        // The data did not go through the relay: at most some signalling for other connections.
        expect(relayedAfter - relayedBefore).toBeLessThan(MiB)
        note(
          testInfo,
          'direct WebRTC echo, 16 MiB each way',
          `${result.mbPerSec.toFixed(1)} MB/s in ${round(result.ms)} ms (dial ${round(result.dialMs)} ms, stream ${round(result.streamMs)} ms, ${result.remoteAddr})`,
        )
        note(testInfo, 'relay relayed bytes total', String(relayedAfter))
      })
    } finally {
      await closeTabs(tabs, testInfo)
    }
  })

  test('a second relay joins the first (LAYR_BOOTSTRAP), and tabs on either relay find and reach each other', async ({ browser, baseURL }, testInfo) => {
    test.setTimeout(180_000)
    const dir = mkdtempSync(join(tmpdir(), 'layr-relay-'))
    const second = spawnRelay(await freePort(), join(dir, 'relay-key'), { LAYR_BOOTSTRAP: `${baseURL}/bootstrap.json` })
    const tabs: Tab[] = []
    try {
      await waitForRelay(second)
      const first = (await (await fetch(`${baseURL}/bootstrap.json`)).json()) as { peerId: string }
      await expect.poll(() => metric(second.url, 'layr_relay_dht_routing_table_size'), { timeout: 15_000 }).toBeGreaterThanOrEqual(1)
      expect(second.output.join('')).toContain(`joined relay ${first.peerId}`)

      tabs.push(await openTab(browser, 'E'), await openTab(browser, 'F'))
      const [e, f] = [tabs[0]!, tabs[1]!]
      await startNode(e) // the first relay (the page's origin)
      await startNode(f, second.multiaddrs) // the second relay only
      expect(e.address).toContain(`/p2p/${first.peerId}/p2p-circuit/`)
      expect(f.address).toContain(`/p2p/${second.peerId}/p2p-circuit/`)

      // E has never met F: findPeer must go E → first relay → second relay, which knows F.
      const found = await e.page.evaluate(async (id) => {
        const tries: string[] = []
        const end = performance.now() + 20_000
        for (;;) {
          const t0 = performance.now()
          try {
            const addrs = await window.layrNet.findPeer(id, 10_000)
            tries.push(`${Math.round(performance.now() - t0)}`)
            return { addrs, tries }
          } catch (err) {
            tries.push(`${Math.round(performance.now() - t0)} ${(err as Error).name}`)
            if (performance.now() > end) throw err
            await new Promise((r) => setTimeout(r, 250))
          }
        }
      }, f.peerId)
      // Peer records carry addresses without the trailing /p2p/<own id>.
      expect(found.addrs.some((a) => f.address.startsWith(a) && a.includes('/p2p-circuit/webrtc'))).toBe(true)
      note(testInfo, 'cross-relay findPeer (ms per try)', found.tries.join(', '))
      const [fromE, fromF] = await Promise.all([discover(e, [f.peerId], 60_000), discover(f, [e.peerId], 60_000)])
      note(testInfo, 'cross-relay DHT rounds (ms)', `E [${fromE.rounds.join(' ')}] F [${fromF.rounds.join(' ')}]`)
      await f.page.evaluate(async () => window.layrNet.lib!.serveEcho(window.layrNet.node!))
      const result = await e.page.evaluate(
        async (addr) => window.layrNet.lib!.echoTransfer(window.layrNet.node!, addr, 1024 * 1024, { timeoutMs: 60_000 }),
        f.address,
      )
      expect(result.intact).toBe(true)
      expect(result.limited).toBe(false)
      note(testInfo, 'cross-relay direct echo, 1 MiB', `${result.mbPerSec.toFixed(1)} MB/s, dial ${round(result.dialMs)} ms`)
    } finally {
      await closeTabs(tabs, testInfo)
      await killRelay(second)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('tabs reconnect to a restarted relay (same key file, same peer id) and get new reservations', async ({ browser }, testInfo) => {
    test.setTimeout(180_000)
    const dir = mkdtempSync(join(tmpdir(), 'layr-relay-'))
    const keyFile = join(dir, 'relay-key')
    const port = await freePort()
    let relay = spawnRelay(port, keyFile)
    const tabs: Tab[] = []
    try {
      await waitForRelay(relay)
      const bootstrap = relay.multiaddrs
      const peerIdBefore = relay.peerId
      tabs.push(await openTab(browser, 'G'), await openTab(browser, 'H'))
      await Promise.all(tabs.map((t) => startNode(t, bootstrap)))
      await expect.poll(() => metric(relay.url, 'layr_relay_reservations'), { timeout: 10_000 }).toBe(2)

      await killRelay(relay)
      // Both tabs notice: their circuit addresses are withdrawn.
      for (const t of tabs) {
        await expect.poll(() => t.page.evaluate(() => window.layrNet.status().addresses.length), { timeout: 15_000 }).toBe(0)
      }
      await new Promise((r) => setTimeout(r, 1500)) // a few failed redials: backoff grows
      const killedAt = Date.now()
      relay = spawnRelay(port, keyFile)
      await waitForRelay(relay)
      const restartedAt = Date.now()
      expect(relay.peerId).toBe(peerIdBefore)

      const back = await Promise.all(
        tabs.map((t) =>
          t.page.evaluate(async () => {
            const t0 = performance.now()
            const addrs = await window.layrNet.waitForCircuitAddress(45_000)
            return { ms: performance.now() - t0, addrs, events: window.layrNet.relayEvents.map((e) => e.event.type) }
          }),
        ),
      )
      for (const b of back) {
        expect(b.addrs[0]).toContain(`/p2p/${peerIdBefore}/p2p-circuit/webrtc/`)
        // The keeper saw the drop (libp2p's own keep-alive redial may win the race to reconnect).
        expect(b.events).toContain('disconnected')
      }
      await expect.poll(() => metric(relay.url, 'layr_relay_reservations'), { timeout: 10_000 }).toBe(2)
      note(
        testInfo,
        'relay restart → new reservation (ms after the relay answered HTTP)',
        back.map((b) => round(b.ms)).join(', ') + ` (relay process start took ${restartedAt - killedAt} ms)`,
      )

      // And the network works again: G reaches H directly through the restarted relay's signalling.
      const [g, h] = [tabs[0]!, tabs[1]!]
      await h.page.evaluate(async () => window.layrNet.lib!.serveEcho(window.layrNet.node!))
      const hAddr = back[1]!.addrs[0]!
      const result = await withDiagnostics(testInfo, tabs, [relay.url], () =>
        g.page.evaluate(async (addr) => window.layrNet.lib!.echoTransfer(window.layrNet.node!, addr, 1024 * 1024, { timeoutMs: 60_000 }), hAddr),
      )
      expect(result.intact).toBe(true)
      expect(result.limited).toBe(false)
    } finally {
      await closeTabs(tabs, testInfo)
      await killRelay(relay)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
