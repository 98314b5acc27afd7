import { describe, it } from 'vitest'
import { Grid } from './grid.ts'
import { peerNetworkContract } from './peer-network-contract.ts'

describe('the in-memory grid passes the PeerNetwork contract', () => {
  for (const c of peerNetworkContract) {
    it(c.name, async () => {
      const g = new Grid(4)
      g.now = Date.now()
      await c.run({ net: g.network('peer-3'), self: 'peer-3', host: 'peer-0', absent: 'nobody' })
    })
  }
})
