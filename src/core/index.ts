/**
 * Layr's pure core: file → encrypted, erasure-coded, Merkle-rooted shares and
 * back, plus the vault and the manifest. No DOM, IndexedDB or network imports:
 * it runs the same under Vitest in Node and in the browser.
 */
export * from './errors.ts'
export * from './pipeline/index.ts'
export * from './manifest/index.ts'
export { Vault, verifySignature } from './vault/index.ts'
export { makePolicy, DEFAULT_POLICY, createReedSolomon, type RedundancyPolicy, type ErasureScheme } from './erasure/index.ts'
export { merkleRoot, LEAF_SIZE } from './merkle/index.ts'
export { planSegments, segmentSpec, DEFAULT_SHARE_SIZE } from './segment/index.ts'
