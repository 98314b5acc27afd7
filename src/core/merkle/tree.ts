import { sha256 } from '@noble/hashes/sha2.js'
import { bufferSource, equal, requireBytes, requireInteger } from '../bytes.ts'
import { InvalidInputError } from '../errors.ts'

export const LEAF_SIZE = 64 * 1024
export const HASH_SIZE = 32
/** Leaf digests in flight at once per share (WebCrypto is fastest with few calls queued). */
const LEAF_SLOTS = 2

export interface MerkleTree {
  readonly root: Uint8Array
  readonly leafCount: number
  /** Sibling hashes from the leaf up to the root; a level where the node is promoted adds none. */
  proof(leafIndex: number): Uint8Array[]
}

export interface LeafProof {
  readonly leafIndex: number
  readonly leaf: Uint8Array
  readonly path: readonly Uint8Array[]
}

/**
 * shareLength / LEAF_SIZE. Shares are whole leaves (the pipeline pads them so), which is
 * what keeps leaves and nodes apart: a leaf is exactly LEAF_SIZE bytes, a node preimage 65.
 */
export function leafCount(shareLength: number): number {
  requireInteger('shareLength', shareLength, LEAF_SIZE)
  if (shareLength % LEAF_SIZE !== 0) {
    throw new InvalidInputError(`A share must be a whole number of ${LEAF_SIZE}-byte leaves, got ${shareLength} bytes.`)
  }
  return shareLength / LEAF_SIZE
}

/** The bytes of leaf `leafIndex` (a view into `share`, not a copy). */
export function leafBytes(share: Uint8Array, leafIndex: number): Uint8Array {
  requireBytes('share', share)
  requireInteger('leafIndex', leafIndex, 0, leafCount(share.length) - 1)
  return share.subarray(leafIndex * LEAF_SIZE, (leafIndex + 1) * LEAF_SIZE)
}

/** The 32-byte Merkle root of a share. */
export async function merkleRoot(share: Uint8Array): Promise<Uint8Array> {
  return (await merkleTree(share)).root
}

/** Every level of the tree, for a host that answers audits. */
export async function merkleTree(share: Uint8Array): Promise<MerkleTree> {
  requireBytes('share', share)
  const levels = [await hashLeaves(share)]
  for (let level = levels[0] as Uint8Array; level.length > HASH_SIZE;) {
    level = parentLevel(level)
    levels.push(level)
  }
  return new Tree(levels)
}

/** A proof for one leaf, ready to send: the leaf bytes and their path. */
export function leafProof(share: Uint8Array, tree: MerkleTree, leafIndex: number): LeafProof {
  if (leafCount(share.length) !== tree.leafCount) {
    throw new InvalidInputError(`The share has ${leafCount(share.length)} leaves but the tree has ${tree.leafCount}.`)
  }
  return { leafIndex, leaf: leafBytes(share, leafIndex), path: tree.proof(leafIndex) }
}

/**
 * Checks a leaf and its path against a root. False for anything a host could get wrong:
 * wrong leaf bytes or size, an index out of range, a path of the wrong length or shape.
 * InvalidInputError only for the caller's own arguments (root size, leafCount).
 */
export async function verifyLeaf(root: Uint8Array, leafCount: number, proof: LeafProof): Promise<boolean> {
  requireBytes('root', root, HASH_SIZE)
  requireInteger('leafCount', leafCount, 1)
  const { leafIndex, leaf, path } = proof
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafCount) return false
  if (!(leaf instanceof Uint8Array) || !Array.isArray(path)) return false
  if (leaf.length !== LEAF_SIZE) return false

  let hash = await hashLeaf(leaf)
  let index = leafIndex
  let used = 0
  for (let width = leafCount; width > 1; width = Math.ceil(width / 2)) {
    if ((index ^ 1) < width) {
      const sibling: unknown = path[used++]
      if (!(sibling instanceof Uint8Array) || sibling.length !== HASH_SIZE) return false
      hash = index % 2 === 0 ? hashNode(hash, sibling) : hashNode(sibling, hash)
    }
    index = Math.floor(index / 2)
  }
  return used === path.length && equal(hash, root)
}

class Tree implements MerkleTree {
  readonly #levels: readonly Uint8Array[]
  readonly root: Uint8Array
  readonly leafCount: number

  constructor(levels: readonly Uint8Array[]) {
    this.#levels = levels
    this.root = (levels[levels.length - 1] as Uint8Array).slice()
    this.leafCount = (levels[0] as Uint8Array).length / HASH_SIZE
  }

  proof(leafIndex: number): Uint8Array[] {
    requireInteger('leafIndex', leafIndex, 0, this.leafCount - 1)
    const path: Uint8Array[] = []
    let index = leafIndex
    for (const level of this.#levels.slice(0, -1)) {
      const sibling = index ^ 1
      if (sibling * HASH_SIZE < level.length) path.push(level.slice(sibling * HASH_SIZE, (sibling + 1) * HASH_SIZE))
      index = Math.floor(index / 2)
    }
    return path
  }
}

/**
 * SHA-256 of every leaf, concatenated. The leaves are hashed in place (views of the share,
 * no copies: copying into fresh buffers cost 5x in Chromium), LEAF_SLOTS calls in flight.
 */
async function hashLeaves(share: Uint8Array): Promise<Uint8Array> {
  const count = leafCount(share.length)
  const out = new Uint8Array(count * HASH_SIZE)
  const src = bufferSource(share)
  let next = 0
  const slot = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const digest = await globalThis.crypto.subtle.digest('SHA-256', src.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE))
      out.set(new Uint8Array(digest), i * HASH_SIZE)
    }
  }
  await Promise.all(Array.from({ length: Math.min(LEAF_SLOTS, count) }, slot))
  return out
}

async function hashLeaf(leaf: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bufferSource(leaf)))
}

const nodeBuf = new Uint8Array(1 + 2 * HASH_SIZE)

function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeBuf[0] = 1
  nodeBuf.set(left, 1)
  nodeBuf.set(right, 1 + HASH_SIZE)
  return sha256(nodeBuf)
}

/** One level up: pairs hashed, an odd last node promoted unchanged. */
function parentLevel(level: Uint8Array): Uint8Array {
  const width = level.length / HASH_SIZE
  const out = new Uint8Array(Math.ceil(width / 2) * HASH_SIZE)
  nodeBuf[0] = 1
  for (let i = 0; i + 1 < width; i += 2) {
    nodeBuf.set(level.subarray(i * HASH_SIZE, (i + 2) * HASH_SIZE), 1)
    out.set(sha256(nodeBuf), (i / 2) * HASH_SIZE)
  }
  if (width % 2 === 1) out.set(level.subarray((width - 1) * HASH_SIZE), out.length - HASH_SIZE)
  return out
}
