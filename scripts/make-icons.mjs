#!/usr/bin/env node
// Draws the app's icons (public/icons/): the favicon's three bars, on a rounded dark-blue square,
// as PNGs of 192 and 512 pixels (what Chromium wants to install an app) and a maskable 512 one
// (the bars inside the safe circle). Plain Node (zlib), no dependencies; run it again after
// changing the drawing: `node scripts/make-icons.mjs`.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const BACKGROUND = [0x13, 0x1a, 0x33]
const BARS = [
  [0x3b, 0x6e, 0xf5],
  [0x5b, 0x8b, 0xff],
  [0x8f, 0xb0, 0xff],
]

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
/** Inside a rounded rectangle (x0, y0, x1, y1, corner radius r), in pixels. */
function inRounded(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}
/** The icon at `size` pixels; `inset` is the bars' margin in the favicon's 32 units (larger for maskable icons). */
function icon(size, { inset, rounded }) {
  const u = size / 32
  const s = (32 - 2 * inset) / 24
  return png(size, (x, y) => {
    for (let i = 0; i < 3; i++) {
      const x0 = inset * u
      const y0 = (16 - 11 * s + i * 8 * s) * u
      if (inRounded(x, y, x0, y0, x0 + 24 * s * u, y0 + 6 * s * u, 2 * s * u)) return [...BARS[i], 255]
    }
    if (!rounded || inRounded(x, y, 0, 0, size, size, size * 0.18)) return [...BACKGROUND, 255]
    return [0, 0, 0, 0]
  })
}

const dir = new URL('../public/icons/', import.meta.url)
writeFileSync(new URL('icon-192.png', dir), icon(192, { inset: 4, rounded: true }))
writeFileSync(new URL('icon-512.png', dir), icon(512, { inset: 4, rounded: true }))
writeFileSync(new URL('icon-maskable-512.png', dir), icon(512, { inset: 7, rounded: false }))
console.log('wrote public/icons/icon-192.png, icon-512.png, icon-maskable-512.png')
