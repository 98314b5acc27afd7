/**
 * The Network view's pure parts: one row per peer (its connections and the shares this vault
 * placed on it), the header's one-line summary, and where each peer sits in the drawing.
 */
import type { NetworkStatus, PeerPlacement } from '../layr/api.ts'
import type { Problem } from './errors.ts'

export type ConnectionKind = NetworkStatus['connections'][number]['kind']

export const KIND_LABEL: Record<ConnectionKind, string> = {
  webrtc: 'Direct (WebRTC)',
  relayed: 'Through a relay',
  websocket: 'WebSocket',
  other: 'Other',
}

const KIND_RANK: Record<ConnectionKind, number> = { webrtc: 3, websocket: 2, relayed: 1, other: 0 }

export interface PeerRow {
  readonly peerId: string
  /** The best of its open connections, or undefined when none is open. */
  readonly kind: ConnectionKind | undefined
  readonly connections: number
  readonly direction: 'inbound' | 'outbound' | undefined
  readonly rttMs: number | undefined
  readonly relay: boolean
  /** Shares of this vault's files on the peer. */
  readonly shares: number
}

/** Connected peers and the peers holding this vault's shares, relays first, then by shares. */
export function peerRows(status: NetworkStatus | undefined, placements: readonly PeerPlacement[]): PeerRow[] {
  const relays = new Set(status?.relays.targets ?? [])
  const rows = new Map<
    string,
    { kind: ConnectionKind | undefined; connections: number; direction: 'inbound' | 'outbound' | undefined; rttMs: number | undefined; shares: number }
  >()
  for (const c of status?.connections ?? []) {
    const row = rows.get(c.peerId) ?? { kind: undefined, connections: 0, direction: undefined, rttMs: undefined, shares: 0 }
    row.connections++
    if (row.kind === undefined || KIND_RANK[c.kind] > KIND_RANK[row.kind]) {
      row.kind = c.kind
      row.direction = c.direction
      row.rttMs = c.rttMs ?? row.rttMs
    }
    rows.set(c.peerId, row)
  }
  for (const p of placements) {
    const row = rows.get(p.peerId) ?? { kind: undefined, connections: 0, direction: undefined, rttMs: undefined, shares: 0 }
    row.shares += p.shares
    rows.set(p.peerId, row)
  }
  return [...rows]
    .map(([peerId, r]) => ({ peerId, ...r, relay: relays.has(peerId) }))
    .sort(
      (a, b) =>
        Number(b.relay) - Number(a.relay) ||
        b.shares - a.shares ||
        Number(b.kind !== undefined) - Number(a.kind !== undefined) ||
        a.peerId.localeCompare(b.peerId),
    )
}

/**
 * Peers this tab has a connection to now, relays left out: the one count the header and the
 * Network view both show.
 */
export function connectedPeers(status: NetworkStatus | undefined): number {
  if (!status) return 0
  const relays = new Set(status.relays.targets)
  return new Set(status.connections.map((c) => c.peerId).filter((id) => !relays.has(id))).size
}

/** The Network view's line over its peers, with the same count as the header's. */
export function describePeers(status: NetworkStatus | undefined, rows: readonly PeerRow[]): string {
  const peers = connectedPeers(status)
  const relays = rows.filter((r) => r.relay && r.kind !== undefined).length
  const placed = rows.reduce((n, r) => n + r.shares, 0)
  const holders = rows.filter((r) => r.shares > 0)
  const away = holders.filter((r) => r.kind === undefined).length
  const connected = peers === 0 ? 'No peers connected yet' : `${peers} ${peers === 1 ? 'peer' : 'peers'} connected`
  const relayWords = relays > 0 ? `, and ${relays === 1 ? 'the relay' : `${relays} relays`}` : ''
  const shares =
    placed > 0
      ? `; ${placed} of your shares on ${holders.length} ${holders.length === 1 ? 'host' : 'hosts'}${away > 0 ? `, ${away} of them not connected now` : ''}`
      : ''
  return `${connected}${relayWords}${shares}.`
}

export interface NetworkSummary {
  readonly tone: 'ok' | 'busy' | 'warning'
  readonly label: string
}

export function summarize(status: NetworkStatus | undefined, starting: boolean, problem: Problem | undefined): NetworkSummary {
  if (!status) return starting && !problem ? { tone: 'busy', label: 'Connecting…' } : { tone: 'warning', label: 'Offline' }
  if (status.relays.connected.length === 0) return { tone: 'warning', label: status.relays.failures > 0 ? 'Relay unreachable' : 'Connecting…' }
  const peers = connectedPeers(status)
  return { tone: 'ok', label: peers === 0 ? 'Online, no peers yet' : `Online · ${peers} ${peers === 1 ? 'peer' : 'peers'}` }
}

export interface MapNode {
  readonly peerId: string
  readonly x: number
  readonly y: number
  readonly r: number
  readonly row: PeerRow
}

/**
 * Peers on a ring around this tab (at 0, 0), clockwise from the top, at most `max` of them;
 * a node's size grows with the shares it holds.
 */
export function layoutPeerMap(rows: readonly PeerRow[], radius = 100, max = 24): { nodes: MapNode[]; hidden: number } {
  const shown = rows.slice(0, max)
  const nodes = shown.map((row, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(shown.length, 1)
    return {
      peerId: row.peerId,
      x: Math.round(Math.cos(angle) * radius * 10) / 10,
      y: Math.round(Math.sin(angle) * radius * 10) / 10,
      r: row.relay ? 9 : 7 + Math.min(9, Math.sqrt(row.shares) * 1.5),
      row,
    }
  })
  return { nodes, hidden: rows.length - shown.length }
}
