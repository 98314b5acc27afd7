import { defineConfig } from '@playwright/test'

// One relay per run on a free port (scripts/test.mjs picks it; a fixed fallback otherwise),
// because a relay left over from a previous run can still hold a port.
const port = Number(process.env.LAYR_E2E_PORT ?? 18000 + (process.pid % 1000))
process.env.LAYR_E2E_PORT = String(port)
const chromium = process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 120_000,
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
    },
  },
  webServer: {
    command: 'npm run build && node --import tsx relay/main.ts',
    url: `http://127.0.0.1:${port}/health`,
    env: { LAYR_HOST: '127.0.0.1', LAYR_PORT: String(port) },
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
  },
})
