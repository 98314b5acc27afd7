import type { FileManifest } from '../core/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signDelete } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { eachLimited } from './pool.ts'

export interface DeleteProgress {
  readonly type: 'remove:share'
  readonly done: number
  readonly total: number
}

/** Signed deletes of shares at their hosts, 8 at a time; `not-found` counts as deleted. */
export async function deleteSigned(
  net: PeerNetwork,
  vault: Vault,
  jobs: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>,
  onProgress?: (e: DeleteProgress) => void,
): Promise<{ deleted: number; unreachable: number }> {
  let deleted = 0
  let done = 0
  await eachLimited(jobs, 8, async ({ peer, key }) => {
    try {
      const res = await net.request(peer, { type: 'delete', key, ...signDelete(vault, key, peer) }, { timeoutMs: 15_000 })
      if (res.status === 'ok' || res.status === 'not-found') deleted++
    } catch {
      // unreachable: counted below
    }
    onProgress?.({ type: 'remove:share', done: ++done, total: jobs.length })
  })
  return { deleted, unreachable: jobs.length - deleted }
}

/** Asks every holder of the manifest's shares to delete them, signed by the owner. */
export function deleteShares(
  net: PeerNetwork,
  vault: Vault,
  manifest: FileManifest,
  options: { onProgress?: (e: DeleteProgress) => void } = {},
): Promise<{ deleted: number; unreachable: number }> {
  const jobs = manifest.segments.flatMap((seg) => seg.shares.flatMap((sh) => sh.holders.map((peer) => ({ peer, key: sh.key }))))
  return deleteSigned(net, vault, jobs, options.onProgress)
}
