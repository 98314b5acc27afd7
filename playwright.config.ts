import { defineConfig } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM_ARGS } from './e2e/chromium-args.ts'

// One relay per run on a free port (scripts/test.mjs picks it; a fixed fallback otherwise),
// because a relay left over from a previous run can still hold a port.
const port = Number(process.env.LAYR_E2E_PORT ?? 18000 + (process.pid % 1000))
process.env.LAYR_E2E_PORT = String(port)
const chromium = process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium'
// The tests drive the test flavour of the app (window hooks; vite.config.ts), built into
// dist-e2e/. Set here so that the relays tests spawn (e2e/relay-process.ts) serve it too.
process.env.LAYR_STATIC_DIR = 'dist-e2e'
// Made once per run (the config is loaded again in workers: they reuse the main process's choice).
const ledgerFile = (process.env.LAYR_E2E_LEDGER_FILE ??= join(mkdtempSync(join(tmpdir(), 'layr-e2e-ledger-')), 'dev-ledger.json'))

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
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    // Both flavours: e2e/production.spec.ts serves dist/ (production) from a relay of its own.
    command: 'npm run build && npm run build:e2e && node --import tsx relay/main.ts',
    url: `http://127.0.0.1:${port}/health`,
    // A dev ledger of this run's own (a temporary file), so runs never share accounts or balances.
    env: { LAYR_HOST: '127.0.0.1', LAYR_PORT: String(port), LAYR_STATIC_DIR: 'dist-e2e', LAYR_LEDGER_FILE: ledgerFile },
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
  },
})
