import { describe, expect, it } from 'vitest'
import { compareDistance, placeSegment, type Candidate } from './index.ts'

const id = (...bytes: number[]): Uint8Array => Uint8Array.from({ length: 4 }, (_, i) => bytes[i] ?? 0)
const peer = (name: string, first: number, free = 1000): Candidate => ({ peerId: name, kadId: id(first), free })
const share = (index: number, first: number, size = 100) => ({ index, key: id(first), size })

describe('placement', () => {
  it('orders by XOR distance', () => {
    expect(compareDistance(id(0b1000), id(0b1001), id(0b0000))).toBeLessThan(0)
    expect(compareDistance(id(5), id(5), id(5))).toBe(0)
  })

  it('gives each share its closest peer, never two shares of a segment to one peer while another has room', () => {
    const peers = [peer('a', 0x10), peer('b', 0x20), peer('c', 0x30), peer('d', 0x40)]
    // Shares 0 and 1 are both closest to a: share 1 must go to the next closest distinct peer.
    const p = placeSegment([share(0, 0x11), share(1, 0x12), share(2, 0x41)], peers)
    // 0x12 is closest to a (xor 0x02), then c (0x22), b (0x32), d (0x52).
    expect(p.holders).toEqual(['a', 'c', 'd'])
    expect(p.reduced).toBe(false)
  })

  it('skips peers without room and excluded peers', () => {
    const peers = [peer('full', 0x10, 50), peer('bad', 0x11), peer('ok', 0x90)]
    const p = placeSegment([share(0, 0x10)], peers, new Set(['bad']))
    expect(p.holders).toEqual(['ok'])
  })

  it('with fewer peers than shares it says redundancy is reduced and spreads the rest evenly', () => {
    const peers = [peer('a', 1), peer('b', 2), peer('c', 3)]
    const p = placeSegment(Array.from({ length: 8 }, (_, i) => share(i, i)), peers)
    expect(p.reduced).toBe(true)
    const counts = ['a', 'b', 'c'].map((x) => p.holders.filter((h) => h === x).length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
  })

  it('leaves a share unplaced when nobody has room', () => {
    const p = placeSegment([share(0, 1, 500), share(1, 2, 500)], [peer('a', 1, 600)])
    expect(p.holders).toEqual(['a', undefined])
  })
})
