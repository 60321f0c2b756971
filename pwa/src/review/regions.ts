// The region tree, one level at a time, for pickers (the payout sheet's region).
//
// `regionLevel` is the one place that knows how GET /api/regions answers. Today it answers every
// region of the user's region at once, and this function picks one level out of that (loaded once
// per page through `RegionTree`). When /api/regions answers one level at a time (a region and its
// direct subregions, `?parent=`), only `regionLevel` changes; the pickers keep working on
// `RegionLevel`.
import { request } from '../api/client'
import type { RegionOut } from '../api/types'

export interface RegionNode {
  code: string
  name: string
  level: string
  /** Whether it has subregions (a deeper level may be picked). */
  hasChildren: boolean
}

export interface RegionLevel {
  /** The region asked for; the user's own when none was named. */
  region: RegionNode
  /** Its direct subregions, by code. */
  children: RegionNode[]
}

/** What `regionLevel` reads: GET /api/regions (every region in the user's region, today). */
export type RegionSource = () => Promise<RegionOut[]>

const allRegions: RegionSource = () => request<RegionOut[]>('/api/regions')

function node(region: RegionOut, all: readonly RegionOut[]): RegionNode {
  return {
    code: region.code,
    name: region.name,
    level: region.level,
    hasChildren: all.some((r) => r.parent_code === region.code),
  }
}

/** The user's region (`parent` null) or one inside it, and its direct subregions. Null when the
 * region is not the user's to see. */
export async function regionLevel(parent: string | null, source: RegionSource = allRegions): Promise<RegionLevel | null> {
  const all = await source()
  const codes = new Set(all.map((r) => r.code))
  // the user's own region: the one whose parent is not in the list (the shortest code)
  const top = all.filter((r) => r.parent_code === null || !codes.has(r.parent_code)).sort((a, b) => a.code.length - b.code.length)[0]
  const region = parent === null ? top : all.find((r) => r.code === parent)
  if (region === undefined) return null
  const children = all
    .filter((r) => r.parent_code === region.code)
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((r) => node(r, all))
  return { region: node(region, all), children }
}

/** The levels a page has opened, each asked for once. */
export class RegionTree {
  private readonly levels = new Map<string, Promise<RegionLevel | null>>()
  private cached: Promise<RegionOut[]> | null = null

  constructor(private readonly source: RegionSource = allRegions) {}

  level(parent: string | null): Promise<RegionLevel | null> {
    const key = parent ?? ''
    let pending = this.levels.get(key)
    if (!pending) {
      // today's source answers everything at once: read it once for every level
      const once: RegionSource = () => (this.cached ??= this.source())
      pending = regionLevel(parent, once)
      this.levels.set(key, pending)
      pending.catch(() => {
        this.levels.delete(key)
        this.cached = null
      })
    }
    return pending
  }
}
