import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

// The benchmark page: built like the app (same bundler, same minifier), served by the relay's HTTP code.
export default defineConfig({
  root: fileURLToPath(new URL('./page', import.meta.url)),
  logLevel: 'warn',
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('../node_modules/.cache/layr-bench', import.meta.url)),
    emptyOutDir: true,
    // The network bench loads libp2p (~650 KB minified) as its own chunk, as the app does.
    chunkSizeWarningLimit: 1024,
  },
})
