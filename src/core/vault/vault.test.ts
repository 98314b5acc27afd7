import { createHash, createPrivateKey, createPublicKey, hkdfSync, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CROCKFORD_ALPHABET, toHex, utf8 } from '../bytes.ts'
import { InvalidInputError, RecoveryTextError, WrongKeyError } from '../errors.ts'
import { downloadableRecoveryFile, parseRecoveryText, RECOVERY_CHARS, Vault, verifySignature, WRAPPED_KEY_SIZE } from './index.ts'

const SECRET_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i)
const SECRET_DESC = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
const FILE_ID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)

// Golden vector for secret = bytes 0..31. Changing either value locks every owner out.
const GOLDEN_OWNER_ID = 'ab75227f96e6e77044936bb096b3888726550c88c33d6cd943ea27e04cf2b0dd'
const GOLDEN_RECOVERY_TEXT = 'layr1-000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR-34D1P-70X3R-FW8JC-YW0'

/** The owner public key computed without our code: Node's HKDF and Ed25519. */
function independentOwnerId(secret: Uint8Array): string {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'layr/v1', 'layr/v1/signing-key', 32))
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' })
  return Buffer.from(jwk.x as string, 'base64url').toString('hex')
}

/** Recovery text computed without our code: node:crypto SHA-256, base32 from one big integer. */
function independentRecoveryText(secret: Uint8Array): string {
  const checksum = createHash('sha256').update('layr/v1/recovery').update(secret).digest().subarray(0, 4)
  const bytes = Buffer.concat([secret, checksum])
  let n = BigInt('0x' + bytes.toString('hex')) << 2n // 288 bits → 290 = 58 × 5
  let body = ''
  for (let i = 0; i < 58; i++) {
    body = CROCKFORD_ALPHABET.charAt(Number(n & 31n)) + body
    n >>= 5n
  }
  return 'layr1-' + (body.match(/.{1,5}/g) as string[]).join('-')
}

/** The body characters of a recovery text and their positions in the full string. */
function bodyPositions(text: string): number[] {
  const out: number[] = []
  for (let i = 'layr1-'.length; i < text.length; i++) if (text.charAt(i) !== '-') out.push(i)
  return out
}

describe('Vault: keys', () => {
  it('pins the owner id and recovery text for secret = bytes 0..31 (golden vector)', async () => {
    const vault = await Vault.fromSecret(SECRET_0_31)
    expect(vault.ownerId).toBe(GOLDEN_OWNER_ID)
    expect(vault.toRecoveryText()).toBe(GOLDEN_RECOVERY_TEXT)
    expect(toHex(vault.ownerPublicKey)).toBe(GOLDEN_OWNER_ID)
    expect(vault.ownerPublicKey.length).toBe(32)
  })

  it('matches an independent derivation (node:crypto HKDF + Ed25519, BigInt base32)', async () => {
    for (const secret of [SECRET_0_31, SECRET_DESC, new Uint8Array(32)]) {
      const vault = await Vault.fromSecret(secret)
      expect(vault.ownerId).toBe(independentOwnerId(secret))
      expect(vault.toRecoveryText()).toBe(independentRecoveryText(secret))
    }
  })

  it('gives the same keys for the same secret, and different keys for different vaults', async () => {
    const a1 = await Vault.fromSecret(SECRET_0_31)
    const a2 = await Vault.fromSecret(SECRET_0_31)
    const b = await Vault.fromSecret(SECRET_DESC)
    const c = await Vault.create()
    expect(a2.ownerId).toBe(a1.ownerId)
    expect(new Set([a1.ownerId, b.ownerId, c.ownerId]).size).toBe(3)
    expect(await a2.deriveBytes('manifests')).toEqual(await a1.deriveBytes('manifests'))
    expect(await b.deriveBytes('manifests')).not.toEqual(await a1.deriveBytes('manifests'))

    // The manifest key: same secret opens, another vault does not.
    const iv = new Uint8Array(12)
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, a1.manifestKey, utf8('manifest'))
    expect(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, a2.manifestKey, sealed))).toEqual(utf8('manifest'))
    await expect(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, b.manifestKey, sealed)).rejects.toThrow()
  })

  it('makes the manifest key a non-extractable AES-256-GCM key', async () => {
    const vault = await Vault.create()
    expect(vault.manifestKey.extractable).toBe(false)
    expect(vault.manifestKey.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 })
    await expect(crypto.subtle.exportKey('raw', vault.manifestKey)).rejects.toThrow()
  })

  it('keeps the secret out of JSON and copies it on creation', async () => {
    const secret = SECRET_0_31.slice()
    const vault = await Vault.fromSecret(secret)
    secret.fill(0)
    expect(vault.toRecoveryText()).toBe(GOLDEN_RECOVERY_TEXT)
    expect(JSON.stringify(vault)).not.toContain('000G4')
  })

  it('rejects a secret of the wrong length, saying expected and given', async () => {
    await expect(Vault.fromSecret(new Uint8Array(31))).rejects.toThrow(InvalidInputError)
    await expect(Vault.fromSecret(new Uint8Array(33))).rejects.toThrow(/32 bytes, got 33/)
  })

  it('derives purpose bytes deterministically, separated by purpose and from the vault keys', async () => {
    const vault = await Vault.fromSecret(SECRET_0_31)
    const a = await vault.deriveBytes('manifests')
    expect(toHex(a)).toBe('61769be7492fd3b4984c9b7a9126a8b4d551021b6ca60aa1822bb1df981467af')
    expect(await vault.deriveBytes('other')).not.toEqual(a)
    expect((await vault.deriveBytes('manifests', 64)).subarray(0, 32)).toEqual(a) // HKDF prefix property
    expect((await vault.deriveBytes('x', 7)).length).toBe(7)
    // deriveBytes cannot hand out the signing seed.
    const seed = hkdfSync('sha256', SECRET_0_31, 'layr/v1', 'layr/v1/signing-key', 32)
    expect(await vault.deriveBytes('layr/v1/signing-key')).not.toEqual(new Uint8Array(seed))
    await expect(vault.deriveBytes('')).rejects.toThrow(InvalidInputError)
    await expect(vault.deriveBytes('x', 0)).rejects.toThrow(InvalidInputError)
    await expect(vault.deriveBytes('x', 9000)).rejects.toThrow(InvalidInputError)
  })
})

describe('Vault: signatures', () => {
  it('signs deterministically and verifies; other messages, keys and signatures fail', async () => {
    const vault = await Vault.fromSecret(SECRET_0_31)
    const other = await Vault.fromSecret(SECRET_DESC)
    const msg = utf8('manifest v1')
    const sig = vault.sign(msg)
    expect(sig.length).toBe(64)
    expect(vault.sign(msg)).toEqual(sig)
    expect(verifySignature(vault.ownerPublicKey, msg, sig)).toBe(true)
    expect(verifySignature(vault.ownerPublicKey, utf8('manifest v2'), sig)).toBe(false)
    expect(verifySignature(other.ownerPublicKey, msg, sig)).toBe(false)
    for (const i of [0, 31, 32, 63]) {
      const bad = sig.slice()
      bad[i] = (bad[i] as number) ^ 1
      expect(verifySignature(vault.ownerPublicKey, msg, bad)).toBe(false)
    }
  })

  it('produces signatures that node:crypto verifies (standard Ed25519)', async () => {
    const vault = await Vault.fromSecret(SECRET_DESC)
    const msg = utf8('hello')
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(vault.ownerPublicKey).toString('base64url') },
      format: 'jwk',
    })
    expect(nodeVerify(null, msg, key, vault.sign(msg))).toBe(true)
  })

  it('rejects wrong lengths and returns false for a public key that is not a point', () => {
    const sig = new Uint8Array(64)
    expect(() => verifySignature(new Uint8Array(31), utf8('m'), sig)).toThrow(/32 bytes, got 31/)
    expect(() => verifySignature(new Uint8Array(32), utf8('m'), new Uint8Array(63))).toThrow(InvalidInputError)
    expect(verifySignature(new Uint8Array(32).fill(0xff), utf8('m'), sig)).toBe(false)
  })
})

describe('Vault: file keys', () => {
  it('wraps and unwraps a file key; each wrap uses a fresh nonce', async () => {
    const vault = await Vault.create()
    const fileKey = crypto.getRandomValues(new Uint8Array(32))
    const w1 = await vault.wrapFileKey(fileKey, FILE_ID)
    const w2 = await vault.wrapFileKey(fileKey, FILE_ID)
    expect(w1.length).toBe(WRAPPED_KEY_SIZE)
    expect(w1).not.toEqual(w2)
    expect(await vault.unwrapFileKey(w1, FILE_ID)).toEqual(fileKey)
    expect(await vault.unwrapFileKey(w2, FILE_ID)).toEqual(fileKey)
    const restored = await Vault.fromRecoveryText(vault.toRecoveryText())
    expect(await restored.unwrapFileKey(w1, FILE_ID)).toEqual(fileKey)
  })

  it('throws WrongKeyError under another vault, another file id, or altered bytes', async () => {
    const vault = await Vault.fromSecret(SECRET_0_31)
    const other = await Vault.fromSecret(SECRET_DESC)
    const wrapped = await vault.wrapFileKey(new Uint8Array(32).fill(7), FILE_ID)
    await expect(other.unwrapFileKey(wrapped, FILE_ID)).rejects.toThrow(WrongKeyError)
    const otherId = FILE_ID.slice()
    otherId[15] = (otherId[15] as number) ^ 1
    await expect(vault.unwrapFileKey(wrapped, otherId)).rejects.toThrow(WrongKeyError)
    for (const i of [0, 11, 12, 43, 59]) {
      const bad = wrapped.slice()
      bad[i] = (bad[i] as number) ^ 0x80
      await expect(vault.unwrapFileKey(bad, FILE_ID)).rejects.toThrow(WrongKeyError)
    }
  })

  it('validates lengths', async () => {
    const vault = await Vault.create()
    await expect(vault.wrapFileKey(new Uint8Array(16), FILE_ID)).rejects.toThrow(/fileKey must be 32 bytes, got 16/)
    await expect(vault.wrapFileKey(new Uint8Array(32), new Uint8Array(32))).rejects.toThrow(/16 bytes, got 32/)
    await expect(vault.unwrapFileKey(new Uint8Array(59), FILE_ID)).rejects.toThrow(/60 bytes, got 59/)
  })
})

describe('Vault: recovery text', () => {
  it('round-trips random vaults', async () => {
    for (let i = 0; i < 10; i++) {
      const vault = await Vault.create()
      const text = vault.toRecoveryText()
      expect(text).toMatch(/^layr1-([0-9A-HJKMNP-TV-Z]{5}-){11}[0-9A-HJKMNP-TV-Z]{3}$/)
      expect((await Vault.fromRecoveryText(text)).ownerId).toBe(vault.ownerId)
    }
  })

  it('is lenient with case, spaces, line breaks and the look-alikes I, L and O', () => {
    const text = GOLDEN_RECOVERY_TEXT
    const variants = [
      text.toLowerCase(),
      `  ${text}\n`,
      text.replace(/-/g, ' ').replace('layr1 ', 'layr1-'),
      text.replace(/-/g, ' '),
      text.replace(/-/g, ''),
      'LAYR1-' + text.slice(6).replace(/(.{17})/g, '$1\n'),
      'layr1-' + text.slice(6).replace(/0/g, 'O'),
      'layr1-' + text.slice(6).replace(/1/g, 'l'),
      'layr1-' + text.slice(6).replace(/1/g, 'I'),
    ]
    for (const v of variants) expect(parseRecoveryText(v), JSON.stringify(v)).toEqual(SECRET_0_31)
  })

  it('detects every single-character substitution (checksum and padding bits)', () => {
    let tried = 0
    for (const secret of [SECRET_0_31, SECRET_DESC, new Uint8Array(32), new Uint8Array(32).fill(255)]) {
      const good = independentRecoveryText(secret)
      expect(parseRecoveryText(good)).toEqual(secret)
      for (const pos of bodyPositions(good)) {
        for (const replacement of CROCKFORD_ALPHABET) {
          if (replacement === good.charAt(pos)) continue
          const typo = good.slice(0, pos) + replacement + good.slice(pos + 1)
          expect(() => parseRecoveryText(typo), typo).toThrow(RecoveryTextError)
          tried++
        }
      }
    }
    expect(tried).toBe(4 * RECOVERY_CHARS * 31)
  })

  it('detects swapped neighbouring characters', () => {
    const good = GOLDEN_RECOVERY_TEXT
    const positions = bodyPositions(good)
    for (let k = 0; k + 1 < positions.length; k++) {
      const [p, q] = [positions[k] as number, positions[k + 1] as number]
      if (good.charAt(p) === good.charAt(q)) continue
      const swapped = good.slice(0, p) + good.charAt(q) + good.slice(p + 1, q) + good.charAt(p) + good.slice(q + 1)
      expect(() => parseRecoveryText(swapped), swapped).toThrow(RecoveryTextError)
    }
  })

  it('explains a mistyped character as a checksum mismatch', () => {
    const typo = GOLDEN_RECOVERY_TEXT.replace('HC5RR', 'HC5RS')
    expect(() => parseRecoveryText(typo)).toThrow(/mistyped/)
  })

  it('reports a truncated or padded text as the wrong length', async () => {
    const text = GOLDEN_RECOVERY_TEXT
    expect(() => parseRecoveryText(text.slice(0, -1))).toThrow(/Wrong length.*has 57 \(1 missing\)/)
    expect(() => parseRecoveryText(text.slice(0, -4))).toThrow(/has 55 \(3 missing\)/)
    expect(() => parseRecoveryText(text.slice(0, 20))).toThrow(RecoveryTextError)
    expect(() => parseRecoveryText(text + 'A')).toThrow(/has 59 \(1 too many\)/)
    expect(() => parseRecoveryText(text + '-00000')).toThrow(/5 too many/)
    await expect(Vault.fromRecoveryText(text.slice(0, -1))).rejects.toThrow(RecoveryTextError)
  })

  it('reports a wrong or missing prefix', () => {
    const body = GOLDEN_RECOVERY_TEXT.slice('layr1-'.length)
    for (const bad of [body, 'layr2-' + body, 'lair1-' + body, 'layr-' + body]) {
      expect(() => parseRecoveryText(bad), bad).toThrow(/must start with "layr1-"/)
    }
    expect(() => parseRecoveryText('')).toThrow(/empty/)
    expect(() => parseRecoveryText('   ')).toThrow(/empty/)
  })

  it('names an invalid character and its position in the text as given', () => {
    const text = GOLDEN_RECOVERY_TEXT
    for (const [pos, ch] of [
      [6, 'U'],
      [10, 'u'],
      [40, '*'],
      [text.length - 1, '#'],
      [20, 'é'],
    ] as const) {
      const bad = text.slice(0, pos) + ch + text.slice(pos + 1)
      let error: unknown
      try {
        parseRecoveryText(bad)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(RecoveryTextError)
      expect((error as Error).message).toContain(`Invalid character "${ch}" at position ${pos + 1}`)
      expect(bad.charAt(pos)).toBe(ch)
    }
  })

  it('offers a downloadable file with an explanation and the text', async () => {
    const vault = await Vault.fromSecret(SECRET_0_31)
    const file = downloadableRecoveryFile(vault)
    expect(file.name).toBe('layr-recovery-ab75227f.txt')
    expect(file.text).toContain(GOLDEN_RECOVERY_TEXT)
    expect(file.text).toContain(GOLDEN_OWNER_ID)
    expect(file.text).toMatch(/restore/i)
    // The text inside the file parses back.
    const line = file.text.split('\n').find((l) => l.startsWith('layr1-')) as string
    expect((await Vault.fromRecoveryText(line)).ownerId).toBe(GOLDEN_OWNER_ID)
  })
})
