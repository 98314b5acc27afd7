import { describe, expect, it } from 'vitest'
import { LEAF_SIZE, merkleTree } from '../merkle/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { answerAudit, auditIndices, auditsToCatch, checkAudit, leavesPerAudit, missChance, passChance, TARGET_MISS } from './index.ts'

const nonce = (i: number): Uint8Array => patternBytes(32, i + 1)

describe('audit challenges', () => {
  it('asks for a sixteenth of the leaves, at least one and at most 16', () => {
    expect([1, 2, 8, 15, 16, 17, 31, 32, 64, 256].map(leavesPerAudit)).toEqual([1, 1, 1, 1, 1, 1, 1, 2, 4, 16])
    for (const L of [16, 32, 64, 128, 256]) expect(leavesPerAudit(L) * LEAF_SIZE).toBeLessThanOrEqual((L * LEAF_SIZE) / 16)
  })

  it('draws distinct indices in range, the same on both sides, different per nonce', () => {
    const a = auditIndices(nonce(1), 256, 16)
    expect(new Set(a).size).toBe(16)
    expect(a.every((i) => i >= 0 && i < 256)).toBe(true)
    expect(auditIndices(nonce(1), 256, 16)).toEqual(a)
    expect(auditIndices(nonce(2), 256, 16)).not.toEqual(a)
    expect(auditIndices(nonce(3), 1, 1)).toEqual([0])
  })

  it('draws every leaf about equally often', () => {
    const counts = new Array<number>(16).fill(0)
    for (let i = 0; i < 3200; i++) counts[auditIndices(patternBytes(32, i + 7), 16, 1)[0]!]!++
    for (const c of counts) expect(c).toBeGreaterThan(140) // mean 200, sd about 14
  })

  it('refuses counts it cannot draw', () => {
    expect(() => auditIndices(nonce(1), 4, 5)).toThrow()
    expect(() => auditIndices(new Uint8Array(31), 4, 1)).toThrow()
  })

  it('accepts the honest answer and refuses a wrong leaf, a wrong path, a missing leaf or a reordered answer', async () => {
    const share = patternBytes(32 * LEAF_SIZE, 9)
    const tree = await merkleTree(share)
    const n = nonce(4)
    const good = answerAudit(share, tree, n, 2)
    expect(await checkAudit(tree.root, share.length, n, 2, good)).toBe(true)
    const flipped = new Uint8Array(good.leaves[0]!)
    flipped[5]! ^= 1
    expect(await checkAudit(tree.root, share.length, n, 2, { ...good, leaves: [flipped, good.leaves[1]!] })).toBe(false)
    expect(await checkAudit(tree.root, share.length, n, 2, { ...good, paths: [good.paths[1]!, good.paths[0]!] })).toBe(false)
    expect(await checkAudit(tree.root, share.length, n, 2, { leaves: [good.leaves[0]!], paths: [good.paths[0]!] })).toBe(false)
    expect(await checkAudit(tree.root, share.length, n, 2, { leaves: [...good.leaves].reverse(), paths: [...good.paths].reverse() })).toBe(false)
    expect(await checkAudit(tree.root, share.length, nonce(5), 2, good)).toBe(false)
  })
})

describe('detection', () => {
  it('catches a host that kept half of a 1 MiB share with 1 − 2⁻²⁰ within 20 audits', () => {
    expect(passChance(0.5, 16)).toBe(0.5)
    expect(auditsToCatch(0.5, 16)).toBe(20)
    expect(missChance(0.5, 16, 20)).toBeLessThanOrEqual(TARGET_MISS)
    expect(missChance(0.5, 16, 19)).toBeGreaterThan(TARGET_MISS)
  })

  it('is hypergeometric: distinct leaves make each audit stronger than f^c', () => {
    expect(passChance(0.5, 256)).toBeLessThan(0.5 ** 16)
    expect(passChance(0.5, 256)).toBeCloseTo(
      (128 / 256) *
        (127 / 255) *
        (126 / 254) *
        (125 / 253) *
        (124 / 252) *
        (123 / 251) *
        (122 / 250) *
        (121 / 249) *
        (120 / 248) *
        (119 / 247) *
        (118 / 246) *
        (117 / 245) *
        (116 / 244) *
        (115 / 243) *
        (114 / 242) *
        (113 / 241),
      15,
    )
    expect(auditsToCatch(0.5, 256)).toBe(2)
    expect(passChance(1, 16)).toBe(1)
    expect(passChance(0, 16)).toBe(0)
    expect(auditsToCatch(15 / 16, 16)).toBe(Math.ceil(Math.log(TARGET_MISS) / Math.log(15 / 16)))
  })
})
