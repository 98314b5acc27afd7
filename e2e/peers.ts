/**
 * Peers for end-to-end tests that drive Layr through its facade (`window.layr`, the object the
 * UI uses): each peer is its own browser context (its own profile, IndexedDB and identity).
 */
import type { Browser, BrowserContext, Page } from '@playwright/test'

export interface Peer {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  readonly log: string[]
  peerId: string
}

/** Opens the app (network and hosting start by themselves) and waits until it hosts. */
export async function openPeer(browser: Browser, name: string, url = '/'): Promise<Peer> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const log: string[] = []
  page.on('console', (m) => log.push(`[${name}] ${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => log.push(`[${name}] pageerror: ${e.message}`))
  await page.goto(url)
  const peerId = await waitHosting(page)
  return { name, context, page, log, peerId }
}

/** Waits for the app's background start (network, hosting) and returns the peer id. */
export async function waitHosting(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const layr = await window.layrReady
    await layr.ready
    const stats = await layr.hosting.stats()
    if (!stats.enabled) throw new Error(`hosting did not start (role ${stats.role})`)
    await window.layrNet.waitForCircuitAddress(30_000)
    return layr.network.status()!.peerId
  })
}

/** Makes a random file of `size` bytes in the page; returns its SHA-256 (hex). It stays in `window.__file`. */
export async function makeFile(page: Page, size: number, name: string): Promise<string> {
  return page.evaluate(
    async ({ size, name }) => {
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)))
      ;(window as unknown as { __file: File }).__file = new File([bytes], name, { type: 'application/octet-stream' })
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
    },
    { size, name },
  )
}

/** Restores a file through layr.restore into memory; returns its SHA-256 and the restore report. */
export async function restoreHash(page: Page, fileId: string): Promise<{ sha256: string; bytes: number; corruptHosts: string[]; badHostEvents: number }> {
  return page.evaluate(async (fileId) => {
    const layr = await window.layrReady
    const chunks: Uint8Array[] = []
    let badHostEvents = 0
    const sink = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c.slice()) })
    const report = await layr.restore(fileId, sink, { onProgress: (e) => void (e.type === 'restore:bad-host' && badHostEvents++) })
    const all = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer())
    const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', all))].map((b) => b.toString(16).padStart(2, '0')).join('')
    return { sha256, bytes: report.bytes, corruptHosts: [...report.corruptHosts], badHostEvents }
  }, fileId)
}

export async function closePeers(peers: readonly Peer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.context.close().catch(() => {})))
}
