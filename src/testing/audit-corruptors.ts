/**
 * Dishonest hosts, named, in the spirit of Tahoe-LAFS's corruptors: each installs itself on one
 * grid peer for one share that peer holds, and from then on cheats on that share in one stated
 * way. Three kinds:
 *
 *   damage     the stored bytes are damaged and the real ShareHost answers from them (it builds
 *              its tree from what it holds, so every path it sends leads to another root);
 *   cheat      a host that kept less than the share (its tree, a part of its leaves, an old
 *              answer, another share) answers audits and fetches of it in the host's place
 *              (Grid.intercept), with the best a cheater holding that much could send (or,
 *              for audits, "busy");
 *   rewrite    the host holds the share but mangles its audit answers (Grid.lie): wrong order,
 *              long paths, a leaf too many or too few; or answers late (Grid.slowPeer, hangPeer).
 *
 * Each says, with `passes`, which audits it still passes, by the leaf indices the nonce draws (a
 * host that kept half of the leaves passes when every drawn index is in its half), so a test can
 * tell a lucky cheater from a missed one. transfer/audit.test.ts shows how each is caught.
 *
 * A peer has one intercept and one lie: a second cheat of the same kind on one peer replaces the
 * first, whatever share it is for.
 */
import { MAX_AUDIT_LEAVES, answerAudit, auditIndices, leavesPerAudit, type AuditAnswer } from '../core/audit/index.ts'
import { concat, equal, toHex } from '../core/bytes.ts'
import { HASH_SIZE, LEAF_SIZE, merkleTree } from '../core/merkle/index.ts'
import type { ShareRequest, ShareResponse } from '../net/share/messages.ts'
import type { ShareRecord } from '../ports/share-store.ts'
import { corruptors, patternBytes, type Corruptor } from './corruptors.ts'
import type { Grid } from './grid.ts'

/** The share a cheat is installed for: `peer` holds it (honestly) when the cheat is installed. */
export interface CheatTarget {
  readonly grid: Grid
  readonly peer: string
  readonly key: Uint8Array
}

export interface DishonestHost {
  /** What the host does, in a line. */
  readonly does: string
  /**
   * Whether it passes an audit that draws `indices` (in the order drawn) of the share's
   * `leafCount` leaves, asking leavesPerAudit(leafCount) of them. Never, when absent.
   */
  readonly passes?: (indices: readonly number[], leafCount: number) => boolean
  install(target: CheatTarget): Promise<void>
}

type AuditRequest = Extract<ShareRequest, { type: 'audit' }>
type FetchRequest = Extract<ShareRequest, { type: 'fetch' }>

/** A leaf a cheater makes up where it has none. */
const MADE_UP = patternBytes(LEAF_SIZE, 0xbad1eaf)
/** The nonce the replaying host saw answered (an owner that sent it again would be fooled). */
export const REPLAYED_NONCE = patternBytes(32, 0x5e11)

async function held({ grid, peer, key }: CheatTarget): Promise<{ record: ShareRecord; bytes: Uint8Array; leafCount: number; drop: () => Promise<void> }> {
  const store = grid.peer(peer).shares
  const hex = toHex(key)
  const [record, bytes] = [await store.record(hex), await store.get(hex)]
  if (!record || !bytes) throw new Error(`audit-corruptors: ${peer} does not hold share ${hex.slice(0, 12)}…`)
  const drop = async (): Promise<void> => {
    await store.delete(hex)
  }
  return { record, bytes, leafCount: bytes.length / LEAF_SIZE, drop }
}

/** Answers audits and fetches of the target share in the host's place; other requests go through. */
function answerFor(t: CheatTarget, on: { audit?: (req: AuditRequest) => ShareResponse; fetch?: (req: FetchRequest) => ShareResponse }): void {
  t.grid.intercept(t.peer, (req) => {
    if (req.type === 'audit' && on.audit && equal(req.key, t.key)) return on.audit(req)
    if (req.type === 'fetch' && on.fetch && equal(req.key, t.key)) return on.fetch(req)
    return undefined
  })
}

/** Rewrites the host's own ok answers to audits of the target share. */
function rewriteAudits(t: CheatTarget, leafCount: number, fn: (answer: AuditAnswer, indices: number[], req: AuditRequest) => AuditAnswer): void {
  t.grid.lie(t.peer, (req, res) => {
    if (req.type !== 'audit' || !equal(req.key, t.key) || res.status !== 'ok' || !res.bytes || !res.paths) return res
    const leaves = res.paths.map((_, i) => res.bytes!.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE))
    const next = fn({ leaves, paths: res.paths }, auditIndices(req.nonce, leafCount, req.leaves), req)
    return auditAnswer(next)
  })
}

function auditAnswer(a: AuditAnswer): ShareResponse {
  return { status: 'ok', bytes: concat(...a.leaves), paths: a.paths }
}

/** What a host answers to an audit count it cannot draw (as the real host does). */
function badCount(req: AuditRequest, leafCount: number): ShareResponse | undefined {
  if (req.leaves >= 1 && req.leaves <= Math.min(leafCount, MAX_AUDIT_LEAVES)) return undefined
  return { status: 'bad-request', message: `The share has ${leafCount} leaves; an audit asked for ${req.leaves}.` }
}

function served(bytes: Uint8Array, req: FetchRequest): ShareResponse {
  if (!req.range) return { status: 'ok', bytes: bytes.slice() }
  const { offset, length } = req.range
  if (offset + length > bytes.length) return { status: 'bad-request', message: 'The range is outside the share.' }
  return { status: 'ok', bytes: bytes.slice(offset, offset + length) }
}

/** The share's bytes as a host that kept only some leaves serves them: the rest made up. */
function patched(leafCount: number, leaf: (i: number) => Uint8Array): Uint8Array {
  return concat(...Array.from({ length: leafCount }, (_, i) => leaf(i)))
}

function damage(does: string, corrupt: Corruptor): DishonestHost {
  return {
    does,
    async install(t) {
      const { record, bytes } = await held(t)
      await t.grid.peer(t.peer).shares.put(record, corrupt(bytes))
    },
  }
}

/** Leaves `a` and `b` trade places. */
function swapLeaves(a: number, b: number): Corruptor {
  return (s) => {
    const c = s.slice()
    c.set(s.subarray(a * LEAF_SIZE, (a + 1) * LEAF_SIZE), b * LEAF_SIZE)
    c.set(s.subarray(b * LEAF_SIZE, (b + 1) * LEAF_SIZE), a * LEAF_SIZE)
    return c
  }
}

/**
 * Kept the whole Merkle tree (every leaf hash) and the first ⌊fraction · L⌋ leaves, and dropped
 * the rest of the data: for an audit it sends the right path of every asked leaf, the real leaf
 * where it has it and a made-up one otherwise; a fetch gets the kept leaves and made-up ones.
 * Passes an audit exactly when every drawn index is among its leaves (detection.ts: passChance).
 */
export function keepFirst(fraction: number, does = `kept the tree and the first ${fraction} of the leaves; makes up the others`): DishonestHost {
  const keptOf = (leafCount: number): number => Math.floor(fraction * leafCount + 1e-9)
  return {
    does,
    passes: (indices, leafCount) => indices.every((i) => i < keptOf(leafCount)),
    async install(t) {
      const { bytes, leafCount, drop } = await held(t)
      const tree = await merkleTree(bytes)
      const kept = bytes.slice(0, keptOf(leafCount) * LEAF_SIZE)
      await drop()
      const leaf = (i: number): Uint8Array => (i < keptOf(leafCount) ? kept.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE) : MADE_UP)
      const whole = patched(leafCount, leaf)
      answerFor(t, {
        audit: (req) => {
          const refused = badCount(req, leafCount)
          if (refused) return refused
          const indices = auditIndices(req.nonce, leafCount, req.leaves)
          return auditAnswer({ leaves: indices.map(leaf), paths: indices.map((i) => tree.proof(i)) })
        },
        fetch: (req) => served(whole, req),
      })
    },
  }
}

/**
 * Answered one audit honestly (for `seen`), kept that answer, and dropped the share: it sends the
 * same answer to every audit. It passes only an audit that draws the same indices in the same
 * order, which is why every audit needs a fresh nonce.
 */
export function replay(seen: Uint8Array = REPLAYED_NONCE): DishonestHost {
  return {
    does: 'answered one audit, kept that answer and dropped the share; sends the old answer to every audit',
    passes: (indices, leafCount) => {
      const old = auditIndices(seen, leafCount, leavesPerAudit(leafCount))
      return old.length === indices.length && old.every((x, i) => x === indices[i])
    },
    async install(t) {
      const { bytes, leafCount, drop } = await held(t)
      const old = answerAudit(bytes, await merkleTree(bytes), seen, leavesPerAudit(leafCount))
      const answer = { leaves: old.leaves.map((l) => l.slice()), paths: old.paths }
      await drop()
      const whole = patched(leafCount, () => MADE_UP)
      answerFor(t, { audit: () => auditAnswer(answer), fetch: (req) => served(whole, req) })
    },
  }
}

/** Slow: every answer comes `ms` late (the owner gives up at its deadline, a NetworkTimeoutError). */
export function answerLate(ms: number): DishonestHost {
  return {
    does: `answers everything ${ms} ms late`,
    async install(t) {
      t.grid.slowPeer(t.peer, ms)
    },
  }
}

/** Keeps the share and answers truly: the control. */
export const honestHost: DishonestHost = { does: 'keeps the share and answers truly', passes: () => true, install: async () => {} }

export const auditCorruptors = {
  // Damage: the real host answers from damaged bytes.
  flipBit: damage('one bit of the stored share flipped', corruptors.flipBit),
  truncate: damage('the stored share lost its last byte (no longer whole leaves)', corruptors.truncate),
  dropLastLeaf: damage('the stored share lost its last leaf (a valid, shorter share)', (s) => s.slice(0, s.length - LEAF_SIZE)),
  swapLeaves: damage('leaves 0 and 1 of the stored share swapped', swapLeaves(0, 1)),
  dropShare: {
    does: 'deleted the share, and says so (not-found)',
    async install(t) {
      await (await held(t)).drop()
    },
  },

  // Cheats: a host that kept less answers in the real host's place.
  serveAnother: {
    does: 'answers audits and fetches of this share with another share’s honest leaves, paths and bytes',
    async install(t) {
      const { bytes } = await held(t)
      const other = await anotherShare(t, bytes.length)
      const tree = await merkleTree(other)
      answerFor(t, {
        audit: (req) => badCount(req, tree.leafCount) ?? auditAnswer(answerAudit(other, tree, req.nonce, req.leaves)),
        fetch: (req) => served(other, req),
      })
    },
  },
  cachedTree: keepFirst(0, 'kept the Merkle tree (every leaf hash) and dropped the data: right paths, made-up leaves'),
  firstHalf: keepFirst(1 / 2, 'kept the tree and the first half of the leaves: honest for those, made-up leaves otherwise'),
  replay: replay(),
  busy: {
    does: 'dropped the share, answers its audits "busy" (try later) and its fetches with made-up bytes',
    async install(t) {
      const { bytes, leafCount, drop } = await held(t)
      await drop()
      const whole = patched(leafCount, () => MADE_UP)
      answerFor(t, { audit: () => ({ status: 'busy', message: 'Too many bytes in flight; try later.' }), fetch: (req) => served(whole, req) })
    },
  },

  // Rewrites: the host holds the share and mangles its audit answers.
  reverseOrder: {
    does: 'answers the right leaves, each with its own path, in the reverse of the order asked',
    passes: (indices) => indices.length === 1,
    async install(t) {
      const { leafCount } = await held(t)
      rewriteAudits(t, leafCount, (a) => ({ leaves: [...a.leaves].reverse(), paths: [...a.paths].reverse() }))
    },
  },
  ascendingOrder: {
    does: 'answers the right leaves, each with its own path, by increasing index (as read from disk)',
    passes: (indices) => indices.every((x, i) => i === 0 || indices[i - 1]! < x),
    async install(t) {
      const { leafCount } = await held(t)
      rewriteAudits(t, leafCount, (a, indices) => {
        const order = indices.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0])
        return { leaves: order.map(([, i]) => a.leaves[i]!), paths: order.map(([, i]) => a.paths[i]!) }
      })
    },
  },
  padPath: {
    does: 'appends a 32-byte hash to every path (still within the protocol’s limits)',
    async install(t) {
      const { leafCount } = await held(t)
      rewriteAudits(t, leafCount, (a) => ({ leaves: a.leaves, paths: a.paths.map((p) => [...p, new Uint8Array(HASH_SIZE)]) }))
    },
  },
  overlongPath: {
    does: 'pads every path to 17 hashes, past the protocol’s 16',
    async install(t) {
      const { leafCount } = await held(t)
      rewriteAudits(t, leafCount, (a) => ({
        leaves: a.leaves,
        paths: a.paths.map((p) => [...p, ...Array.from({ length: 17 - p.length }, () => new Uint8Array(HASH_SIZE))]),
      }))
    },
  },
  extraLeaf: {
    does: 'sends one leaf (and path) more than asked: a body over what the request allows',
    async install(t) {
      const { bytes, leafCount } = await held(t)
      const tree = await merkleTree(bytes)
      rewriteAudits(t, leafCount, (a, indices) => {
        let extra = 0
        while (indices.includes(extra) && extra < leafCount - 1) extra++
        return { leaves: [...a.leaves, bytes.subarray(extra * LEAF_SIZE, (extra + 1) * LEAF_SIZE)], paths: [...a.paths, tree.proof(extra)] }
      })
    },
  },
  fewerLeaves: {
    does: 'leaves out the last asked leaf and its path',
    async install(t) {
      const { leafCount } = await held(t)
      rewriteAudits(t, leafCount, (a) => ({ leaves: a.leaves.slice(0, -1), paths: a.paths.slice(0, -1) }))
    },
  },

  // Late: past the app's 20 s deadline, and any shorter one a test sets.
  late: answerLate(40_000),
  stall: {
    does: 'never answers',
    async install(t) {
      t.grid.hangPeer(t.peer)
    },
  },
} satisfies Record<string, DishonestHost>

export type AuditCorruptorName = keyof typeof auditCorruptors

/** Another share of `size` bytes on the grid: the target peer's own first, then any peer's. */
async function anotherShare(t: CheatTarget, size: number): Promise<Uint8Array> {
  const target = toHex(t.key)
  const peers = [t.grid.peer(t.peer), ...t.grid.peers.filter((p) => p.id !== t.peer)]
  for (const p of peers) {
    for (const r of await p.shares.list()) {
      if (r.key === target) continue
      const bytes = await p.shares.get(r.key)
      if (bytes?.length === size) return bytes
    }
  }
  throw new Error(`audit-corruptors: no other share of ${size} bytes on the grid to serve instead`)
}
