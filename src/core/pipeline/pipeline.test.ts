import { describe, expect, it } from 'vitest'
import { Vault } from '../vault/index.ts'
import { makePolicy } from '../erasure/index.ts'
import { planSegments } from '../segment/index.ts'
import { LEAF_SIZE } from '../merkle/index.ts'
import type { NotEnoughSharesError } from '../errors.ts'
import { rejectionOf } from '../../testing/expect.ts'
import { corruptors, patternBytes, subsets, type CorruptorName } from '../../testing/corruptors.ts'
import { decodeAll, decodeFile, encodeAll, encodeFile, type BlobLike, type FetchShare, type PipelineProgress } from './index.ts'

const SHARE = LEAF_SIZE // small shares keep the tests fast
const policy = makePolicy({ k: 4, n: 8 })
const SEG = planSegments(0, policy.k, SHARE).segmentSize

function blobOf(bytes: Uint8Array, name = 'test.bin'): Blob & { name: string } {
  return Object.assign(new Blob([new Uint8Array(bytes)]), { name })
}

function fetcherFor(segments: { shares: readonly { segmentIndex: number; shareIndex: number; bytes: Uint8Array }[] }[]): {
  store: Map<string, Uint8Array>
  fetch: FetchShare
} {
  const store = new Map<string, Uint8Array>()
  for (const seg of segments) for (const s of seg.shares) store.set(`${s.segmentIndex}/${s.shareIndex}`, s.bytes)
  return { store, fetch: async (ref) => store.get(`${ref.segmentIndex}/${ref.shareIndex}`) }
}

describe('round trips', () => {
  const sizes: [string, number][] = [
    ['empty', 0],
    ['one byte', 1],
    ['segment − 1', SEG - 1],
    ['one segment', SEG],
    ['segment + 1', SEG + 1],
    ['three segments', 3 * SEG],
    ['random size', 1 + Math.floor(Math.random() * 4 * SEG)],
  ]
  it.each(sizes)('%s (%i bytes)', async (_label, size) => {
    const vault = await Vault.create()
    const data = patternBytes(size, size + 7)
    const events: PipelineProgress[] = []
    const { manifest, segments } = await encodeAll(blobOf(data), policy, vault, {
      shareSize: SHARE,
      onProgress: (e) => events.push(e),
    })
    expect(manifest.size).toBe(size)
    expect(manifest.segments.length).toBe(Math.max(1, Math.ceil(size / SEG)))
    for (const seg of segments) {
      expect(seg.shares.length).toBe(policy.n)
      const sizesOfShares = new Set(seg.shares.map((s) => s.bytes.length))
      expect(sizesOfShares.size).toBe(1)
      expect([...sizesOfShares][0]! % LEAF_SIZE).toBe(0)
    }
    const { fetch } = fetcherFor(segments)
    const out = await decodeAll(manifest, vault, fetch, { onProgress: (e) => events.push(e) })
    expect(out).toEqual(data)
    expect(events[0]?.type).toBe('encode:start')
    expect(events.filter((e) => e.type === 'encode:segment').length).toBe(manifest.segments.length)
    expect(events.at(-1)).toEqual({ type: 'decode:done', bytesTotal: size })
  })

  it('full segments use the full share size; the last segment pads to a power-of-two leaf count', async () => {
    const vault = await Vault.create()
    const { segments } = await encodeAll(blobOf(patternBytes(SEG * 16 + 10)), policy, vault, { shareSize: 16 * LEAF_SIZE })
    expect(segments[0]!.shares[0]!.bytes.length).toBe(16 * LEAF_SIZE)
    expect(segments.at(-1)!.shares[0]!.bytes.length).toBe(LEAF_SIZE)
  })
})

describe('buffer reuse', () => {
  it('released segment buffers are recycled without corrupting shares already copied out', async () => {
    const vault = await Vault.create()
    const data = patternBytes(5 * SEG + 17, 5)
    const gen = encodeFile(blobOf(data), policy, vault, { shareSize: SHARE })
    const copies: { shares: { segmentIndex: number; shareIndex: number; bytes: Uint8Array }[] }[] = []
    const seen = new Set<ArrayBufferLike>()
    let r = await gen.next()
    while (!r.done) {
      seen.add(r.value.shares[0]!.bytes.buffer)
      copies.push({ shares: r.value.shares.map((s) => ({ ...s, bytes: new Uint8Array(s.bytes) })) })
      r.value.release()
      r = await gen.next()
    }
    expect(seen.size).toBeLessThan(6) // buffers were reused
    const { fetch } = fetcherFor(copies)
    expect(await decodeAll(r.value, vault, fetch)).toEqual(data)
  })
})

describe('k of n', () => {
  // For every choice of lost and corrupted shares of one segment (small k, n so the table is complete):
  // decoding succeeds exactly when at least k good shares remain.
  const small = makePolicy({ k: 2, n: 4 })
  const corruptNames = Object.keys(corruptors) as CorruptorName[]
  const cases: { lost: number[]; corrupt: number[] }[] = []
  for (const lost of subsets(small.n)) {
    const rest = [...Array(small.n).keys()].filter((i) => !lost.includes(i))
    for (const mask of subsets(rest.length)) cases.push({ lost, corrupt: mask.map((j) => rest[j]!) })
  }

  it(`covers ${cases.length} cases of lost and corrupt shares`, async () => {
    const vault = await Vault.create()
    const data = patternBytes(3 * planSegments(0, small.k, SHARE).segmentSize - 5, 99)
    const { manifest, segments } = await encodeAll(blobOf(data), small, vault, { shareSize: SHARE })
    const target = 1 // damage the middle segment
    let i = 0
    for (const { lost, corrupt } of cases) {
      const { store, fetch } = fetcherFor(segments)
      for (const s of lost) store.delete(`${target}/${s}`)
      for (const s of corrupt) {
        const name = corruptNames[i++ % corruptNames.length]!
        store.set(`${target}/${s}`, corruptors[name](store.get(`${target}/${s}`)!))
      }
      const good = small.n - lost.length - corrupt.length
      const rejected: number[] = []
      const run = decodeAll(manifest, vault, fetch, {
        onProgress: (e) => {
          if (e.type === 'decode:share-rejected') rejected.push(e.shareIndex)
        },
      })
      if (good >= small.k) {
        // Buffer.equals, not toEqual: vitest's deep equality on megabytes took most of a minute under load.
        expect(Buffer.from(await run).equals(Buffer.from(data)), `lost ${lost} corrupt ${corrupt}`).toBe(true)
        for (const r of rejected) expect([...lost, ...corrupt]).toContain(r)
      } else {
        const err = (await rejectionOf(run, 'NotEnoughSharesError')) as NotEnoughSharesError
        expect(err.segmentIndex).toBe(target)
        expect(err.good).toBe(good)
        expect(err.needed).toBe(small.k)
        expect(err.failures.map((f) => f.shareIndex).sort()).toEqual([...lost, ...corrupt].sort())
        expect(err.message).toContain(`Segment ${target}`)
      }
    }
  })

  it('reports unreachable holders and still decodes from the others', async () => {
    const vault = await Vault.create()
    const data = patternBytes(SEG + 3)
    const { manifest, segments } = await encodeAll(blobOf(data), policy, vault, { shareSize: SHARE })
    const { fetch } = fetcherFor(segments)
    const flaky: FetchShare = async (ref) => {
      if (ref.shareIndex < 3) throw new Error('peer hung up')
      return fetch(ref)
    }
    const rejected: string[] = []
    const out = await decodeAll(manifest, vault, flaky, {
      onProgress: (e) => e.type === 'decode:share-rejected' && rejected.push(`${e.segmentIndex}/${e.shareIndex}:${e.reason}`),
    })
    expect(out).toEqual(data)
    expect(rejected).toContain('0/0:unreachable')
  })
})

describe('fetch economy', () => {
  it('fetches exactly k shares per segment when they are good, and one more per failure', async () => {
    const vault = await Vault.create()
    const data = patternBytes(3 * SEG)
    const { manifest, segments } = await encodeAll(blobOf(data), policy, vault, { shareSize: SHARE })
    const { fetch } = fetcherFor(segments)
    const counted = (fail: (ref: { segmentIndex: number; shareIndex: number }) => boolean) => {
      const perSegment = new Map<number, number>()
      const f: FetchShare = async (ref) => {
        perSegment.set(ref.segmentIndex, (perSegment.get(ref.segmentIndex) ?? 0) + 1)
        // Uneven answer times, so fast workers finish while others are still fetching.
        await new Promise((r) => setTimeout(r, ref.shareIndex % 2 === 0 ? 1 : 15))
        if (fail(ref)) return undefined
        return fetch(ref)
      }
      return { f, perSegment }
    }
    const allGood = counted(() => false)
    expect(await decodeAll(manifest, vault, allGood.f)).toEqual(data)
    expect([...allGood.perSegment.values()]).toEqual([4, 4, 4])
    const twoMissing = counted((ref) => ref.shareIndex === 0 || ref.shareIndex === 2)
    expect(await decodeAll(manifest, vault, twoMissing.f)).toEqual(data)
    expect([...twoMissing.perSegment.values()]).toEqual([6, 6, 6])
  })
})

describe('bad input', () => {
  it('decoding with another vault is a WrongKeyError and yields nothing', async () => {
    const vault = await Vault.create()
    const other = await Vault.create()
    const { manifest, segments } = await encodeAll(blobOf(patternBytes(1000)), policy, vault, { shareSize: SHARE })
    const { fetch } = fetcherFor(segments)
    await rejectionOf(decodeAll(manifest, other, fetch), 'WrongKeyError')
  })

  it('shares of another file cannot stand in (roots differ)', async () => {
    const vault = await Vault.create()
    const a = await encodeAll(blobOf(patternBytes(5000, 1)), policy, vault, { shareSize: SHARE })
    const b = await encodeAll(blobOf(patternBytes(5000, 2)), policy, vault, { shareSize: SHARE })
    const { fetch } = fetcherFor(b.segments)
    const err = (await rejectionOf(decodeAll(a.manifest, vault, fetch), 'NotEnoughSharesError')) as NotEnoughSharesError
    expect(err.failures.every((f) => f.reason === 'corrupt')).toBe(true)
  })

  it('an impossible policy is refused before anything is read', async () => {
    const vault = await Vault.create()
    let read = false
    const blob: BlobLike = {
      size: 10,
      slice: () => {
        read = true
        return { arrayBuffer: async () => new ArrayBuffer(10) }
      },
    }
    const gen = encodeFile(blob, { k: 5, n: 4, repairThreshold: 4 }, vault)
    await rejectionOf(gen.next(), 'InvalidPolicyError')
    expect(read).toBe(false)
  })

  it('a file of several GiB is read in segment slices, never whole', async () => {
    const vault = await Vault.create()
    const size = 5 * 1024 ** 3
    let biggest = 0
    let calls = 0
    const huge: BlobLike = {
      size,
      name: 'huge.bin',
      slice: (start, end) => {
        biggest = Math.max(biggest, end - start)
        calls++
        return { arrayBuffer: async () => patternBytes(end - start, start % 1000).buffer as ArrayBuffer }
      },
    }
    const gen = encodeFile(huge, policy, vault, { lookahead: 1 })
    for (let i = 0; i < 3; i++) expect((await gen.next()).done).toBe(false)
    await gen.return(undefined as never)
    const seg = planSegments(size, policy.k).segmentSize
    expect(biggest).toBe(seg)
    expect(calls).toBeLessThanOrEqual(5)
  })

  it('a file that shrinks while being read is a clear error', async () => {
    const vault = await Vault.create()
    const blob: BlobLike = { size: 100, slice: () => ({ arrayBuffer: async () => new ArrayBuffer(40) }) }
    const err = await rejectionOf(encodeAll(blob, policy, vault), 'InvalidInputError')
    expect(err.message).toMatch(/changed while it was read/)
  })

  it('cancelling stops the encode with CancelledError', async () => {
    const vault = await Vault.create()
    const ac = new AbortController()
    const gen = encodeFile(blobOf(patternBytes(4 * SEG)), policy, vault, { shareSize: SHARE, signal: ac.signal })
    await gen.next()
    ac.abort()
    await rejectionOf(gen.next(), 'CancelledError')
  })

  it('decoding streams: the first segment arrives before later shares are fetched', async () => {
    const vault = await Vault.create()
    const { manifest, segments } = await encodeAll(blobOf(patternBytes(6 * SEG)), policy, vault, { shareSize: SHARE })
    const { fetch } = fetcherFor(segments)
    const fetched = new Set<number>()
    const gen = decodeFile(
      manifest,
      vault,
      async (ref) => {
        fetched.add(ref.segmentIndex)
        return fetch(ref)
      },
      { lookahead: 1 },
    )
    await gen.next()
    expect(Math.max(...fetched)).toBeLessThanOrEqual(2)
    await gen.return()
  })
})
