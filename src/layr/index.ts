/** Layr in a tab: `openLayr()` gives the facade the UI and the tests use (see api.ts). */
export type * from './api.ts'
export { openLayr, createLayr, NoVaultError, VaultLockedError, FileNotFoundError, InvalidQuotaError, type OpenOptions } from './client.ts'
