import { concat, toHex } from '../../../core/bytes.ts'
import { answerAudit } from '../../../core/audit/index.ts'
import { LEAF_SIZE, merkleTree } from '../../../core/merkle/index.ts'
import type { Handler } from './types.ts'

/**
 * AUDIT: the leaves the owner's nonce draws, with their Merkle paths. Open to anyone, as FETCH
 * is (shares are ciphertext); it costs the host one read and one hash of the share, less than a
 * FETCH costs it in bandwidth. The tree is built from the bytes held, so a host that lost or
 * changed them cannot answer.
 */
export const audit: Handler<'audit'> = {
  async handle(req, _ctx, { store, counters }) {
    const bytes = await store.get(toHex(req.key))
    if (!bytes) return { status: 'not-found', message: 'This host does not hold that share.' }
    const leafCount = bytes.length / LEAF_SIZE
    if (req.leaves < 1 || req.leaves > leafCount) {
      return { status: 'bad-request', message: `The share has ${leafCount} leaves; an audit asked for ${req.leaves}.` }
    }
    const answer = answerAudit(bytes, await merkleTree(bytes), req.nonce, req.leaves)
    counters.audited++
    return { status: 'ok', bytes: concat(...answer.leaves), paths: answer.paths }
  },
}
