import { toHex } from '../../../core/bytes.ts'
import type { Handler } from './types.ts'

/** FETCH: a share's bytes, or a range of them. Open to anyone: shares are ciphertext. */
export const fetch: Handler<'fetch'> = {
  async handle(req, _ctx, { store, counters }) {
    const bytes = await store.get(toHex(req.key), req.range)
    if (!bytes) return { status: 'not-found', message: 'This host does not hold that share.' }
    counters.served++
    return { status: 'ok', bytes }
  },
}
