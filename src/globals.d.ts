import type * as core from './core/index.ts'
import type { createWorkerHasher } from './adapters/hashing/worker-hasher.ts'
import type { workerEncoder } from './adapters/encoding/worker-encoder.ts'

declare global {
  interface Window {
    /** The core and browser adapters, for scripts and end-to-end tests driving this page. */
    layrCore: typeof core
    layrAdapters: { createWorkerHasher: typeof createWorkerHasher; workerEncoder: typeof workerEncoder }
    /** Test harness, loaded on demand by end-to-end tests only. */
    layrTesting: () => Promise<typeof import('./testing/browser-harness.ts')>
    /** This tab's Layr facade (src/layr/api.ts), the same object the UI uses; set once opened. */
    layr: import('./layr/api.ts').Layr | undefined
    /** Resolves with window.layr. */
    layrReady: Promise<import('./layr/api.ts').Layr>
  }
}
