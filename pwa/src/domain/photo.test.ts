import { describe, expect, it } from 'vitest'
import { fitWithin, localIsoTime, MAX_EDGE, sha256Hex } from './photo'

describe('fitWithin', () => {
  it('scales the long edge to the limit and keeps the aspect ratio', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 })
    expect(fitWithin(4032, 1908)).toEqual({ width: 1600, height: 757 })
  })

  it('never enlarges a small picture', () => {
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 })
    expect(fitWithin(MAX_EDGE, 10)).toEqual({ width: MAX_EDGE, height: 10 })
  })

  it('keeps at least one pixel on a very thin picture', () => {
    expect(fitWithin(100_000, 10)).toEqual({ width: 1600, height: 1 })
  })
})

describe('sha256Hex', () => {
  it('is the SHA-256 of the bytes, lowercase hex (as the server checks it)', async () => {
    expect(await sha256Hex(new Blob(['abc']))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await sha256Hex(new ArrayBuffer(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

describe('localIsoTime', () => {
  it('writes local time with its UTC offset', () => {
    const text = localIsoTime(new Date(2026, 10, 23, 9, 5, 7))
    expect(text).toMatch(/^2026-11-23T09:05:07[+-]\d{2}:\d{2}$/)
    expect(new Date(text).getTime()).toBe(new Date(2026, 10, 23, 9, 5, 7).getTime())
  })
})
