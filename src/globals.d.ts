import type * as core from './core/index.ts'
import type { createWorkerHasher } from './adapters/hashing/worker-hasher.ts'
import type { workerEncoder } from './adapters/encoding/worker-encoder.ts'
import type { LayrNet } from './net/runtime.ts'

declare global {
  interface ImportMetaEnv {
    /** True in builds made for tests (`vite build --mode e2e`) and the dev server; false in production (vite.config.ts). */
    readonly LAYR_TEST_HOOKS: boolean
    /** Builds register the service worker (src/pwa/); the dev server has none. */
    readonly LAYR_SERVICE_WORKER: boolean
  }

  /**
   * Set only in builds made for tests and the dev server (src/testing/window-hooks.ts), for the
   * end-to-end tests and the browser console driving the page. A production page has none of them.
   */
  interface Window {
    /** The core and browser adapters. */
    layrCore: typeof core
    layrAdapters: { createWorkerHasher: typeof createWorkerHasher; workerEncoder: typeof workerEncoder }
    /** Test harness, loaded on demand by end-to-end tests only. */
    layrTesting: () => Promise<typeof import('./testing/browser-harness.ts')>
    /** The Freighter wallet adapter (the real freighter-api), loaded on demand; e2e/wallet.spec.ts drives it with the stand-in wallet until the Wallet view uses it. */
    layrWallet: () => Promise<typeof import('./adapters/wallet/freighter.ts')>
    /** This tab's network node (src/net/runtime.ts). */
    layrNet: LayrNet
    /** This tab's Layr facade (src/layr/api.ts), the same object the UI uses; set once opened. */
    layr: import('./layr/api.ts').Layr | undefined
    /** Resolves with window.layr. */
    layrReady: Promise<import('./layr/api.ts').Layr>
  }
}
