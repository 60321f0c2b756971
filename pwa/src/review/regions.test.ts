import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/client'
import type { RegionOut } from '../api/types'
import { regionLevel, RegionTree, type RegionSource } from './regions'

function region(code: string, name: string, level: RegionOut['level'], parent: string | null, children: number): RegionOut {
  return { code, name, level, parent_code: parent, children, has_children: children > 0 }
}

// GET /api/regions of a city reviewer of 开封市: one level at a time.
const LEVELS: Record<string, { region: RegionOut; items: RegionOut[] }> = {
  '': {
    region: region('410200', '开封市', 'city', '410000', 3),
    items: [
      region('410202', '龙亭区', 'county', '410200', 0),
      region('410222', '通许县', 'county', '410200', 1),
      region('410225', '兰考县', 'county', '410200', 0),
    ],
  },
  '410222': {
    region: region('410222', '通许县', 'county', '410200', 1),
    items: [region('410222100', '城关镇', 'township', '410222', 0)],
  },
}

const server: RegionSource = (parent) => {
  const level = LEVELS[parent ?? '']
  return level ? Promise.resolve(level) : Promise.reject(new ApiError(404, 'http.not_found', '未找到，或不在您的权限范围内'))
}

describe('one level of the region tree', () => {
  it("starts at the user's own region with its direct subregions", async () => {
    const level = await regionLevel(null, server)
    expect(level?.region).toEqual({ code: '410200', name: '开封市', level: 'city', hasChildren: true })
    expect(level?.children.map((c) => [c.name, c.hasChildren])).toEqual([
      ['龙亭区', false],
      ['通许县', true],
      ['兰考县', false],
    ])
  })

  it("opens a subregion, and nothing outside the user's region", async () => {
    const level = await regionLevel('410222', server)
    expect(level?.region.name).toBe('通许县')
    expect(level?.children.map((c) => c.name)).toEqual(['城关镇'])
    expect(await regionLevel('410100', server)).toBeNull()
  })

  it('asks for each level once, and again after a failure', async () => {
    const asked: (string | null)[] = []
    let fail = true
    const tree = new RegionTree((parent) => {
      asked.push(parent)
      if (parent === '410222' && fail) {
        fail = false
        return Promise.reject(new Error('网络不可用'))
      }
      return server(parent)
    })
    await tree.level(null)
    await expect(tree.level('410222')).rejects.toThrow('网络不可用')
    await tree.level('410222')
    await tree.level(null)
    expect(asked).toEqual([null, '410222', '410222'])
  })
})
