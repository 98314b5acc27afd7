import type { FileManifest } from '../core/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { eachLimited } from './pool.ts'

/**
 * How many shares of each segment answer: each holder is asked for the first 32 bytes of its
 * share. This is a check, not a proof (the audit issue replaces it with Merkle proofs). Returns
 * the fewest live shares of any segment.
 */
export async function probeShares(net: PeerNetwork, manifest: FileManifest): Promise<number> {
  const live = manifest.segments.map(() => 0)
  const jobs = manifest.segments.flatMap((seg) => seg.shares.map((sh) => ({ seg: seg.index, peer: sh.holders[0], key: sh.key })))
  await eachLimited(jobs, 8, async ({ seg, peer, key }) => {
    if (!peer) return
    try {
      const res = await net.request(peer, { type: 'fetch', key, range: { offset: 0, length: 32 } }, { timeoutMs: 10_000 })
      if (res.status === 'ok' && res.bytes?.length === 32) live[seg]!++
    } catch {
      // not live
    }
  })
  return live.length === 0 ? 0 : Math.min(...live)
}
