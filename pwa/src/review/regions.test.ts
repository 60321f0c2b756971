import { describe, expect, it } from 'vitest'
import type { RegionOut } from '../api/types'
import { regionLevel, RegionTree } from './regions'

// GET /api/regions of a city reviewer of 开封市 today: every region of the city at once.
const CITY: RegionOut[] = [
  { code: '410200', name: '开封市', level: 'city', parent_code: '410000' },
  { code: '410222', name: '通许县', level: 'county', parent_code: '410200' },
  { code: '410222100', name: '城关镇', level: 'township', parent_code: '410222' },
  { code: '410202', name: '龙亭区', level: 'county', parent_code: '410200' },
  { code: '410225', name: '兰考县', level: 'county', parent_code: '410200' },
]

describe('one level of the region tree', () => {
  it('starts at the user\'s own region with its direct subregions, by code', async () => {
    const level = await regionLevel(null, () => Promise.resolve(CITY))
    expect(level?.region).toEqual({ code: '410200', name: '开封市', level: 'city', hasChildren: true })
    expect(level?.children.map((c) => [c.name, c.hasChildren])).toEqual([
      ['龙亭区', false],
      ['通许县', true],
      ['兰考县', false],
    ])
  })

  it('opens a subregion, and nothing outside the user\'s region', async () => {
    const level = await regionLevel('410222', () => Promise.resolve(CITY))
    expect(level?.region.name).toBe('通许县')
    expect(level?.children.map((c) => c.name)).toEqual(['城关镇'])
    expect(await regionLevel('410100', () => Promise.resolve(CITY))).toBeNull()
  })

  it('reads the regions once for every level a page opens', async () => {
    let reads = 0
    const tree = new RegionTree(() => {
      reads++
      return Promise.resolve(CITY)
    })
    await tree.level(null)
    await tree.level('410222')
    await tree.level(null)
    expect(reads).toBe(1)
  })
})
