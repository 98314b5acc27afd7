/**
 * Runs `work` over items in order, keeping up to `lookahead` items in progress beyond the one
 * the consumer waits for, and yields the results in order. Both pipeline directions use it:
 * it is what bounds their memory to a few segments while keeping every stage busy.
 */
export async function* runAhead<T, R>(
  items: readonly T[],
  lookahead: number,
  work: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R, void, undefined> {
  const inflight: Promise<R>[] = []
  let next = 0
  const launch = (): void => {
    while (next < items.length && inflight.length <= lookahead) {
      const p = work(items[next]!, next)
      p.catch(() => undefined) // observed when awaited; results dropped on early exit must not be unhandled
      inflight.push(p)
      next++
    }
  }
  try {
    for (let i = 0; i < items.length; i++) {
      signal?.throwIfAborted()
      launch()
      const result = await inflight.shift()!
      launch()
      yield result
    }
  } finally {
    inflight.length = 0
  }
}
