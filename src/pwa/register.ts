/**
 * Registers the service worker (src/pwa/sw.ts, built into /sw.js) that keeps the app shell
 * offline and makes Layr installable. Builds only: the dev server has no /sw.js.
 */

/** Registers /sw.js; a browser without service workers, or one that refuses it, just goes without. */
export async function registerServiceWorker(
  container: ServiceWorkerContainer | undefined = navigator.serviceWorker,
): Promise<ServiceWorkerRegistration | undefined> {
  if (!container) return undefined
  try {
    return await container.register('/sw.js', { scope: '/' })
  } catch (err) {
    console.warn(`layr: the app shell is not kept offline (the service worker did not register: ${(err as Error).message}).`)
    return undefined
  }
}
