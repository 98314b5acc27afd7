import { describe, expect, it } from 'vitest'
import { compareDistance } from './index.ts'

const id = (...bytes: number[]): Uint8Array => Uint8Array.from({ length: 4 }, (_, i) => bytes[i] ?? 0)

describe('placement', () => {
  it('orders by XOR distance', () => {
    expect(compareDistance(id(0b1000), id(0b1001), id(0b0000))).toBeLessThan(0)
    expect(compareDistance(id(5), id(5), id(5))).toBe(0)
    expect(compareDistance(id(0, 1), id(0, 3), id(0, 2))).toBeLessThan(0)
  })
})
