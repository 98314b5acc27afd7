/**
 * The contract every ShareStore adapter passes: plain async cases with their own checks, so
 * the same suite runs under Vitest (memory adapter) and inside real Chromium (IndexedDB).
 * `reopen` gives a fresh handle on the same storage (persistence across reloads).
 */
import type { ShareRecord, ShareStore } from '../ports/share-store.ts'

export interface ContractSetup {
  open(): Promise<ShareStore>
  /** A new handle on the same data, as after a reload; absent for stores that forget. */
  reopen?(): Promise<ShareStore>
  /** A store on a device that holds at most about `capacity` bytes (to test StorageFullError). */
  openSmall?(): Promise<{ store: ShareStore; capacity: number }>
}

export interface ContractCase {
  readonly name: string
  run(setup: ContractSetup): Promise<void>
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`contract: ${what}`)
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i])
}

export function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + (i >> 8)) & 255
  return b
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)))
  return b
}

export function recordFor(key: string, bytes: Uint8Array): ShareRecord {
  return { key, size: bytes.length, root: bytesOf(32, key.length), owners: [{ owner: bytesOf(32, 7), since: 1_790_000_000_000 }], storedAt: 1_790_000_000_000 }
}

export const shareStoreContract: readonly ContractCase[] = [
  {
    name: 'put then get returns the same bytes, and the record',
    async run({ open }) {
      const s = await open()
      const b = bytesOf(100_000, 1)
      await s.put(recordFor('aa', b), b)
      check(same(await s.get('aa'), b), 'bytes differ')
      const r = await s.record('aa')
      check(r?.size === b.length && r.key === 'aa', 'record differs')
      check(r.owners.length === 1 && same(r.owners[0]?.owner, bytesOf(32, 7)), 'owner differs')
      await s.close()
    },
  },
  {
    name: 'absent keys give undefined, not errors',
    async run({ open }) {
      const s = await open()
      check((await s.get('nope')) === undefined, 'get of absent key')
      check((await s.record('nope')) === undefined, 'record of absent key')
      check((await s.delete('nope')) === false, 'delete of absent key')
      await s.close()
    },
  },
  {
    name: 'ranges return exactly the bytes asked for; ranges outside are refused',
    async run({ open }) {
      const s = await open()
      const b = bytesOf(200_000, 2)
      await s.put(recordFor('bb', b), b)
      check(same(await s.get('bb', { offset: 65536, length: 65536 }), b.subarray(65536, 131072)), 'middle range')
      check(same(await s.get('bb', { offset: 199_999, length: 1 }), b.subarray(199_999)), 'last byte')
      check((await s.get('bb', { offset: 0, length: 0 }))?.length === 0, 'empty range')
      let refused = false
      try {
        await s.get('bb', { offset: 199_999, length: 2 })
      } catch (err) {
        refused = (err as Error).name === 'InvalidInputError'
      }
      check(refused, 'a range past the end must be an InvalidInputError')
      await s.close()
    },
  },
  {
    name: 'many puts at once (batched) all land; usage and list add up',
    async run({ open }) {
      const s = await open()
      const puts = Array.from({ length: 21 }, (_, i) => {
        const b = bytesOf(1000 + i, i)
        return s.put(recordFor(`k${i}`, b), b)
      })
      await Promise.all(puts)
      const u = await s.usage()
      check(u.shares === 21, `usage counts ${u.shares} shares`)
      check(u.bytes === 21 * 1000 + 210, `usage counts ${u.bytes} bytes`)
      check((await s.list()).length === 21, 'list length')
      for (let i = 0; i < 21; i++) check(same(await s.get(`k${i}`), bytesOf(1000 + i, i)), `share k${i}`)
      await s.close()
    },
  },
  {
    name: 'replacing a share does not count it twice',
    async run({ open }) {
      const s = await open()
      await s.put(recordFor('r', bytesOf(500, 1)), bytesOf(500, 1))
      await s.put(recordFor('r', bytesOf(700, 2)), bytesOf(700, 2))
      const u = await s.usage()
      check(u.shares === 1 && u.bytes === 700, `usage ${u.shares}/${u.bytes}`)
      check(same(await s.get('r'), bytesOf(700, 2)), 'latest bytes win')
      await s.close()
    },
  },
  {
    name: 'delete removes bytes and record and frees usage',
    async run({ open }) {
      const s = await open()
      const b = bytesOf(4096, 3)
      await s.put(recordFor('dd', b), b)
      check((await s.delete('dd')) === true, 'delete reports true')
      check((await s.get('dd')) === undefined && (await s.record('dd')) === undefined, 'still there')
      check((await s.usage()).bytes === 0, 'usage not freed')
      await s.close()
    },
  },
  {
    name: 'update replaces the owners and keeps the bytes; an absent share is not created',
    async run({ open, reopen }) {
      const s = await open()
      const b = bytesOf(3000, 4)
      await s.put(recordFor('up', b), b)
      const second = { owner: bytesOf(32, 8), since: 1_790_000_000_500 }
      const r = { ...recordFor('up', b), owners: [...recordFor('up', b).owners, second] }
      check((await s.update(r)) === true, 'update of a held share reports true')
      check((await s.update(recordFor('absent', b))) === false, 'update of an absent share reports false')
      check((await s.record('absent')) === undefined && (await s.get('absent')) === undefined, 'update created a share')
      const after = reopen ? (await s.close(), await reopen()) : s
      const got = await after.record('up')
      check(got?.owners.length === 2 && same(got.owners[1]?.owner, second.owner) && got.owners[1]?.since === second.since, 'owners not replaced')
      check(same(await after.get('up'), b) && got.size === b.length, 'bytes changed by update')
      check((await after.usage()).bytes === b.length, 'update changed usage')
      await after.close()
    },
  },
  {
    name: 'shares survive a reopen (a reload)',
    async run({ open, reopen }) {
      if (!reopen) return
      const s = await open()
      const b = bytesOf(70_000, 9)
      await s.put(recordFor('keep', b), b)
      await s.close()
      const again = await reopen()
      check(same(await again.get('keep'), b), 'bytes lost across reopen')
      check((await again.usage()).shares === 1, 'usage lost across reopen')
      await again.close()
    },
  },
  {
    name: 'a full device is a StorageFullError, and what was stored before survives',
    async run({ openSmall }) {
      if (!openSmall) return
      const { store: s, capacity } = await openSmall()
      const ok = bytesOf(Math.floor(capacity * 0.3), 1)
      await s.put(recordFor('fits', ok), ok)
      // Random bytes: browsers may compress stored values, and random bytes do not compress.
      const big = randomBytes(Math.floor(capacity * 1.2))
      let name = ''
      try {
        await s.put(recordFor('too-big', big), big)
      } catch (err) {
        name = (err as Error).name
      }
      check(name === 'StorageFullError', `expected StorageFullError, got "${name}"`)
      check(same(await s.get('fits'), ok), 'earlier share lost')
      check((await s.get('too-big')) === undefined, 'refused share half-written')
      await s.close()
    },
  },
]
