import { describe, expect, it } from 'vitest'
import { InvalidPolicyError } from '../errors.ts'
import { DEFAULT_POLICY, makePolicy } from './index.ts'

describe('makePolicy', () => {
  it.each([
    [
      { k: 4, n: 8 },
      { k: 4, n: 8, repairThreshold: 7 },
    ],
    [
      { k: 4, n: 12 },
      { k: 4, n: 12, repairThreshold: 10 },
    ],
    [
      { k: 1, n: 2 },
      { k: 1, n: 2, repairThreshold: 2 },
    ],
    [
      { k: 10, n: 14 },
      { k: 10, n: 14, repairThreshold: 13 },
    ],
    [
      { k: 3, n: 6 },
      { k: 3, n: 6, repairThreshold: 6 },
    ], // n − floor(3 / 4)
    [
      { k: 29, n: 80, repairThreshold: 35 },
      { k: 29, n: 80, repairThreshold: 35 },
    ],
    [
      { k: 254, n: 255 },
      { k: 254, n: 255, repairThreshold: 255 },
    ],
    [
      { k: 4, n: 8, repairThreshold: 8 },
      { k: 4, n: 8, repairThreshold: 8 },
    ],
    [
      { k: 4, n: 8, repairThreshold: 5 },
      { k: 4, n: 8, repairThreshold: 5 },
    ],
  ])('accepts %o', (input, expected) => {
    const policy = makePolicy(input)
    expect(policy).toEqual(expected)
    expect(Object.isFrozen(policy)).toBe(true)
  })

  it('returns a copy, not the object passed in', () => {
    const input = { k: 4, n: 8, repairThreshold: 6 }
    const policy = makePolicy(input)
    expect(policy).not.toBe(input)
    input.k = 7
    expect(policy.k).toBe(4)
  })

  it.each([
    ['k=0', { k: 0, n: 4 }, /k \(shares needed\) must be at least 1, got 0/],
    ['negative k', { k: -2, n: 4 }, /at least 1, got -2/],
    ['k=n', { k: 4, n: 4 }, /k \(shares needed, 4\) must be less than n \(shares made, 4\)/],
    ['k>n', { k: 9, n: 8 }, /must be less than n/],
    ['n=256', { k: 4, n: 256 }, /n \(shares made\) can be at most 255, got 256/],
    ['fractional k', { k: 2.5, n: 8 }, /whole numbers, got k=2.5, n=8/],
    ['fractional n', { k: 2, n: 8.5 }, /whole numbers, got k=2, n=8.5/],
    ['NaN', { k: Number.NaN, n: 8 }, /whole numbers, got k=NaN/],
    ['a string', { k: '4' as unknown as number, n: 8 }, /whole numbers/],
    ['repairThreshold = k', { k: 4, n: 8, repairThreshold: 4 }, /more than k \(4\) and at most n \(8\), got 4/],
    ['repairThreshold < k', { k: 4, n: 8, repairThreshold: 2 }, /got 2/],
    ['repairThreshold > n', { k: 4, n: 8, repairThreshold: 9 }, /at most n \(8\), got 9/],
    ['fractional repairThreshold', { k: 4, n: 8, repairThreshold: 6.5 }, /repairThreshold must be a whole number, got 6.5/],
  ])('rejects %s with InvalidPolicyError naming the problem', (_, input, message) => {
    expect(() => makePolicy(input)).toThrow(InvalidPolicyError)
    expect(() => makePolicy(input)).toThrow(message)
  })

  it('has a valid, frozen default', () => {
    expect(DEFAULT_POLICY).toEqual({ k: 4, n: 12, repairThreshold: 10 })
    expect(makePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY)
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true)
  })
})
