import { describe, expect, it } from 'vitest'
import { findHosts } from './hosts.ts'
import type { HostStat } from '../net/share/messages.ts'
import type { DiscoverOptions, PeerNetwork } from '../ports/peer-network.ts'
import { CHOICES } from '../core/placement/index.ts'

/** A network of peers that answer STAT with `stats[peer]` (no entry: not a host); records what was asked. */
function network(stats: Record<string, HostStat | undefined>): PeerNetwork & { asked: DiscoverOptions[] } {
  const asked: DiscoverOptions[] = []
  return {
    asked,
    discoverPeers: async (options = {}) => (asked.push(options), Object.keys(stats)),
    closestPeers: async () => Object.keys(stats),
    relocate: async () => {},
    kadId: async (peer) => new TextEncoder().encode(peer.padEnd(32, '.')),
    request: async (peer) => {
      const stat = stats[peer]
      return stat ? { status: 'ok', stat } : { status: 'not-found', message: 'no host here' }
    },
  }
}

describe('findHosts', () => {
  it('gives the plan what STAT says: room, load, price, account, persistence, kind', async () => {
    const net = network({
      tab: { quota: 100, used: 40, shares: 2 },
      server: { quota: 1000, used: 10, shares: 1, room: 500, price: 7, account: 'GABC', persistent: true, kind: 'server' },
      full: { quota: 100, used: 100, shares: 9 },
      unpayable: { quota: 100, used: 0, shares: 0, price: 5 },
      relay: undefined,
    })
    const hosts = await findHosts(net, 2, 1000)
    expect(hosts.find((h) => h.peerId === 'tab')).toMatchObject({ free: 60, used: 40, quota: 100 })
    expect(hosts.find((h) => h.peerId === 'server')).toMatchObject({
      free: 500,
      used: 10,
      quota: 1000,
      price: 7,
      account: 'GABC',
      persistent: true,
      kind: 'server',
    })
    expect(hosts.map((h) => h.peerId).sort()).toEqual(['server', 'tab', 'unpayable'])
    const tab = hosts.find((h) => h.peerId === 'tab')!
    expect('persistent' in tab || 'kind' in tab || 'price' in tab).toBe(false)
    // A price with no account to pay is no price (STAT sends both or neither).
    expect('price' in hosts.find((h) => h.peerId === 'unpayable')!).toBe(false)
  })

  it('looks for CHOICES × as many peers as it wants hosts, so the plan can choose, but no more than a plan considers', async () => {
    const net = network({ a: { quota: 10, used: 0, shares: 0 } })
    await findHosts(net, 10, 1000)
    expect(net.asked[0]!.minPeers).toBe(CHOICES * 10 + 1)
    await findHosts(net, 40, 1000)
    expect(net.asked[1]!.minPeers).toBe(65)
  })
})
