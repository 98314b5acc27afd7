import { mount } from 'svelte'
import App from './App.svelte'
import { openLayr } from './layr/index.ts'
import { exposeTestHooks } from './testing/window-hooks.ts'
import { registerServiceWorker } from './pwa/register.ts'

// ?autostart=0 leaves the network to the caller (the low-level end-to-end tests drive window.layrNet).
const params = new URLSearchParams(location.search)
// Test builds only: ?maintenance={"tickMs":…} shortens the audit and repair schedule.
const maintenance =
  import.meta.env.LAYR_TEST_HOOKS && params.get('maintenance') ? (JSON.parse(params.get('maintenance')!) as Record<string, number>) : undefined
const ready = openLayr({ autostart: params.get('autostart') !== '0', ...(maintenance ? { maintenance } : {}) })
// Builds for tests only (vite.config.ts): production puts nothing on window.
if (import.meta.env.LAYR_TEST_HOOKS) exposeTestHooks(ready)

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')
mount(App, { target })
// The app shell offline, and an installable app (builds only: vite.config.ts).
if (import.meta.env.LAYR_SERVICE_WORKER) void registerServiceWorker()
