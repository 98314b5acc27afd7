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

/**
 * A file whose stream is a byte stream (BYOB readers attach, as to a DOM File's), serving
 * 64 KiB at a time; with `stallAt`, its pull never settles once that many bytes were served,
 * as Chromium's BYOB read on a disk-backed File now and then does. Counts what was used.
 */
function byteStreamFile(stallAt = Infinity) {
  const used = { byob: 0, other: 0, slices: 0 }
  const blob = new Blob([data])
  const file: BlobLike = {
    size: data.length,
    slice: (a, b) => {
      used.slices++
      return blob.slice(a, b)
    },
    stream: () => {
      let o = 0
      const s = new ReadableStream({
        type: 'bytes',
        pull(c) {
          if (o >= stallAt) return new Promise<void>(() => undefined)
          if (o >= data.length) {
            c.close()
            c.byobRequest?.respond(0)
            return
          }
          const req = c.byobRequest
          const n = Math.min(65536, data.length - o, stallAt - o, req?.view?.byteLength ?? Infinity)
          if (req?.view) {
            new Uint8Array(req.view.buffer, req.view.byteOffset, n).set(data.subarray(o, o + n))
            req.respond(n)
          } else c.enqueue(data.slice(o, o + n))
          o += n
        },
      })
      const getReader = s.getReader.bind(s) as (o?: { mode?: 'byob' }) => ReadableStreamDefaultReader<Uint8Array>
      Object.defineProperty(s, 'getReader', {
        value: (opts?: { mode?: 'byob' }) => {
          if (opts?.mode === 'byob') used.byob++
          else used.other++
          return getReader(opts)
        },
      })
      return s as ReadableStream<Uint8Array>
    },
  }
  return { file, used }
}

/** Reads the whole file in 300,000-byte pieces, recycling the buffer, and returns it. */
async function readAll(file: BlobLike, stallMs: number): Promise<Uint8Array> {
  const r = openReader(file, { stallMs })
  const out = new Uint8Array(data.length)
  let buffer: ArrayBuffer | undefined
  for (let o = 0; o < data.length; o += 300_000) {
    const got = await r.read(Math.min(300_000, data.length - o), buffer)
    out.set(got, o)
    buffer = got.buffer
  }
  await r.cancel()
  return out
}

describe('openReader on a byte stream', () => {
  it('reads through one BYOB reader, never slicing, while reads settle', async () => {
    const { file, used } = byteStreamFile()
    expect(await readAll(file, 5_000)).toEqual(data)
    expect(used).toEqual({ byob: 1, other: 0, slices: 0 })
  })

  it.each([0, 1, 65536, 650_000])('a BYOB read that never settles (stalled at byte %i) is given up, and the file still reads whole', async (stallAt) => {
    const { file, used } = byteStreamFile(stallAt)
    expect(await readAll(file, 50)).toEqual(data)
    // One change of reader: a default reader on a slice of the rest, from where the stalled read began.
    expect(used).toEqual({ byob: 1, other: 0, slices: 1 })
  })
})
