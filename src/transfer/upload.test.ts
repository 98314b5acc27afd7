import { describe, expect, it } from 'vitest'
import { makePolicy, type FileManifest } from '../core/index.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { Vault } from '../core/vault/index.ts'
import { toHex } from '../core/bytes.ts'
import { corruptors, patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { restoredOnGrid as restored } from '../testing/grid-restore.ts'
import { backupFile, type BackupProgress } from './upload.ts'
import { deleteShares } from './remove.ts'
import { auditFile } from './audit.ts'

const SHARE = 2 * LEAF_SIZE
const policy = makePolicy({ k: 2, n: 4 })

async function setup(peers = 7) {
  const g = new Grid(peers, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  return { g, owner: await Vault.create(), net: g.network('owner') }
}

/** A file of `segments` full segments (k · SHARE of plaintext each, less the tags). */
function file(segments: number, seed = 1): Blob {
  return new Blob([patternBytes(segments * 2 * SHARE - segments * 64, seed)])
}

async function same(a: Blob, b: Uint8Array): Promise<boolean> {
  const x = new Uint8Array(await a.arrayBuffer())
  return x.length === b.length && x.every((v, i) => v === b[i])
}

function holdersOf(m: FileManifest): string[][] {
  return m.segments.map((s) => s.shares.map((sh) => sh.holders[0]!))
}

describe('upload on the grid', () => {
  it('plans every share before the first leaves, puts each segment’s n shares on n distinct hosts, and restores', async () => {
    const { g, owner, net } = await setup()
    const blob = file(4)
    const events: BackupProgress[] = []
    const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE, onProgress: (e) => events.push(e) })
    const planAt = events.findIndex((e) => e.type === 'place:plan')
    const firstShare = events.findIndex((e) => e.type === 'place:share')
    expect(planAt).toBeGreaterThanOrEqual(0)
    expect(planAt).toBeLessThan(firstShare)
    const plan = events[planAt] as Extract<BackupProgress, { type: 'place:plan' }>
    expect(plan.hosts.length).toBeGreaterThanOrEqual(4)
    expect(plan.spares.length).toBe(2)
    expect(plan.reduced).toBe(false)
    for (const seg of holdersOf(m)) {
      expect(new Set(seg).size).toBe(4)
      for (const h of seg) expect(plan.hosts).toContain(h)
    }
    // Each share sits at its recorded holder, and nowhere else.
    for (const seg of m.segments) {
      for (const sh of seg.shares) {
        for (const p of g.peers) expect(!!(await p.shares.record(toHex(sh.key)))).toBe(p.id === sh.holders[0])
      }
    }
    expect(events.some((e) => e.type === 'place:reduced')).toBe(false)
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
  })

  it('a host that refuses, one that hangs and one that is gone: their shares go to spares, and the file comes back', async () => {
    const { g, owner, net } = await setup(9)
    const [refuses, hangs, gone] = ['peer-0', 'peer-1', 'peer-2']
    g.intercept(refuses!, (req) => (req.type === 'store' ? { status: 'over-quota', message: 'full' } : undefined))
    const blob = file(3, 2)
    let hung = false
    const m = await backupFile(net, owner, blob, {
      policy,
      shareSize: SHARE,
      storeTimeoutMs: 300,
      onProgress: (e) => {
        // After the plan is made, one host stops answering and one disappears.
        if (e.type === 'place:plan' && !hung) {
          hung = true
          g.hangPeer(hangs!)
          g.breakPeer(gone!)
        }
      },
    })
    const used = new Set(holdersOf(m).flat())
    for (const bad of [refuses, hangs, gone]) expect(used.has(bad!)).toBe(false)
    for (const seg of holdersOf(m)) expect(new Set(seg).size).toBe(4)
    g.heal(hangs!)
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
  })

  it('two planned hosts that refuse: their shares go to two distinct spares, and a host that refused is not asked again', async () => {
    const { g, owner, net } = await setup(6)
    const asked = new Map<string, number>()
    const blob = file(6, 9)
    const events: BackupProgress[] = []
    const m = await backupFile(net, owner, blob, {
      policy,
      shareSize: SHARE,
      onProgress: (e) => {
        events.push(e)
        if (e.type !== 'place:plan') return
        for (const bad of e.hosts.slice(0, 2)) {
          g.intercept(bad, (req) => {
            if (req.type !== 'store') return undefined
            asked.set(bad, (asked.get(bad) ?? 0) + 1)
            return { status: 'over-quota', message: 'full' }
          })
        }
      },
    })
    for (const seg of holdersOf(m)) expect(new Set(seg).size).toBe(4)
    expect(events.some((e) => e.type === 'place:reduced')).toBe(false)
    // At most the stores already in flight (two segments at a time) reach a host after it refused once.
    for (const n of asked.values()) expect(n).toBeLessThanOrEqual(2)
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
  })

  it('plans with the room each host gives this peer: too big for it is refused before any share leaves', async () => {
    const g = new Grid(1, { quota: 4 * 2 ** 20, limits: { perOwner: 1, perPeer: 0.5 } })
    g.now = Date.now()
    let stores = 0
    g.intercept('peer-0', (req) => {
      if (req.type === 'store') stores++
      return undefined
    })
    // 1.5 MiB at k = 1, n = 2 is 3 MiB of shares: within the host's free 4 MiB, over this peer's 2 MiB.
    const big = new Blob([patternBytes(1.5 * 2 ** 20)])
    await expect(backupFile(g.network('owner'), await Vault.create(), big, { policy: makePolicy({ k: 1, n: 2 }) })).rejects.toMatchObject({
      name: 'PlacementError',
      message: expect.stringMatching(/too little for this file/),
    })
    expect(stores).toBe(0)
  })

  it('with fewer hosts than n it doubles up evenly, says so, and the file comes back', async () => {
    const { g, owner, net } = await setup(2)
    const events: BackupProgress[] = []
    const blob = file(2, 3)
    const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE, onProgress: (e) => events.push(e) })
    expect(events.filter((e) => e.type === 'place:reduced')).toHaveLength(2)
    for (const seg of holdersOf(m)) expect(new Set(seg).size).toBe(2)
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
  })

  it('a cancelled backup leaves nothing behind', async () => {
    const { g, owner, net } = await setup()
    const ctl = new AbortController()
    const run = backupFile(net, owner, file(6, 4), {
      policy,
      shareSize: SHARE,
      signal: ctl.signal,
      onProgress: (e) => e.type === 'place:share' && ctl.abort(),
    })
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' })
    expect(await g.sharesHeld()).toBe(0)
  })

  it('a backup that fails (every host refuses after a while) deletes what it placed, and says why', async () => {
    const { g, owner, net } = await setup(5)
    let stores = 0
    for (const p of g.peers) g.intercept(p.id, (req) => (req.type === 'store' && ++stores > 5 ? { status: 'over-quota', message: 'full now' } : undefined))
    await expect(backupFile(net, owner, file(4, 5), { policy, shareSize: SHARE })).rejects.toMatchObject({
      name: 'PlacementError',
      message: expect.stringMatching(/full now/),
    })
    expect(await g.sharesHeld()).toBe(0)
  })

  it('no host with room is a PlacementError that says what to do', async () => {
    const g = new Grid(0)
    await expect(backupFile(g.network('owner'), await Vault.create(), file(1), { policy, shareSize: SHARE, discoverMs: 50 })).rejects.toMatchObject({
      name: 'PlacementError',
      message: expect.stringMatching(/Open Layr in another browser/),
    })
  })
})

describe('restore, remove and audit on the grid', () => {
  it('restores byte for byte when holders corrupt their shares or lie with another share, as long as k are good', async () => {
    const { g, owner, net } = await setup()
    const blob = file(3, 6)
    const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE })
    const holders = [...new Set(holdersOf(m).flat())]
    g.lie(holders[0]!, (req, res) => (req.type === 'fetch' && res.status === 'ok' ? { ...res, bytes: corruptors.flipBit(res.bytes!) } : res))
    g.lie(holders[1]!, (req, res) => (req.type === 'fetch' && res.status === 'ok' ? { ...res, bytes: corruptors.swapHalves(res.bytes!) } : res))
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
  })

  it('a holder that cannot be reached is looked up again and asked once more', async () => {
    const { g, owner, net } = await setup(4)
    const blob = file(1, 7)
    const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE })
    // All four hold one share each; two are gone for good, one answers only after a look-up.
    const hs = holdersOf(m)[0]!
    g.breakPeer(hs[0]!)
    g.breakPeer(hs[1]!)
    g.movePeer(hs[2]!)
    expect(await same(blob, await restored(g, owner, m))).toBe(true)
    g.breakPeer(hs[2]!)
    await expect(restored(g, owner, m)).rejects.toMatchObject({ name: 'NotEnoughSharesError' })
  })

  it('remove deletes every share at its holder; an audit finds the one that is gone', async () => {
    const { g, owner, net } = await setup()
    const m = await backupFile(net, owner, file(2, 8), { policy, shareSize: SHARE })
    const passes = async () => (await auditFile(net, m)).results.map((seg) => seg.filter((r) => r?.result === 'pass').length)
    expect(await passes()).toEqual([4, 4])
    const gone = m.segments[0]!.shares[0]!.holders[0]!
    g.breakPeer(gone)
    expect(Math.min(...(await passes()))).toBe(3)
    const report = await deleteShares(net, owner, m)
    const onGone = (await g.peer(gone).shares.usage()).shares
    expect(onGone).toBeGreaterThan(0)
    expect(report).toEqual({ deleted: 8 - onGone, unreachable: onGone })
    expect(await g.sharesHeld()).toBe(onGone)
  })
})
