/// <reference lib="webworker" />
/**
 * The service worker: it keeps the app shell (index.html, the bundle, its Workers and WebAssembly,
 * the icons and the manifest) in a cache of its own build, so that Layr opens with its relay down
 * and runs as an installed app. Built by vite.config.ts (layrServiceWorker), which puts this
 * build's file list and version in LAYR_SHELL; a new build is a new version: it installs beside the
 * old one, takes over at once and deletes the old caches.
 *
 * It answers only GET requests for the shell's own files and navigations to the app's pages:
 * the relay's /ledger, /metrics, /health and /bootstrap.json, anything on another origin, and
 * WebSocket and WebRTC traffic (which never reaches a service worker) go to the network untouched.
 * Pages are asked of the network first (a new build's index.html wins), the cached shell when it
 * cannot answer; the hashed assets, which never change, from the cache first.
 */

interface Shell {
  /** Changes with every build whose files change. */
  readonly version: string
  /** The shell's paths, from the site root ('/index.html', '/assets/…'). */
  readonly files: readonly string[]
}

declare const LAYR_SHELL: Shell

const sw = self as unknown as ServiceWorkerGlobalScope
const PREFIX = 'layr-shell-'
const CACHE = `${PREFIX}${LAYR_SHELL.version}`
const FILES = new Set(LAYR_SHELL.files)
/** The relay's own routes (relay/main.ts): always the network, never a cached answer. */
const NETWORK_ONLY = ['/ledger', '/metrics', '/health', '/bootstrap.json']

function networkOnly(path: string): boolean {
  return NETWORK_ONLY.some((p) => path === p || path.startsWith(`${p}/`))
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      // `cache: 'reload'`: the files as the relay serves them now, not from the HTTP cache.
      await cache.addAll([...FILES].map((path) => new Request(path, { cache: 'reload' })))
      await sw.skipWaiting()
    })(),
  )
})

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name)
      await sw.clients.claim()
    })(),
  )
})

sw.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== sw.location.origin || networkOnly(url.pathname)) return
  if (request.mode === 'navigate') {
    event.respondWith(page(request))
    return
  }
  if (FILES.has(url.pathname)) event.respondWith(file(request, url.pathname))
})

/** A page: the network's answer, or the cached index.html when the network has none (the relay is down). */
async function page(request: Request): Promise<Response> {
  try {
    return await fetch(request)
  } catch (err) {
    const cached = await caches.match('/index.html', { cacheName: CACHE })
    if (cached) return cached
    throw err
  }
}

/** A shell file: from this version's cache, else the network. */
async function file(request: Request, path: string): Promise<Response> {
  const cached = await caches.match(path, { cacheName: CACHE })
  return cached ?? fetch(request)
}

export {}
