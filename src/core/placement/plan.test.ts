import { describe, expect, it } from 'vitest'
import { maxSharesPerHost, planUpload } from './plan.ts'
import type { Candidate } from './index.ts'

const MiB = 1 << 20

function hosts(count: number, free = 1 << 30): Candidate[] {
  return Array.from({ length: count }, (_, i) => ({ peerId: `h${i}`, kadId: new Uint8Array(32).fill(i * 7 + 1), free }))
}

const target = new Uint8Array(32)

describe('planUpload', () => {
  it('puts every segment’s n shares on n distinct hosts, and keeps spares', () => {
    const plan = planUpload({ shareSizes: Array(5).fill(MiB), n: 4, hosts: hosts(7), target })!
    expect(plan.hosts).toHaveLength(4)
    expect(plan.spares).toHaveLength(2)
    for (const seg of plan.assignments) expect(new Set(seg).size).toBe(4)
    expect(plan.reduced).toBe(false)
    expect(maxSharesPerHost(plan)).toBe(1)
    // No spare is also a planned host.
    for (const s of plan.spares) expect(plan.hosts).not.toContain(s)
  })

  it('rotates data shares over the hosts, so no host serves every data share', () => {
    const plan = planUpload({ shareSizes: Array(16).fill(MiB), n: 8, hosts: hosts(8), target })!
    const firstShare = new Map<string, number>()
    for (const seg of plan.assignments) firstShare.set(seg[0]!, (firstShare.get(seg[0]!) ?? 0) + 1)
    expect(Math.max(...firstShare.values())).toBe(2)
    const loads = [...plan.load.values()]
    expect(Math.max(...loads)).toBe(Math.min(...loads))
  })

  it('ranks hosts by XOR distance from the file’s key', () => {
    const hs = hosts(6)
    const near = hs[4]!
    const plan = planUpload({ shareSizes: [MiB], n: 2, hosts: hs, target: near.kadId })!
    expect(plan.hosts[0]).toBe(near.peerId)
  })

  it('with fewer hosts than n, doubles up as evenly as it can and says so', () => {
    const plan = planUpload({ shareSizes: Array(3).fill(MiB), n: 8, hosts: hosts(3), target })!
    expect(plan.reduced).toBe(true)
    expect(plan.spares).toHaveLength(0)
    expect(maxSharesPerHost(plan)).toBe(3)
    const one = planUpload({ shareSizes: [MiB], n: 3, hosts: hosts(1), target })!
    expect(one.assignments).toEqual([['h0', 'h0', 'h0']])
  })

  it('takes more hosts when the nearest cannot hold the file, and leaves out hosts with too little room', () => {
    const hs = hosts(6, 3 * MiB)
    // 4 segments × 4 shares = 16 MiB; 4 hosts of 3 MiB cannot hold it, 6 can.
    const plan = planUpload({ shareSizes: Array(4).fill(MiB), n: 4, hosts: hs, target })!
    expect(plan.hosts).toHaveLength(6)
    for (const [h, bytes] of plan.load) expect(bytes).toBeLessThanOrEqual(3 * MiB)
    for (const seg of plan.assignments) expect(new Set(seg).size).toBe(4)
    const tiny = [...hosts(4, 4 * MiB), { peerId: 'small', kadId: new Uint8Array(32), free: 100 }]
    const p2 = planUpload({ shareSizes: Array(4).fill(MiB), n: 4, hosts: tiny, target })!
    expect(p2.hosts).not.toContain('small')
  })

  it('keeps a segment’s shares apart even when loads are uneven (a big segment, then small ones, on more hosts than n)', () => {
    const plan = planUpload({ shareSizes: [2 * MiB, MiB, MiB], n: 4, hosts: hosts(6, 3 * MiB), target })!
    expect(plan.hosts.length).toBeGreaterThan(4)
    for (const seg of plan.assignments) expect(new Set(seg).size).toBe(4)
  })

  it('is undefined when the hosts together cannot hold the file', () => {
    expect(planUpload({ shareSizes: Array(4).fill(MiB), n: 4, hosts: hosts(4, MiB), target })).toBeUndefined()
    expect(planUpload({ shareSizes: [MiB], n: 2, hosts: [], target })).toBeUndefined()
  })
})
