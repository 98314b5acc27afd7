import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTask } from './next-task.ts'

describe('nextTask', () => {
  afterEach(() => void vi.useRealTimers())

  it('runs after the current task, without waiting on a timer (timers do not run here, as in a throttled hidden tab)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'setImmediate'] })
    const order: string[] = []
    const ran = new Promise<void>((resolve) =>
      nextTask(() => {
        order.push('task')
        resolve()
      }),
    )
    order.push('same task')
    await Promise.resolve()
    order.push('microtask')
    await ran
    expect(order).toEqual(['same task', 'microtask', 'task'])
  })
})
