/**
 * In-browser side of `npm run bench network`: one tab is the owner, the others host shares.
 *
 * Besides Layr's own backup and restore (src/transfer/, unchanged), the hosts mount a
 * bench-only protocol, /layr/bench/raw/1.0.0, that moves the same number of bytes over the same
 * direct WebRTC connections with nothing else around it: one stream per share-sized frame, framed
 * exactly as /layr/share/1.0.0 frames a request (wire.ts), answered with a one-byte frame. No CBOR,
 * no Merkle check, no IndexedDB, no encoding: the raw figures are what the connections can carry
 * with Layr's own streams and backpressure, and backup/restore are measured against them.
 *
 * Never mounted by the app.
 */
import { net as layrNet } from '../../src/net/runtime.ts'
import type { Stream, Connection } from '@libp2p/interface'
import {
  Vault,
  makePolicy,
  planSegments,
  segmentSpec,
  decodeFile,
  encodeFile,
  type EncodedSegment,
  type FetchShare,
  type FileManifest,
  type PipelineProgress,
  type RedundancyPolicy,
} from '../../src/core/index.ts'
import { workerEncoder } from '../../src/adapters/encoding/worker-encoder.ts'
import type { NetModule } from '../../src/net/runtime.ts'
import type { PeerNode } from '../../src/net/node.ts'
import type { ShareHost } from '../../src/net/share/host.ts'
import type { ShareRequest, ShareResponse } from '../../src/net/share/messages.ts'
import type { BackupProgress } from '../../src/transfer/index.ts'

export const RAW_PROTOCOL = '/layr/bench/raw/1.0.0'
const OP_PUSH = 1
const OP_PULL = 2
const MiB = 1024 * 1024
/** The largest raw frame: a 16 MiB share (MAX_SHARE_SIZE) and its op byte. */
const RAW_MAX_FRAME = 16 * MiB + 64
const FRAME_TIMEOUT_MS = 60_000

function net(): { lib: NetModule; node: PeerNode } {
  const { lib, node } = layrNet
  if (!lib || !node) throw new Error('benchNet: the node is not started')
  return { lib, node }
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)))
  return out
}

/** Starts this tab's node and waits until it can be dialled (a /p2p-circuit/webrtc address). */
async function startNode(): Promise<string> {
  const status = await layrNet.start()
  await layrNet.waitForCircuitAddress(30_000)
  return status.peerId
}

// ---------------------------------------------------------------------------------------------
// Host side

interface Timing {
  count: number
  ms: number
  maxMs: number
}
const emptyTiming = (): Timing => ({ count: 0, ms: 0, maxMs: 0 })
const hostStats = { store: emptyTiming(), fetch: emptyTiming(), rawPushFrames: 0, rawPullFrames: 0, rawBytes: 0 }
let hostQuota = 0
let hostDb: string | undefined
let rawSource: Uint8Array | undefined

/** Shares stored since the last useDb, by key, kept (by reference) for the from-memory experiment. */
const copies = new Map<string, Uint8Array>()
let keepCopies = false
let serveFromMemory = false
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

/** Experiment: answer fetches from memory instead of IndexedDB (everything else unchanged). */
export function setServeFromMemory(on: boolean): void {
  serveFromMemory = on
}

/** Times ShareHost.handle per request type (Merkle check and IndexedDB, no network). */
function instrument(host: ShareHost): void {
  const original = host.handle.bind(host)
  host.handle = async (req: ShareRequest, ...rest: Parameters<ShareHost['handle']> extends [unknown, ...infer R] ? R : never): Promise<ShareResponse> => {
    const t0 = performance.now()
    try {
      if (serveFromMemory && req.type === 'fetch' && !req.range) {
        const bytes = copies.get(hex(req.key))
        if (bytes) return { status: 'ok', bytes }
      }
      const res = await original(req, ...rest)
      if (keepCopies && req.type === 'store' && res.status === 'ok') copies.set(hex(req.key), req.bytes)
      return res
    } finally {
      const t = req.type === 'store' ? hostStats.store : req.type === 'fetch' ? hostStats.fetch : undefined
      if (t) {
        const ms = performance.now() - t0
        t.count++
        t.ms += ms
        t.maxMs = Math.max(t.maxMs, ms)
      }
    }
  }
}

async function serveRaw(): Promise<void> {
  const { lib, node } = net()
  rawSource ??= randomBytes(16 * MiB)
  await node.handle(
    RAW_PROTOCOL,
    async (stream: Stream) => {
      try {
        const req = await lib.readFrame(stream, RAW_MAX_FRAME, FRAME_TIMEOUT_MS)
        if (req[0] === OP_PUSH) {
          hostStats.rawPushFrames++
          hostStats.rawBytes += req.length - 1
          await lib.writeFrame(stream, new Uint8Array([0]))
        } else if (req[0] === OP_PULL && req.length === 5) {
          const length = new DataView(req.buffer, req.byteOffset, req.byteLength).getUint32(1)
          if (length > rawSource!.length) throw new Error(`raw pull of ${length} bytes is over the limit`)
          hostStats.rawPullFrames++
          hostStats.rawBytes += length
          await lib.writeFrame(stream, rawSource!.subarray(0, length))
        } else {
          throw new Error('unknown raw request')
        }
        await stream.close()
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: 32, force: true },
  )
}

/**
 * A host tab: node, share host (IndexedDB `dbName`, instrumented) and the raw protocol. With
 * `experiments`, it also keeps what it stores in memory, for restore_hosts_from_memory.
 */
export async function startHost(quota: number, dbName: string, experiments = false): Promise<string> {
  const peerId = await startNode()
  hostQuota = quota
  keepCopies = experiments
  await useDb(dbName)
  await serveRaw()
  return peerId
}

async function deleteDb(name: string): Promise<void> {
  await deleteOneDb(name)
  await deleteOneDb(`${name}-records`)
}

async function deleteOneDb(name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const r = indexedDB.deleteDatabase(name)
    r.onsuccess = r.onerror = r.onblocked = () => resolve()
  })
}

/** Hosts shares in a fresh database from now on, and deletes the previous one (its shares were restored). */
export async function useDb(dbName: string): Promise<void> {
  const previous = hostDb
  if (previous) await layrNet.unhostShares()
  copies.clear()
  instrument(await layrNet.hostShares(hostQuota, dbName))
  hostDb = dbName
  if (previous && previous !== dbName) await deleteDb(previous)
}

/** The host's counters since the last call. */
export function takeHostStats(): typeof hostStats {
  const out = structuredClone(hostStats)
  Object.assign(hostStats, { store: emptyTiming(), fetch: emptyTiming(), rawPushFrames: 0, rawPullFrames: 0, rawBytes: 0 })
  return out
}

// ---------------------------------------------------------------------------------------------
// Owner side

interface OwnerState {
  hosts: string[]
  policy: RedundancyPolicy
  vault: Vault
  encoder: ReturnType<typeof workerEncoder>
  data: Uint8Array<ArrayBuffer>
  blob: Blob
  /** Sizes of every share the backup sends (n per segment), in segment order. */
  pushFrames: number[]
  /** Sizes of the shares a restore fetches (k per segment). */
  pullFrames: number[]
  manifest?: FileManifest
  /** Direct connection id per host, as the raw transfers used them. */
  rawConnections: Map<string, string>
  pushPayload: Uint8Array<ArrayBuffer>
}
let owner: OwnerState | undefined

function ownerState(): OwnerState {
  if (!owner) throw new Error('benchNet: prepareOwner() first')
  return owner
}

export async function startOwner(): Promise<string> {
  return startNode()
}

export interface Plan {
  segments: number
  shareSize: number
  pushBytes: number
  pullBytes: number
  pushFrames: number
  pullFrames: number
}

function framesFor(size: number, k: number, n: number, shareSize: number): { push: number[]; pull: number[]; segments: number } {
  const plan = planSegments(size, k, shareSize)
  const push: number[] = []
  const pull: number[] = []
  for (let i = 0; i < plan.count; i++) {
    const spec = segmentSpec(plan, i)
    for (let j = 0; j < n; j++) push.push(spec.shareSize)
    for (let j = 0; j < k; j++) pull.push(spec.shareSize)
  }
  return { push, pull, segments: plan.count }
}

/** Random file bytes, the vault, the encoder (2 Workers, as the app) and the raw transfer plan. */
export async function prepareOwner(opts: { sizeMiB: number; k: number; n: number; hosts: string[]; workers?: number }): Promise<Plan> {
  const data = randomBytes(opts.sizeMiB * MiB)
  const policy = makePolicy({ k: opts.k, n: opts.n })
  const shareSize = 1 * MiB
  const f = framesFor(data.length, policy.k, policy.n, shareSize)
  owner = {
    hosts: opts.hosts,
    policy,
    vault: await Vault.create(),
    encoder: workerEncoder(opts.workers ?? 2),
    data,
    blob: new Blob([data]),
    pushFrames: f.push,
    pullFrames: f.pull,
    rawConnections: new Map(),
    pushPayload: randomBytes(shareSize + 1),
  }
  owner.pushPayload[0] = OP_PUSH
  const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0)
  return { segments: f.segments, shareSize, pushBytes: sum(f.push), pullBytes: sum(f.pull), pushFrames: f.push.length, pullFrames: f.pull.length }
}

/** One raw request on its own stream over the direct connection, exactly as shareRequest does it. */
async function rawRequest(peer: string, frame: Uint8Array, expect: number): Promise<Connection> {
  const { lib, node } = net()
  const conn = await lib.dialDirect(node, peer)
  const stream = await conn.newStream(RAW_PROTOCOL, { signal: AbortSignal.timeout(20_000) })
  try {
    await lib.writeFrame(stream, frame)
    const answer = await lib.readFrame(stream, RAW_MAX_FRAME, FRAME_TIMEOUT_MS)
    if (answer.length !== expect) throw new Error(`raw answer of ${answer.length} bytes, expected ${expect}`)
    await stream.close()
    return conn
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

function pushFrame(size: number): Uint8Array {
  return ownerState().pushPayload.subarray(0, size + 1)
}

function pullFrame(size: number): Uint8Array {
  const f = new Uint8Array(5)
  f[0] = OP_PULL
  new DataView(f.buffer).setUint32(1, size)
  return f
}

/** Frame i goes to host i mod H; each host takes its frames `perHost` at a time, all hosts at once. */
async function perHostLanes(frames: number[], send: (peer: string, size: number) => Promise<Connection>, perHost = 1): Promise<void> {
  const st = ownerState()
  const H = st.hosts.length
  await Promise.all(
    st.hosts.map(async (peer, h) => {
      const mine = frames.filter((_, i) => i % H === h)
      let next = 0
      await Promise.all(
        Array.from({ length: perHost }, async () => {
          while (next < mine.length) {
            const conn = await send(peer, mine[next++]!)
            st.rawConnections.set(peer, conn.id)
          }
        }),
      )
    }),
  )
}

/** `lanes` requests in flight at any time, frame i to host i mod H (the lanes rotate over hosts). */
async function sharedLanes(frames: number[], lanes: number, send: (peer: string, size: number) => Promise<Connection>): Promise<void> {
  const st = ownerState()
  let next = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < frames.length) {
        const i = next++
        const peer = st.hosts[i % st.hosts.length]!
        const conn = await send(peer, frames[i]!)
        st.rawConnections.set(peer, conn.id)
      }
    }),
  )
}

export interface RawResult {
  ms: number
  bytes: number
  frames: number
}

/** Pushes the backup's share bytes (n per segment) to the hosts, share-sized frames, `perHost` in flight per host. */
export async function rawPush(perHost = 1): Promise<RawResult> {
  const st = ownerState()
  const t0 = performance.now()
  await perHostLanes(st.pushFrames, (peer, size) => rawRequest(peer, pushFrame(size), 1), perHost)
  const ms = performance.now() - t0
  return { ms, bytes: st.pushFrames.reduce((s, x) => s + x, 0), frames: st.pushFrames.length }
}

/**
 * Pulls the bytes a restore fetches (k shares per segment) from the hosts, share-sized frames.
 * lanes 0: every host at once, one request after another per host; otherwise that many in flight.
 */
export async function rawPull(lanes = 0, asPlaced = false): Promise<RawResult> {
  const st = ownerState()
  const t0 = performance.now()
  const send = (peer: string, size: number): Promise<Connection> => rawRequest(peer, pullFrame(size), size)
  if (asPlaced) {
    // Each segment's data shares from the hosts that hold them in the last backup, one request
    // after another per host, all hosts at once: what "data shares first" asks of each host.
    const m = st.manifest
    if (!m) throw new Error('benchNet: back up first')
    const byHost = new Map<string, number[]>()
    for (const seg of m.segments)
      for (const sh of seg.shares.slice(0, st.policy.k)) byHost.set(sh.holders[0]!, [...(byHost.get(sh.holders[0]!) ?? []), seg.shareSize])
    await Promise.all(
      [...byHost].map(async ([peer, sizes]) => {
        for (const size of sizes) await send(peer, size)
      }),
    )
  } else if (lanes === 0) await perHostLanes(st.pullFrames, send)
  else await sharedLanes(st.pullFrames, lanes, send)
  const ms = performance.now() - t0
  return { ms, bytes: st.pullFrames.reduce((s, x) => s + x, 0), frames: st.pullFrames.length }
}

/** Direct connection ids to the hosts now (dialDirect reuses an open one, as backup does). */
async function directConnections(): Promise<Map<string, string>> {
  const { lib, node } = net()
  const st = ownerState()
  return new Map(await Promise.all(st.hosts.map(async (p) => [p, (await lib.dialDirect(node, p)).id] as [string, string])))
}

export interface BackupResult {
  ms: number
  hostsFound: number
  reduced: boolean
  discoveryMs: number
  /** From the start to the first segment handed over for placement (discovery, then the first encode). */
  firstSegmentMs: number
  /** From the last share stored to the end (the manifest). */
  tailMs: number
  /** Mean over segments of (last share stored − first share stored): the barrier's idle tail. */
  meanSpreadMs: number
  /** Mean over segments of (last share stored − segment handed over). */
  meanSegmentMs: number
  /** Mean over all shares of (share stored − segment handed over). */
  meanShareMs: number
  shareBytes: number
  segments: number
  sameConnections: boolean
  holdersPerHost: number[]
  /** Data shares (index < k, what a restore fetches first) per host. */
  dataSharesPerHost: number[]
}

/** Layr's backupFile (src/transfer/upload.ts) of the prepared file, timed and traced. */
export async function backup(opts: { placeAhead?: number } = {}): Promise<BackupResult> {
  const { lib, node } = net()
  const st = ownerState()
  const handed = new Map<number, number>()
  const stored = new Map<number, number[]>()
  let hostsAt = 0
  let hostsFound = 0
  let reduced = false
  const onProgress = (e: BackupProgress): void => {
    const now = performance.now()
    if (e.type === 'place:hosts') {
      hostsAt = now
      hostsFound = e.hosts
    } else if (e.type === 'encode:segment') handed.set(e.segmentIndex, now)
    else if (e.type === 'place:share') stored.set(e.segmentIndex, [...(stored.get(e.segmentIndex) ?? []), now])
    else if (e.type === 'place:reduced') reduced = true
  }
  const before = st.rawConnections.size ? new Map(st.rawConnections) : await directConnections()
  const t0 = performance.now()
  st.manifest = await lib.backupFile(lib.libp2pNetwork(node), st.vault, st.blob, {
    policy: st.policy,
    encoder: st.encoder,
    onProgress,
    ...(opts.placeAhead ? { placeAhead: opts.placeAhead } : {}),
  })
  const ms = performance.now() - t0
  const after = await directConnections()
  let spread = 0
  let segMs = 0
  let shareMs = 0
  let shares = 0
  let lastStored = t0
  const segs = st.manifest.segments.length
  for (let s = 0; s < segs; s++) {
    const start = handed.get(s)!
    const times = stored.get(s) ?? [start]
    const last = Math.max(...times)
    lastStored = Math.max(lastStored, last)
    spread += last - Math.min(...times)
    segMs += last - start
    for (const t of times) shareMs += t - start
    shares += times.length
  }
  const perHost = new Map<string, number>()
  for (const seg of st.manifest.segments) for (const sh of seg.shares) perHost.set(sh.holders[0]!, (perHost.get(sh.holders[0]!) ?? 0) + 1)
  return {
    ms,
    hostsFound,
    reduced,
    discoveryMs: hostsAt - t0,
    firstSegmentMs: (handed.get(0) ?? t0) - t0,
    tailMs: t0 + ms - lastStored,
    meanSpreadMs: spread / segs,
    meanSegmentMs: segMs / segs,
    meanShareMs: shareMs / Math.max(1, shares),
    shareBytes: st.manifest.segments.reduce((s, seg) => s + seg.shareSize * seg.shares.length, 0),
    segments: segs,
    sameConnections: st.hosts.every((p) => before.get(p) === after.get(p)),
    holdersPerHost: st.hosts.map((p) => perHost.get(p) ?? 0),
    dataSharesPerHost: st.hosts.map((p) => st.manifest!.segments.filter((seg) => seg.shares.slice(0, st.policy.k).some((sh) => sh.holders[0] === p)).length),
  }
}

export interface RestoreResult {
  ms: number
  bytes: number
  intact: boolean
  sameConnections: boolean
  meanSegmentGapMs: number
  /** With `lookahead` only: share fetches made (k per segment when none fails). */
  fetches: number
  /** Shares the decoder rejected, by reason, and the first one's story. */
  rejected: Record<string, number>
  rejectedDetail: string
  /** With `lookahead` only: mean time of one share fetch (request to verified-size bytes). */
  fetchMeanMs: number
  /** With `lookahead` only: mean and most share fetches in flight. */
  fetchMeanInflight: number
  fetchMaxInflight: number
}

/**
 * Restores the last backup: Layr's restoreFile, as the app calls it. With `lookahead`, decodeFile
 * over fetchFromHolders (what restoreFile runs) with a timed fetch and that many segments ahead
 * (restoreFile's is 1).
 */
export async function restore(opts: { lookahead?: number; verify?: boolean } = {}): Promise<RestoreResult> {
  const { lib, node } = net()
  const st = ownerState()
  if (!st.manifest) throw new Error('benchNet: back up first')
  const before = await directConnections()
  let offset = 0
  let intact = true
  let last = 0
  let gaps = 0
  let segs = 0
  const t0 = performance.now()
  last = t0
  // Layr's restoreFile as the app calls it; or, to look inside, decodeFile over fetchFromHolders
  // (what restoreFile runs) with a timed fetch and a chosen lookahead.
  const fetchShare = lib.fetchFromHolders(lib.libp2pNetwork(node))
  const timed: FetchShare = async (ref, signal) => {
    const t = performance.now()
    inflight++
    maxInflight = Math.max(maxInflight, inflight)
    try {
      return await fetchShare(ref, signal)
    } finally {
      inflight--
      fetchMs += performance.now() - t
      fetches++
    }
  }
  let inflight = 0
  let maxInflight = 0
  let fetchMs = 0
  let fetches = 0
  const rejected: Record<string, number> = {}
  let rejectedDetail = ''
  const onProgress = (e: PipelineProgress): void => {
    if (e.type !== 'decode:share-rejected') return
    rejected[e.reason] = (rejected[e.reason] ?? 0) + 1
    rejectedDetail ||= `segment ${e.segmentIndex} share ${e.shareIndex}: ${e.reason} ${e.detail ?? ''}`
  }
  const parts =
    opts.lookahead === undefined
      ? lib.restoreFile(lib.libp2pNetwork(node), st.vault, st.manifest, { onProgress })
      : decodeFile(st.manifest, st.vault, timed, { lookahead: opts.lookahead, onProgress })
  const kept: Uint8Array[] = []
  for await (const part of parts) {
    const now = performance.now()
    gaps += now - last
    last = now
    segs++
    if (opts.verify) kept.push(part)
    offset += part.length
  }
  const ms = performance.now() - t0
  if (opts.verify) {
    let o = 0
    for (const p of kept) {
      const want = st.data.subarray(o, o + p.length)
      for (let i = 0; i < p.length; i += 1) {
        if (p[i] !== want[i]) {
          intact = false
          break
        }
      }
      o += p.length
      if (!intact) break
    }
  }
  const after = await directConnections()
  return {
    ms,
    bytes: offset,
    intact: intact && offset === st.data.length,
    sameConnections: st.hosts.every((p) => before.get(p) === after.get(p) && st.rawConnections.get(p) === after.get(p)),
    meanSegmentGapMs: gaps / Math.max(1, segs),
    fetches,
    rejected,
    rejectedDetail,
    fetchMeanMs: fetches ? fetchMs / fetches : 0,
    fetchMeanInflight: fetchMs / ms,
    fetchMaxInflight: maxInflight,
  }
}

/**
 * Experiment: the owner's side of a restore alone. Fetches the k data shares of every segment
 * first (untimed), then times decodeFile over them from memory: Merkle checks, AES-GCM, copies.
 */
export async function decodeLocal(): Promise<{ ms: number; fetchMs: number }> {
  const { lib, node } = net()
  const st = ownerState()
  if (!st.manifest) throw new Error('benchNet: back up first')
  const fetchShare = lib.fetchFromHolders(lib.libp2pNetwork(node))
  const local = new Map<string, Uint8Array>()
  const t0 = performance.now()
  for (const seg of st.manifest.segments) {
    await Promise.all(
      seg.shares.slice(0, st.policy.k).map(async (sh) => {
        const bytes = await fetchShare({ segmentIndex: seg.index, shareIndex: sh.index, key: sh.key, root: sh.root, size: seg.shareSize, holders: sh.holders })
        if (bytes) local.set(`${seg.index}/${sh.index}`, bytes)
      }),
    )
  }
  const fetchMs = performance.now() - t0
  const t1 = performance.now()
  let bytes = 0
  for await (const part of decodeFile(st.manifest, st.vault, async (ref) => local.get(`${ref.segmentIndex}/${ref.shareIndex}`)?.slice())) bytes += part.length
  if (bytes !== st.data.length) throw new Error('decodeLocal: short')
  return { ms: performance.now() - t1, fetchMs }
}

/**
 * Opens the direct connections, moves a little data each way, and backs up and restores 8 MiB,
 * so no timed step pays for a first dial, a first DHT round or starting the encoder's Workers.
 */
export async function warmUp(): Promise<{ ms: number; dialMs: number; rawMs: number; backupMs: number; restoreMs: number }> {
  const { lib, node } = net()
  const st = ownerState()
  const t0 = performance.now()
  await directConnections()
  const t1 = performance.now()
  for (let i = 0; i < 2; i++) {
    await Promise.all(st.hosts.map((p) => rawRequest(p, pushFrame(MiB), 1)))
    await Promise.all(st.hosts.map((p) => rawRequest(p, pullFrame(MiB), MiB)))
  }
  const t2 = performance.now()
  const small = st.data.subarray(0, 8 * MiB)
  const manifest = await lib.backupFile(lib.libp2pNetwork(node), st.vault, new Blob([small]), { policy: st.policy, encoder: st.encoder })
  const t3 = performance.now()
  let bytes = 0
  for await (const part of lib.restoreFile(lib.libp2pNetwork(node), st.vault, manifest)) bytes += part.length
  if (bytes !== small.length) throw new Error(`warm-up restore gave ${bytes} bytes of ${small.length}`)
  const t4 = performance.now()
  return { ms: t4 - t0, dialMs: t1 - t0, rawMs: t2 - t1, backupMs: t3 - t2, restoreMs: t4 - t3 }
}

export const benchNet = {
  startHost,
  useDb,
  takeHostStats,
  startOwner,
  prepareOwner,
  warmUp,
  rawPush,
  rawPull,
  backup,
  restore,
  decodeLocal,
  setServeFromMemory,
  ready: true,
}

declare global {
  interface Window {
    benchNet: typeof benchNet
  }
}
window.benchNet = benchNet
