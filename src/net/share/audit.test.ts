import { DEFAULT_LEASE_MS } from '../../core/lease/index.ts'
import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { answerAudit, auditIndices, checkAudit, leavesPerAudit, MAX_AUDIT_LEAVES } from '../../core/audit/index.ts'
import { concat, equal } from '../../core/bytes.ts'
import { HASH_SIZE, LEAF_SIZE, merkleRoot, merkleTree } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { Vault } from '../../core/vault/index.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { signStore, ShareHost } from './host.ts'
import {
  decodeRequest,
  decodeRequestHead,
  decodeResponse,
  decodeResponseHead,
  encodeRequest,
  encodeResponse,
  responseBodyMax,
  type ShareRequest,
} from './messages.ts'

const HOST = '12D3KooWHost'
const NOW = 1_800_000_000_000
const key = patternBytes(32, 1)
const nonce = patternBytes(32, 2)
const hash = (seed: number): Uint8Array => patternBytes(HASH_SIZE, seed)
const isProtocolError = expect.objectContaining({ name: 'ProtocolError' })

type Audit = Extract<ShareRequest, { type: 'audit' }>
const audit = (leaves: number, n = nonce): Audit => ({ type: 'audit', key, nonce: n, leaves })

/** A host holding one share of `leaves` leaves. */
async function hosting(leaves: number, seed = 7) {
  const bytes = patternBytes(leaves * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  const shareId = await shareKey(root)
  const owner = await Vault.create()
  const host = new ShareHost(new MemoryShareStore(), HOST, 64 * 1024 * 1024, { limits: { perOwner: 1, perPeer: 1 }, now: () => NOW })
  const stored = await host.serve({
    type: 'store',
    key: shareId,
    root,
    ...signStore(owner, shareId, bytes.length, HOST, { lease: DEFAULT_LEASE_MS, now: NOW }),
    bytes,
  })
  expect(stored.status).toBe('ok')
  return { host, bytes, root, key: shareId }
}

describe('AUDIT messages', () => {
  it('round-trips the request, 1 to 16 leaves, in a small header with no body', () => {
    for (let leaves = 1; leaves <= MAX_AUDIT_LEAVES; leaves++) {
      const msg = encodeRequest(audit(leaves))
      expect(msg.body).toBeUndefined()
      expect(msg.head.length).toBeLessThan(100)
      expect(decodeRequest(msg)).toEqual(audit(leaves))
    }
  })

  it('round-trips the answer: the paths in the header, the leaves as the body', () => {
    const body = patternBytes(2 * LEAF_SIZE, 3)
    const paths = [[hash(1), hash(2)], [hash(3)]]
    const msg = encodeResponse({ status: 'ok', bytes: body, paths })
    expect(equal(msg.body!, body)).toBe(true)
    expect(decodeResponseHead(msg.head, responseBodyMax(audit(2)))).toEqual({ status: 'ok', paths, body: body.length })
    const back = decodeResponse(msg, responseBodyMax(audit(2)))
    expect(back.status === 'ok' && equal(back.bytes!, body) && back.paths).toEqual(paths)
    // A one-leaf share's path is empty.
    const one = decodeResponse(encodeResponse({ status: 'ok', bytes: body.subarray(0, LEAF_SIZE), paths: [[]] }), responseBodyMax(audit(1)))
    expect(one.status === 'ok' && one.paths).toEqual([[]])
  })

  it('lets an answer carry at most the asked leaves: leaves × 65,536 bytes, 16 leaves at most', () => {
    for (const leaves of [1, 2, 16]) expect(responseBodyMax(audit(leaves))).toBe(leaves * LEAF_SIZE)
    expect(responseBodyMax({ ...audit(16), leaves: 1000 })).toBe(16 * LEAF_SIZE)
  })

  const fields = { type: 'audit', key, nonce, leaves: 1 }
  const badRequests: [string, unknown][] = [
    ['17 leaves', { ...fields, leaves: 17 }],
    ['a negative count', { ...fields, leaves: -1 }],
    ['a fractional count', { ...fields, leaves: 1.5 }],
    ['a count as text', { ...fields, leaves: '1' }],
    ['a nonce of 31 bytes', { ...fields, nonce: new Uint8Array(31) }],
    ['a nonce of 33 bytes', { ...fields, nonce: new Uint8Array(33) }],
    ['a nonce as text', { ...fields, nonce: 'n'.repeat(32) }],
    ['a key of 31 bytes', { ...fields, key: new Uint8Array(31) }],
    ['no nonce', { type: 'audit', key, leaves: 1 }],
    ['no key', { type: 'audit', nonce, leaves: 1 }],
    ['no count', { type: 'audit', key, nonce }],
    ['an unknown field', { ...fields, indices: [0] }],
    ['a range, as on a fetch', { ...fields, range: { offset: 0, length: 1 } }],
    ['a body', { ...fields, body: LEAF_SIZE }],
  ]
  it.each(badRequests)('refuses a request with %s', (_label, value) => {
    expect(() => decodeRequestHead(encode(value))).toThrow(isProtocolError)
  })

  it('refuses a body after an audit request', () => {
    expect(() => decodeRequest({ head: encodeRequest(audit(1)).head, body: new Uint8Array(1) })).toThrow(/carries none/)
  })

  const leaf = patternBytes(LEAF_SIZE, 5)
  const badAnswers: [string, Record<string, unknown>, Uint8Array | undefined, number][] = [
    ['17 paths', { status: 'ok', paths: Array.from({ length: 17 }, () => [hash(1)]), body: LEAF_SIZE }, leaf, 16],
    ['a path of 17 hashes', { status: 'ok', paths: [Array.from({ length: 17 }, (_, i) => hash(i))], body: LEAF_SIZE }, leaf, 1],
    ['a 33-byte hash', { status: 'ok', paths: [[new Uint8Array(33)]], body: LEAF_SIZE }, leaf, 1],
    ['a 31-byte hash', { status: 'ok', paths: [[new Uint8Array(31)]], body: LEAF_SIZE }, leaf, 1],
    ['a hash as text', { status: 'ok', paths: [['00'.repeat(32)]], body: LEAF_SIZE }, leaf, 1],
    ['paths that are not a list', { status: 'ok', paths: { 0: [hash(1)] }, body: LEAF_SIZE }, leaf, 1],
    ['a path that is not a list', { status: 'ok', paths: [hash(1)], body: LEAF_SIZE }, leaf, 1],
    ['a body one byte short of what the header says', { status: 'ok', paths: [[hash(1)]], body: LEAF_SIZE }, leaf.subarray(1), 1],
    ['a body announced and not sent', { status: 'ok', paths: [[hash(1)]], body: LEAF_SIZE }, undefined, 1],
    ['a body of two leaves for a one-leaf audit', { status: 'ok', paths: [[hash(1)], [hash(2)]], body: 2 * LEAF_SIZE }, concat(leaf, leaf), 1],
    ['an unknown field', { status: 'ok', paths: [[hash(1)]], indices: [0], body: LEAF_SIZE }, leaf, 1],
  ]
  it.each(badAnswers)('refuses an answer with %s', (_label, head, body, leaves) => {
    expect(() => decodeResponse(body ? { head: encode(head), body } : { head: encode(head) }, responseBodyMax(audit(leaves)))).toThrow(isProtocolError)
  })
})

describe('the AUDIT handler', () => {
  it('answers exactly the leaves the nonce draws, leaves × 65,536 bytes, with paths that check against the root', async () => {
    for (const leafCount of [1, 16, 17, 32]) {
      const { host, bytes, root, key: k } = await hosting(leafCount, leafCount)
      const tree = await merkleTree(bytes)
      for (const leaves of [...new Set([1, leavesPerAudit(leafCount), Math.min(leafCount, MAX_AUDIT_LEAVES)])]) {
        const res = await host.serve({ type: 'audit', key: k, nonce, leaves })
        if (res.status !== 'ok') throw new Error(`${leafCount}/${leaves}: ${res.status}`)
        expect(res.bytes!.length).toBe(leaves * LEAF_SIZE)
        expect(res.paths!.length).toBe(leaves)
        const expected = answerAudit(bytes, tree, nonce, leaves)
        expect(res.paths).toEqual(expected.paths)
        const indices = auditIndices(nonce, leafCount, leaves)
        expect(equal(res.bytes!, concat(...indices.map((x) => bytes.subarray(x * LEAF_SIZE, (x + 1) * LEAF_SIZE))))).toBe(true)
        const answer = { leaves: indices.map((_, j) => res.bytes!.subarray(j * LEAF_SIZE, (j + 1) * LEAF_SIZE)), paths: res.paths! }
        expect(await checkAudit(root, bytes.length, nonce, leaves, answer)).toBe(true)
        // And it survives the wire: the encoded answer decodes within the request's body limit.
        const wire = decodeResponse(encodeResponse(res), responseBodyMax({ type: 'audit', key: k, nonce, leaves }))
        expect(wire.status === 'ok' && equal(wire.bytes!, res.bytes!) && wire.paths).toEqual(res.paths)
      }
    }
  })

  it('draws other leaves for another nonce, and counts what it answered', async () => {
    const { host, key: k } = await hosting(32)
    const a = await host.serve({ type: 'audit', key: k, nonce, leaves: 2 })
    const b = await host.serve({ type: 'audit', key: k, nonce: patternBytes(32, 99), leaves: 2 })
    if (a.status !== 'ok' || b.status !== 'ok') throw new Error('no answer')
    expect(equal(a.bytes!, b.bytes!)).toBe(false)
    expect(host.counters.audited).toBe(2)
  })

  it('answers bad-request to more leaves than the share has, or none; not-found for a share it does not hold', async () => {
    const { host, key: k } = await hosting(2)
    for (const leaves of [3, 0]) {
      const res = await host.serve({ type: 'audit', key: k, nonce, leaves })
      expect(res.status, String(leaves)).toBe('bad-request')
    }
    expect((await host.serve({ type: 'audit', key: patternBytes(32, 77), nonce, leaves: 1 })).status).toBe('not-found')
    expect(host.counters.audited).toBe(0)
    expect(host.counters.refused).toBe(3)
  })

  it('refuses a zero count in the codec, before the host sees it', () => {
    expect(() => decodeRequestHead(encode({ type: 'audit', key: patternBytes(32, 5), nonce, leaves: 0 }))).toThrow(/leaves must be from 1 to 16/)
  })

  it('answers bad-request, not a crash, when what it holds is no longer whole leaves', async () => {
    const store = new MemoryShareStore()
    const host = new ShareHost(store, HOST, 64 * 1024 * 1024, { now: () => NOW })
    const bytes = patternBytes(2 * LEAF_SIZE - 1, 3)
    await store.put(
      { key: '00'.repeat(32), size: bytes.length, root: new Uint8Array(32), owners: [{ owner: new Uint8Array(32), since: NOW }], storedAt: NOW },
      bytes,
    )
    expect((await host.serve({ type: 'audit', key: new Uint8Array(32), nonce, leaves: 1 })).status).toBe('bad-request')
  })
})
