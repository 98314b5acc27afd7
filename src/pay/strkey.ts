/**
 * Stellar account ids (G… strkeys) checked without stellar-sdk, so the share protocol's decoder
 * (src/net/share/messages.ts) can validate a host's payout account without pulling the SDK into
 * the network chunk. A strkey is RFC 4648 base32 (no padding) of version byte ‖ payload ‖
 * CRC16-XModem(version ‖ payload), little-endian; an account id's version byte is 6 << 3 ('G').
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const ACCOUNT_VERSION = 6 << 3
/** 1 version byte + 32 key bytes + 2 checksum bytes = 35 bytes = 56 base32 characters. */
const ACCOUNT_ID_LENGTH = 56

function crc16xmodem(bytes: Uint8Array): number {
  let crc = 0
  for (const b of bytes) {
    crc ^= b << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

function base32(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let bits = 0
  let value = 0
  let o = 0
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch)
    if (v < 0) return undefined
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out[o++] = (value >>> (bits - 8)) & 0xff
      bits -= 8
    }
  }
  // Leftover bits must be zero (a canonical encoding).
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return undefined
  return out
}

/** Whether `text` is a valid Stellar account id (G…, 56 characters, right checksum). */
export function isAccountId(text: unknown): text is string {
  if (typeof text !== 'string' || text.length !== ACCOUNT_ID_LENGTH || text[0] !== 'G') return false
  const raw = base32(text)
  if (!raw || raw.length !== 35 || raw[0] !== ACCOUNT_VERSION) return false
  const crc = crc16xmodem(raw.subarray(0, 33))
  return raw[33] === (crc & 0xff) && raw[34] === crc >>> 8
}
