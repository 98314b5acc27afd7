import { sha256 } from '@noble/hashes/sha2.js'
import { concat, requireBytes, requireInteger, u32be, utf8 } from '../bytes.ts'
import { LEAF_SIZE, verifyLeaf } from '../merkle/index.ts'

/** An audit moves at most this part of a share's bytes (one leaf at the default 1 MiB share). */
export const AUDIT_FRACTION = 1 / 16
/** The most leaves one audit asks for (a 16 MiB share, the largest, gives 256 leaves / 16). */
export const MAX_AUDIT_LEAVES = 16
export const NONCE_SIZE = 32

const DOMAIN = utf8('layr/audit/v1')

/**
 * Leaves one audit asks of a share of `leafCount` leaves: a sixteenth of them, and at least one
 * (a share of fewer than 16 leaves, the last segment of a small file, moves one leaf: a Merkle
 * proof checks nothing smaller).
 */
export function leavesPerAudit(leafCount: number): number {
  requireInteger('leafCount', leafCount, 1)
  return Math.min(MAX_AUDIT_LEAVES, Math.max(1, Math.floor(leafCount * AUDIT_FRACTION)))
}

/**
 * The leaf indices an audit with `nonce` asks for: `count` distinct indices below `leafCount`,
 * drawn from SHA-256("layr/audit/v1" ‖ nonce ‖ u32 counter) read as big-endian u32s, with
 * rejection of the biased top so every index is equally likely. Owner and host compute the same
 * list, so the request carries only the nonce and the count. The host cannot know the indices
 * before the nonce arrives, and the owner never needs more than the root to check the answer.
 */
export function auditIndices(nonce: Uint8Array, leafCount: number, count: number): number[] {
  requireBytes('nonce', nonce, NONCE_SIZE)
  requireInteger('leafCount', leafCount, 1)
  requireInteger('count', count, 1, Math.min(leafCount, MAX_AUDIT_LEAVES))
  const limit = Math.floor(2 ** 32 / leafCount) * leafCount
  const out: number[] = []
  for (let counter = 0; out.length < count; counter++) {
    const block = sha256(concat(DOMAIN, nonce, u32be(counter)))
    for (let i = 0; i + 4 <= block.length && out.length < count; i += 4) {
      const x = ((block[i]! << 24) | (block[i + 1]! << 16) | (block[i + 2]! << 8) | block[i + 3]!) >>> 0
      if (x >= limit) continue
      const index = x % leafCount
      if (!out.includes(index)) out.push(index)
    }
  }
  return out
}

/** A host's answer to an audit: the asked leaves, in the order asked, and each one's Merkle path. */
export interface AuditAnswer {
  readonly leaves: readonly Uint8Array[]
  readonly paths: readonly (readonly Uint8Array[])[]
}

/** The answer a host holding `share` gives (the host side, and tests). */
export function answerAudit(
  share: Uint8Array,
  tree: { readonly leafCount: number; proof(i: number): Uint8Array[] },
  nonce: Uint8Array,
  count: number,
): AuditAnswer {
  const indices = auditIndices(nonce, tree.leafCount, count)
  return {
    leaves: indices.map((i) => share.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE)),
    paths: indices.map((i) => tree.proof(i)),
  }
}

/**
 * Whether `answer` proves the leaves that `nonce` asks of the share with `root`: exactly the
 * asked number of leaves, each a whole leaf whose path leads to the root. False for anything a
 * host could get wrong; the owner needs nothing but the root and the share's size.
 */
export async function checkAudit(root: Uint8Array, shareSize: number, nonce: Uint8Array, count: number, answer: AuditAnswer): Promise<boolean> {
  const leafCount = shareSize / LEAF_SIZE
  requireInteger('leafCount', leafCount, 1)
  const indices = auditIndices(nonce, leafCount, count)
  if (answer.leaves.length !== indices.length || answer.paths.length !== indices.length) return false
  for (let j = 0; j < indices.length; j++) {
    const ok = await verifyLeaf(root, leafCount, { leafIndex: indices[j]!, leaf: answer.leaves[j]!, path: answer.paths[j]! })
    if (!ok) return false
  }
  return true
}
