import { describe, expect, it } from 'vitest'
import { firstDifference } from './jsonDiff'

describe('firstDifference', () => {
  it('is null for equal values', () => {
    expect(firstDifference({ a: [1, { b: null }], c: 'x' }, { a: [1, { b: null }], c: 'x' })).toBeNull()
  })

  it('names the first differing path', () => {
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('/a/1/b: expected 2, got 3')
    expect(firstDifference({ a: 1 }, { a: 1, z: 0 })).toBe('/z: unexpected 0')
    expect(firstDifference({ a: 1, b: 2 }, { b: 2 })).toBe('/a: missing (expected 1)')
    expect(firstDifference([1, 2], [1])).toBe('/: expected 2 elements, got 1: [1]')
    expect(firstDifference({ n: 1 }, { n: '1' })).toBe('/n: expected 1, got "1"')
    expect(firstDifference({ n: null }, { n: 0 })).toBe('/n: expected null, got 0')
  })

  it('compares key order, as a serialisation would', () => {
    expect(firstDifference({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe('/: keys in another order: expected ["a","b"], got ["b","a"]')
  })
})
