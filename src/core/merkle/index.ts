/**
 * Merkle trees over shares, for audits: the owner keeps only a share's 32-byte root, and a
 * host proves it still holds the share by returning the leaves an audit asks for, each with
 * its path to the root.
 *
 * SHA-256 over 64 KiB leaves. Leaf = SHA-256(0x00 ‖ bytes), node = SHA-256(0x01 ‖ left ‖ right);
 * the prefixes keep leaves and nodes apart (no second preimages). An odd node at the end of a
 * level is promoted unchanged. Leaves are hashed by WebCrypto, 16 calls in flight (64 KiB calls
 * are at WebCrypto's top speed); the tiny inner nodes use @noble/hashes, which beats a WebCrypto
 * round trip per 65-byte node.
 */
export {
  LEAF_SIZE,
  HASH_SIZE,
  leafCount,
  leafBytes,
  merkleRoot,
  merkleTree,
  leafProof,
  verifyLeaf,
  type MerkleTree,
  type LeafProof,
} from './tree.ts'
