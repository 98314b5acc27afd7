/**
 * Putting a page in the background for real in Chromium, for tests and benchmarks of host tabs
 * that are not in front (e2e/hidden-tabs.spec.ts, bench/run.ts).
 *
 * Pages that Playwright drives never go hidden here: a page behind another tab of its window
 * still reports `visible` and runs its timers at full speed, in headless and in a headful
 * Chromium under Xvfb alike, with or without Playwright's --disable-renderer-backgrounding,
 * --disable-backgrounding-occluded-windows and --disable-background-timer-throttling (Playwright
 * also turns on focus emulation in every page it attaches to). The same Chromium launched and
 * driven over the DevTools protocol alone does hide it: the page behind gets
 * `visibilitychange` → hidden. A blank page's timers then wake once a second and
 * `Page.setWebLifecycleState('frozen')` freezes it (`freeze`, nothing runs) until `active`
 * (`resume`); so does a Layr host tab (WebSocket, WebRTC, a Web Lock, IndexedDB). Hidden for
 * 60 s, a host tab's timers woke once a second (bench network). So host tabs
 * that must go hidden run in a RawChromium, and are driven with Runtime.evaluate.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { CHROMIUM_ARGS } from './chromium-args.ts'

/** The little of the `ws` package (a dependency, untyped) this needs; Node 20 has no global WebSocket. */
interface Ws {
  on(event: 'message', fn: (data: Buffer) => void): void
  once(event: 'open' | 'error', fn: (err?: unknown) => void): Ws
  send(text: string): void
  close(): void
}
const { WebSocket } = createRequire(import.meta.url)('ws') as { WebSocket: new (url: string) => Ws }

interface CdpMessage {
  readonly id?: number
  readonly method?: string
  readonly sessionId?: string
  readonly result?: Record<string, unknown>
  readonly error?: { readonly message: string }
}

/** A Chromium of our own, with no Playwright in it, driven over the DevTools protocol. */
export class RawChromium {
  readonly #child: ChildProcess
  readonly #ws: Ws
  readonly #dir: string
  #id = 0
  readonly #pending = new Map<number, (m: CdpMessage) => void>()

  private constructor(child: ChildProcess, ws: Ws, dir: string) {
    this.#child = child
    this.#ws = ws
    this.#dir = dir
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as CdpMessage
      if (m.id !== undefined) this.#pending.get(m.id)?.(m)
    })
  }

  /** Launches headless (--headless=new) Chromium with a fresh profile. */
  static async launch(executable = process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium'): Promise<RawChromium> {
    const dir = mkdtempSync(join(tmpdir(), 'layr-raw-chromium-'))
    const child = spawn(executable, [...CHROMIUM_ARGS, '--headless=new', '--remote-debugging-port=0', `--user-data-dir=${dir}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group, so that close() stops its renderers too, not only the browser process.
      detached: true,
    })
    const url = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`Chromium did not start its DevTools endpoint:\n${err}`)), 30_000)
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString()
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${err}`)))
    })
    const ws = new WebSocket(url)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    return new RawChromium(child, ws, dir)
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = ++this.#id
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m) => {
        this.#pending.delete(id)
        if (m.error) reject(new Error(`${method}: ${m.error.message}`))
        else resolve(m.result ?? {})
      })
      this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }))
    })
  }

  /** A new window of its own (in front in it), in a new browser context (its own profile), at `url`. */
  async newWindow(url: string): Promise<RawPage> {
    const { browserContextId } = (await this.send('Target.createBrowserContext')) as { browserContextId: string }
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank', browserContextId, newWindow: true })) as { targetId: string }
    const page = await this.#attach(targetId, browserContextId)
    await page.goto(url)
    return page
  }

  async #attach(targetId: string, browserContextId: string): Promise<RawPage> {
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string }
    return new RawPage(this, targetId, sessionId, browserContextId)
  }

  /** Opens a blank tab in `page`'s window, in front of it: `page` goes hidden. Close the tab to bring it back. */
  async cover(page: RawPage): Promise<{ close(): Promise<void> }> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank', browserContextId: page.browserContextId, newWindow: false })) as {
      targetId: string
    }
    await page.waitFor(() => document.visibilityState === 'hidden')
    return { close: async () => void (await this.send('Target.closeTarget', { targetId })) }
  }

  async close(): Promise<void> {
    this.#ws.close()
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once('exit', r))
      // The whole group: a renderer still writing into the profile made the removal below fail
      // with ENOTEMPTY once (a CI run).
      try {
        process.kill(-this.#child.pid!, 'SIGKILL')
      } catch {
        this.#child.kill('SIGKILL')
      }
      await exited
    }
    // A temporary profile: retried while the last processes let go of it, and never a test failure.
    try {
      rmSync(this.#dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    } catch (err) {
      console.warn(`could not remove ${this.#dir}: ${(err as Error).message}`)
    }
  }
}

export class RawPage {
  constructor(
    readonly browser: RawChromium,
    readonly targetId: string,
    readonly sessionId: string,
    readonly browserContextId: string,
  ) {}

  /** Runs `fn(arg)` in the page (as Playwright's page.evaluate does: the function's source, the argument as JSON). */
  async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const expression = `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`
    const res = (await this.browser.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, this.sessionId)) as {
      result: { value?: R }
      exceptionDetails?: { exception?: { description?: string }; text: string }
    }
    if (res.exceptionDetails) throw new Error(res.exceptionDetails.exception?.description ?? res.exceptionDetails.text)
    return res.result.value as R
  }

  /** Polls `fn` every 100 ms (timers: a hidden page runs no animation frames) until it is true. */
  async waitFor(fn: () => boolean, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs
    while (!(await this.evaluate(fn))) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async goto(url: string): Promise<void> {
    await this.browser.send('Page.navigate', { url }, this.sessionId)
    await this.waitFor(() => location.href !== 'about:blank' && document.readyState === 'complete')
  }

  /** `frozen` or `active` (Chromium freezes only hidden pages). */
  async setLifecycle(state: 'frozen' | 'active'): Promise<void> {
    await this.browser.send('Page.setWebLifecycleState', { state }, this.sessionId)
  }
}

/** Records the page's lifecycle events and a 100 ms ticker's gaps (read with `lifecycle`). */
export async function watchLifecycle(page: Pick<RawPage, 'evaluate'>): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { lifecycleEvents: string[]; tickGaps: number[] }
    w.lifecycleEvents = []
    w.tickGaps = []
    for (const type of ['visibilitychange', 'freeze', 'resume', 'pagehide', 'pageshow'])
      document.addEventListener(type, () => w.lifecycleEvents.push(`${type}:${document.visibilityState}`), { capture: true })
    let last = Date.now()
    setInterval(() => {
      const now = Date.now()
      w.tickGaps.push(now - last)
      if (w.tickGaps.length > 10_000) w.tickGaps.shift()
      last = now
    }, 100)
  })
}

export interface Lifecycle {
  readonly visibility: DocumentVisibilityState
  readonly events: readonly string[]
  /** The longest gap between the 100 ms ticker's runs (a frozen page runs none). */
  readonly maxTickGapMs: number
  /** The median of the last ten gaps (about 1,000 ms in a throttled hidden page). */
  readonly recentTickGapMs: number
}

export function lifecycle(page: Pick<RawPage, 'evaluate'>): Promise<Lifecycle> {
  return page.evaluate(() => {
    const w = window as unknown as { lifecycleEvents: string[]; tickGaps: number[] }
    const recent = w.tickGaps.slice(-10).sort((a, b) => a - b)
    return {
      visibility: document.visibilityState,
      events: [...w.lifecycleEvents],
      maxTickGapMs: Math.max(0, ...w.tickGaps),
      recentTickGapMs: recent[Math.floor(recent.length / 2)] ?? 0,
    }
  })
}
