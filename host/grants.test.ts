/** The Node host's grant store: grants survive a reopen, a forgotten one is gone, a damaged file is left out. */
import { describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsGrantStore } from './grants.ts'
import { parseDuration } from './config.ts'

describe('fs grant store', () => {
  it('keeps, replaces and forgets grants across reopenings; skips what it cannot read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layr-grants-'))
    try {
      const a = 'a'.repeat(64)
      const b = 'b'.repeat(64)
      const store = await openFsGrantStore(dir)
      await store.save(a, { capability: new Uint8Array([1, 2]), updates: new Uint8Array([0x80]) })
      await store.save(b, { capability: new Uint8Array([3]), updates: new Uint8Array([0x80]) })
      await store.save(a, { capability: new Uint8Array([4]), updates: new Uint8Array([0x80]) })
      writeFileSync(join(dir, `${'c'.repeat(64)}.cbor`), 'not cbor')
      const again = await openFsGrantStore(dir)
      expect([...(await again.load())].sort()).toEqual([
        [a, { capability: new Uint8Array([4]), updates: new Uint8Array([0x80]) }],
        [b, { capability: new Uint8Array([3]), updates: new Uint8Array([0x80]) }],
      ])
      await again.save(b, undefined)
      await again.save(b, undefined)
      expect([...(await again.load()).keys()]).toEqual([a])
      expect(readdirSync(join(dir, '.tmp'))).toEqual([])
      await expect(again.save('../x', undefined)).rejects.toThrow(/owner id/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads repair durations', () => {
    expect(['2s', '10m', '6h', '7d', '1500', '0'].map((t) => parseDuration(t, 'x'))).toEqual([2000, 600_000, 21_600_000, 604_800_000, 1500, 0])
    expect(() => parseDuration('soon', '--repair-every')).toThrow(/duration/)
  })
})
