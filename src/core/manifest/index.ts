/**
 * The manifest: everything needed to find, check and decode one file, and
 * nothing a host may see. It is typed and versioned, encoded canonically
 * (deterministic CBOR) so the owner's Ed25519 signature covers exact bytes,
 * then encrypted with the vault's manifest key. Decoders validate every field
 * and bound every size before use, since manifests come back from the network.
 */
export * from './types.ts'
export { encodeManifest, decodeManifest, validateManifest } from './codec.ts'
export { sealManifest, openManifest, type SealOptions } from './seal.ts'
