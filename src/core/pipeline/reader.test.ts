import { describe, expect, it } from 'vitest'
import { patternBytes } from '../../testing/corruptors.ts'
import { openReader, type BlobLike } from './reader.ts'

const data = patternBytes(1_000_003, 3)

/** The ways a file can be read: a Blob's stream, a plain stream, slices only. */
const kinds: [string, () => BlobLike][] = [
  ['Blob', () => new Blob([data])],
  [
    'stream without BYOB, odd chunk sizes',
    () => ({
      size: data.length,
      slice: () => {
        throw new Error('must not slice')
      },
      stream: () => {
        let o = 0
        return new ReadableStream<Uint8Array>({
          pull(c) {
            if (o >= data.length) return c.close()
            const n = 1 + ((o * 7) % 70_001)
            c.enqueue(data.slice(o, o + n))
            o += n
          },
        })
      },
    }),
  ],
  ['slices only', () => ({ size: data.length, slice: (a: number, b: number) => ({ arrayBuffer: async () => data.slice(a, b).buffer }) })],
]

describe.each(kinds)('openReader: %s', (_name, make) => {
  it('reads the file in order, in pieces of any length, reusing buffers', async () => {
    const r = openReader(make())
    const lengths = [0, 1, 65536, 300_000, 17, data.length - 365_554]
    let offset = 0
    let buffer: ArrayBuffer | undefined
    for (const len of lengths) {
      const got = await r.read(len, buffer)
      expect(got.length).toBe(len)
      expect(got).toEqual(data.subarray(offset, offset + len))
      buffer = got.buffer.byteLength >= 300_000 ? got.buffer : undefined
      offset += len
    }
    expect(offset).toBe(data.length)
    await r.cancel()
  })

  it('reading past the end is a clear error', async () => {
    const r = openReader(make())
    await r.read(data.length - 10)
    await expect(r.read(11)).rejects.toThrow(/changed while it was read/)
  })
})

describe('openReader on a byte stream', () => {
  // Chromium's BYOB read() on a disk-backed File's stream now and then never settles (see
  // reader.ts), so a stream that offers BYOB must still be read through a default reader.
  it('takes a default reader, never a BYOB one', async () => {
    const modes: (string | undefined)[] = []
    const blob = new Blob([data])
    const file: BlobLike = {
      size: blob.size,
      slice: (a, b) => blob.slice(a, b),
      stream: () => {
        const s = blob.stream()
        const getReader = s.getReader.bind(s) as (o?: { mode?: 'byob' }) => ReadableStreamDefaultReader<Uint8Array>
        Object.defineProperty(s, 'getReader', {
          value: (o?: { mode?: 'byob' }) => {
            modes.push(o?.mode)
            return getReader(o)
          },
        })
        return s
      },
    }
    const r = openReader(file)
    expect(await r.read(data.length)).toEqual(data)
    expect(modes).toEqual([undefined])
    await r.cancel()
  })
})
