import { decodeFile, type FetchShare, type FileManifest, type PipelineProgress, type ShareRef } from '../core/index.ts'
import type { Vault } from '../core/vault/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'

/** Errors that mean "could not reach the peer" (as opposed to a peer that answered). */
const UNREACHABLE = new Set(['PeerUnreachableError', 'PeerNotFoundError', 'NetworkFailureError', 'StreamInterruptedError'])

/**
 * A FetchShare that asks the manifest's holders, in order. A holder that cannot be reached is
 * looked up again (its tab may have come back through another relay) and asked once more; a
 * slow answer is not a reason to drop a connection other requests use. The decoder checks every
 * share's Merkle root, and asks for another share when one fails.
 */
export function fetchFromHolders(
  net: PeerNetwork,
  signal?: AbortSignal,
  options: {
    /** Which peer's bytes were handed to the decoder for a share (to name a host whose bytes fail their root). */
    onAnswer?: (ref: ShareRef, peer: string) => void
  } = {},
): FetchShare {
  const sig = signal ? { signal } : {}
  const ask = async (peer: string, ref: ShareRef): Promise<Uint8Array | undefined> => {
    const res = await net.request(peer, { type: 'fetch', key: ref.key }, { ...sig, timeoutMs: 30_000 })
    const bytes = res.status === 'ok' && res.bytes ? res.bytes : undefined
    if (bytes) options.onAnswer?.(ref, peer)
    return bytes
  }
  return async (ref) => {
    let lastError: unknown
    for (const peer of ref.holders) {
      try {
        const bytes = await ask(peer, ref)
        if (bytes) return bytes
        continue
      } catch (err) {
        signal?.throwIfAborted()
        lastError = err
        if (!UNREACHABLE.has((err as Error).name)) continue
      }
      try {
        await net.relocate(peer, sig)
        const bytes = await ask(peer, ref)
        if (bytes) return bytes
      } catch (err) {
        signal?.throwIfAborted()
        lastError = err
      }
    }
    if (lastError) throw lastError
    return undefined
  }
}

export function restoreFile(
  net: PeerNetwork,
  vault: Vault,
  manifest: FileManifest,
  options: { onProgress?: (e: PipelineProgress) => void; signal?: AbortSignal; onAnswer?: (ref: ShareRef, peer: string) => void } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const fetch = fetchFromHolders(net, options.signal, options.onAnswer ? { onAnswer: options.onAnswer } : {})
  return decodeFile(manifest, vault, fetch, options)
}
