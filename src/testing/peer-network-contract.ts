/**
 * The contract every PeerNetwork adapter passes: libp2p between real Chromium tabs (e2e) and the
 * in-memory grid (Vitest). Each case gets a network seen from `self`, a peer `host` that hosts
 * with room, and a well-formed peer id `absent` that nobody runs.
 */
import { DEFAULT_LEASE_MS } from '../core/lease/index.ts'
import { LEAF_SIZE, merkleRoot } from '../core/merkle/index.ts'
import { shareKey } from '../core/pipeline/index.ts'
import { Vault } from '../core/vault/index.ts'
import { signStore } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'

export interface NetworkContractSetup {
  readonly net: PeerNetwork
  readonly self: string
  readonly host: string
  readonly absent: string
}

export interface NetworkContractCase {
  readonly name: string
  run(setup: NetworkContractSetup): Promise<void>
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`contract: ${what}`)
}

const UNREACHABLE = ['PeerUnreachableError', 'PeerNotFoundError', 'NetworkTimeoutError', 'NetworkFailureError', 'StreamInterruptedError']

async function share(seed: number) {
  const bytes = new Uint8Array(LEAF_SIZE)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + seed) & 255
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}

export const peerNetworkContract: readonly NetworkContractCase[] = [
  {
    name: 'discoverPeers finds the host, never this peer',
    async run({ net, self, host }) {
      // A young network fills in over a few lookups (the relay may answer first): ask again, as
      // findHosts does, within a time limit.
      const seen = new Set<string>()
      for (const end = Date.now() + 30_000; !seen.has(host) && Date.now() < end;) {
        for (const p of await net.discoverPeers({ minPeers: 2, timeoutMs: 10_000, settleRounds: 3 })) seen.add(p)
      }
      check(seen.has(host), `the host is not among ${seen.size} peers found in 30 s`)
      check(!seen.has(self), 'discoverPeers returned this peer')
    },
  },
  {
    name: 'a request gets the host’s typed answer: stat',
    async run({ net, host }) {
      const res = await net.request(host, { type: 'stat' }, { timeoutMs: 15_000 })
      check(res.status === 'ok' && res.stat && res.stat.quota > 0, `stat answered ${JSON.stringify(res)}`)
    },
  },
  {
    name: 'a signed store and the fetches of it carry the bytes both ways',
    async run({ net, host }) {
      const v = await Vault.create()
      const s = await share(3)
      const stored = await net.request(host, {
        type: 'store',
        key: s.key,
        root: s.root,
        ...signStore(v, s.key, s.bytes.length, host, { lease: DEFAULT_LEASE_MS }),
        bytes: s.bytes,
      })
      check(stored.status === 'ok', `store answered ${stored.status}`)
      const got = await net.request(host, { type: 'fetch', key: s.key })
      check(got.status === 'ok' && got.bytes?.length === s.bytes.length && got.bytes.every((b, i) => b === s.bytes[i]), 'fetched bytes differ')
      const part = await net.request(host, { type: 'fetch', key: s.key, range: { offset: 100, length: 10 } })
      check(part.status === 'ok' && part.bytes?.length === 10 && part.bytes[0] === s.bytes[100], 'ranged fetch differs')
    },
  },
  {
    name: 'a refusal is an answer, not an exception',
    async run({ net, host }) {
      const v = await Vault.create()
      const s = await share(4)
      const auth = signStore(v, s.key, s.bytes.length, `${host}-not`, { lease: DEFAULT_LEASE_MS })
      const res = await net.request(host, { type: 'store', key: s.key, root: s.root, ...auth, bytes: s.bytes })
      check(res.status === 'unauthorized', `a store signed for another host answered ${res.status}`)
      const missing = await net.request(host, { type: 'fetch', key: new Uint8Array(32) })
      check(missing.status === 'not-found', `fetch of an unknown share answered ${missing.status}`)
    },
  },
  {
    name: 'a peer nobody runs is a typed network error, within the time limit',
    async run({ net, absent }) {
      const t0 = Date.now()
      let name = ''
      try {
        await net.request(absent, { type: 'stat' }, { timeoutMs: 5000 })
      } catch (err) {
        name = (err as Error).name
      }
      check(UNREACHABLE.includes(name), `expected a network error, got "${name}"`)
      check(Date.now() - t0 < 40_000, 'gave up too late')
    },
  },
  {
    name: 'kadId is 32 bytes, stable, and differs between peers',
    async run({ net, self, host }) {
      const [a, b, c] = await Promise.all([net.kadId(host), net.kadId(host), net.kadId(self)])
      check(a.length === 32 && a.every((x, i) => x === b[i]), 'kadId is not a stable 32-byte id')
      check(!a.every((x, i) => x === c[i]), 'two peers share a kadId')
    },
  },
  {
    name: 'closestPeers to the host’s own id finds the host, never this peer',
    async run({ net, self, host }) {
      const near = await net.closestPeers(await net.kadId(host), { timeoutMs: 15_000 })
      check(near.includes(host), `the host is not among ${near.length} closest peers`)
      check(!near.includes(self), 'closestPeers returned this peer')
    },
  },
  {
    name: 'after relocate the host still answers',
    async run({ net, host }) {
      await net.relocate(host, { timeoutMs: 10_000 })
      const res = await net.request(host, { type: 'stat' }, { timeoutMs: 15_000 })
      check(res.status === 'ok', `stat after relocate answered ${res.status}`)
    },
  },
]
