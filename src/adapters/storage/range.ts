import { InvalidInputError } from '../../core/errors.ts'
import type { ByteRange } from '../../ports/share-store.ts'

/** A copy of bytes[offset, offset+length); InvalidInputError when the range is not inside. */
export function sliceRange(bytes: Uint8Array, range?: ByteRange): Uint8Array {
  if (!range) return bytes.slice()
  const { offset, length } = range
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new InvalidInputError(`Range ${offset}+${length} is outside the share's ${bytes.length} bytes.`)
  }
  return bytes.slice(offset, offset + length)
}
