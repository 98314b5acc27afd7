/**
 * The durability simulation behind `npm run bench durability`: how many files churn takes, and at
 * what repair traffic, for Layr's erasure coding with automatic repair against the original
 * Layr's 3× mirroring patched by hand once a month. Event-driven, in simulated milliseconds, with
 * seeded random streams (sfc32), so a run is reproducible, and two policies with the same seed see
 * the same hosts come, go and leave (common random numbers: their difference is the policy's).
 * Shares are abstract (no bytes): what is simulated is the decisions, made by the project's own
 * placement (planUpload), repair verdicts (segmentVerdict) and host ranking (hostPreference).
 *
 * The model (every figure a field of SimConfig; the bench's values in brackets):
 * - Hosts: a constant population of `hosts` peers [2,000]. A tab alternates online and offline
 *   sessions, each exponential [mean 8 h online, 16 h offline: online a third of the time, with
 *   no time of day]; it keeps its data while offline. A part `alwaysOn` of the hosts never goes
 *   offline [0 or 10 %]. Each host leaves for good at a constant rate, `churnPerMonth` of them
 *   within a month [5, 10, 20, 40 %] (rate −ln(1 − churn) a month, a month being 1/12 of 365
 *   days), always-on hosts alike. A departed host looks offline forever and is replaced at once
 *   by a fresh, empty peer that takes over its session schedule. Hosts are honest (no failed
 *   audits) and have room for everything.
 * - Owners: `owners` owners [20], each with files/owners files of one segment each (a file of s
 *   segments is lost about s times as often). An owner's tab is open `ownerOnlineHours` a day
 *   [8 h: a third of the time], at the same time every day (a phase drawn per owner). Owners
 *   never leave; nothing happens to their files while their tab is closed.
 * - Layr: a file is k-of-n shares on n distinct hosts, placed by planUpload among 24 hosts found
 *   online at upload. Each day, when the owner's tab opens, an audit round tries every holder
 *   once (one outcome for the host's online score: did it answer during the owner's last
 *   session), and while the tab stays open the owner keeps trying, so a host is reached whenever
 *   it is online then, and "offline since" is when the owner lost contact with it (as
 *   reputation's offlineSince records it; a departed host is one it never reaches again). After
 *   the round, repair's segmentVerdict decides: when fewer than r shares are verified or away for
 *   less than the wait `lostAfterMs`, the others (away longer) are rebuilt from k holders
 *   reachable at that moment onto distinct online hosts holding none of the segment, the owner's
 *   best by hostPreference among 20 it finds, and the old holders are dropped. With fewer than k
 *   reachable the segment waits, and is tried again whenever one of its holders comes back
 *   online while the tab is open (`retryMs` 0; or every `retryMs`).
 * - Mirroring (the original Layr): 3 copies on distinct hosts; once a month, on a day its tab is
 *   open, the owner replaces every copy whose holder is not reachable at that moment, from one
 *   that is (if none is, nothing until next month).
 * - A file is lost for good when fewer than k of its holders still exist (offline ones still
 *   count: they come back with the data). Files are uploaded at time 0, into a host population in
 *   its steady state.
 * - Traffic, per stored byte per month: repair moves k shares in and one out per rebuilt share
 *   (mirroring: one copy in, one out per replaced copy), over n shares stored per file; an audit
 *   moves AUDIT_FRACTION (1/16) of a share, once a day for each holder that answered that day.
 */
import { AUDIT_FRACTION, hostPreference, NEW_HOST, NEW_HOST_ALPHA, REPUTATION_LAMBDA, type HostReputation } from '../src/core/audit/index.ts'
import type { RedundancyPolicy } from '../src/core/erasure/index.ts'
import { planUpload, type Candidate } from '../src/core/placement/index.ts'
import { segmentVerdict, type ShareCheck } from '../src/core/repair/index.ts'

export const HOUR = 3600_000
export const DAY = 24 * HOUR
export const YEAR = 365 * DAY
export const MONTH = YEAR / 12

export type Scheme =
  | {
      readonly kind: 'erasure'
      readonly policy: RedundancyPolicy
      readonly lostAfterMs: number
      /** false: audits only, never a rebuild (the reference "no repair"). */
      readonly repair: boolean
      /**
       * How often a segment that needs repair but has too few reachable shares is tried again
       * while the owner is online; 0: whenever one of its holders comes back online (the limit
       * of frequent retries).
       */
      readonly retryMs: number
      /** Rank repair targets by the owner's hostPreference (true) or take them at random. */
      readonly preferReliable: boolean
      /**
       * false: a rebuild needs k holders reachable at one check (repair as designed). true: the
       * owner fetches shares as their holders come online, keeps them, and rebuilds once it has k.
       */
      readonly gather: boolean
    }
  | { readonly kind: 'mirror'; readonly copies: number; readonly patchEveryDays: number }

export interface SimConfig {
  readonly seed: number
  readonly files: number
  readonly owners: number
  readonly hosts: number
  readonly years: number
  /** Part of the hosts that leave for good within a month. */
  readonly churnPerMonth: number
  /** Part of the hosts that are always online. */
  readonly alwaysOn: number
  readonly onlineMeanHours: number
  readonly offlineMeanHours: number
  readonly ownerOnlineHours: number
  readonly scheme: Scheme
  /** Calls segmentVerdict on every check, not only on those the fast count flags (tests). */
  readonly checkEveryVerdict?: boolean
}

export interface SimResult {
  readonly fileYears: number
  readonly lost: number
  /** Files whose holders still existing fell to exactly k at some point (one departure from loss). */
  readonly nearMisses: number
  /** Segments rebuilt (mirroring: files patched) and shares (copies) placed by repair. */
  readonly repairs: number
  readonly sharesPlaced: number
  /** Checks where a segment needed repair but fewer than k of its holders were reachable. */
  readonly blockedChecks: number
  /** Bytes moved by repair and by audits, per stored byte per month. */
  readonly repairPerStoredByteMonth: number
  readonly auditPerStoredByteMonth: number
  /** Stored bytes per file byte (n/k; copies). */
  readonly storage: number
  readonly events: number
  readonly wallMs: number
}

/** sfc32, a small fast PRNG with a 2^128 state, seeded through a murmur3-style mixer. */
export function sfc32(seed: number): () => number {
  let s = seed >>> 0
  const mix = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  return () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

/** A min-heap of (time, kind, id) events in parallel arrays. */
class EventQueue {
  private times = new Float64Array(1024)
  private kinds = new Int32Array(1024)
  private ids = new Int32Array(1024)
  size = 0

  push(time: number, kind: number, id: number): void {
    if (this.size === this.times.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2)
        b.set(a)
        return b
      }
      this.times = grow(this.times, (n) => new Float64Array(n))
      this.kinds = grow(this.kinds, (n) => new Int32Array(n))
      this.ids = grow(this.ids, (n) => new Int32Array(n))
    }
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.times[parent]! <= time) break
      this.times[i] = this.times[parent]!
      this.kinds[i] = this.kinds[parent]!
      this.ids[i] = this.ids[parent]!
      i = parent
    }
    this.times[i] = time
    this.kinds[i] = kind
    this.ids[i] = id
  }

  /** Removes the earliest event; read it first with topTime/topKind/topId. */
  pop(): void {
    const last = --this.size
    const time = this.times[last]!
    const kind = this.kinds[last]!
    const id = this.ids[last]!
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= last) break
      if (child + 1 < last && this.times[child + 1]! < this.times[child]!) child++
      if (this.times[child]! >= time) break
      this.times[i] = this.times[child]!
      this.kinds[i] = this.kinds[child]!
      this.ids[i] = this.ids[child]!
      i = child
    }
    this.times[i] = time
    this.kinds[i] = kind
    this.ids[i] = id
  }

  topTime(): number {
    return this.times[0]!
  }
  topKind(): number {
    return this.kinds[0]!
  }
  topId(): number {
    return this.ids[0]!
  }
}

const HOST_TOGGLE = 0
const HOST_LEAVE = 1
const OWNER_OPEN = 2
const OWNER_RETRY = 3
const OWNER_CLOSE = 4

/** Hosts an owner finds online (a DHT lookup's worth) when it places a file or a rebuilt share. */
const PLACEMENT_CANDIDATES = 24
const REPAIR_CANDIDATES = 20
/** Online intervals remembered per peer: enough to tell what an owner saw during its last session. */
const RING = 8

const DEAD = 0
const OFFLINE = 1
const ONLINE = 2

/**
 * What an owner knows of a host, side by side per (owner, host slot). It is brought up to date
 * lazily, when the owner's daily audit round first tries the host (a host holding none of the
 * owner's shares is never tried).
 */
const K_SINCE = 0 // offline since, as far as the owner knew at its last try (NaN: reachable then)
const K_ALPHA = 1 // the owner's online score of the host (reputation.ts's forgetting Beta)
const K_BETA = 2
const K_ROUND = 3 // the owner's day whose audit round last tried the host
const K_FLAGS = 4 // what that round found: SEEN_BEFORE, AWAY
const K_STRIDE = 5
/** The host answered during the owner's previous session. */
const SEEN_BEFORE = 1
/** The owner has been out of touch with the host for the wait or longer. */
const AWAY = 2

/** Initial placements, by everything they depend on (several runs share one). */
const placements = new Map<string, Int32Array>()

export function simulate(cfg: SimConfig): SimResult {
  const t0 = performance.now()
  const { scheme } = cfg
  const erasure = scheme.kind === 'erasure' ? scheme : undefined
  const n = erasure ? erasure.policy.n : scheme.kind === 'mirror' ? scheme.copies : 0
  const k = erasure ? erasure.policy.k : 1
  const lostAfter = erasure ? erasure.lostAfterMs : Infinity
  const H = cfg.hosts
  const M = cfg.owners
  const F = cfg.files
  if (n > 31) throw new RangeError(`the simulation tracks at most 31 shares per segment, got ${n}.`)
  if (F % M !== 0) throw new RangeError(`files (${F}) must be a multiple of owners (${M}).`)
  const perOwner = F / M
  const end = cfg.years * YEAR
  const ownerOnline = cfg.ownerOnlineHours * HOUR
  if (ownerOnline <= 0 || ownerOnline >= DAY) throw new RangeError('ownerOnlineHours must be between 0 and 24 (exclusive).')

  // Separate streams, so that hosts' lives depend on neither the policy's choices nor the churn
  // rate (a higher rate scales the same draws: the same hosts leave, sooner).
  const hostRandom = sfc32(cfg.seed * 8 + 1)
  const leaveRandom = sfc32(cfg.seed * 8 + 2)
  const ownerRandom = sfc32(cfg.seed * 8 + 3)
  const choiceRandom = sfc32(cfg.seed * 8 + 4)
  const placeRandom = sfc32(cfg.seed * 8 + 5)
  const kadRandom = sfc32(cfg.seed * 8 + 6)
  const exp = (random: () => number, mean: number): number => -mean * Math.log(1 - random())

  // Owners' tabs open at the same time every day, for ownerOnline: the next opening is always the
  // last one + 24 h. `prevOpenedAt` and `closedAt` bound the last full session.
  const ownerOpen = new Uint8Array(M)
  const ownerOpenedAt = new Float64Array(M)
  const ownerPrevOpenedAt = new Float64Array(M).fill(-Infinity)
  const ownerClosedAt = new Float64Array(M).fill(-Infinity)
  const ownerDay = new Int32Array(M)
  const know = new Float64Array(M * H * K_STRIDE)
  const resetKnowledge = (o: number, slot: number): void => {
    const r = (o * H + slot) * K_STRIDE
    know[r + K_SINCE] = NaN
    know[r + K_ALPHA] = NEW_HOST_ALPHA
    know[r + K_BETA] = 0
    know[r + K_ROUND] = -1
    know[r + K_FLAGS] = 0
  }
  for (let o = 0; o < M; o++) for (let s = 0; s < H; s++) resetKnowledge(o, s)
  const reputationOf = (o: number, slot: number): HostReputation => {
    const r = (o * H + slot) * K_STRIDE
    return { audit: NEW_HOST.audit, online: { alpha: know[r + K_ALPHA]!, beta: know[r + K_BETA]! }, passed: 0, failed: 0 }
  }
  const lambda = REPUTATION_LAMBDA

  // Hosts: slots, each with its current peer; peers by id (a departed peer keeps its id, dead),
  // with their last RING online intervals.
  const slotPeer = new Int32Array(H)
  const slotOnline = new Uint8Array(H)
  let peerCap = H * 2
  let peerSlot = new Int32Array(peerCap)
  let peerState = new Uint8Array(peerCap)
  let peerBorn = new Float64Array(peerCap)
  let peerOnSince = new Float64Array(peerCap)
  let peerLastOff = new Float64Array(peerCap)
  let ivStart = new Float64Array(peerCap * RING)
  let ivEnd = new Float64Array(peerCap * RING)
  let ivCount = new Int32Array(peerCap)
  /** What each owner believes of a departed peer ([peer * M + owner]): offline since. */
  let deadSince = new Float64Array(peerCap * M)
  const peerKad: Uint8Array[] = []
  let peers = 0
  const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
    const b = new (a.constructor as new (length: number) => T)(a.length * 2)
    b.set(a)
    return b
  }
  const newPeer = (slot: number, now: number): number => {
    if (peers === peerCap) {
      peerCap *= 2
      peerSlot = grow(peerSlot)
      peerState = grow(peerState)
      peerBorn = grow(peerBorn)
      peerOnSince = grow(peerOnSince)
      peerLastOff = grow(peerLastOff)
      ivStart = grow(ivStart)
      ivEnd = grow(ivEnd)
      ivCount = grow(ivCount)
      deadSince = grow(deadSince)
    }
    const p = peers++
    peerSlot[p] = slot
    peerState[p] = slotOnline[slot] ? ONLINE : OFFLINE
    peerBorn[p] = now
    peerOnSince[p] = now
    peerLastOff[p] = -Infinity
    const kad = new Uint8Array(32)
    for (let i = 0; i < 32; i++) kad[i] = (kadRandom() * 256) | 0
    peerKad.push(kad)
    slotPeer[slot] = p
    return p
  }
  /** Peer p goes offline, or leaves, at `now`: its online interval is remembered. */
  const endInterval = (p: number, now: number): void => {
    const c = ivCount[p]!++
    ivStart[p * RING + (c % RING)] = peerOnSince[p]!
    ivEnd[p * RING + (c % RING)] = now
    peerLastOff[p] = now
  }
  /** The latest moment in [from, to] when peer p was online, or NaN. */
  const lastOnlineIn = (p: number, from: number, to: number): number => {
    if (peerState[p] === ONLINE && peerOnSince[p]! <= to) return to
    const c = ivCount[p]!
    for (let m = 1; m <= RING && m <= c; m++) {
      const i = p * RING + ((c - m) % RING)
      if (ivStart[i]! > to) continue
      return ivEnd[i]! < from ? NaN : Math.min(ivEnd[i]!, to)
    }
    return NaN
  }

  const onMean = cfg.onlineMeanHours * HOUR
  const offMean = cfg.offlineMeanHours * HOUR
  const leaveMean = MONTH / -Math.log(1 - cfg.churnPerMonth)
  const q = new EventQueue()
  for (let s = 0; s < H; s++) {
    if (hostRandom() < cfg.alwaysOn) {
      slotOnline[s] = 1
    } else {
      slotOnline[s] = hostRandom() < onMean / (onMean + offMean) ? 1 : 0
      q.push(exp(hostRandom, slotOnline[s] ? onMean : offMean), HOST_TOGGLE, s)
    }
    newPeer(s, 0)
    const u = leaveRandom()
    if (cfg.churnPerMonth > 0) q.push(-leaveMean * Math.log(1 - u), HOST_LEAVE, s)
  }

  /** Up to `want` distinct online peers, none in exclude[from, to). */
  const onlinePeers = (random: () => number, want: number, exclude: ArrayLike<number>, from: number, to: number): number[] => {
    const out: number[] = []
    for (let tries = 0; out.length < want && tries < want * 50; tries++) {
      const slot = (random() * H) | 0
      if (!slotOnline[slot]) continue
      const p = slotPeer[slot]!
      let taken = out.includes(p)
      for (let i = from; i < to && !taken; i++) taken = exclude[i] === p
      if (!taken) out.push(p)
    }
    return out
  }

  // Files: the holder of each share. Uploaded at time 0 through placement's planUpload, among
  // hosts found online.
  const placementKey = JSON.stringify([cfg.seed, H, F, n, cfg.alwaysOn, cfg.onlineMeanHours, cfg.offlineMeanHours])
  let initial = placements.get(placementKey)
  if (!initial) {
    initial = new Int32Array(F * n)
    for (let f = 0; f < F; f++) {
      const found = onlinePeers(placeRandom, PLACEMENT_CANDIDATES, initial, 0, 0)
      const hosts: Candidate[] = found.map((p) => ({ peerId: String(p), kadId: peerKad[p]!, free: Number.MAX_SAFE_INTEGER }))
      const target = new Uint8Array(32)
      for (let i = 0; i < 32; i++) target[i] = (placeRandom() * 256) | 0
      const plan = planUpload({ shareSizes: [1], n, hosts, target, spares: 0 })
      if (!plan || plan.reduced) throw new Error('durability: the initial placement found too few online hosts.')
      plan.assignments[0]!.forEach((id, j) => (initial![f * n + j] = Number(id)))
    }
    placements.set(placementKey, initial)
  }
  const holder = initial.slice()
  const lostAt = new Float64Array(F).fill(NaN)
  const minAlive = new Uint8Array(F).fill(n)
  const ownerWaiting = new Int32Array(M)
  const ownerPatchDay = new Int32Array(M)
  /** Gathering repair: the share indices the owner has fetched for a rebuild, as a bit mask. */
  const gathered = new Int32Array(F)

  // Files waiting for a repair they could not do yet. With retryMs 0, their shares are listed by
  // holder (linked through share indices), so that a holder coming online retries them at once.
  const waiting = new Uint8Array(F)
  const continuous = erasure?.retryMs === 0
  const wNext = new Int32Array(continuous ? F * n : 0).fill(-1)
  const wPrev = new Int32Array(continuous ? F * n : 0).fill(-1)
  let wHead = new Int32Array(continuous ? peerCap : 0).fill(-1)
  const listAdd = (i: number): void => {
    const p = holder[i]!
    if (p >= wHead.length) {
      const old = wHead.length
      wHead = grow(wHead)
      wHead.fill(-1, old)
    }
    const head = wHead[p]!
    wPrev[i] = -1
    wNext[i] = head
    if (head >= 0) wPrev[head] = i
    wHead[p] = i
  }
  const listRemove = (i: number): void => {
    const prev = wPrev[i]!
    const next = wNext[i]!
    if (prev >= 0) wNext[prev] = next
    else wHead[holder[i]!] = next
    if (next >= 0) wPrev[next] = prev
    wPrev[i] = -1
    wNext[i] = -1
  }
  const setWaiting = (f: number, wait: boolean): void => {
    if (wait === (waiting[f] === 1)) return
    waiting[f] = wait ? 1 : 0
    ownerWaiting[(f / perOwner) | 0]! += wait ? 1 : -1
    if (continuous) for (let i = f * n; i < (f + 1) * n; i++) (wait ? listAdd : listRemove)(i)
  }
  const retryFiles: number[] = []

  for (let o = 0; o < M; o++) {
    const phase = ownerRandom() * DAY
    ownerPatchDay[o] = (ownerRandom() * (scheme.kind === 'mirror' ? scheme.patchEveryDays : 1)) | 0
    ownerOpenedAt[o] = phase - DAY
    q.push(phase, OWNER_OPEN, o)
  }

  let lost = 0
  let repairs = 0
  let sharesPlaced = 0
  let blockedChecks = 0
  let repairShares = 0
  let auditShares = 0
  let events = 0
  const VERIFIED: ShareCheck = { state: 'verified' }
  const scores = new Float64Array(REPAIR_CANDIDATES)

  const markLost = (f: number, now: number): void => {
    lostAt[f] = now
    lost++
    setWaiting(f, false)
  }

  /**
   * When owner o lost contact with peer p (record r), as it will know it at its next try
   * `nextTry`, from what it saw during its last session [from, to] (its tab kept trying while
   * open): when p went offline, if it was online then; if not, what it believed before.
   */
  const sinceAfterSession = (r: number, p: number, from: number, to: number, nextTry: number): number => {
    const seenAt = lastOnlineIn(p, from, to)
    const since = seenAt === seenAt ? (seenAt === to ? NaN : seenAt) : know[r + K_SINCE]!
    return since === since ? since : nextTry
  }

  /** Offline since, as far as owner o (open now) knows, of peer p, unreachable now. */
  const sinceOf = (o: number, p: number): number => {
    if (peerState[p] === DEAD) return deadSince[p * M + o]!
    // In touch while the tab is open: contact was lost when it last went offline, if it was online since the tab opened.
    const off = peerLastOff[p]!
    return off >= ownerOpenedAt[o]! ? off : know[(o * H + peerSlot[p]!) * K_STRIDE + K_SINCE]!
  }

  /**
   * The day's audit round tries a host holding some of the owner's shares (record r), once
   * however many it holds: one outcome for its online score (did it answer during the owner's
   * last session: the audit then), and what the owner now believes. Returns the round's flags.
   */
  const tryHost = (o: number, r: number, now: number): number => {
    const day = ownerDay[o]!
    const slot = ((r / K_STRIDE) | 0) - o * H
    const p = slotPeer[slot]!
    const seenAt = lastOnlineIn(p, ownerPrevOpenedAt[o]!, ownerClosedAt[o]!)
    const seen = seenAt === seenAt
    if (day > 0 && peerBorn[p]! < ownerClosedAt[o]!) {
      know[r + K_ALPHA] = lambda * know[r + K_ALPHA]! + (seen ? 1 : 0)
      know[r + K_BETA] = lambda * know[r + K_BETA]! + (seen ? 0 : 1)
    }
    let flags = seen ? SEEN_BEFORE : 0
    if (slotOnline[slot]) {
      know[r + K_SINCE] = NaN
    } else {
      const since = sinceAfterSession(r, p, ownerPrevOpenedAt[o]!, ownerClosedAt[o]!, now)
      know[r + K_SINCE] = since
      if (now - since >= lostAfter) flags |= AWAY
    }
    know[r + K_ROUND] = day
    know[r + K_FLAGS] = flags
    return flags
  }

  /** Rebuilds `lostShares` of file f onto online hosts, the owner's best first; returns how many it placed. */
  const rebuild = (o: number, f: number, lostShares: readonly number[]): number => {
    const base = f * n
    const found = onlinePeers(choiceRandom, REPAIR_CANDIDATES, holder, base, base + n)
    const placed = Math.min(found.length, lostShares.length)
    for (let i = 0; i < placed; i++) {
      let pick = i
      if (erasure?.preferReliable) {
        // The best by the owner's preference, ties in the order found (random).
        if (i === 0) for (let c = 0; c < found.length; c++) scores[c] = hostPreference(reputationOf(o, peerSlot[found[c]!]!))
        pick = -1
        for (let c = 0; c < found.length; c++) if (scores[c]! >= 0 && (pick < 0 || scores[c]! > scores[pick]!)) pick = c
        scores[pick] = -1
      }
      const p = found[pick]!
      holder[base + lostShares[i]!] = p
      // The owner just reached it (the upload), which counts as today's try.
      const r = (o * H + peerSlot[p]!) * K_STRIDE
      if (know[r + K_ROUND] !== ownerDay[o]) tryHost(o, r, ownerOpenedAt[o]!)
    }
    return placed
  }

  /**
   * One check of file f by its open owner o at `now` (`opening`: in the day's audit round): reach
   * its holders, and repair when the verdict says so. Returns whether the file still waits for a
   * repair it could not do.
   */
  const check = (o: number, f: number, now: number, opening: boolean): boolean => {
    const policy = erasure!.policy
    const base = f * n
    let verified = 0
    let away = 0
    let live = 0
    let audited = 0
    for (let j = 0; j < n; j++) {
      const p = holder[base + j]!
      const state = peerState[p]!
      if (state === DEAD) {
        if (now - deadSince[p * M + o]! >= lostAfter) away++
        continue
      }
      live++
      if (opening) {
        const r = (o * H + peerSlot[p]!) * K_STRIDE
        const flags = know[r + K_ROUND] === ownerDay[o] ? know[r + K_FLAGS]! | 0 : tryHost(o, r, now)
        audited += flags & SEEN_BEFORE
        if (flags & AWAY) away++
      } else if (state === OFFLINE && now - sinceOf(o, p) >= lostAfter) away++
      if (state === ONLINE) verified++
    }
    auditShares += audited
    if (live < minAlive[f]!) minAlive[f] = live
    if (live < k) {
      markLost(f, now)
      return false
    }
    const needsRepair = n - away < policy.repairThreshold
    if (!needsRepair) gathered[f] = 0
    const gather = erasure!.gather
    if (gather && needsRepair && erasure!.repair) {
      // Fetch shares from the holders reachable now, up to k in all, and keep them for the rebuild.
      let mask = gathered[f]!
      let have = popcount(mask)
      for (let j = 0; j < n && have < k; j++) {
        if (peerState[holder[base + j]!] === ONLINE && !(mask & (1 << j))) {
          mask |= 1 << j
          have++
          repairShares++
        }
      }
      gathered[f] = mask
    }
    const ready = gather ? popcount(gathered[f]!) >= k : verified >= k
    // The fast count settles most checks; segmentVerdict decides every rebuild (and, in tests, every check).
    if (!cfg.checkEveryVerdict && (!needsRepair || !erasure!.repair || !ready)) {
      if (needsRepair && erasure!.repair) blockedChecks++
      return needsRepair && erasure!.repair
    }
    const checks: ShareCheck[] = []
    for (let j = 0; j < n; j++) {
      const p = holder[base + j]!
      checks.push(peerState[p] === ONLINE ? VERIFIED : { state: 'offline', since: sinceOf(o, p) })
    }
    const v = segmentVerdict(checks, policy, now, lostAfter)
    if (v.needsRepair !== needsRepair || v.verified !== verified || v.repairable !== verified >= k) {
      throw new Error(`durability: the fast count disagrees with segmentVerdict for file ${f} at ${now}.`)
    }
    if (!v.needsRepair || !erasure!.repair) return false
    if (!ready) {
      blockedChecks++
      return true
    }
    setWaiting(f, false) // its holders change
    const placed = rebuild(o, f, v.lost)
    if (placed > 0) {
      repairs++
      sharesPlaced += placed
      // Gathered shares were counted as they came in.
      repairShares += (gather ? 0 : k) + placed
    }
    if (placed === v.lost.length) gathered[f] = 0
    return placed < v.lost.length
  }

  /** The owner's monthly patch of a mirrored file: every copy not reachable now is replaced from one that is. */
  const patch = (f: number, now: number): void => {
    const base = f * n
    let live = 0
    let up = 0
    for (let j = 0; j < n; j++) {
      const state = peerState[holder[base + j]!]!
      if (state !== DEAD) live++
      if (state === ONLINE) up++
    }
    if (live < minAlive[f]!) minAlive[f] = live
    if (live < k) {
      markLost(f, now)
      return
    }
    if (up === 0 || up === n) return
    const found = onlinePeers(choiceRandom, n - up, holder, base, base + n)
    let placed = 0
    for (let j = 0; j < n && placed < found.length; j++) {
      if (peerState[holder[base + j]!] !== ONLINE) holder[base + j] = found[placed++]!
    }
    if (placed === 0) return
    repairs++
    sharesPlaced += placed
    repairShares += 1 + placed
  }

  for (; q.size > 0;) {
    const now = q.topTime()
    if (now >= end) break
    const kind = q.topKind()
    const id = q.topId()
    q.pop()
    events++
    switch (kind) {
      case HOST_TOGGLE: {
        const p = slotPeer[id]!
        const up = slotOnline[id] === 0
        slotOnline[id] = up ? 1 : 0
        peerState[p] = up ? ONLINE : OFFLINE
        if (up) peerOnSince[p] = now
        else endInterval(p, now)
        q.push(now + exp(hostRandom, up ? onMean : offMean), HOST_TOGGLE, id)
        if (up && continuous && p < wHead.length) {
          // Open owners retry the waiting files this host holds shares of.
          retryFiles.length = 0
          for (let i = wHead[p]!; i >= 0; i = wNext[i]!) {
            const f = (i / n) | 0
            if (ownerOpen[(f / perOwner) | 0]) retryFiles.push(f)
          }
          for (const f of retryFiles) if (waiting[f] && lostAt[f] !== lostAt[f]) setWaiting(f, check((f / perOwner) | 0, f, now, false))
        }
        break
      }
      case HOST_LEAVE: {
        const p = slotPeer[id]!
        const wasOnline = peerState[p] === ONLINE
        if (wasOnline) endInterval(p, now)
        for (let o = 0; o < M; o++) {
          // What the owner will believe of the departed peer: if its tab is open, contact is lost
          // now (or was, when the peer last went offline); if not, it learns at its next opening.
          const r = (o * H + id) * K_STRIDE
          deadSince[p * M + o] = ownerOpen[o]
            ? wasOnline
              ? now
              : sinceOf(o, p)
            : sinceAfterSession(r, p, ownerOpenedAt[o]!, ownerClosedAt[o]!, ownerOpenedAt[o]! + DAY)
          if (deadSince[p * M + o] !== deadSince[p * M + o]) deadSince[p * M + o] = now
          resetKnowledge(o, id)
        }
        peerState[p] = DEAD
        newPeer(id, now)
        q.push(now + exp(leaveRandom, leaveMean), HOST_LEAVE, id)
        break
      }
      case OWNER_OPEN: {
        ownerOpen[id] = 1
        ownerPrevOpenedAt[id] = ownerOpenedAt[id]!
        ownerOpenedAt[id] = now
        if (erasure) {
          for (let f = id * perOwner; f < (id + 1) * perOwner; f++) if (lostAt[f] !== lostAt[f]) setWaiting(f, check(id, f, now, true))
          if (ownerWaiting[id]! > 0 && !continuous && erasure.retryMs < ownerOnline) q.push(now + erasure.retryMs, OWNER_RETRY, id)
        } else if (scheme.kind === 'mirror' && ownerDay[id]! % scheme.patchEveryDays === ownerPatchDay[id]) {
          for (let f = id * perOwner; f < (id + 1) * perOwner; f++) if (lostAt[f] !== lostAt[f]) patch(f, now)
        }
        q.push(now + ownerOnline, OWNER_CLOSE, id)
        break
      }
      case OWNER_RETRY: {
        if (!ownerOpen[id] || !erasure) break
        for (let f = id * perOwner; f < (id + 1) * perOwner; f++) if (waiting[f] && lostAt[f] !== lostAt[f]) setWaiting(f, check(id, f, now, false))
        const next = now + erasure.retryMs
        if (ownerWaiting[id]! > 0 && next < ownerOpenedAt[id]! + ownerOnline) q.push(next, OWNER_RETRY, id)
        break
      }
      case OWNER_CLOSE: {
        ownerOpen[id] = 0
        ownerClosedAt[id] = now
        ownerDay[id]!++
        q.push(ownerOpenedAt[id]! + DAY, OWNER_OPEN, id)
        break
      }
    }
  }

  // Files whose holders fell below k since their owner last looked are lost too.
  let fileTime = 0
  let nearMisses = 0
  for (let f = 0; f < F; f++) {
    if (lostAt[f] !== lostAt[f]) {
      let live = 0
      for (let j = 0; j < n; j++) if (peerState[holder[f * n + j]!] !== DEAD) live++
      if (live < minAlive[f]!) minAlive[f] = live
      if (live < k) markLost(f, end)
    }
    fileTime += lostAt[f] === lostAt[f] ? lostAt[f]! : end
    if (minAlive[f] === k) nearMisses++
  }
  const fileMonths = fileTime / MONTH
  return {
    fileYears: fileTime / YEAR,
    lost,
    nearMisses,
    repairs,
    sharesPlaced,
    blockedChecks,
    repairPerStoredByteMonth: repairShares / n / fileMonths,
    auditPerStoredByteMonth: (auditShares * AUDIT_FRACTION) / n / fileMonths,
    storage: n / k,
    events,
    wallMs: performance.now() - t0,
  }
}

function popcount(x: number): number {
  let c = 0
  for (let v = x; v !== 0; v &= v - 1) c++
  return c
}

/** The one-sided 95 % upper bound of a Poisson mean given `count` events (3.0 for none: the rule of three). */
export function poissonUpper95(count: number): number {
  if (count > 50) return (count + 1) * (1 - 1 / (9 * (count + 1)) + Z95 / (3 * Math.sqrt(count + 1))) ** 3
  return poissonBound(count, (mean) => poissonCdf(count, mean) - 0.05)
}

/** The one-sided 95 % lower bound of a Poisson mean given `count` events (0 for none). */
export function poissonLower95(count: number): number {
  if (count === 0) return 0
  if (count > 50) return count * (1 - 1 / (9 * count) - Z95 / (3 * Math.sqrt(count))) ** 3
  return poissonBound(count, (mean) => poissonCdf(count - 1, mean) - 0.95)
}

/** The one-sided 95 % normal quantile (Wilson and Hilferty's approximation, for large counts). */
const Z95 = 1.6448536

function poissonCdf(count: number, mean: number): number {
  let term = Math.exp(-mean)
  let sum = term
  for (let i = 1; i <= count; i++) {
    term *= mean / i
    sum += term
  }
  return sum
}

/** The root of a function decreasing in the mean, by bisection. */
function poissonBound(count: number, f: (mean: number) => number): number {
  let lo = 0
  let hi = 10 + 3 * count
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) > 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
