import { describe, expect, it } from 'vitest'
import { Vault } from '../vault/index.ts'
import { encodeAll, encodeShares, newFileIdentity } from './encode.ts'
import { toHex } from '../bytes.ts'
import { makePolicy } from '../erasure/index.ts'

const blob = (size: number): Blob => new Blob([new Uint8Array(size).map((_, i) => (i * 13 + 5) & 0xff)])

describe('encodeShares', () => {
  it('gives the very shares, roots and keys encodeFile gives for the same identity, for the segments asked only', async () => {
    const vault = await Vault.create()
    const identity = await newFileIdentity(vault)
    const file = blob(5 * 65536 * 2 + 1234)
    const policy = makePolicy({ k: 2, n: 4 })
    const { segments } = await encodeAll(file, policy, vault, { identity, shareSize: 65536 })
    expect(segments.length).toBeGreaterThan(3)
    const wanted = [
      { segment: 1, share: 3 },
      { segment: 3, share: 0 },
      { segment: 1, share: 1 },
    ]
    const got = await encodeShares(file, policy, identity, wanted, { shareSize: 65536 })
    expect([...got.keys()].sort()).toEqual(['1/1', '1/3', '3/0'])
    for (const w of wanted) {
      const want = segments[w.segment]!.shares[w.share]!
      const share = got.get(`${w.segment}/${w.share}`)!
      expect(toHex(share.key)).toBe(toHex(want.key))
      expect(toHex(share.root)).toBe(toHex(want.root))
      expect(Buffer.from(share.bytes).equals(Buffer.from(want.bytes))).toBe(true)
    }
    // The caller's key is left as it was (encodeFile does not zero a given identity either).
    expect(identity.fileKey.some((b) => b !== 0)).toBe(true)
  })

  it('refuses a segment or share the file does not have', async () => {
    const vault = await Vault.create()
    const identity = await newFileIdentity(vault)
    await expect(encodeShares(blob(100), makePolicy({ k: 2, n: 4 }), identity, [{ segment: 1, share: 0 }])).rejects.toThrow(RangeError)
    await expect(encodeShares(blob(100), makePolicy({ k: 2, n: 4 }), identity, [{ segment: 0, share: 4 }])).rejects.toThrow(RangeError)
  })
})
