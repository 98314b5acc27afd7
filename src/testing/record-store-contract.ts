/**
 * The contract every RecordStore adapter passes (memory in Vitest, IndexedDB inside Chromium),
 * like the ShareStore one: plain async cases with their own checks. Records here need no valid
 * signatures: checking them is the host's job, above the store.
 */
import type { ManifestRecord } from '../core/records/index.ts'
import { RECORD_OVERHEAD, type RecordStore } from '../ports/record-store.ts'

export interface RecordContractSetup {
  open(): Promise<RecordStore>
  /** A new handle on the same data, as after a reload; absent for stores that forget. */
  reopen?(): Promise<RecordStore>
}

export interface RecordContractCase {
  readonly name: string
  run(setup: RecordContractSetup): Promise<void>
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`contract: ${what}`)
}

const owner = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const file = (n: number): Uint8Array => new Uint8Array(16).fill(n)

function record(o: number, f: number, revision: number, sealed: number[] = [revision]): ManifestRecord {
  return { owner: owner(o), fileId: file(f), revision, sealed: Uint8Array.from(sealed), signature: new Uint8Array(64).fill(revision & 255) }
}

const bytes = (a: Uint8Array | undefined): number[] => (a ? [...a] : [])

export const recordStoreContract: readonly RecordContractCase[] = [
  {
    name: 'put then get returns the record; list and entries name it',
    async run({ open }) {
      const s = await open()
      const r = record(1, 1, 3, [9, 8, 7])
      const kept = await s.put(r)
      check(kept.revision === 3, 'put returns the record it kept')
      const got = await s.get(owner(1), file(1))
      check(got && got.revision === 3 && bytes(got.sealed).join() === '9,8,7' && bytes(got.signature).join() === bytes(r.signature).join(), 'get differs')
      check((await s.list(owner(1))).length === 1, 'list length')
      const e = await s.entries(owner(1))
      check(e.length === 1 && e[0]!.revision === 3 && bytes(e[0]!.fileId).join() === bytes(file(1)).join() && e[0]!.tombstone === undefined, 'entries differ')
      check((await s.get(owner(1), file(2))) === undefined && (await s.get(owner(2), file(1))) === undefined, 'absent records are undefined')
      await s.close()
    },
  },
  {
    name: 'the highest revision wins; an older or equal one is not kept, and put says which is',
    async run({ open }) {
      const s = await open()
      await s.put(record(1, 1, 5))
      const older = await s.put(record(1, 1, 4, [4, 4]))
      check(older.revision === 5, 'an older revision replaced a newer one')
      const same = await s.put(record(1, 1, 5, [1, 2, 3]))
      check(same.revision === 5 && bytes(same.sealed).join() === '5', 'an equal revision replaced the kept one')
      await s.put(record(1, 1, 6, [6]))
      check((await s.get(owner(1), file(1)))?.revision === 6, 'a newer revision was not kept')
      await s.close()
    },
  },
  {
    name: 'parallel puts of one file keep the highest revision, whatever the order',
    async run({ open }) {
      const s = await open()
      await Promise.all([3, 9, 1, 7, 5].map((rev) => s.put(record(1, 2, rev))))
      check((await s.get(owner(1), file(2)))?.revision === 9, 'parallel puts lost the highest revision')
      check((await s.usage()).records === 1, 'parallel puts of one file made several records')
      await s.close()
    },
  },
  {
    name: 'owners are kept apart',
    async run({ open }) {
      const s = await open()
      await s.put(record(1, 1, 1))
      await s.put(record(1, 2, 1))
      await s.put(record(2, 1, 1))
      check((await s.list(owner(1))).length === 2 && (await s.entries(owner(2))).length === 1, 'owners mixed up')
      check((await s.entries(owner(3))).length === 0, 'an unknown owner has entries')
      await s.close()
    },
  },
  {
    name: 'a tombstone is listed with its signature',
    async run({ open }) {
      const s = await open()
      const t = record(1, 1, 2 ** 53 - 1, [])
      await s.put(t)
      const [e] = await s.entries(owner(1))
      check(e && e.revision === 2 ** 53 - 1 && bytes(e.tombstone).join() === bytes(t.signature).join(), 'tombstone entry lacks its signature')
      await s.close()
    },
  },
  {
    name: 'usage counts sealed bytes plus a fixed overhead per record, and a replacement only its difference',
    async run({ open }) {
      const s = await open()
      await s.put(record(1, 1, 1, Array(100).fill(1)))
      await s.put(record(1, 2, 1, []))
      let u = await s.usage()
      check(u.records === 2 && u.bytes === 100 + 2 * RECORD_OVERHEAD, `usage ${u.records}/${u.bytes}`)
      await s.put(record(1, 1, 2, Array(40).fill(2)))
      u = await s.usage()
      check(u.records === 2 && u.bytes === 40 + 2 * RECORD_OVERHEAD, `usage after a replacement ${u.records}/${u.bytes}`)
      await s.close()
    },
  },
  {
    name: 'delete forgets a record and its usage; deleting an absent one is false',
    async run({ open, reopen }) {
      const s = await open()
      await s.put(record(1, 1, 1, [1, 2, 3]))
      await s.put(record(1, 2, 1))
      check((await s.delete(owner(1), file(1))) === true, 'delete of a kept record is not true')
      check((await s.delete(owner(1), file(1))) === false, 'delete of an absent record is not false')
      check((await s.get(owner(1), file(1))) === undefined, 'deleted record still there')
      const after = reopen ? (await s.close(), await reopen()) : s
      const u = await after.usage()
      check(u.records === 1 && u.bytes === 1 + RECORD_OVERHEAD, `usage after delete ${u.records}/${u.bytes}`)
      // A deleted file can be put again at any revision.
      await after.put(record(1, 1, 1))
      check((await after.get(owner(1), file(1)))?.revision === 1, 'a deleted file could not be put again')
      await after.close()
    },
  },
  {
    name: 'records and usage survive a reopen (a reload)',
    async run({ open, reopen }) {
      if (!reopen) return
      const s = await open()
      await s.put(record(4, 4, 2, [1, 2]))
      await s.close()
      const again = await reopen()
      check((await again.get(owner(4), file(4)))?.revision === 2, 'record lost across reopen')
      check((await again.usage()).bytes === 2 + RECORD_OVERHEAD, 'usage lost across reopen')
      await again.close()
    },
  },
]
