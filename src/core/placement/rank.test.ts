import { describe, expect, it } from 'vitest'
import { compareDistance, type Candidate } from './index.ts'
import { maxSharesPerHost, planUpload } from './plan.ts'
import { rankHosts } from './rank.ts'

const MiB = 1 << 20
const GiB = 1 << 30
const SHARE = 64 * 1024

/** A small seeded generator (mulberry32): the same network and files on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const keyFrom = (r: () => number): Uint8Array => Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256))

/**
 * A network of `peers` equal hosts with random Kademlia ids, and files of 1–8 segments (k 4, n 8)
 * backed up one after another until about 8 shares per host are placed, as bench/scale.ts does.
 * Each upload sees what findHosts would bring: the 20 nearest peers to random keys (a DHT
 * lookup each) until at least 31 are known, with their load as STAT says it when `stat`.
 * Returns the busiest host's shares ÷ the mean.
 */
function simulate(seed: number, stat: boolean, peers = 100): number {
  const r = random(seed)
  const n = 8
  const hosts = Array.from({ length: peers }, (_, i) => ({ peerId: `h${i}`, kadId: keyFrom(r), used: 0, shares: 0 }))
  const byId = new Map(hosts.map((h) => [h.peerId, h]))
  const segments = Math.ceil((8 * peers) / n)
  for (let placed = 0; placed < segments;) {
    const segs = Math.min(segments - placed, 1 + Math.floor(r() * 8))
    placed += segs
    const found = new Map<string, (typeof hosts)[number]>()
    while (found.size < 31) {
      const key = keyFrom(r)
      for (const h of [...hosts].sort((a, b) => compareDistance(key, a.kadId, b.kadId)).slice(0, 20)) found.set(h.peerId, h)
    }
    const candidates: Candidate[] = [...found.values()].map((h) => ({
      peerId: h.peerId,
      kadId: h.kadId,
      free: GiB - h.used,
      ...(stat ? { used: h.used, quota: GiB } : {}),
    }))
    const plan = planUpload({ shareSizes: Array(segs).fill(SHARE), n, hosts: candidates, target: keyFrom(r) })!
    for (const seg of plan.assignments) {
      for (const p of seg) {
        byId.get(p)!.used += SHARE
        byId.get(p)!.shares++
      }
    }
  }
  const counts = hosts.map((h) => h.shares)
  return Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length)
}

function host(i: number, extra: Partial<Candidate> = {}): Candidate {
  return { peerId: `h${i}`, kadId: new Uint8Array(32).fill(i * 7 + 1), free: GiB, ...extra }
}

const target = new Uint8Array(32)

describe('rankHosts', () => {
  it('at 100 hosts, keeps the busiest host within 2× the mean when hosts say their load, where pure XOR order does not', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const balanced = simulate(seed, true)
      const xor = simulate(seed, false)
      expect(balanced, `seed ${seed}`).toBeLessThanOrEqual(2)
      expect(xor, `seed ${seed}`).toBeGreaterThan(2)
    }
  })

  it('takes the less loaded of the nearest hosts, distance breaking ties', () => {
    const hs = Array.from({ length: 6 }, (_, i) => host(i, { used: 0, quota: GiB }))
    const loaded = hs.map((h, i) => (i < 2 ? { ...h, used: GiB / 2 } : h))
    const order = rankHosts({ hosts: loaded, target, n: 2, want: 2 }).map((h) => h.peerId)
    expect(order).toEqual(['h2', 'h3', 'h4', 'h5', 'h0', 'h1'])
    // Equal loads: XOR order from the file's key.
    expect(rankHosts({ hosts: hs, target, n: 2, want: 2 }).map((h) => h.peerId)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5'])
    expect(rankHosts({ hosts: hs, target: hs[3]!.kadId, n: 2, want: 2 })[0]!.peerId).toBe('h3')
  })

  it('looks at CHOICES × want of the nearest only: a far idle host does not beat near busy ones', () => {
    const hs = Array.from({ length: 12 }, (_, i) => host(i, { used: i === 11 ? 0 : GiB / 4, quota: GiB }))
    const order = rankHosts({ hosts: hs, target, n: 1, want: 1 }).map((h) => h.peerId)
    expect(order.slice(0, 3)).toEqual(['h0', 'h1', 'h2'])
    expect(order.at(-1)).toBe('h11')
  })

  it('leaves out hosts over the owner’s price limit, unless fewer than n are within it', () => {
    const hs = [host(0, { price: 900 }), host(1, { price: 500 }), host(2), host(3, { price: 100 }), host(4, { price: 0 }), host(5)]
    const plan = planUpload({ shareSizes: [MiB], n: 4, hosts: hs, target, maxPrice: 100, spares: 2 })!
    expect([...plan.hosts, ...plan.spares].sort()).toEqual(['h2', 'h3', 'h4', 'h5'])
    // Only three hosts are free: the cheapest other makes up n, after them, and the next are spares.
    const free = planUpload({ shareSizes: [MiB], n: 4, hosts: hs, target, maxPrice: 0, spares: 2 })!
    expect(free.hosts).toEqual(['h2', 'h4', 'h5', 'h3'])
    expect(free.spares).toEqual(['h1', 'h0'])
    expect(free.reduced).toBe(false)
    // No limit: price does not matter.
    expect(planUpload({ shareSizes: [MiB], n: 4, hosts: hs, target })!.hosts).toEqual(['h0', 'h1', 'h2', 'h3'])
  })

  it('prefers persistent storage, servers and installed apps over plain tabs, until they are a quarter fuller', () => {
    const tabs = Array.from({ length: 4 }, (_, i) => host(i, { used: 0, quota: GiB, kind: 'tab' }))
    const steady = [
      host(4, { used: GiB / 10, quota: GiB, kind: 'server', persistent: true }),
      host(5, { used: GiB / 10, quota: GiB, kind: 'app', persistent: true }),
      host(6, { used: 0, quota: GiB, kind: 'tab', persistent: true }),
    ]
    const plan = planUpload({ shareSizes: [MiB], n: 3, hosts: [...tabs, ...steady], target, spares: 1 })!
    expect(plan.hosts).toEqual(['h4', 'h5', 'h6'])
    expect(plan.spares).toEqual(['h0'])
    // A server 30 % fuller than the tabs is passed over.
    const full = steady.map((h) => ({ ...h, used: (GiB * 3) / 10 }))
    expect(planUpload({ shareSizes: [MiB], n: 3, hosts: [...tabs, ...full], target, spares: 0 })!.hosts).toEqual(['h0', 'h1', 'h2'])
  })

  it('prefers the hosts the owner rates better', () => {
    const hs = Array.from({ length: 5 }, (_, i) => host(i))
    const preference = (p: string): number => (p === 'h0' || p === 'h1' ? 0.6 : 1)
    const plan = planUpload({ shareSizes: [MiB], n: 3, hosts: hs, target, spares: 2, preference })!
    expect(plan.hosts).toEqual(['h2', 'h3', 'h4'])
    expect(plan.spares).toEqual(['h0', 'h1'])
  })

  it('still puts a segment’s n shares on n distinct hosts when there are n, and says when there are not', () => {
    const hs = Array.from({ length: 10 }, (_, i) =>
      host(i, { used: (i % 3) * (GiB / 8), quota: GiB, kind: i % 2 ? 'server' : 'tab', price: i * 10, persistent: i % 4 === 0 }),
    )
    const plan = planUpload({ shareSizes: Array(6).fill(MiB), n: 8, hosts: hs, target, maxPrice: 60, preference: (p) => (p === 'h1' ? 0.5 : 1) })!
    // 7 within the limit, so the cheapest over it (h7) makes the eighth.
    expect(new Set(plan.hosts)).toEqual(new Set(['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']))
    for (const seg of plan.assignments) expect(new Set(seg).size).toBe(8)
    expect(maxSharesPerHost(plan)).toBe(1)
    expect(plan.reduced).toBe(false)
    const few = planUpload({ shareSizes: Array(2).fill(MiB), n: 8, hosts: hs.slice(0, 3), target, maxPrice: 0 })!
    expect(few.reduced).toBe(true)
    expect(new Set(few.hosts)).toEqual(new Set(['h0', 'h1', 'h2']))
    expect(maxSharesPerHost(few)).toBe(3)
  })
})
