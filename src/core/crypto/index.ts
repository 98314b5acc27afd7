/**
 * Segment encryption: AES-256-GCM in chunks of 256 KiB of ciphertext (the call size at
 * which WebCrypto is fastest in Chromium; larger calls are 2–3× slower, see FINDINGS).
 *
 * Each file has a random 32-byte file key (wrapped by the vault). HKDF derives from it
 * the AES key and a 32-byte key commitment that the manifest stores: GCM alone is not
 * key-committing, and the commitment turns "wrong key" into a WrongKeyError instead of
 * a generic authentication failure.
 *
 * Chunk j of segment s has the nonce s (u64 BE) ‖ j (u32 BE), unique per file key because
 * files are immutable (a new version gets a new key). Its associated data is
 * "layr/v1/chunk" ‖ fileId ‖ s ‖ last-chunk flag, so chunks cannot be reordered, moved to
 * another segment or file, or dropped from the end without detection. A segment's chunks
 * go to WebCrypto concurrently and land in one preallocated buffer.
 */
export { FileCipher, CHUNK_SIZE, TAG_SIZE, CHUNK_PLAINTEXT, FILE_KEY_SIZE, FILE_ID_SIZE, COMMITMENT_SIZE, NONCE_SIZE } from './file-cipher.ts'
