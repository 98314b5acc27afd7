import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { layrServiceWorker } from './scripts/service-worker-plugin.ts'

// Two flavours of the app. Production (`vite build`, into dist/) puts nothing on `window`. The
// test flavour (`vite build --mode e2e`, into dist-e2e/) and the dev server expose the handles
// end-to-end tests drive (src/testing/window-hooks.ts); the relay serves it with
// LAYR_STATIC_DIR=dist-e2e (playwright.config.ts).
export default defineConfig(({ command, mode }) => {
  const e2e = mode === 'e2e'
  return {
    // Builds also get the service worker that keeps the app shell offline (src/pwa/); the dev server does not.
    plugins: [svelte(), layrServiceWorker({ source: 'src/pwa/sw.ts', publicDir: 'public' })],
    define: {
      'import.meta.env.LAYR_TEST_HOOKS': JSON.stringify(e2e || command === 'serve'),
      'import.meta.env.LAYR_SERVICE_WORKER': JSON.stringify(command === 'build'),
    },
    build: {
      target: 'es2022',
      outDir: e2e ? 'dist-e2e' : 'dist',
      emptyOutDir: true,
      sourcemap: true,
    },
    server: { host: '127.0.0.1' },
  }
})
