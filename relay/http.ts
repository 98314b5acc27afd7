import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { open, type FileHandle } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { pipeline } from 'node:stream'
import { SECURITY_HEADERS } from './security.ts'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface HttpOptions {
  readonly staticDir: string
  /** Extra routes by exact path, e.g. '/health'. */
  readonly routes: ReadonlyMap<string, RouteHandler>
  /** Routes for a path and everything under it, e.g. '/ledger' for '/ledger' and '/ledger/accounts/…'. */
  readonly prefixes?: ReadonlyMap<string, RouteHandler>
  /** The security headers of every response (default: security.ts's, testnet's ledger allowed). */
  readonly headers?: Readonly<Record<string, string>>
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': MIME['.json'], 'cache-control': 'no-store' })
  res.end(text)
}

/**
 * The relay's HTTP face: its routes, then the built app (single-page: unknown paths get
 * index.html). Every response carries the security headers (security.ts).
 */
export function createHttpServer(options: HttpOptions): Server {
  return createServer((req, res) => {
    for (const [name, value] of Object.entries(options.headers ?? SECURITY_HEADERS)) res.setHeader(name, value)
    handle(options, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.destroy()
      console.error('relay: http error', err)
    })
  })
}

async function handle(options: HttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://relay.invalid')
  const route = options.routes.get(url.pathname)
  if (route) return route(req, res)
  for (const [prefix, handler] of options.prefixes ?? []) {
    if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) return handler(req, res)
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end()
    return
  }
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    res.writeHead(400).end()
    return
  }
  const root = normalize(options.staticDir + sep)
  let file = normalize(join(root, path))
  if (!file.startsWith(root)) {
    res.writeHead(403).end()
    return
  }
  // Opened, then stat'ed through the handle: a file deleted or replaced meanwhile (a rebuild
  // emptying dist/) is either missing here or read whole from the handle, never half-resolved.
  let opened = await openFile(file)
  if (opened?.directory) opened = await openFile(join(file, 'index.html'))
  if (!opened?.file) {
    // Unknown paths without an extension are app routes; files that do not exist are 404s.
    if (extname(path) !== '') {
      res.writeHead(404, { 'content-type': MIME['.txt'] }).end('not found\n')
      return
    }
    file = join(root, 'index.html')
    opened = await openFile(file)
    if (!opened?.file) {
      res.writeHead(503, { 'content-type': MIME['.txt'] }).end('The app is not built yet: run `npm start` (it builds first) or `npm run build`.\n')
      return
    }
  }
  const { handle, size } = opened.file
  file = opened.path
  const type = MIME[extname(file)] ?? 'application/octet-stream'
  const immutable = file.includes(`${sep}assets${sep}`)
  res.writeHead(200, {
    'content-type': type,
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  if (req.method === 'HEAD') {
    await handle.close()
    res.end()
    return
  }
  // The status line is out by now: a read that fails (or a client that goes away) ends the
  // connection, short of its content-length, so the client sees an incomplete response.
  pipeline(handle.createReadStream(), res, (err) => {
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(`relay: reading ${file} failed:`, err.message)
  })
}

interface Opened {
  readonly path: string
  readonly file?: { readonly handle: FileHandle; readonly size: number }
  readonly directory?: true
}

/** `path` opened for reading when it is a regular file; undefined when it is missing or unreadable. */
async function openFile(path: string): Promise<Opened | undefined> {
  const handle = await open(path, 'r').catch(() => undefined)
  if (!handle) return undefined
  const info = await handle.stat().catch(() => undefined)
  if (info?.isFile()) return { path, file: { handle, size: info.size } }
  await handle.close()
  return info?.isDirectory() ? { path, directory: true } : undefined
}
