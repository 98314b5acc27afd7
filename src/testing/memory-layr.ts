/**
 * A Layr made of memory parts on the grid, for the facade's unit tests: the composition a Node
 * root would use, with every store in memory and the peer runtime the grid's.
 */
import { MemoryUploadJournal } from '../adapters/local/upload-journal.ts'
import { inlineEncoder } from '../core/pipeline/segment-encoder.ts'
import { MemoryRecordStore } from '../adapters/storage/memory-records.ts'
import { DEFAULT_SETTINGS, type StoredSettings } from '../adapters/local/settings-store.ts'
import type { StoredVault } from '../adapters/local/vault-store.ts'
import type { Grid } from './grid.ts'
import type { NetworkStatus } from '../net/status.ts'
import type { FileHealth } from '../layr/api.ts'
import type { LayrParts } from '../layr/parts.ts'
import type { HostReputation } from '../core/audit/index.ts'
import type { UploadJournal } from '../ports/upload-journal.ts'

/** A Layr made of memory parts, whose peer is `me` on the grid: the composition a Node root would use. */
export function parts(
  g: Grid,
  me: string,
  records = new MemoryRecordStore(),
  uploads: UploadJournal = new MemoryUploadJournal(),
): LayrParts & { stored: { v?: StoredVault } } {
  const stored: { v?: StoredVault } = {}
  let settings: StoredSettings = { ...DEFAULT_SETTINGS, k: 2, n: 3, hostingEnabled: false }
  let health = new Map<string, FileHealth>()
  let reputation = new Map<string, HostReputation>()
  let started = false
  const status = {
    peerId: me,
    addresses: [],
    relays: { targets: [], connected: [], failures: 0, lastError: undefined },
    connections: [],
    dhtRoutingTableSize: 0,
    closedWithError: [],
  } satisfies NetworkStatus
  return {
    stored,
    records,
    vaults: { load: async () => stored.v, save: async (v) => void (stored.v = v) },
    settings: { load: () => settings, save: (s) => void (settings = s) },
    health: { load: () => health, save: (h) => void (health = new Map(h)) },
    reputation: { load: () => reputation, save: (r) => void (reputation = new Map(r)) },
    peers: {
      start: async () => ((started = true), status),
      get started() {
        return started
      },
      role: 'peer',
      status: () => status,
      network: () => g.network(me),
      host: async () => g.peer(me).host,
      unhost: async () => {},
    },
    encoder: () => inlineEncoder(),
    hostDb: 'unused',
    uploads,
    now: () => g.now,
  }
}

export async function collect(run: (sink: WritableStream<Uint8Array>) => Promise<unknown>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  await run(new WritableStream({ write: (c) => void chunks.push(c.slice()) }))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let o = 0
  for (const c of chunks) out.set(c, (o += c.length) - c.length)
  return out
}
