/**
 * The flags every Chromium of the tests and benches runs with (/usr/bin/chromium): no sandbox or GPU
 * in these containers, no QUIC or background traffic, and host candidates as plain IPs (not mDNS
 * names) so WebRTC connects on loopback. Playwright's config, the benches and the raw CDP Chromium
 * of e2e/background.ts share this list.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]
