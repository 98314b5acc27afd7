/** A child process of `npm run bench durability`: runs the simulations it is sent, one at a time. */
import { simulate, type SimConfig } from './durability.ts'

process.on('message', (m: { id: number; cfg: SimConfig }) => {
  process.send!({ id: m.id, result: simulate(m.cfg) })
})
process.on('disconnect', () => process.exit(0))
