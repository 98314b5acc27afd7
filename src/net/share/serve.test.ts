import { DEFAULT_LEASE_MS } from '../../core/lease/index.ts'
import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { fakeStream, frame, sentFrames } from '../../testing/streams.ts'
import { checkCborBounds } from './cbor-bounds.ts'
import { ShareHost, signStore } from './host.ts'
import { serveShareStream } from './libp2p.ts'
import { decodeInterim, decodeRequestHead, decodeResponseHead, encodeRequest, HEADER_LIMITS, MAX_BODY } from './messages.ts'

const HOST = '12D3KooWHost'
const MiB = 1024 * 1024

function host(options: ConstructorParameters<typeof ShareHost>[3] = {}) {
  return new ShareHost(new MemoryShareStore(), HOST, 256 * MiB, { limits: { perOwner: 1, perPeer: 1 }, ...options })
}

/** A 16 MiB CBOR array of empty maps: 16 million objects for a decoder that builds first. */
function cborBomb(bytes = 16 * MiB): Uint8Array {
  const b = new Uint8Array(bytes).fill(0xa0) // empty maps
  b.set([0x9a, ...new Uint8Array(new Uint32Array([bytes - 5]).buffer).reverse()]) // array(bytes − 5)
  return b
}

async function until(cond: () => boolean, ms = 2500): Promise<void> {
  const end = performance.now() + ms
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function answers(s: ReturnType<typeof fakeStream>) {
  await s.done
  return sentFrames(s)
}

async function storeHeader(v: Vault, seed: number, leaves = 16) {
  const bytes = patternBytes(leaves * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  const key = await shareKey(root)
  const msg = encodeRequest({ type: 'store', key, root, ...signStore(v, key, bytes.length, HOST, { lease: DEFAULT_LEASE_MS }), bytes })
  return { head: msg.head, body: msg.body!, bytes, key }
}

describe('bounded work per message (a hostile peer)', () => {
  it('a CBOR bomb is refused at its item bound, before any object is built', () => {
    const bomb = cborBomb()
    const t0 = performance.now()
    expect(() => checkCborBounds(bomb, { maxItems: 64, maxDepth: 3 })).toThrow(/more than 64 CBOR items/)
    expect(() => decodeResponseHead(bomb.subarray(0, HEADER_LIMITS.response), MAX_BODY)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    // As a request header it is refused on its size alone (over even an offer's larger limit).
    expect(() => decodeRequestHead(bomb)).toThrow(/over the 98304-byte limit/)
    // A frame between the two limits is refused once it is not an offer, before its fields are read.
    expect(() => decodeRequestHead(cborBomb(HEADER_LIMITS.request + 1))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    // It used to take 2.3 s of main-thread CPU and 1.5 GiB; a bounded check takes next to nothing.
    expect(performance.now() - t0).toBeLessThan(250)
  })

  it('the item and depth bounds count nesting, and refuse what the protocol never uses', () => {
    const ok = encode({ type: 'fetch', key: new Uint8Array(32), range: { offset: 1, length: 2 } })
    checkCborBounds(ok, { maxItems: 11, maxDepth: 2 })
    expect(() => checkCborBounds(ok, { maxItems: 10, maxDepth: 2 })).toThrow(/more than 10/)
    expect(() => checkCborBounds(ok, { maxItems: 64, maxDepth: 1 })).toThrow(/deeper than 1/)
    // Items nested below the top level count too: an array of 60 then 10 more is 72 items.
    const nested = encode([Array(60).fill(0), ...Array(10).fill(0)])
    expect(() => checkCborBounds(nested, { maxItems: 64, maxDepth: 3 })).toThrow(/more than 64 CBOR items/)
    checkCborBounds(nested, { maxItems: 72, maxDepth: 3 })
    for (const bad of [
      [0x9f, 0xff],
      [0xc1, 0x00],
      [0xfb, 0, 0, 0, 0, 0, 0, 0, 0],
      [0xa1, 0x01],
      [0x01, 0x01],
      [0x5a, 0xff, 0xff, 0xff, 0xff],
    ]) {
      expect(() => checkCborBounds(new Uint8Array(bad), { maxItems: 64, maxDepth: 3 })).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    }
  })

  it('a header announcing more than the header limit is answered bad-request without reading it', async () => {
    const s = fakeStream([frame(new Uint8Array(0), 16 * MiB)], 'stall')
    await serveShareStream(host(), s.stream, 'mallory')
    const [res] = await answers(s)
    expect(decodeResponseHead(res!, 0)).toMatchObject({ status: 'bad-request', message: expect.stringMatching(/limit is 98304/) })
  })

  it('a CBOR bomb header is answered bad-request', async () => {
    const s = fakeStream([frame(cborBomb(HEADER_LIMITS.request))])
    await serveShareStream(host(), s.stream, 'mallory')
    const [res] = await answers(s)
    expect(decodeResponseHead(res!, 0)).toMatchObject({ status: 'bad-request', message: expect.stringMatching(/CBOR items/) })
  })

  it('truncated and late requests get a typed answer, not a reset', async () => {
    const stat = encodeRequest({ type: 'stat' }).head
    const truncated = fakeStream([frame(stat).subarray(0, 5)])
    await serveShareStream(host(), truncated.stream, 'p')
    expect(await truncated.done).toBe('closed')
    expect(decodeResponseHead((await sentFrames(truncated))[0]!, 0)).toMatchObject({ status: 'bad-request', message: expect.stringMatching(/ended before/) })
    const late = fakeStream([], 'stall')
    await serveShareStream(host(), late.stream, 'p', { headerTimeoutMs: 50 })
    expect(decodeResponseHead((await sentFrames(late))[0]!, 0)).toMatchObject({ status: 'bad-request', message: expect.stringMatching(/in time/) })
  })

  it('an admitted store whose body never comes holds no memory, and its room comes back after the time limit', async () => {
    const v = await Vault.create()
    const h = host({ limits: { perOwner: 1, perPeer: 1, inflightPerPeer: 256 * MiB, inflightTotal: 256 * MiB } })
    const heads = await Promise.all(Array.from({ length: 64 }, (_, i) => storeHeader(v, i)))
    const before = process.memoryUsage().arrayBuffers
    const streams = heads.map((x) => fakeStream([frame(x.head), frame(new Uint8Array(0), x.body.length)], 'stall'))
    const served = streams.map((s) => serveShareStream(h, s.stream, 'mallory', { bodyTimeoutMs: 3000 }))
    // 64 bodies of 1 MiB were announced and admitted; none was allocated.
    await until(() => h.accounting.inflight === 64 * MiB)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * MiB)
    await Promise.all(served)
    expect(h.accounting.inflight).toBe(0)
    for (const s of streams.slice(0, 3)) {
      const [interim, res] = await sentFrames(s)
      expect(decodeInterim(interim!)).toEqual({ status: 'continue' })
      expect(decodeResponseHead(res!, 0)).toMatchObject({ status: 'bad-request' })
    }
  })

  it('one peer’s stalled uploads are bounded: past its in-flight budget it is told busy, and other peers are still served', async () => {
    const v = await Vault.create()
    const h = host({ limits: { perOwner: 1, perPeer: 1, inflightPerPeer: 8 * MiB, inflightTotal: 64 * MiB } })
    const heads = await Promise.all(Array.from({ length: 10 }, (_, i) => storeHeader(v, 100 + i)))
    const streams = heads.map((x) => fakeStream([frame(x.head)], 'stall'))
    const served = streams.map((s) => serveShareStream(h, s.stream, 'mallory', { bodyTimeoutMs: 2000 }))
    await Promise.all(streams.slice(8).map((s) => s.done))
    for (const s of streams.slice(8)) expect(decodeInterim((await sentFrames(s))[0]!)).toMatchObject({ status: 'busy' })
    // An honest peer's store goes through meanwhile.
    const honest = await storeHeader(v, 200)
    const s = fakeStream([frame(honest.head), frame(honest.body)])
    await serveShareStream(h, s.stream, 'alice')
    const [interim, res] = await sentFrames(s)
    expect(decodeInterim(interim!)).toEqual({ status: 'continue' })
    expect(decodeResponseHead(res!, 0)).toEqual({ status: 'ok' })
    await Promise.all(served)
  })

  it('a refused store is answered before its body is sent', async () => {
    const v = await Vault.create()
    const x = await storeHeader(v, 300)
    const tiny = new ShareHost(new MemoryShareStore(), HOST, LEAF_SIZE)
    const s = fakeStream([frame(x.head)], 'stall')
    await serveShareStream(tiny, s.stream, 'p')
    const frames = await sentFrames(s)
    expect(frames).toHaveLength(1)
    expect(decodeInterim(frames[0]!)).toMatchObject({ status: 'over-quota' })
  })
})
