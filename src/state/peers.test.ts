import { describe, expect, it } from 'vitest'
import type { NetworkStatus } from '../layr/api.ts'
import { connectedPeers, describePeers, layoutPeerMap, peerRows, summarize } from './peers.ts'

function status(connections: Array<[string, NetworkStatus['connections'][number]['kind']]>, relays = ['R'], connectedRelays = relays): NetworkStatus {
  return {
    peerId: 'me',
    addresses: [],
    relays: { targets: relays, connected: connectedRelays, failures: 0, lastError: undefined },
    connections: connections.map(([peerId, kind]) => ({ peerId, kind, remoteAddr: '', direction: 'outbound', rttMs: 12 })),
    dhtRoutingTableSize: 3,
    closedWithError: [],
  }
}

describe('peerRows', () => {
  it('merges connections per peer (best kind wins) with placements, relays first then by shares', () => {
    const rows = peerRows(
      status([
        ['R', 'websocket'],
        ['a', 'relayed'],
        ['a', 'webrtc'],
        ['b', 'webrtc'],
      ]),
      [
        { peerId: 'b', shares: 4, connected: true },
        { peerId: 'gone', shares: 6, connected: false },
      ],
    )
    expect(rows.map((r) => [r.peerId, r.kind, r.connections, r.shares, r.relay])).toEqual([
      ['R', 'websocket', 1, 0, true],
      ['gone', undefined, 0, 6, false],
      ['b', 'webrtc', 1, 4, false],
      ['a', 'webrtc', 2, 0, false],
    ])
  })
})

describe('summarize', () => {
  it.each([
    [undefined, true, 'Connecting…', 'busy'],
    [undefined, false, 'Offline', 'warning'],
    [status([], ['R'], []), false, 'Connecting…', 'warning'],
    [status([['R', 'websocket']]), false, 'Online, no peers yet', 'ok'],
    [
      status([
        ['R', 'websocket'],
        ['a', 'webrtc'],
        ['a', 'relayed'],
        ['b', 'webrtc'],
      ]),
      false,
      'Online · 2 peers',
      'ok',
    ],
  ])('%#', (s, starting, label, tone) => {
    expect(summarize(s, starting, undefined)).toEqual({ label, tone })
  })
})

describe('layoutPeerMap', () => {
  it('puts peers on a ring from the top, capped, with bigger nodes for more shares', () => {
    const rows = peerRows(
      status(
        [
          ['a', 'webrtc'],
          ['b', 'webrtc'],
          ['c', 'webrtc'],
          ['d', 'webrtc'],
        ],
        [],
      ),
      [{ peerId: 'a', shares: 16, connected: true }],
    )
    const { nodes, hidden } = layoutPeerMap(rows, 100, 3)
    expect(hidden).toBe(1)
    expect(nodes).toHaveLength(3)
    expect(nodes[0]).toMatchObject({ peerId: 'a', x: 0, y: -100 })
    for (const n of nodes) expect(Math.hypot(n.x, n.y)).toBeCloseTo(100, 0)
    expect(nodes[0]!.r).toBeGreaterThan(nodes[1]!.r)
  })
})

describe('the header and the Network view count the same peers', () => {
  const s = status([
    ['R', 'websocket'],
    ['a', 'webrtc'],
    ['a', 'relayed'],
    ['b', 'relayed'],
  ])
  const placements = [
    { peerId: 'a', shares: 12, connected: true },
    { peerId: 'gone', shares: 12, connected: false },
  ]

  it('leaves relays and peers without a connection out of the count', () => {
    expect(connectedPeers(s)).toBe(2)
    expect(summarize(s, false, undefined).label).toBe('Online · 2 peers')
    expect(describePeers(s, peerRows(s, placements))).toBe('2 peers connected, and the relay; 24 of your shares on 2 hosts, 1 of them not connected now.')
  })

  it('says so when there is nobody yet', () => {
    const alone = status([['R', 'websocket']])
    expect(describePeers(alone, peerRows(alone, []))).toBe('No peers connected yet, and the relay.')
  })
})
