import { toHex } from '../core/bytes.ts'
import { MAX_RENEW_KEYS } from '../core/lease/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signRenew } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { eachLimited } from './pool.ts'

/** What one host said to a renewal of the owner's leases there. */
export interface HostLeases {
  /** Hex keys the host holds for this owner, with when each lease now ends (the host's clock, ms). */
  readonly held: ReadonlyMap<string, number>
  /** Hex keys the host holds no share for this owner under. */
  readonly missing: readonly string[]
  /** The host could not be reached, or refused (its keys are in neither list). */
  readonly unreachable: boolean
}

/**
 * Renews the owner's leases on `holdings` to `lease` from now, one signed RENEW per host and
 * MAX_RENEW_KEYS keys, 4 hosts at a time. The answer doubles as a check of what each host still
 * holds (not a proof: audits prove).
 */
export async function renewLeases(
  net: PeerNetwork,
  vault: Vault,
  holdings: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>,
  lease: number,
  options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): Promise<Map<string, HostLeases>> {
  const byPeer = new Map<string, Map<string, Uint8Array>>()
  for (const { peer, key } of holdings) {
    const keys = byPeer.get(peer) ?? new Map<string, Uint8Array>()
    keys.set(toHex(key), key)
    byPeer.set(peer, keys)
  }
  const out = new Map<string, HostLeases>()
  await eachLimited([...byPeer], 4, async ([peer, keyMap]) => {
    const keys = [...keyMap.values()]
    const held = new Map<string, number>()
    const missing: string[] = []
    let unreachable = false
    for (let i = 0; i < keys.length && !unreachable; i += MAX_RENEW_KEYS) {
      const batch = keys.slice(i, i + MAX_RENEW_KEYS)
      try {
        options.signal?.throwIfAborted()
        const res = await net.request(
          peer,
          { type: 'renew', keys: batch, ...signRenew(vault, batch, peer, { lease }) },
          { timeoutMs: options.timeoutMs ?? 15_000, ...(options.signal ? { signal: options.signal } : {}) },
        )
        if (res.status !== 'ok' || res.leases?.length !== batch.length) {
          unreachable = true
          break
        }
        batch.forEach((k, j) => {
          const end = res.leases![j]!
          if (end > 0) held.set(toHex(k), end)
          else missing.push(toHex(k))
        })
      } catch {
        if (options.signal?.aborted) throw options.signal.reason
        unreachable = true
      }
    }
    if (unreachable) {
      held.clear()
      missing.length = 0
    }
    out.set(peer, { held, missing, unreachable })
  })
  return out
}
