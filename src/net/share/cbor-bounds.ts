/**
 * A bound on the work a CBOR message can cause, checked before any object is built. A frame of
 * tiny items (a 16 MiB array of empty maps is 16 million objects) costs seconds and gigabytes in
 * a full decoder; this walk only reads item headers, allocates nothing, and gives up at the
 * first item past `maxItems` or the first nesting past `maxDepth`. It also refuses what the
 * protocol never uses: indefinite lengths, tags, floats and reserved encodings.
 */
import { ProtocolError } from './errors.ts'

export interface CborBounds {
  /** Data items in all (a map of n pairs is 1 + 2n items, before nesting). */
  readonly maxItems: number
  /** Nesting of arrays and maps (a flat map is depth 1). */
  readonly maxDepth: number
}

function fail(what: string): never {
  throw new ProtocolError(`Malformed share-protocol message: ${what}.`)
}

/** Throws ProtocolError unless `bytes` is exactly one CBOR item within `bounds`. */
export function checkCborBounds(bytes: Uint8Array, bounds: CborBounds): void {
  let pos = 0
  let items = 0
  // Each open array or map on the stack: how many items it still owes.
  const owed: number[] = []
  const argument = (ai: number): number => {
    if (ai < 24) return ai
    const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0
    if (width === 0) fail(ai === 31 ? 'indefinite lengths are not allowed' : 'a reserved CBOR encoding')
    if (pos + width > bytes.length) fail('truncated CBOR')
    let v = 0
    for (let i = 0; i < width; i++) v = v * 256 + bytes[pos + i]!
    pos += width
    if (!Number.isSafeInteger(v)) fail('a CBOR length or number too large')
    return v
  }
  do {
    if (pos >= bytes.length) fail('truncated CBOR')
    items++
    const initial = bytes[pos++]!
    const major = initial >> 5
    const ai = initial & 31
    let children = 0
    switch (major) {
      case 0:
      case 1:
        argument(ai)
        break
      case 2:
      case 3: {
        const length = argument(ai)
        if (pos + length > bytes.length) fail('truncated CBOR')
        pos += length
        break
      }
      case 4:
        children = argument(ai)
        break
      case 5:
        children = argument(ai) * 2
        break
      case 6:
        fail('CBOR tags are not allowed')
        break
      default:
        // Only false, true, null and undefined.
        if (ai < 20 || ai > 23) fail('floats and other CBOR simple values are not allowed')
    }
    // The items seen, with those this one announces, stay within the budget (and the bytes left).
    if (items + children > bounds.maxItems || children > bytes.length - pos) fail(`more than ${bounds.maxItems} CBOR items`)
    if (children > 0) {
      if (owed.length >= bounds.maxDepth) fail(`CBOR nested deeper than ${bounds.maxDepth}`)
      owed.push(children)
      continue
    }
    // This item is complete: pay it off against its parents, closing those it completes.
    while (owed.length > 0) {
      const top = owed.length - 1
      owed[top]!--
      if (owed[top]! > 0) break
      owed.pop()
    }
  } while (owed.length > 0)
  if (pos !== bytes.length) fail('bytes after the message')
}
