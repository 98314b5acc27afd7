/**
 * The security headers on every HTTP response of the relay: the app's files, the index.html
 * fallback, /health, /bootstrap.json, /metrics and every error. They live here and nowhere else.
 *
 * One policy for every response, not just for HTML: a Worker runs under the policy its own
 * script was served with, so the encoder and hasher Workers (and their WebAssembly) are held to
 * the app's policy only because their .js responses carry it too.
 */

/**
 * The ledgers (Horizon servers and friendbots) the app may fetch from besides its own origin, whose
 * /ledger is the local development ledger: Stellar testnet's by default. A relay that lets its users
 * choose another Horizon lists its origin in LAYR_LEDGER_ORIGINS (relay/config.ts).
 */
export const DEFAULT_LEDGER_ORIGINS: readonly string[] = ['https://horizon-testnet.stellar.org', 'https://friendbot.stellar.org']

/** The Content-Security-Policy the app runs under (checked in Chromium by e2e/csp.spec.ts). */
export function cspDirectives(ledgerOrigins: readonly string[] = DEFAULT_LEDGER_ORIGINS): Readonly<Record<string, readonly string[]>> {
  return {
    'default-src': ["'none'"],
    // The bundle only: no inline scripts, no eval. WebAssembly compiled from bytes (the
    // Reed-Solomon kernel) needs 'wasm-unsafe-eval', which allows that and nothing else.
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    // The encoder's and hasher's Workers, and the service worker that keeps the app shell (src/pwa/).
    'worker-src': ["'self'"],
    // The web app manifest (public/manifest.webmanifest): default-src 'none' would block it.
    'manifest-src': ["'self'"],
    // fetch() stays on this origin and the ledgers the relay allows. Relays are dialled over
    // WebSocket, and which relays is the user's choice (Settings) plus the relays that relays
    // announce, so any ws:/wss: host.
    'connect-src': ["'self'", 'ws:', 'wss:', ...ledgerOrigins],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  }
}

export function contentSecurityPolicy(ledgerOrigins: readonly string[] = DEFAULT_LEDGER_ORIGINS): string {
  return Object.entries(cspDirectives(ledgerOrigins))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

export const CSP_DIRECTIVES = cspDirectives()
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy()

/** The headers of every response, the CSP allowing `ledgerOrigins` (testnet's by default). */
export function securityHeaders(ledgerOrigins: readonly string[] = DEFAULT_LEDGER_ORIGINS): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy(ledgerOrigins),
    // No other site may frame the app (frame-ancestors; X-Frame-Options for older browsers), keep
    // a handle on its window, or embed its files.
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  }
}

export const SECURITY_HEADERS = securityHeaders()
