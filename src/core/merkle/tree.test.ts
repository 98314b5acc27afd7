import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toHex } from '../bytes.ts'
import { InvalidInputError } from '../errors.ts'
import { LEAF_SIZE, leafBytes, leafCount, leafProof, merkleRoot, merkleTree, verifyLeaf, type LeafProof } from './index.ts'

const L = LEAF_SIZE

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The tree again with node:crypto: leaves hashed as they are, nodes 0x01-prefixed, odd node promoted. */
function independentRoot(share: Uint8Array): string {
  let level: Buffer[] = []
  for (let i = 0; i * L < share.length; i++) {
    level.push(sha256(share.subarray(i * L, (i + 1) * L)))
  }
  while (level.length > 1) {
    const next: Buffer[] = []
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i] as Buffer, level[i + 1]]
      next.push(b === undefined ? a : sha256(Uint8Array.of(1), a, b))
    }
    level = next
  }
  return (level[0] as Buffer).toString('hex')
}

function share(length: number, mul = 13): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * mul + (i >> 16)) & 255
  return out
}

function flip(bytes: Uint8Array, at = 0): Uint8Array {
  const out = bytes.slice()
  out[at] = (out[at] as number) ^ 1
  return out
}

// Sizes giving 1, 2, 3, 4, 5, 7, 8, 13 and 40 leaves.
const SIZES = [L, 2 * L, 3 * L, 4 * L, 5 * L, 7 * L, 8 * L, 13 * L, 40 * L]

describe('merkle', () => {
  it('counts leaves', () => {
    const table: [number, number][] = [
      [L, 1],
      [2 * L, 2],
      [16 * L, 16],
      [64 * 1024 * 1024, 1024],
    ]
    for (const [len, count] of table) expect(leafCount(len), String(len)).toBe(count)
    for (const bad of [-1, 0, 1, L - 1, L + 1, 200_000]) expect(() => leafCount(bad), String(bad)).toThrow(InvalidInputError)
  })

  it('pins the root of 3 leaves of i*7&255 (golden vector, checked independently)', async () => {
    const s = Uint8Array.from({ length: 3 * L }, (_, i) => (i * 7) & 255)
    const root = toHex(await merkleRoot(s))
    expect(root).toBe(GOLDEN_ROOT)
    expect(root).toBe(independentRoot(s))
  })

  it('hashes a one-leaf share as SHA-256(bytes)', async () => {
    for (const mul of [1, 13]) {
      const s = share(L, mul)
      const tree = await merkleTree(s)
      expect(tree.leafCount).toBe(1)
      expect(toHex(tree.root)).toBe(sha256(s).toString('hex'))
      expect(tree.proof(0)).toEqual([])
      expect(await verifyLeaf(tree.root, 1, { leafIndex: 0, leaf: s, path: [] })).toBe(true)
    }
  })

  it('refuses shares that are not whole leaves (they could blur leaves and nodes)', async () => {
    for (const len of [0, 1, 65, L - 1, L + 1]) {
      await expect(merkleRoot(new Uint8Array(len)), String(len)).rejects.toThrow(InvalidInputError)
    }
  })

  it('a node preimage is never accepted as a leaf (second-preimage attempt)', async () => {
    const s = share(2 * L)
    const tree = await merkleTree(s)
    const node = new Uint8Array([1, ...sha256(s.subarray(0, L)), ...sha256(s.subarray(L))])
    expect(await verifyLeaf(tree.root, 1, { leafIndex: 0, leaf: node, path: [] })).toBe(false)
  })

  it('hashes a two-leaf share as SHA-256(0x01 ‖ leaf0 ‖ leaf1)', async () => {
    const s = share(2 * L)
    const h0 = sha256(s.subarray(0, L))
    const h1 = sha256(s.subarray(L))
    expect(toHex(await merkleRoot(s))).toBe(sha256(Uint8Array.of(1), h0, h1).toString('hex'))
    const tree = await merkleTree(s)
    expect(tree.proof(0)).toEqual([new Uint8Array(h1)])
    expect(tree.proof(1)).toEqual([new Uint8Array(h0)])
  })

  it.each(SIZES)('matches the independent tree, and every leaf proof verifies, at %i bytes', async (len) => {
    const s = share(len)
    const tree = await merkleTree(s)
    expect(toHex(tree.root)).toBe(independentRoot(s))
    expect(await merkleRoot(s)).toEqual(tree.root)
    expect(tree.leafCount).toBe(leafCount(len))
    for (let i = 0; i < tree.leafCount; i++) {
      const proof = leafProof(s, tree, i)
      expect(proof.leaf.byteOffset).toBe(i * L) // a view of the share's leaf, not a copy
      expect(proof.leaf.length).toBe(leafBytes(s, i).length)
      expect(await verifyLeaf(tree.root, tree.leafCount, proof), `leaf ${i}`).toBe(true)
    }
  })

  it('promotes an odd node: the last leaf of 3 or 5 has a shorter path', async () => {
    const t3 = await merkleTree(share(3 * L))
    expect(t3.proof(0).length).toBe(2)
    expect(t3.proof(2).length).toBe(1)
    const t5 = await merkleTree(share(5 * L))
    expect(t5.proof(0).length).toBe(3)
    expect(t5.proof(4).length).toBe(1)
  })

  describe('rejects tampered proofs', () => {
    const cases: [string, (p: LeafProof, count: number) => LeafProof][] = [
      ['a flipped bit in the leaf', (p) => ({ ...p, leaf: flip(p.leaf, p.leaf.length - 1) })],
      ['a leaf one byte short', (p) => ({ ...p, leaf: p.leaf.subarray(0, p.leaf.length - 1) })],
      ['a leaf one byte long', (p) => ({ ...p, leaf: new Uint8Array([...p.leaf, 0]) })],
      ['the next index', (p, n) => ({ ...p, leafIndex: (p.leafIndex + 1) % n })],
      ['the previous index', (p, n) => ({ ...p, leafIndex: (p.leafIndex + n - 1) % n })],
      ['an index out of range', (p, n) => ({ ...p, leafIndex: n })],
      ['a negative index', (p) => ({ ...p, leafIndex: -1 })],
      ['a fractional index', (p) => ({ ...p, leafIndex: p.leafIndex + 0.5 })],
      ['a path missing its last hash', (p) => ({ ...p, path: p.path.slice(0, -1) })],
      ['a path with an extra hash', (p) => ({ ...p, path: [...p.path, new Uint8Array(32)] })],
      ['a flipped bit in the path', (p) => ({ ...p, path: p.path.map((h, i) => (i === 0 ? flip(h, 31) : h)) })],
      ['a path hash of 31 bytes', (p) => ({ ...p, path: p.path.map((h, i) => (i === 0 ? h.subarray(0, 31) : h)) })],
      ['a reversed path', (p) => ({ ...p, path: [...p.path].reverse() })],
    ]
    for (const len of [2 * L, 3 * L, 5 * L, 13 * L]) {
      // With two leaves every path has one hash, so reversing it changes nothing.
      const applicable = len <= 2 * L ? cases.filter(([name]) => name !== 'a reversed path') : cases
      it.each(applicable)(`%s (${len} bytes)`, async (_name, tamper) => {
        const s = share(len)
        const tree = await merkleTree(s)
        let tried = 0
        for (let i = 0; i < tree.leafCount; i++) {
          const good = leafProof(s, tree, i)
          const bad = tamper(good, tree.leafCount)
          // Some tampers are no-ops for some leaves (e.g. reversing a one-hash path).
          if (bad.leafIndex === good.leafIndex && bad.leaf === good.leaf && sameHashes(bad.path, good.path)) continue
          expect(await verifyLeaf(tree.root, tree.leafCount, bad), `leaf ${i}`).toBe(false)
          tried++
        }
        expect(tried).toBeGreaterThan(0)
      })
    }

    it('a wrong root', async () => {
      const s = share(3 * L)
      const tree = await merkleTree(s)
      const proof = leafProof(s, tree, 1)
      expect(await verifyLeaf(flip(tree.root, 5), tree.leafCount, proof)).toBe(false)
      expect(await verifyLeaf(await merkleRoot(share(3 * L, 5)), tree.leafCount, proof)).toBe(false)
    })

    it('a leaf from another share with the same shape', async () => {
      const s = share(4 * L)
      const tree = await merkleTree(s)
      const other = share(4 * L, 3)
      const proof = { ...leafProof(s, tree, 2), leaf: leafBytes(other, 2) }
      expect(await verifyLeaf(tree.root, tree.leafCount, proof)).toBe(false)
    })
  })

  it('validates its arguments', async () => {
    const s = share(3 * L)
    const tree = await merkleTree(s)
    const proof = leafProof(s, tree, 0)
    await expect(verifyLeaf(tree.root.subarray(0, 31), 3, proof)).rejects.toThrow(/root must be 32 bytes, got 31/)
    await expect(verifyLeaf(tree.root, 0, proof)).rejects.toThrow(InvalidInputError)
    expect(() => tree.proof(3)).toThrow(InvalidInputError)
    expect(() => tree.proof(-1)).toThrow(InvalidInputError)
    expect(() => leafBytes(s, 3)).toThrow(InvalidInputError)
    expect(() => leafProof(share(4 * L), tree, 0)).toThrow(InvalidInputError)
    await expect(merkleRoot('abc' as unknown as Uint8Array)).rejects.toThrow(InvalidInputError)
  })

  it('returns copies: changing a proof or root does not change the tree', async () => {
    const tree = await merkleTree(share(2 * L))
    const root = tree.root.slice()
    tree.proof(0)[0]?.fill(0)
    expect(tree.proof(0)[0]).not.toEqual(new Uint8Array(32))
    expect(tree.root).toEqual(root)
  })
})

function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((h, i) => toHex(h) === toHex(b[i] as Uint8Array))
}

const GOLDEN_ROOT = '3b4e7eca5fc240d0ede7e0fd6180244183d724bc2d5391715fab04a251e9389b'
