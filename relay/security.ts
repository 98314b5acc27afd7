/**
 * The security headers on every HTTP response of the relay: the app's files, the index.html
 * fallback, /health, /bootstrap.json, /metrics and every error. They live here and nowhere else.
 *
 * One policy for every response, not just for HTML: a Worker runs under the policy its own
 * script was served with, so the encoder and hasher Workers (and their WebAssembly) are held to
 * the app's policy only because their .js responses carry it too.
 */

/** The Content-Security-Policy the app runs under (checked in Chromium by e2e/csp.spec.ts). */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  // The bundle only: no inline scripts, no eval. WebAssembly compiled from bytes (the
  // Reed-Solomon kernel) needs 'wasm-unsafe-eval', which allows that and nothing else.
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  // fetch() stays on this origin. Relays are dialled over WebSocket, and which relays is the
  // user's choice (Settings) plus the relays that relays announce, so any ws:/wss: host.
  'connect-src': ["'self'", 'ws:', 'wss:'],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
}

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([name, sources]) => `${name} ${sources.join(' ')}`)
  .join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // No other site may frame the app (frame-ancestors; X-Frame-Options for older browsers), keep
  // a handle on its window, or embed its files.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
}
