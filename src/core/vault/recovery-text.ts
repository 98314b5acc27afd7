import { sha256 } from '@noble/hashes/sha2.js'
import { base32Decode, base32Encode, concat, crockfordValue, equal, requireBytes, utf8 } from '../bytes.ts'
import { RecoveryTextError } from '../errors.ts'

export const SECRET_SIZE = 32
export const RECOVERY_PREFIX = 'layr1-'
const CHECKSUM_SIZE = 4
const GROUP = 5
/** base32 characters after the prefix: ceil((32 + 4) * 8 / 5). */
export const RECOVERY_CHARS = Math.ceil(((SECRET_SIZE + CHECKSUM_SIZE) * 8) / 5)

// 36 bytes are 288 bits; 58 characters carry 290, so the last character has 2 padding
// bits. They must be zero, or a typo there would change nothing the checksum covers.

function checksum(secret: Uint8Array): Uint8Array {
  // Synchronous on purpose (36 bytes): parsing stays a pure, fast function.
  return sha256(concat(utf8('layr/v1/recovery'), secret)).subarray(0, CHECKSUM_SIZE)
}

/** "layr1-" then base32(secret ‖ checksum) in groups of five characters joined by dashes. */
export function encodeRecoveryText(secret: Uint8Array): string {
  requireBytes('secret', secret, SECRET_SIZE)
  const body = base32Encode(concat(secret, checksum(secret)))
  const groups: string[] = []
  for (let i = 0; i < body.length; i += GROUP) groups.push(body.slice(i, i + GROUP))
  return RECOVERY_PREFIX + groups.join('-')
}

/**
 * Parses a recovery text back into the 32-byte secret. Accepts any case, spaces,
 * dashes and line breaks, and reads I/L as 1 and O as 0. Throws RecoveryTextError
 * saying what is wrong: the prefix, a character (with its position in the text as
 * given, counting from 1), the length, or the checksum (a mistyped character).
 */
export function parseRecoveryText(text: string): Uint8Array {
  if (typeof text !== 'string') throw new RecoveryTextError('The recovery text must be a string.')
  const start = text.length - text.trimStart().length
  const head = text.slice(start, start + RECOVERY_PREFIX.length - 1).toLowerCase()
  if (head !== RECOVERY_PREFIX.slice(0, -1)) {
    throw new RecoveryTextError(
      text.trim() === ''
        ? 'The recovery text is empty. Paste the whole text, starting with "layr1-".'
        : `This is not a Layr recovery text: it must start with "${RECOVERY_PREFIX}".`,
    )
  }
  let symbols = ''
  for (let i = start + RECOVERY_PREFIX.length - 1; i < text.length; i++) {
    const ch = text.charAt(i)
    if (ch === '-' || /\s/.test(ch)) continue
    if (crockfordValue(ch) === undefined) {
      throw new RecoveryTextError(
        `Invalid character "${ch}" at position ${i + 1} of the recovery text. ` +
          'It uses only digits and the letters A–Z except U (I, L and O are read as 1, 1 and 0).',
      )
    }
    symbols += ch
  }
  if (symbols.length !== RECOVERY_CHARS) {
    const diff = symbols.length - RECOVERY_CHARS
    throw new RecoveryTextError(
      `Wrong length: a recovery text has ${RECOVERY_CHARS} characters after "${RECOVERY_PREFIX}", ` +
        `this one has ${symbols.length} (${Math.abs(diff)} ${diff < 0 ? 'missing' : 'too many'}). ` +
        'Check that it was copied completely.',
    )
  }
  let bytes: Uint8Array
  try {
    bytes = base32Decode(symbols)
  } catch {
    // Only the last character's padding bits can fail here: a mistyped final character.
    throw checksumError()
  }
  const secret = bytes.slice(0, SECRET_SIZE)
  if (!equal(bytes.subarray(SECRET_SIZE), checksum(secret))) throw checksumError()
  return secret
}

function checksumError(): RecoveryTextError {
  return new RecoveryTextError(
    'The recovery text does not check out: at least one character is mistyped. ' + 'Compare it character by character with the saved copy.',
  )
}
