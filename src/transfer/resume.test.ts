import { describe, expect, it } from 'vitest'
import { makePolicy, type FileManifest } from '../core/index.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { Vault } from '../core/vault/index.ts'
import { toHex } from '../core/bytes.ts'
import { PENDING_LEASE_MS } from '../core/lease/index.ts'
import { patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { restoredOnGrid as restored } from '../testing/grid-restore.ts'
import { backupFile, FileChangedError, type ResumeState, type UploadJournalHooks } from './upload.ts'

const SHARE = 2 * LEAF_SIZE
const policy = makePolicy({ k: 2, n: 4 })
const file = (segments: number, seed = 1): Blob => new Blob([patternBytes(segments * 2 * SHARE - segments * 64, seed)])

/** A journal in memory that "crashes" (never answers again, as a closed tab) after `after` landed shares. */
function crashingJournal(after: number) {
  const state = {
    start: undefined as Parameters<NonNullable<UploadJournalHooks['begin']>>[0] | undefined,
    encoded: new Map<number, string[]>(),
    landed: new Map<string, string>(),
  }
  const hooks: UploadJournalHooks = {
    begin: async (s) => void (state.start = s),
    encoded: async (segment, keys) => void state.encoded.set(segment, keys.map(toHex)),
    landed: (segment, share, peer) => {
      if (state.landed.size >= after) return new Promise<void>(() => {})
      state.landed.set(`${segment}/${share}`, peer)
      return Promise.resolve()
    },
  }
  const resume = (): ResumeState => ({
    identity: state.start!.identity,
    createdAt: state.start!.createdAt,
    plan: state.start!.plan,
    encoded: new Map(state.encoded),
    landed: new Map(state.landed),
  })
  return { state, hooks, resume }
}

const stores = (g: Grid): number => g.peers.reduce((n, p) => n + p.host.counters.stored, 0)
const settle = () => new Promise((r) => setTimeout(r, 50))

async function interrupted(after: number) {
  const g = new Grid(7, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const owner = await Vault.create()
  const blob = file(4)
  const j = crashingJournal(after)
  // The first backup "dies" (its journal stops answering, as a closed tab would): never awaited.
  void backupFile(g.network('owner'), owner, blob, { policy, shareSize: SHARE, journal: j.hooks, placeAhead: 1 }).catch(() => {})
  for (let i = 0; i < 200 && j.state.landed.size < after; i++) await settle()
  await settle()
  return { g, owner, blob, j }
}

describe('resumable uploads', () => {
  it('a resumed upload places only what is missing, reuses the shares that landed, and restores byte for byte', async () => {
    const { g, owner, blob, j } = await interrupted(5)
    expect(j.state.landed.size).toBe(5)
    const before = stores(g)
    const m = await backupFile(g.network('owner'), owner, blob, { policy, shareSize: SHARE, resume: j.resume() })
    const total = 4 * policy.n
    // What landed before (5, and any share in flight when the journal stopped) was not sent again.
    expect(stores(g) - before).toBeLessThanOrEqual(total - 5)
    // The hosts hold exactly the file's shares: none orphaned, none twice.
    expect(await g.sharesHeld()).toBe(total)
    expect(toHex(m.fileId)).toBe(toHex(j.state.start!.identity.fileId))
    for (const [ref, peer] of j.state.landed) {
      const [s, i] = ref.split('/').map(Number) as [number, number]
      expect(m.segments[s]!.shares[i]!.holders).toEqual([peer])
    }
    const back = await restored(g, owner, m)
    expect(Buffer.from(back).equals(Buffer.from(await blob.arrayBuffer()))).toBe(true)
  })

  it('a share that landed but is gone from its host (its lease ran out) is sent again', async () => {
    const { g, owner, blob, j } = await interrupted(3)
    const [ref, peer] = [...j.state.landed][0]!
    const [s, i] = ref.split('/').map(Number) as [number, number]
    const key = j.state.encoded.get(s)![i]!
    const host = g.peers.find((p) => p.id === peer)!
    await host.shares.delete(key)
    const m = await backupFile(g.network('owner'), owner, blob, { policy, shareSize: SHARE, resume: j.resume() })
    expect(await host.shares.record(key)).toBeDefined()
    expect(await g.sharesHeld()).toBe(4 * policy.n)
    expect(Buffer.from(await restored(g, owner, m)).equals(Buffer.from(await blob.arrayBuffer()))).toBe(true)
  })

  it('another file of the same size is refused before anything of it is sent', async () => {
    const { g, owner, j } = await interrupted(5)
    const before = stores(g)
    const other = file(4, 99)
    await expect(backupFile(g.network('owner'), owner, other, { policy, shareSize: SHARE, resume: j.resume() })).rejects.toBeInstanceOf(FileChangedError)
    expect(stores(g)).toBe(before)
  })

  it('shares go out under a short lease that the host counts down, and resuming renews it', async () => {
    const { g, owner, blob, j } = await interrupted(4)
    const [ref, peer] = [...j.state.landed][0]!
    const [s, i] = ref.split('/').map(Number) as [number, number]
    const key = j.state.encoded.get(s)![i]!
    const host = g.peers.find((p) => p.id === peer)!
    const end = (await host.shares.record(key))!.owners[0]!.expires!
    expect(end - g.now).toBeLessThanOrEqual(PENDING_LEASE_MS)
    expect(end - g.now).toBeGreaterThan(PENDING_LEASE_MS - 60_000)
    // (The owner signs on its own clock: the hosts' may be minutes from it, not days.)
    g.now += 5 * 60_000
    await backupFile(g.network('owner'), owner, blob, { policy, shareSize: SHARE, resume: j.resume() })
    expect((await host.shares.record(key))!.owners[0]!.expires!).toBe(g.now + PENDING_LEASE_MS)
    // Left alone after that, the host drops it when the lease ends.
    g.now += PENDING_LEASE_MS
    await host.host.expire()
    expect(await host.shares.record(key)).toBeUndefined()
  })
})
