/** Layr in a tab: `openLayr()` gives the facade the UI and the tests use (see api.ts). */
export type * from './api.ts'
export { createLayr, NoVaultError, VaultLockedError, FileNotFoundError, InvalidQuotaError } from './client.ts'
export { openLayr, type OpenOptions } from './browser.ts'
export type { LayrParts, PeerRuntime, VaultStore, Kept } from './parts.ts'
