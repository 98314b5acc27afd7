import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode, concat, equal, fromHex, readU32be, readU64be, toHex, u32be, u64be, utf8 } from './bytes.ts'
import { InvalidInputError } from './errors.ts'

/** Base32 through one big integer, independent of the bit-buffer code under test. */
function bigIntBase32(bytes: Uint8Array): string {
  if (bytes.length === 0) return ''
  const chars = Math.ceil((bytes.length * 8) / 5)
  let n = BigInt('0x' + toHex(bytes)) << BigInt(chars * 5 - bytes.length * 8)
  let out = ''
  for (let i = 0; i < chars; i++) {
    out = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.charAt(Number(n & 31n)) + out
    n >>= 5n
  }
  return out
}

describe('bytes', () => {
  it('encodes Crockford base32 like an independent implementation, and decodes it back', () => {
    expect(base32Encode(utf8('foobar'))).toBe('CSQPYRK1E8')
    for (let length = 0; length <= 41; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      const text = base32Encode(bytes)
      expect(text).toBe(bigIntBase32(bytes))
      expect(base32Decode(text)).toEqual(bytes)
      expect(base32Decode(text.toLowerCase())).toEqual(bytes)
    }
  })

  it('reads O as 0 and I, L as 1, and rejects bad characters, lengths and padding bits', () => {
    expect(base32Decode('OO')).toEqual(base32Decode('00'))
    expect(base32Decode('1I1L1i1l')).toEqual(base32Decode('11111111'))
    expect(() => base32Decode('0U')).toThrow(/"U" at position 2/)
    expect(() => base32Decode('000')).toThrow(InvalidInputError) // 15 bits: not a byte count
    expect(() => base32Decode('01')).toThrow(/padding/) // 10 bits, the last 2 must be zero
  })

  it('converts hex both ways and rejects bad hex', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(fromHex(toHex(bytes))).toEqual(bytes)
    expect(toHex(fromHex('00FFa0'))).toBe('00ffa0')
    expect(() => fromHex('abc')).toThrow(InvalidInputError)
    expect(() => fromHex('zz')).toThrow(InvalidInputError)
  })

  it('writes and reads big-endian integers', () => {
    expect(toHex(u32be(0x01020304))).toBe('01020304')
    expect(toHex(u64be(0x0102030405))).toBe('0000000102030405')
    expect(toHex(u64be(Number.MAX_SAFE_INTEGER))).toBe('001fffffffffffff')
    expect(readU64be(u64be(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER)
    expect(readU32be(concat(new Uint8Array(1), u32be(7)), 1)).toBe(7)
    expect(() => u32be(2 ** 32)).toThrow(InvalidInputError)
    expect(() => u64be(-1)).toThrow(InvalidInputError)
    expect(() => u64be(1.5)).toThrow(InvalidInputError)
    expect(() => readU64be(fromHex('ffffffffffffffff'))).toThrow(InvalidInputError)
  })

  it('compares and concatenates', () => {
    expect(equal(utf8('ab'), utf8('ab'))).toBe(true)
    expect(equal(utf8('ab'), utf8('ac'))).toBe(false)
    expect(equal(utf8('ab'), utf8('abc'))).toBe(false)
    expect(concat(utf8('a'), new Uint8Array(0), utf8('bc'))).toEqual(utf8('abc'))
  })
})
