import './polyfill.ts' // startRelay runs libp2p, which needs it on Node 20
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import * as fs from 'node:fs/promises'
import { createHttpServer, sendJson, type RouteHandler } from './http.ts'
import { startRelay, type RunningRelay } from './relay.ts'

// Fault injection for the file-serving tests: a hook run after the server first looks at a file
// (stat or open) and one that can change the handle it reads from. Off unless a test sets them.
const faults = vi.hoisted(() => ({
  afterLook: undefined as ((path: string) => Promise<void>) | undefined,
  onOpen: undefined as ((path: string, handle: FileHandle) => void) | undefined,
}))
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...real,
    stat: async (...args: Parameters<typeof real.stat>) => {
      const info = await real.stat(...args)
      await faults.afterLook?.(String(args[0]))
      return info
    },
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args)
      faults.onOpen?.(String(args[0]), handle)
      await faults.afterLook?.(String(args[0]))
      return handle
    },
  }
})

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The connection ended before the response was complete. */
  readonly aborted: boolean
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = []
      let aborted = false
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('aborted', () => (aborted = true))
      res.on('error', () => (aborted = true))
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1'), aborted: aborted || !res.complete }),
      )
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path} in 10 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** What every response must carry, written out here rather than imported from security.ts. */
function expectSecurityHeaders(reply: Reply): void {
  const h = reply.headers
  expect(h['referrer-policy']).toBe('no-referrer')
  expect(h['cross-origin-opener-policy']).toBe('same-origin')
  expect(h['cross-origin-resource-policy']).toBe('same-origin')
  expect(h['x-content-type-options']).toBe('nosniff')
  expect(h['x-frame-options']).toBe('DENY')
  expect(h['permissions-policy']).toMatch(/camera=\(\)/)
  const csp = h['content-security-policy']
  expect(typeof csp).toBe('string')
  const directives = new Map(
    String(csp)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  )
  expect(directives.get('default-src')).toEqual(["'none'"])
  expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
  expect(directives.get('worker-src')).toEqual(["'self'"])
  expect(directives.get('manifest-src')).toEqual(["'self'"])
  expect(directives.get('connect-src')).toEqual(["'self'", 'ws:', 'wss:', 'https://horizon-testnet.stellar.org', 'https://friendbot.stellar.org'])
  expect(directives.get('style-src')).toEqual(["'self'"])
  expect(directives.get('img-src')).toEqual(["'self'"])
  expect(directives.get('base-uri')).toEqual(["'none'"])
  expect(directives.get('form-action')).toEqual(["'none'"])
  expect(directives.get('frame-ancestors')).toEqual(["'none'"])
  expect(String(csp)).not.toMatch(/unsafe-inline|'unsafe-eval'|\*|data:|blob:/)
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

const INDEX = '<!doctype html><title>app</title>'
const APP_JS = 'console.log("app")\n'
const BIG = 1024 * 1024

describe('the relay HTTP server', () => {
  let dir: string
  let emptyDir: string
  let server: Server
  let bare: Server
  let port: number
  let barePort: number

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'layr-http-'))
    emptyDir = await fs.mkdtemp(join(tmpdir(), 'layr-http-empty-'))
    await fs.mkdir(join(dir, 'assets'))
    await fs.writeFile(join(dir, 'index.html'), INDEX)
    await fs.writeFile(join(dir, 'assets', 'app-1234.js'), APP_JS)
    await fs.writeFile(join(dir, 'assets', 'big-1234.bin'), Buffer.alloc(BIG, 7))
    const routes = new Map<string, RouteHandler>([
      ['/json', (_req, res) => sendJson(res, 200, { ok: true })],
      ['/boom', () => Promise.reject(new Error('route failed'))],
    ])
    server = createHttpServer({ staticDir: dir, routes })
    bare = createHttpServer({ staticDir: emptyDir, routes: new Map() })
    ;[port, barePort] = await Promise.all([listen(server), listen(bare)])
  })

  afterAll(async () => {
    await Promise.all([close(server), close(bare)])
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(emptyDir, { recursive: true, force: true })
  })

  it.each([
    { what: 'an app file', path: '/assets/app-1234.js', status: 200, type: /^text\/javascript/, body: APP_JS },
    { what: 'the index at /', path: '/', status: 200, type: /^text\/html/, body: INDEX },
    { what: 'the index.html fallback for an app route', path: '/files/deep', status: 200, type: /^text\/html/, body: INDEX },
    { what: 'a missing file (404)', path: '/assets/gone.js', status: 404, type: /^text\/plain/, body: 'not found\n' },
    { what: 'a path outside the app (403)', path: '/..%2fsecret', status: 403, type: undefined, body: '' },
    { what: 'a path that does not decode (400)', path: '/%E0%A4%A', status: 400, type: undefined, body: '' },
    { what: 'a route', path: '/json', status: 200, type: /^application\/json/, body: '{"ok":true}' },
    { what: 'a route that fails (500)', path: '/boom', status: 500, type: /^application\/json/, body: '{"error":"internal error"}' },
  ])('$what carries the security headers', async ({ path, status, type, body }) => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {}) // the 500's log line
    const reply = await get(port, path).finally(() => quiet.mockRestore())
    expect(reply.status).toBe(status)
    if (type) expect(reply.headers['content-type']).toMatch(type)
    expect(reply.body).toBe(body)
    expectSecurityHeaders(reply)
  })

  it('a method other than GET or HEAD (405) carries the security headers', async () => {
    const reply = await get(port, '/', 'POST')
    expect(reply.status).toBe(405)
    expect(reply.headers.allow).toBe('GET, HEAD')
    expectSecurityHeaders(reply)
  })

  it('HEAD answers with the headers and no body', async () => {
    const reply = await get(port, '/assets/app-1234.js', 'HEAD')
    expect(reply.status).toBe(200)
    expect(reply.headers['content-length']).toBe(String(APP_JS.length))
    expect(reply.headers['cache-control']).toContain('immutable')
    expect(reply.body).toBe('')
    expectSecurityHeaders(reply)
  })

  it('an app that is not built (503) carries the security headers', async () => {
    const reply = await get(barePort, '/')
    expect(reply.status).toBe(503)
    expect(reply.body).toContain('npm run build')
    expectSecurityHeaders(reply)
  })

  it('a file removed right after the server found it is still served whole, and the server lives on', async () => {
    const victim = join(dir, 'assets', 'vanish-1234.js')
    await fs.writeFile(victim, APP_JS)
    let removed = false
    faults.afterLook = async (path) => {
      if (path !== victim || removed) return
      removed = true
      await fs.rm(path) // as `vite build` emptying dist/ does
    }
    try {
      const reply = await get(port, '/assets/vanish-1234.js')
      expect(removed).toBe(true)
      expect(reply.status).toBe(200)
      expect(reply.aborted).toBe(false)
      expect(reply.body).toBe(APP_JS)
    } finally {
      faults.afterLook = undefined
    }
    expect((await get(port, '/assets/vanish-1234.js')).status).toBe(404)
    expect((await get(port, '/assets/app-1234.js')).body).toBe(APP_JS)
  })

  it('a read that fails halfway ends the connection short of its length, and the server lives on', async () => {
    const target = join(dir, 'assets', 'big-1234.bin')
    const errors: unknown[] = []
    const logged = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args))
    faults.onOpen = (path, handle) => {
      if (path !== target) return
      let reads = 0
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>
      Object.assign(handle, {
        read: (...a: unknown[]) => (++reads > 1 ? Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })) : read(...a)),
      })
    }
    try {
      const reply = await get(port, '/assets/big-1234.bin')
      expect(reply.status).toBe(200)
      expect(reply.headers['content-length']).toBe(String(BIG))
      expect(reply.aborted).toBe(true)
      expect(reply.body.length).toBeGreaterThan(0)
      expect(reply.body.length).toBeLessThan(BIG)
      expect(errors.map(String).join(' ')).toContain('EIO')
    } finally {
      faults.onOpen = undefined
      logged.mockRestore()
    }
    const again = await get(port, '/assets/big-1234.bin')
    expect(again.status).toBe(200)
    expect(again.body.length).toBe(BIG)
  })
})

describe('the relay routes', () => {
  let relay: RunningRelay
  let keyDir: string

  beforeAll(async () => {
    keyDir = await fs.mkdtemp(join(tmpdir(), 'layr-relay-key-'))
    relay = await startRelay(
      { host: '127.0.0.1', port: 0, staticDir: join(keyDir, 'no-app') },
      {
        keyFile: join(keyDir, 'relay-key'),
        bootstrap: [],
        privateNetwork: true,
        announce: [],
        relayDataLimitBytes: 64 * 1024,
        relayDurationLimitMs: 30_000,
        maxReservations: 16,
      },
    )
  }, 30_000)

  afterAll(async () => {
    await relay?.stop()
    await fs.rm(keyDir, { recursive: true, force: true })
  })

  it.each([
    { path: '/health', type: /^application\/json/, body: /"status":"ok"/ },
    { path: '/bootstrap.json', type: /^application\/json/, body: /"multiaddrs":\[/ },
    { path: '/metrics', type: /^text\/plain/, body: /layr_relay_/ },
  ])('$path carries the security headers', async ({ path, type, body }) => {
    const reply = await get(relay.port, path)
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toMatch(type)
    expect(reply.body).toMatch(body)
    expectSecurityHeaders(reply)
  })

  it('/bootstrap.json stays readable from other origins', async () => {
    const reply = await get(relay.port, '/bootstrap.json')
    expect(reply.headers['access-control-allow-origin']).toBe('*')
  })
})
