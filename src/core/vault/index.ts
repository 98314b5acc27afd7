/**
 * The owner vault: one 256-bit secret from which everything the owner needs is
 * derived with HKDF-SHA256 (salt "layr/v1", one info string per purpose):
 * - "layr/v1/signing-key" → an Ed25519 seed; its public key, in hex, is the owner id;
 * - "layr/v1/manifest-key" → the AES-256-GCM key that encrypts manifests;
 * - "layr/v1/wrap-key" → the AES-256-GCM key that wraps each file's random file key
 *   (the file id is the associated data, so a wrapped key cannot be moved to another file).
 * It is kept apart from the peer key so that the same owner can restore on a device with
 * another peer id. The vault leaves the device only as a recovery text: Crockford base32
 * of secret ‖ 4-byte checksum, so a mistyped character is caught before any key is derived.
 *
 * The copy kept in the browser may be locked under a passphrase (lock.ts): PBKDF2-HMAC-SHA256
 * (600,000 iterations, random 16-byte salt) → AES-256-GCM over the recovery text, in a versioned
 * record that names its algorithms. A check value derived with the key tells a wrong passphrase
 * (WrongPassphraseError) from a damaged record (LockedVaultCorruptError), and the iteration count
 * is bounded on reading, so an altered record can neither lie about which it is nor stall the tab.
 */
export { Vault, verifySignature, downloadableRecoveryFile, WRAPPED_KEY_SIZE, SIGNATURE_SIZE, PUBLIC_KEY_SIZE } from './vault.ts'
export { parseRecoveryText, encodeRecoveryText, RECOVERY_PREFIX, RECOVERY_CHARS, SECRET_SIZE } from './recovery-text.ts'
export {
  lockSecret,
  unlockSecret,
  lockVault,
  unlockVault,
  readLockedRecord,
  requireStrongEnough,
  DEFAULT_ITERATIONS,
  MIN_ITERATIONS,
  MAX_ITERATIONS,
  MIN_PASSPHRASE_CHARS,
  type LockedRecord,
  type LockOptions,
} from './lock.ts'
