/**
 * The repair capability: its encoding round-trips and is checked (typed CapabilityError on every
 * fault), and it cannot decrypt anything: no byte string in it opens the file as a vault secret
 * or as a file key, and none of the file's or the vault's key material appears in its encoding.
 */
import { describe, expect, it } from 'vitest'
import { encode, decode } from 'cborg'
import { makePolicy, type FileManifest } from '../index.ts'
import { concat, equal, toHex, utf8 } from '../bytes.ts'
import { LEAF_SIZE } from '../merkle/index.ts'
import { Vault, parseRecoveryText } from '../vault/index.ts'
import { FileCipher } from '../crypto/file-cipher.ts'
import { decodeAll } from '../pipeline/index.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { Grid } from '../../testing/grid.ts'
import { backupFile } from '../../transfer/upload.ts'
import { fetchFromHolders } from '../../transfer/restore.ts'
import {
  CapabilityError,
  decodeCapability,
  delegatePublicKey,
  encodeCapability,
  makeCapability,
  MAX_CAPABILITY_BYTES,
  scopeDigest,
  signDelegation,
  verifyDelegation,
  DelegationRefusedError,
  withFiles,
} from './capability.ts'
import { decodeUpdates, encodeUpdates, signUpdate } from './holders-update.ts'

const SHARE = 2 * LEAF_SIZE
const DAY = 86_400_000

async function backedUp(files = 2) {
  const g = new Grid(8, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const owner = await Vault.create()
  const net = g.network('owner')
  const policy = makePolicy({ k: 2, n: 4, repairThreshold: 3 })
  const manifests: FileManifest[] = []
  const plain: Uint8Array[] = []
  for (let i = 0; i < files; i++) {
    const bytes = patternBytes(3 * SHARE + 100 * i, 7 + i)
    plain.push(bytes)
    manifests.push(await backupFile(net, owner, new Blob([bytes]), { policy, shareSize: SHARE }))
  }
  return { g, owner, net, manifests, plain }
}

async function hkdf(secret: Uint8Array, info: string): Promise<Uint8Array> {
  const root = await crypto.subtle.importKey('raw', new Uint8Array(secret), 'HKDF', false, ['deriveBits'])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: utf8('layr/v1'), info: utf8(info) }, root, 256))
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Every byte string in a decoded CBOR value, and every 32-byte window of the longer ones. */
function keyLike(v: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (v instanceof Uint8Array) {
    for (let i = 0; i + 32 <= v.length; i++) out.push(v.subarray(i, i + 32))
  } else if (Array.isArray(v)) for (const x of v) keyLike(x, out)
  else if (v && typeof v === 'object') for (const x of Object.values(v)) keyLike(x, out)
  else if (typeof v === 'string' && v.length >= 32) out.push(utf8(v).subarray(0, 32))
  return out
}

describe('repair capability', () => {
  it('round-trips, carries each file’s layout and policy, and verifies its delegation', async () => {
    const { owner, manifests } = await backedUp()
    const now = Date.now()
    const cap = makeCapability(owner, manifests, 'all', now + 30 * DAY)
    const bytes = encodeCapability(cap)
    const back = decodeCapability(bytes)
    expect(back).toEqual(cap)
    expect(back.files.map((f) => toHex(f.fileId))).toEqual(manifests.map((m) => toHex(m.fileId)))
    const f = back.files[0]!
    const m = manifests[0]!
    expect([f.k, f.n, f.repairThreshold, f.revision]).toEqual([m.codec.k, m.codec.n, m.codec.repairThreshold, m.revision])
    expect(f.segments.map((s) => s.shares.map((sh) => [toHex(sh.root), sh.holders]))).toEqual(
      m.segments.map((s) => s.shares.map((sh) => [toHex(sh.root), sh.holders])),
    )
    expect(() => verifyDelegation(owner.ownerPublicKey, back.delegation, now)).not.toThrow()
    expect(equal(delegatePublicKey(back.delegateSeed), back.delegation.delegate)).toBe(true)
    // A scoped grant holds only its files; a new layout keeps the same delegate key.
    const scoped = makeCapability(owner, manifests, [manifests[1]!.fileId], now + DAY)
    expect(decodeCapability(encodeCapability(scoped)).files.map((x) => toHex(x.fileId))).toEqual([toHex(manifests[1]!.fileId)])
    expect(withFiles(scoped, manifests).files).toHaveLength(1)
  })

  it('refuses malformed, forged, out-of-scope and oversized capabilities with CapabilityError', async () => {
    const { owner, manifests } = await backedUp(1)
    const now = Date.now()
    const cap = makeCapability(owner, manifests, 'all', now + DAY)
    const good = encodeCapability(cap)
    const raw = decode(good, { useMaps: false }) as Record<string, unknown>
    const stranger = await Vault.create()
    const variants: Array<[string, Uint8Array]> = [
      ['truncated', good.subarray(0, good.length - 1)],
      ['unknown field', encode({ ...raw, extra: 1 })],
      ['missing field', encode({ ...raw, files: undefined })],
      ['another version', encode({ ...raw, v: 2 })],
      ['seed of another key', encode({ ...raw, seed: new Uint8Array(32).fill(9) })],
      // The scope widened after signing: the digest the owner signed no longer matches.
      ['scope widened', encode({ ...makeRaw(makeCapability(owner, manifests, [new Uint8Array(16)], now + DAY)), scope: 'all' })],
      // A file outside a scoped delegation.
      ['file outside scope', encode({ ...makeRaw(makeCapability(owner, [], [new Uint8Array(16)], now + DAY)), files: raw.files })],
      // A delegation signed by another vault, claiming this owner.
      ['forged delegation', encode({ ...raw, delegation: { ...signDelegation(stranger, cap.delegation.delegate, 'all', now + DAY) } })],
      ['oversized', new Uint8Array(MAX_CAPABILITY_BYTES + 1)],
      ['a flood of tiny items', encode({ ...raw, files: new Array(4000).fill(0) })],
    ]
    for (const [what, bytes] of variants) {
      let err: unknown
      try {
        decodeCapability(bytes)
      } catch (e) {
        err = e
      }
      expect([what, (err as Error | undefined)?.name]).toEqual([what, 'CapabilityError'])
      expect(err).toBeInstanceOf(CapabilityError)
    }
    expect(scopeDigest('all')).not.toEqual(scopeDigest([]))
  })

  it('a delegation that ended, or was altered, is refused with its reason', async () => {
    const owner = await Vault.create()
    const now = Date.now()
    const d = signDelegation(owner, new Uint8Array(32).fill(1), 'all', now + DAY)
    const reason = (f: () => void): string | undefined => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(DelegationRefusedError)
        return (e as DelegationRefusedError).reason
      }
      return undefined
    }
    expect(reason(() => verifyDelegation(owner.ownerPublicKey, d, now))).toBeUndefined()
    expect(reason(() => verifyDelegation(owner.ownerPublicKey, d, now + DAY))).toBe('expired')
    expect(reason(() => verifyDelegation(owner.ownerPublicKey, { ...d, scope: scopeDigest([]) }, now))).toBe('delegation-signature')
  })

  it('cannot decrypt anything: no field opens the file, and no key material is in it', async () => {
    const { g, owner, manifests, plain } = await backedUp(1)
    const m = manifests[0]!
    const cap = makeCapability(owner, manifests, 'all', Date.now() + DAY)
    const encoded = encodeCapability(cap)

    // The owner's own restore works: the file is there to be read.
    const fetch = fetchFromHolders(g.network('owner'))
    expect(equal(await decodeAll(m, owner, fetch), plain[0]!)).toBe(true)

    // None of the key material of the vault or the file is in the capability's bytes.
    const secret = parseRecoveryText(owner.toRecoveryText())
    const fileKey = await owner.unwrapFileKey(m.wrappedKey, m.fileId)
    const secrets: Array<[string, Uint8Array]> = [
      ['vault secret', secret],
      ['signing seed', await hkdf(secret, 'layr/v1/signing-key')],
      ['manifest key', await hkdf(secret, 'layr/v1/manifest-key')],
      ['wrap key', await hkdf(secret, 'layr/v1/wrap-key')],
      ['file key', fileKey],
      ['wrapped file key', m.wrappedKey],
      ['key commitment', m.keyCommitment],
    ]
    for (const [what, s] of secrets) expect([what, contains(encoded, s.subarray(0, 16))]).toEqual([what, false])
    expect(contains(encoded, utf8(m.name))).toBe(false)

    // The segment's ciphertext, rebuilt from shares with no key (what a repairer can do).
    const seg = m.segments[0]!
    const data: Uint8Array[] = []
    for (const sh of seg.shares.slice(0, m.codec.k)) {
      data.push((await fetch({ segmentIndex: 0, shareIndex: sh.index, key: sh.key, root: sh.root, size: seg.shareSize, holders: sh.holders }))!)
    }
    const ciphertext = concat(...data).subarray(0, seg.ciphertextLength)

    // Every 32-byte string in it, tried as a vault secret (restore path) and as a file key (cipher).
    const candidates = keyLike(decode(encoded, { useMaps: false }))
    expect(candidates.length).toBeGreaterThan(20)
    let tried = 0
    for (const c of candidates.slice(0, 64)) {
      const asVault = await Vault.fromSecret(c)
      await expect(decodeAll(m, asVault, fetch)).rejects.toMatchObject({ name: 'WrongKeyError' })
      const cipher = await FileCipher.fromKey(c, m.fileId)
      expect(() => cipher.checkCommitment(m.keyCommitment)).toThrow(expect.objectContaining({ name: 'WrongKeyError' }))
      // Even past the commitment check, AES-GCM refuses to open the ciphertext.
      await expect(cipher.decryptSegment(0, ciphertext)).rejects.toMatchObject({ name: expect.stringMatching(/^(CorruptDataError|TruncatedDataError)$/) })
      tried++
    }
    expect(tried).toBeGreaterThan(20)
  })

  it('holders updates verify under the delegate key only', async () => {
    const { owner, manifests } = await backedUp(1)
    const cap = makeCapability(owner, manifests, 'all', Date.now() + DAY)
    const m = manifests[0]!
    const u = signUpdate(cap.delegateSeed, {
      owner: owner.ownerPublicKey,
      fileId: m.fileId,
      base: m.revision,
      moves: [{ key: m.segments[0]!.shares[0]!.key, holder: 'peer-7' }],
      stale: [],
      time: 1,
    })
    const other = makeCapability(owner, manifests, 'all', Date.now() + DAY)
    const forged = signUpdate(other.delegateSeed, u.update)
    const { updates, rejected } = decodeUpdates(encodeUpdates([u, forged]), owner.ownerPublicKey, cap.delegation.delegate)
    expect(updates.map((x) => x.update)).toEqual([u.update])
    expect(rejected).toBe(1)
    expect(() => decodeUpdates(new Uint8Array([0xff]), owner.ownerPublicKey, cap.delegation.delegate)).toThrow(CapabilityError)
  })
})

function makeRaw(cap: ReturnType<typeof makeCapability>): Record<string, unknown> {
  return decode(encodeCapability(cap), { useMaps: false }) as Record<string, unknown>
}
