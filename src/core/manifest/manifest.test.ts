import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { Vault } from '../vault/index.ts'
import { toHex } from '../bytes.ts'
import { rejectionOf } from '../../testing/expect.ts'
import { decodeManifest, encodeManifest, openManifest, sealManifest, type FileManifest } from './index.ts'

const bytesOf = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i) & 255)

async function goldenVault(): Promise<Vault> {
  return Vault.fromSecret(bytesOf(32, (i) => i))
}

function sampleManifest(owner: Uint8Array): FileManifest {
  return {
    version: 1,
    fileId: bytesOf(16, (i) => 0xa0 + i),
    owner,
    revision: 3,
    name: 'holiday photos.tar',
    size: 300,
    type: 'application/x-tar',
    createdAt: 1_790_000_000_000,
    codec: {
      cipher: 'aes-256-gcm/chunked-v1',
      chunkSize: 262144,
      erasure: 'reed-solomon/gf256-vandermonde',
      k: 2,
      n: 3,
      repairThreshold: 3,
      shareSize: 65536,
      segmentSize: 200,
      leafSize: 65536,
    },
    wrappedKey: bytesOf(60, (i) => i * 3),
    keyCommitment: bytesOf(32, (i) => 255 - i),
    segments: [0, 1].map((s) => ({
      index: s,
      plaintextLength: s === 0 ? 200 : 100,
      ciphertextLength: s === 0 ? 216 : 116,
      shareSize: 65536,
      shares: [0, 1, 2].map((j) => ({
        index: j,
        key: bytesOf(32, (i) => i + s * 7 + j),
        root: bytesOf(32, (i) => i * 5 + s + j),
        holders: [`12D3KooWPeer${s}${j}`],
        contracts: j === 0 ? ['escrow-1'] : [],
      })),
    })),
  }
}

async function sha256Hex(b: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(b))))
}

describe('manifest format', () => {
  it('golden vector: the canonical encoding and the sealed bytes are pinned', async () => {
    const vault = await goldenVault()
    const m = sampleManifest(vault.ownerPublicKey)
    const body = encodeManifest(m)
    expect(await sha256Hex(body)).toBe(GOLDEN_BODY_SHA256)
    const sealed = await sealManifest(m, vault, { nonce: bytesOf(12, (i) => i + 100) })
    expect(await sha256Hex(sealed)).toBe(GOLDEN_SEALED_SHA256)
    expect(await openManifest(sealed, vault)).toEqual(m)
  })

  it('encodes canonically: the same manifest always gives the same bytes, whatever the key order', async () => {
    const vault = await goldenVault()
    const m = sampleManifest(vault.ownerPublicKey)
    const shuffled = Object.fromEntries(Object.entries(m).reverse()) as unknown as FileManifest
    expect(toHex(encodeManifest(shuffled))).toBe(toHex(encodeManifest(m)))
    expect(decodeManifest(encodeManifest(m))).toEqual(m)
  })

  it('seal → open round trip with a random nonce', async () => {
    const vault = await Vault.create()
    const m = sampleManifest(vault.ownerPublicKey)
    const a = await sealManifest(m, vault)
    const b = await sealManifest(m, vault)
    expect(toHex(a)).not.toBe(toHex(b))
    expect(await openManifest(a, vault)).toEqual(m)
  })
})

describe('bad manifests', () => {
  it('another vault’s manifest is a WrongKeyError', async () => {
    const a = await Vault.create()
    const b = await Vault.create()
    const sealed = await sealManifest(sampleManifest(a.ownerPublicKey), a)
    const err = await rejectionOf(openManifest(sealed, b), 'WrongKeyError')
    expect(err.message).toMatch(/another vault/)
  })

  it('every flipped byte of a sealed manifest is refused with a typed error', async () => {
    const vault = await Vault.create()
    const sealed = await sealManifest(sampleManifest(vault.ownerPublicKey), vault)
    const names = new Set<string>()
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = new Uint8Array(sealed)
      bad[i]! ^= 0x40
      try {
        await openManifest(bad, vault)
        throw new Error(`flipping byte ${i} went unnoticed`)
      } catch (err) {
        names.add((err as Error).name)
      }
    }
    for (const n of names) expect(['ManifestCorruptError', 'WrongKeyError']).toContain(n)
    expect(names.has('ManifestCorruptError')).toBe(true)
  })

  it('truncated and garbage input are ManifestCorruptError', async () => {
    const vault = await Vault.create()
    const sealed = await sealManifest(sampleManifest(vault.ownerPublicKey), vault)
    await rejectionOf(openManifest(sealed.subarray(0, sealed.length - 10), vault), 'ManifestCorruptError')
    await rejectionOf(openManifest(new Uint8Array([1, 2, 3]), vault), 'ManifestCorruptError')
    await rejectionOf(openManifest(new Uint8Array(0), vault), 'ManifestCorruptError')
  })

  it('a manifest encrypted with our key but signed by someone else is a ManifestSignatureError', async () => {
    const owner = await Vault.create()
    const forger = await Vault.create()
    // The forger knows our manifest key (the worst case) but not our signing key.
    const impostor = new Proxy(forger, {
      get(target, prop) {
        if (prop === 'manifestKey' || prop === 'deriveBytes' || prop === 'ownerId' || prop === 'ownerPublicKey') {
          const v = Reflect.get(owner, prop, owner)
          return typeof v === 'function' ? v.bind(owner) : v
        }
        const v = Reflect.get(target, prop, target)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
    const sealed = await sealManifest(sampleManifest(owner.ownerPublicKey), impostor)
    const err = await rejectionOf(openManifest(sealed, owner), 'ManifestSignatureError')
    expect(err.message).toMatch(/not signed by this vault/)
  })

  const mutations: [string, (m: Record<string, unknown>) => void][] = [
    ['unknown version', (m) => (m.version = 2)],
    ['missing field', (m) => delete m.name],
    ['extra field', (m) => (m.extra = 1)],
    ['negative size', (m) => (m.size = -1)],
    ['size that does not add up', (m) => (m.size = 301)],
    ['short fileId', (m) => (m.fileId = new Uint8Array(3))],
    ['k ≥ n', (m) => ((m.codec as Record<string, unknown>).k = 3)],
    ['unknown cipher', (m) => ((m.codec as Record<string, unknown>).cipher = 'rot13')],
    ['too few shares', (m) => (m.segments as { shares: unknown[] }[])[0]!.shares.pop()],
    ['string where a number belongs', (m) => (m.revision = '3')],
  ]
  it.each(mutations)('%s → ManifestCorruptError naming the field', async (_label, mutate) => {
    const vault = await goldenVault()
    const m = structuredClone(sampleManifest(vault.ownerPublicKey)) as unknown as Record<string, unknown>
    mutate(m)
    const err = await rejectionOf(
      Promise.resolve().then(() => decodeManifest(encode(m))),
      'ManifestCorruptError',
    )
    expect(err.message).toMatch(/Manifest field|version/)
  })
})

const GOLDEN_BODY_SHA256 = '2be1c65ff25556de62ebbdf16ab25274dbcb9cfbac372c67f1302068888ce605'
const GOLDEN_SEALED_SHA256 = '8b2bfef95541b45404edb5c000d6c35538444822ed48751e3b0c79e42f7365dc'
