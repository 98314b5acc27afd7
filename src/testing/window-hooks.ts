/**
 * The handles end-to-end tests (e2e/) and the browser console drive a page through:
 * `window.layrCore`, `layrAdapters`, `layrTesting`, `layrWallet`, `layrNet`, `layrReady` and `layr`.
 *
 * Only builds made for tests (`vite build --mode e2e`, into dist-e2e/) and the dev server call
 * this; main.ts calls it behind `import.meta.env.LAYR_TEST_HOOKS`, which is `false` in
 * production, so the production bundle contains neither this module nor the test harness, and
 * a production page has nothing of Layr's on `window`.
 */
import * as core from '../core/index.ts'
import { createWorkerHasher } from '../adapters/hashing/worker-hasher.ts'
import { workerEncoder } from '../adapters/encoding/worker-encoder.ts'
import { net } from '../net/runtime.ts'
import type { Layr } from '../layr/index.ts'

export function exposeTestHooks(ready: Promise<Layr>): void {
  window.layrCore = core
  window.layrAdapters = { createWorkerHasher, workerEncoder }
  window.layrTesting = () => import('./browser-harness.ts')
  window.layrWallet = () => import('../adapters/wallet/freighter.ts')
  window.layrNet = net
  window.layrReady = ready.then((l) => (window.layr = l))
}
