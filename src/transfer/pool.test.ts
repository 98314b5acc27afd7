import { describe, expect, it } from 'vitest'
import { eachLimited } from './pool.ts'

describe('eachLimited', () => {
  it('visits every item once, never more than `limit` at a time', async () => {
    let running = 0
    let most = 0
    const seen: number[] = []
    await eachLimited([...Array(20).keys()], 3, async (i) => {
      running++
      most = Math.max(most, running)
      await new Promise((r) => setTimeout(r, i % 3))
      seen.push(i)
      running--
    })
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()])
    expect(most).toBe(3)
  })

  it('does nothing for no items, and passes a failure on', async () => {
    await eachLimited([], 4, async () => {
      throw new Error('never')
    })
    await expect(eachLimited([1], 4, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  })
})
