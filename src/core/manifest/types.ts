export const MANIFEST_VERSION = 1

/** How the file was turned into shares: everything a reader needs besides the keys. */
export interface CodecParams {
  readonly cipher: 'aes-256-gcm/chunked-v1'
  /** Ciphertext bytes per encrypted chunk, tag included. */
  readonly chunkSize: number
  readonly erasure: 'reed-solomon/gf256-vandermonde'
  readonly k: number
  readonly n: number
  readonly repairThreshold: number
  /** Size of each share of a full segment. */
  readonly shareSize: number
  /** Plaintext bytes per full segment. */
  readonly segmentSize: number
  /** Merkle leaf size. */
  readonly leafSize: number
}

export interface ShareEntry {
  readonly index: number
  /** sha256("layr/share" ‖ root): the share's id at hosts and its DHT key. */
  readonly key: Uint8Array
  /** Merkle root of the share's bytes. */
  readonly root: Uint8Array
  /** Peer ids currently holding the share. */
  readonly holders: readonly string[]
  /** Payment contract ids for the share. */
  readonly contracts: readonly string[]
}

export interface SegmentEntry {
  readonly index: number
  readonly plaintextLength: number
  readonly ciphertextLength: number
  readonly shareSize: number
  readonly shares: readonly ShareEntry[]
}

export interface FileManifest {
  readonly version: typeof MANIFEST_VERSION
  /** 16 random bytes. */
  readonly fileId: Uint8Array
  /** The owner's Ed25519 public key (the owner id). */
  readonly owner: Uint8Array
  /** Increases with every rewrite (placement, repair). */
  readonly revision: number
  readonly name: string
  readonly size: number
  readonly type: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly codec: CodecParams
  /** The file key wrapped under the vault's wrapping key. */
  readonly wrappedKey: Uint8Array
  /** Commits to the file key, so a wrong key is recognised as such. */
  readonly keyCommitment: Uint8Array
  readonly segments: readonly SegmentEntry[]
}

/** Limits every decoder enforces, so a hostile manifest cannot make us allocate without bound. */
export const MANIFEST_LIMITS = {
  nameBytes: 1024,
  typeLength: 255,
  segments: 1 << 22,
  holdersPerShare: 16,
  contractsPerShare: 32,
  idLength: 256,
  /** One sealed manifest; also what one manifest record carries (records/). A file of roughly 60 GiB at k = 4, n = 8 (40 GiB at n = 12). */
  sealedBytes: 15 * 1024 * 1024,
} as const
