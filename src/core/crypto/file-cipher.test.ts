import { createCipheriv, createHash, hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { concat, fromHex, toHex, u32be, u64be, utf8 } from '../bytes.ts'
import { CorruptDataError, InvalidInputError, TruncatedDataError, WrongKeyError } from '../errors.ts'
import { CHUNK_PLAINTEXT, CHUNK_SIZE, FileCipher, TAG_SIZE } from './index.ts'

const KEY_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i)
const ID_0_15 = Uint8Array.from({ length: 16 }, (_, i) => i)
const CP = CHUNK_PLAINTEXT
const SIZES = [0, 1, CP - 1, CP, CP + 1, 3 * CP + 7]

function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 255
  return out
}

/** Byte equality that stays fast on megabytes (toEqual walks typed arrays element by element). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label?: string): void {
  expect(actual.length, label).toBe(expected.length)
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected), label).toBe(true)
}

function flipBit(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice()
  out[at] = (out[at] as number) ^ 0x04
  return out
}

/** Chunk j of a segment ciphertext. */
function chunk(ct: Uint8Array, j: number): Uint8Array {
  return ct.subarray(j * CHUNK_SIZE, Math.min((j + 1) * CHUNK_SIZE, ct.length))
}

/** The whole construction again, with node:crypto's HKDF and AES-GCM instead of WebCrypto. */
function independentEncrypt(fileKey: Uint8Array, fileId: Uint8Array, segment: number, plaintext: Uint8Array): Uint8Array {
  const key = Buffer.from(hkdfSync('sha256', fileKey, 'layr/v1', concat(utf8('layr/v1/file-key'), fileId), 32))
  const chunks = Math.max(1, Math.ceil(plaintext.length / CP))
  const parts: Uint8Array[] = []
  for (let j = 0; j < chunks; j++) {
    const cipher = createCipheriv('aes-256-gcm', key, concat(u64be(segment), u32be(j)))
    cipher.setAAD(concat(utf8('layr/v1/chunk'), fileId, u64be(segment), Uint8Array.of(j === chunks - 1 ? 1 : 0)))
    parts.push(cipher.update(plaintext.subarray(j * CP, (j + 1) * CP)), cipher.final(), cipher.getAuthTag())
  }
  return concat(...parts)
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a rejection')
}

describe('FileCipher: lengths', () => {
  it('has the documented constants', () => {
    expect(CHUNK_SIZE).toBe(262144)
    expect(TAG_SIZE).toBe(16)
    expect(CHUNK_PLAINTEXT).toBe(262128)
  })

  it('maps plaintext lengths to ciphertext lengths and back', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const table: [number, number][] = [
      [0, 16],
      [1, 17],
      [CP - 1, CHUNK_SIZE - 1],
      [CP, CHUNK_SIZE],
      [CP + 1, CHUNK_SIZE + 17],
      [3 * CP + 7, 3 * CHUNK_SIZE + 23],
      [4 * 1024 * 1024, 4 * 1024 * 1024 + 17 * 16],
    ]
    for (const [plain, ct] of table) {
      expect(cipher.ciphertextLength(plain), `ciphertextLength(${plain})`).toBe(ct)
      expect(cipher.plaintextLength(ct), `plaintextLength(${ct})`).toBe(plain)
    }
  })

  it('rejects ciphertext lengths no segment can have', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    for (const bad of [0, 15, CHUNK_SIZE + 1, CHUNK_SIZE + 16, 2 * CHUNK_SIZE + 3]) {
      expect(() => cipher.plaintextLength(bad), String(bad)).toThrow(InvalidInputError)
    }
    expect(() => cipher.plaintextLength(-1)).toThrow(InvalidInputError)
    expect(() => cipher.ciphertextLength(1.5)).toThrow(InvalidInputError)
  })
})

describe('FileCipher: round trips', () => {
  it.each(SIZES)('encrypts and decrypts %i bytes', async (size) => {
    const { cipher, fileKey } = await FileCipher.generate(ID_0_15)
    const plaintext = pattern(size, size)
    for (const segment of [0, 1, 2 ** 40 + 3]) {
      const ct = await cipher.encryptSegment(segment, plaintext)
      expect(ct.length).toBe(cipher.ciphertextLength(size))
      expectSameBytes(await cipher.decryptSegment(segment, ct), plaintext, `segment ${segment}`)
    }
    // The same key restored from its bytes decrypts too.
    const again = await FileCipher.fromKey(fileKey, ID_0_15)
    expect(again.commitment).toEqual(cipher.commitment)
    expectSameBytes(await again.decryptSegment(9, await cipher.encryptSegment(9, plaintext)), plaintext)
  })

  it('accepts views at any offset and never changes its input', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const backing = pattern(CP + 100, 3)
    const view = backing.subarray(37, 37 + CP + 5)
    const before = view.slice()
    const ct = await cipher.encryptSegment(4, view)
    expectSameBytes(view, before)
    const padded = new Uint8Array(ct.length + 11)
    padded.set(ct, 11)
    expectSameBytes(await cipher.decryptSegment(4, padded.subarray(11)), before)
  })

  it('writes into a caller-supplied buffer when given one, and checks it', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const ctBuf = new Uint8Array(3 * CHUNK_SIZE)
    const ptBuf = new Uint8Array(3 * CP)
    for (const size of [2 * CP + 9, 5, 0]) {
      // reused across sizes, with leftovers
      const plaintext = pattern(size, 9)
      const ct = await cipher.encryptSegment(1, plaintext, ctBuf)
      expect(ct.buffer).toBe(ctBuf.buffer)
      expectSameBytes(ct, await cipher.encryptSegment(1, plaintext))
      const pt = await cipher.decryptSegment(1, ct, ptBuf)
      expect(pt.buffer).toBe(ptBuf.buffer)
      expectSameBytes(pt, plaintext)
    }
    const p = pattern(100)
    await expect(cipher.encryptSegment(0, p, new Uint8Array(115))).rejects.toThrow(/at least 116 bytes, got 115/)
    const ct = await cipher.encryptSegment(0, p)
    await expect(cipher.decryptSegment(0, ct, new Uint8Array(99))).rejects.toThrow(InvalidInputError)
    const shared = new Uint8Array(1000)
    shared.set(p)
    await expect(cipher.encryptSegment(0, shared.subarray(0, 100), shared.subarray(50))).rejects.toThrow(/overlap/)
    expectSameBytes(await cipher.encryptSegment(0, shared.subarray(0, 100), shared.subarray(100)), ct)
  })

  it('is deterministic for a key, segment and plaintext', async () => {
    const cipher = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    const p = pattern(1000)
    expect(await cipher.encryptSegment(3, p)).toEqual(await cipher.encryptSegment(3, p))
    expect(await cipher.encryptSegment(3, p)).not.toEqual(await cipher.encryptSegment(4, p))
  })
})

describe('FileCipher: known answers', () => {
  it('pins the ciphertext of 300,000 bytes of i&255 (fileKey 0..31, fileId 0..15, segment 0)', async () => {
    const cipher = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    const plaintext = new Uint8Array(300000).map((_, i) => i & 255)
    const ct = await cipher.encryptSegment(0, plaintext)
    expect(ct.length).toBe(300032)
    expect(createHash('sha256').update(ct).digest('hex')).toBe('4ca1f4dbba8c8e13e5735088d4ac616c496a95da0cb34203bdd4502c0cd6f700')
    expect(toHex(cipher.commitment)).toBe('63f03db6f3bad7c861dd8add1797a384a6a8053c1a0a561f4054e6934816ceb8')
    expectSameBytes(ct, independentEncrypt(KEY_0_31, ID_0_15, 0, plaintext))
  })

  it.each(SIZES)('matches an independent node:crypto implementation at %i bytes', async (size) => {
    const cipher = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    const plaintext = pattern(size, 1)
    expectSameBytes(await cipher.encryptSegment(77, plaintext), independentEncrypt(KEY_0_31, ID_0_15, 77, plaintext))
  })

  it('computes the commitment as HKDF(fileKey, "layr/v1/file-commit" ‖ fileId)', async () => {
    const cipher = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    const info = concat(utf8('layr/v1/file-commit'), ID_0_15)
    expect(cipher.commitment).toEqual(new Uint8Array(hkdfSync('sha256', KEY_0_31, 'layr/v1', info, 32)))
  })

  // The GCM specification's test cases 13, 14 and 16 (AES-256), as used in NIST's validation.
  const GCM_VECTORS = [
    { name: 'case 13', key: '00'.repeat(32), iv: '00'.repeat(12), aad: '', pt: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
    {
      name: 'case 14',
      key: '00'.repeat(32),
      iv: '00'.repeat(12),
      aad: '',
      pt: '00'.repeat(16),
      ct: 'cea7403d4d606b6e074ec5d3baf39d18',
      tag: 'd0d1c8a799996bf0265b98b5d48ab919',
    },
    {
      name: 'case 16',
      key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
      iv: 'cafebabefacedbaddecaf888',
      aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' + '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' + '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
      tag: '76fc6ece0f4e1768cddf8853bb2d551b',
    },
  ]
  it.each(GCM_VECTORS)('WebCrypto AES-256-GCM passes GCM spec $name', async (v) => {
    const key = await crypto.subtle.importKey('raw', fromHex(v.key), 'AES-GCM', false, ['encrypt', 'decrypt'])
    const params = { name: 'AES-GCM', iv: fromHex(v.iv), additionalData: fromHex(v.aad), tagLength: 128 }
    const sealed = new Uint8Array(await crypto.subtle.encrypt(params, key, fromHex(v.pt)))
    expect(toHex(sealed)).toBe(v.ct + v.tag)
    expect(toHex(new Uint8Array(await crypto.subtle.decrypt(params, key, sealed)))).toBe(v.pt)
  })
})

describe('FileCipher: wrong keys and damaged data', () => {
  const SIZE = 3 * CP + 7 // four chunks, the last one short

  it('checkCommitment: WrongKeyError for another key, silent for its own', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const { cipher: other } = await FileCipher.generate(ID_0_15)
    expect(() => cipher.checkCommitment(cipher.commitment)).not.toThrow()
    expect(() => other.checkCommitment(cipher.commitment)).toThrow(WrongKeyError)
    expect(() => cipher.checkCommitment(new Uint8Array(31))).toThrow(/32 bytes, got 31/)
    // Same key, another file: another commitment.
    const moved = await FileCipher.fromKey(
      KEY_0_31,
      ID_0_15.map((b) => b ^ 0xff),
    )
    const orig = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    expect(() => moved.checkCommitment(orig.commitment)).toThrow(WrongKeyError)
  })

  it('decryptSegment under another key is a CorruptDataError', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const { cipher: other } = await FileCipher.generate(ID_0_15)
    const ct = await cipher.encryptSegment(0, pattern(SIZE))
    await expect(other.decryptSegment(0, ct)).rejects.toThrow(CorruptDataError)
  })

  it('names the chunk with a flipped bit, in every chunk and in its tag', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const ct = await cipher.encryptSegment(5, pattern(SIZE))
    for (let j = 0; j < 4; j++) {
      const start = j * CHUNK_SIZE
      const end = Math.min(start + CHUNK_SIZE, ct.length)
      for (const at of [start, start + 1000 > end - 1 ? start + 3 : start + 1000, end - 1]) {
        const err = await rejection(cipher.decryptSegment(5, flipBit(ct, at)))
        expect(err, `byte ${at}`).toBeInstanceOf(CorruptDataError)
        expect(err.message).toContain(`Segment 5, chunk ${j} failed`)
      }
    }
  })

  it('detects swapped chunks', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const ct = await cipher.encryptSegment(0, pattern(SIZE))
    const swapped = concat(chunk(ct, 1), chunk(ct, 0), chunk(ct, 2), chunk(ct, 3))
    await expect(cipher.decryptSegment(0, swapped)).rejects.toThrow(CorruptDataError)
    // Two full chunks of a two-chunk segment, swapped: same lengths, still caught.
    const two = await cipher.encryptSegment(1, pattern(2 * CP))
    await expect(cipher.decryptSegment(1, concat(chunk(two, 1), chunk(two, 0)))).rejects.toThrow(CorruptDataError)
  })

  it('reports a dropped last chunk as truncation', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const ct = await cipher.encryptSegment(2, pattern(SIZE))
    const err = await rejection(cipher.decryptSegment(2, ct.subarray(0, 3 * CHUNK_SIZE)))
    expect(err).toBeInstanceOf(TruncatedDataError)
    expect(err.message).toMatch(/dropped|cut off/)
    // All but the first chunk dropped.
    await expect(cipher.decryptSegment(2, ct.subarray(0, CHUNK_SIZE))).rejects.toThrow(TruncatedDataError)
    // A segment of exactly two full chunks losing its second.
    const two = await cipher.encryptSegment(3, pattern(2 * CP))
    await expect(cipher.decryptSegment(3, chunk(two, 0))).rejects.toThrow(TruncatedDataError)
  })

  it('detects a dropped middle chunk and data cut inside a chunk', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    const ct = await cipher.encryptSegment(0, pattern(SIZE))
    await expect(cipher.decryptSegment(0, concat(chunk(ct, 0), chunk(ct, 2), chunk(ct, 3)))).rejects.toThrow(CorruptDataError)
    await expect(cipher.decryptSegment(0, ct.subarray(0, ct.length - 3))).rejects.toThrow(CorruptDataError)
    // Lengths that cannot be whole chunks.
    await expect(cipher.decryptSegment(0, ct.subarray(0, 3 * CHUNK_SIZE + 10))).rejects.toThrow(TruncatedDataError)
    await expect(cipher.decryptSegment(0, ct.subarray(0, 15))).rejects.toThrow(TruncatedDataError)
    await expect(cipher.decryptSegment(0, new Uint8Array(0))).rejects.toThrow(TruncatedDataError)
  })

  it('rejects a segment moved to another index', async () => {
    const { cipher } = await FileCipher.generate(ID_0_15)
    for (const size of [0, 100, SIZE]) {
      const ct = await cipher.encryptSegment(7, pattern(size))
      await expect(cipher.decryptSegment(8, ct)).rejects.toThrow(CorruptDataError)
      await expect(cipher.decryptSegment(7 + 2 ** 32, ct)).rejects.toThrow(CorruptDataError)
    }
  })

  it('rejects ciphertext moved to another file id, even under the same file key', async () => {
    const a = await FileCipher.fromKey(KEY_0_31, ID_0_15)
    const b = await FileCipher.fromKey(
      KEY_0_31,
      ID_0_15.map((x) => x ^ 1),
    )
    const ct = await a.encryptSegment(0, pattern(SIZE))
    await expect(b.decryptSegment(0, ct)).rejects.toThrow(CorruptDataError)
  })

  it('validates its arguments', async () => {
    await expect(FileCipher.generate(new Uint8Array(15))).rejects.toThrow(/fileId must be 16 bytes, got 15/)
    await expect(FileCipher.fromKey(new Uint8Array(16), ID_0_15)).rejects.toThrow(/fileKey must be 32 bytes, got 16/)
    const { cipher } = await FileCipher.generate(ID_0_15)
    await expect(cipher.encryptSegment(-1, new Uint8Array(1))).rejects.toThrow(InvalidInputError)
    await expect(cipher.encryptSegment(0.5, new Uint8Array(1))).rejects.toThrow(InvalidInputError)
    await expect(cipher.decryptSegment(2 ** 53, new Uint8Array(16))).rejects.toThrow(InvalidInputError)
    await expect(cipher.encryptSegment(0, [1, 2] as unknown as Uint8Array)).rejects.toThrow(InvalidInputError)
  })
})
