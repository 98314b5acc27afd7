import { createDecipheriv, hkdfSync, pbkdf2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { utf8 } from '../bytes.ts'
import { rejectionOf } from '../../testing/expect.ts'
import {
  DEFAULT_ITERATIONS,
  lockSecret,
  lockVault,
  MAX_ITERATIONS,
  MIN_ITERATIONS,
  readLockedRecord,
  unlockSecret,
  unlockVault,
  Vault,
  type LockedRecord,
} from './index.ts'

const PASS = 'correct horse battery staple'
const SECRET = utf8('layr1-000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR-34D1P-70X3R-FW8JC-YW0')
/** The cheapest count a record may have: keeps these tests fast. */
const FAST = { iterations: MIN_ITERATIONS }

function flip(bytes: Uint8Array, at = 0): Uint8Array {
  const out = new Uint8Array(bytes)
  out[at] = (out[at] ?? 0) ^ 0x01
  return out
}

/** The record opened without our code: node:crypto PBKDF2, HKDF and AES-256-GCM. */
function independentUnlock(r: LockedRecord, passphrase: string): Buffer {
  const bits = pbkdf2Sync(passphrase.normalize('NFC'), r.salt, r.iterations, 32, 'sha256')
  const key = Buffer.from(hkdfSync('sha256', bits, 'layr/v1/lock', 'layr/v1/lock/key', 32))
  const check = Buffer.from(hkdfSync('sha256', bits, 'layr/v1/lock', 'layr/v1/lock/check', 16))
  expect(check.equals(r.check)).toBe(true)
  const body = r.ciphertext.subarray(0, -16)
  const decipher = createDecipheriv('aes-256-gcm', key, r.iv)
  decipher.setAAD(Buffer.from('layr-locked-vault/1'))
  decipher.setAuthTag(r.ciphertext.subarray(-16))
  return Buffer.concat([decipher.update(body), decipher.final()])
}

describe('lockSecret / unlockSecret', () => {
  it('round-trips, with a self-describing record at the default 600,000 iterations', async () => {
    const r = await lockSecret(SECRET, PASS)
    expect(r).toMatchObject({ format: 'layr-locked-vault', version: 1, kdf: 'PBKDF2-HMAC-SHA256', cipher: 'AES-256-GCM', iterations: 600_000 })
    expect(DEFAULT_ITERATIONS).toBe(600_000)
    expect([r.salt.length, r.iv.length, r.check.length, r.ciphertext.length]).toEqual([16, 12, 16, SECRET.length + 16])
    expect(await unlockSecret(r, PASS)).toEqual(SECRET)
  })

  it('is what it says it is: node:crypto opens it from the record alone', async () => {
    const r = await lockSecret(SECRET, PASS, FAST)
    expect(new Uint8Array(independentUnlock(r, PASS))).toEqual(SECRET)
  })

  it('never holds the secret in the clear, and salts and nonces are fresh each time', async () => {
    const [a, b] = await Promise.all([lockSecret(SECRET, PASS, FAST), lockSecret(SECRET, PASS, FAST)])
    expect(Buffer.from(a.ciphertext).includes(Buffer.from(SECRET.subarray(0, 12)))).toBe(false)
    expect(a.salt).not.toEqual(b.salt)
    expect(a.iv).not.toEqual(b.iv)
    expect(a.ciphertext).not.toEqual(b.ciphertext)
  })

  it('survives storage as structured data (IndexedDB keeps a structured clone)', async () => {
    const r = structuredClone(await lockSecret(SECRET, PASS, FAST))
    expect(await unlockSecret(r, PASS)).toEqual(SECRET)
  })

  it('refuses a wrong passphrase with WrongPassphraseError, saying what to do', async () => {
    const r = await lockSecret(SECRET, PASS, FAST)
    for (const wrong of ['correct horse battery stapl', 'Correct horse battery staple', '', PASS + ' ']) {
      const err = await rejectionOf(unlockSecret(r, wrong), 'WrongPassphraseError')
      expect(err.message).toContain('recovery text')
    }
  })

  it('reads the passphrase as NFC: é typed composed or decomposed opens the same lock', async () => {
    const r = await lockSecret(SECRET, 'caf\u00e9 au lait', FAST)
    expect(await unlockSecret(r, 'cafe\u0301 au lait')).toEqual(SECRET)
  })

  it.each([
    ['', 0],
    ['short', 5],
    ['seven77', 7],
    ['🔑🔑🔑🔑🔑🔑🔑', 7], // characters, not UTF-16 units
  ])('refuses the passphrase %j as too short (%i characters)', async (passphrase, chars) => {
    const err = await rejectionOf(lockSecret(SECRET, passphrase, FAST), 'WeakPassphraseError')
    expect(err.message).toContain(`this one has ${chars}`)
  })

  it('takes 8 characters', async () => {
    expect(await unlockSecret(await lockSecret(SECRET, 'eight888', FAST), 'eight888')).toEqual(SECRET)
  })

  it.each([MIN_ITERATIONS - 1, MAX_ITERATIONS + 1, 1.5, Number.NaN])('will not lock with %s iterations', async (iterations) => {
    await rejectionOf(lockSecret(SECRET, PASS, { iterations }), 'InvalidInputError')
  })
})

describe('a tampered record', () => {
  type Tamper = (r: LockedRecord) => unknown
  // What each change is reported as. A changed salt or check gives another key, which cannot be
  // told from another passphrase; everything else is caught as damage.
  const cases: [string, 'WrongPassphraseError' | 'LockedVaultCorruptError', Tamper, RegExp?][] = [
    ['a flipped ciphertext bit', 'LockedVaultCorruptError', (r) => ({ ...r, ciphertext: flip(r.ciphertext, 3) }), /altered or damaged/],
    ['a flipped tag bit', 'LockedVaultCorruptError', (r) => ({ ...r, ciphertext: flip(r.ciphertext, r.ciphertext.length - 1) })],
    ['a flipped nonce bit', 'LockedVaultCorruptError', (r) => ({ ...r, iv: flip(r.iv) })],
    ['a cut-off ciphertext', 'LockedVaultCorruptError', (r) => ({ ...r, ciphertext: r.ciphertext.subarray(0, 16) }), /ciphertext/],
    ['a flipped salt bit', 'WrongPassphraseError', (r) => ({ ...r, salt: flip(r.salt) })],
    ['a flipped check bit', 'WrongPassphraseError', (r) => ({ ...r, check: flip(r.check) })],
    ['another iteration count in bounds', 'WrongPassphraseError', (r) => ({ ...r, iterations: r.iterations + 1 })],
    ['another format', 'LockedVaultCorruptError', (r) => ({ ...r, format: 'something-else' }), /not a locked-vault record/],
    ['a newer version', 'LockedVaultCorruptError', (r) => ({ ...r, version: 2 }), /newer version of Layr/],
    ['version 0', 'LockedVaultCorruptError', (r) => ({ ...r, version: 0 }), /format version/],
    ['another KDF', 'LockedVaultCorruptError', (r) => ({ ...r, kdf: 'PBKDF2-HMAC-SHA1' }), /key derivation/],
    ['another cipher', 'LockedVaultCorruptError', (r) => ({ ...r, cipher: 'AES-128-CBC' }), /cipher/],
    ['a salt of 8 bytes', 'LockedVaultCorruptError', (r) => ({ ...r, salt: r.salt.subarray(0, 8) }), /salt is not 16 bytes/],
    ['a nonce as text', 'LockedVaultCorruptError', (r) => ({ ...r, iv: 'AAAAAAAAAAAAAAAA' }), /iv/],
    ['no check', 'LockedVaultCorruptError', ({ check: _, ...r }) => r, /check/],
    ['iterations as a string', 'LockedVaultCorruptError', (r) => ({ ...r, iterations: '600000' }), /iterations/],
    ['a string', 'LockedVaultCorruptError', () => 'layr1-plain'],
    ['null', 'LockedVaultCorruptError', () => null],
  ]

  it.each(cases)('%s → %s', async (_, name, tamper, message) => {
    const r = await lockSecret(SECRET, PASS, FAST)
    const err = await rejectionOf(unlockSecret(tamper(r), PASS), name)
    if (message) expect(err.message).toMatch(message)
    if (name === 'LockedVaultCorruptError') expect(err.message).toContain('recovery text')
  })

  // Unbounded, 10^9 iterations would take minutes (about 0.2 s per million here); the bound refuses
  // them before any key is derived.
  it.each([MAX_ITERATIONS + 1, 1e9, Number.MAX_SAFE_INTEGER, MIN_ITERATIONS - 1, 1, 0, -600_000, 600_000.5, Infinity])(
    'refuses %s iterations at once, without deriving',
    async (iterations) => {
      const r = await lockSecret(SECRET, PASS, FAST)
      const t = performance.now()
      const err = await rejectionOf(unlockSecret({ ...r, iterations }, PASS), 'LockedVaultCorruptError')
      expect(performance.now() - t).toBeLessThan(50)
      expect(err.message).toMatch(/PBKDF2 iterations, outside the 100,000–5,000,000/)
    },
  )

  it('accepts the bounds themselves', () => {
    const r = {
      format: 'layr-locked-vault',
      version: 1,
      kdf: 'PBKDF2-HMAC-SHA256',
      cipher: 'AES-256-GCM',
      salt: new Uint8Array(16),
      iv: new Uint8Array(12),
      check: new Uint8Array(16),
      ciphertext: new Uint8Array(17),
    }
    expect(readLockedRecord({ ...r, iterations: MIN_ITERATIONS }).iterations).toBe(MIN_ITERATIONS)
    expect(readLockedRecord({ ...r, iterations: MAX_ITERATIONS }).iterations).toBe(MAX_ITERATIONS)
  })
})

describe('lockVault / unlockVault', () => {
  it('gives back the same vault', async () => {
    const vault = await Vault.create()
    const back = await unlockVault(await lockVault(vault, PASS, FAST), PASS)
    expect(back.ownerId).toBe(vault.ownerId)
    expect(back.toRecoveryText()).toBe(vault.toRecoveryText())
  })

  it('refuses a wrong passphrase', async () => {
    const r = await lockVault(await Vault.create(), PASS, FAST)
    await rejectionOf(unlockVault(r, 'not the passphrase'), 'WrongPassphraseError')
  })

  it('calls a record that holds no recovery text damaged', async () => {
    await rejectionOf(unlockVault(await lockSecret(utf8('layr1-nope'), PASS, FAST), PASS), 'LockedVaultCorruptError')
    await rejectionOf(unlockVault(await lockSecret(new Uint8Array([0xff, 0xfe]), PASS, FAST), PASS), 'LockedVaultCorruptError')
  })
})
