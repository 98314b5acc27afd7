import { describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { concat, utf8 } from '../bytes.ts'
import { makePolicy } from '../index.ts'
import { encodeAll, decodeAll, type FetchShare } from '../pipeline/index.ts'
import { Vault } from '../vault/index.ts'
import { encodeManifest, openManifest, sealManifest } from './index.ts'

/** Seals as §12 of docs/FORMAT.md says, with no check of the body's owner (what a buggy or hostile writer could do). */
async function sealUnchecked(body: Uint8Array, vault: Vault): Promise<Uint8Array> {
  const sig = vault.sign(concat(utf8('layr/v1/manifest-signature\0'), body))
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: utf8('layr/v1/manifest-envelope') },
      vault.manifestKey,
      new Uint8Array(encode({ body, sig })),
    ),
  )
  return encode({ v: 1, kid: await vault.deriveBytes('layr/v1/manifest-key-id', 8), nonce, ct })
}

async function smallFile(vault: Vault) {
  return encodeAll(new Blob([new Uint8Array(5000).fill(7)]), makePolicy({ k: 2, n: 3 }), vault)
}

describe('a manifest belongs to one owner', () => {
  it('sealing a manifest of another owner is refused', async () => {
    const [a, b] = [await Vault.create(), await Vault.create()]
    const { manifest } = await smallFile(b)
    await expect(sealManifest(manifest, a)).rejects.toMatchObject({ name: 'InvalidInputError' })
  })

  it('opening a manifest signed by this vault but naming another owner is refused', async () => {
    const [a, b] = [await Vault.create(), await Vault.create()]
    const { manifest } = await smallFile(b)
    const sealed = await sealUnchecked(encodeManifest(manifest), a)
    await expect(openManifest(sealed, a)).rejects.toMatchObject({ name: 'ManifestSignatureError', message: expect.stringMatching(/another owner/) })
    // The same body naming this vault opens.
    const own = await smallFile(a)
    expect((await openManifest(await sealUnchecked(encodeManifest(own.manifest), a), a)).name).toBe(own.manifest.name)
  })

  it('a file key that does not match the manifest’s commitment is a WrongKeyError before any share is fetched', async () => {
    const vault = await Vault.create()
    const { manifest, segments } = await smallFile(vault)
    let fetches = 0
    const fetch: FetchShare = async (ref) => {
      fetches++
      return segments[ref.segmentIndex]!.shares[ref.shareIndex]!.bytes
    }
    const tampered = { ...manifest, keyCommitment: manifest.keyCommitment.map((x, i) => (i === 0 ? x ^ 1 : x)) }
    await expect(decodeAll(tampered, vault, fetch)).rejects.toMatchObject({ name: 'WrongKeyError' })
    expect(fetches).toBe(0)
    expect((await decodeAll(manifest, vault, fetch)).length).toBe(5000)
  })
})
