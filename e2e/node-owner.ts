/**
 * An owner in Node, for e2e/node-host.spec.ts: a libp2p node made as the Node host makes its own
 * (host/p2p.ts, with WebRTC to reach tabs through the relay), that backs a random file up onto
 * whatever hosts the DHT finds (tabs, in that test), restores it, and prints one JSON line:
 *   {"holders": [[peer, …] per segment], "intact": true, "conns": [remote addresses]}
 *   node --import tsx e2e/node-owner.ts <relay multiaddr> <k> <n> <bytes>
 */
import '../relay/polyfill.ts'
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHostNode } from '../host/p2p.ts'
import { libp2pNetwork } from '../src/net/peer-network.ts'
import { backupFile, restoreFile } from '../src/transfer/index.ts'
import { makePolicy } from '../src/core/erasure/index.ts'
import { Vault } from '../src/core/vault/index.ts'

const [relay, k, n, size] = process.argv.slice(2)
const owner = await createHostNode({ privateKey: await generateKeyPair('Ed25519'), listen: [], bootstrap: [relay!], privateNetwork: true })
try {
  await owner.keeper?.whenConnected(AbortSignal.timeout(20_000))
  const net = libp2pNetwork(owner.node)
  const vault = await Vault.create()
  const bytes = randomBytes(Number(size))
  const manifest = await backupFile(net, vault, new Blob([new Uint8Array(bytes)]), { policy: makePolicy({ k: Number(k), n: Number(n) }) })
  const h = createHash('sha256')
  for await (const part of restoreFile(net, vault, manifest)) h.update(part)
  const intact = h.digest('hex') === createHash('sha256').update(bytes).digest('hex')
  const holders = manifest.segments.map((s) => s.shares.map((sh) => sh.holders[0]))
  const conns = owner.node.getConnections().map((c) => `${c.remotePeer.toString()} ${c.remoteAddr.toString()} ${c.limits ? 'limited' : 'direct'}`)
  console.log(JSON.stringify({ holders, intact, conns }))
} finally {
  await owner.stop()
}
process.exit(0)
