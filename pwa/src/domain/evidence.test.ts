// @vitest-environment node
/// <reference types="node" />
// The photo minimum on the cases the server's test reads too (tests/vectors/photo_minimum.json).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { needsMorePhotos } from './evidence'

interface Case {
  case: string
  photos_min: number
  outcome: string | null
  photos: number
  needs_more: boolean
}

const VECTORS = fileURLToPath(new URL('../../../tests/vectors/photo_minimum.json', import.meta.url))
const CASES = (JSON.parse(readFileSync(VECTORS, 'utf-8')) as { cases: Case[] }).cases

describe('needsMorePhotos, as the server decides', () => {
  it('has the shared cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10)
  })

  it.each(CASES.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    expect(needsMorePhotos(c.photos_min, c.outcome, c.photos)).toBe(c.needs_more)
  })
})
