/**
 * Merkle trees over shares, for audits: the owner keeps only a share's 32-byte root, and a
 * host proves it still holds the share by returning the leaves an audit asks for, each with
 * its path to the root.
 *
 * SHA-256 over 64 KiB leaves. Leaf = SHA-256(bytes), node = SHA-256(0x01 ‖ left ‖ right).
 * Shares are always whole leaves (the pipeline pads them), so a leaf is exactly 65,536 bytes
 * and a node preimage exactly 65: length alone keeps them apart (no second preimages), and
 * leaves are hashed in place. (A 0x00 leaf prefix, as in RFC 6962, would need a copy of every
 * leaf; in Chromium that made hashing, the pipeline's largest cost, 1.4-5x slower.)
 * An odd node at the end of a level is promoted unchanged. Leaves are hashed by WebCrypto
 * (64 KiB calls are at its top speed); the tiny inner nodes use @noble/hashes, which beats a
 * WebCrypto round trip per 65-byte node.
 */
export { LEAF_SIZE, HASH_SIZE, leafCount, leafBytes, merkleRoot, merkleTree, leafProof, verifyLeaf, type MerkleTree, type LeafProof } from './tree.ts'
export { inlineHasher, rootsOf, checkHashJob, type ShareHasher } from './hasher.ts'
