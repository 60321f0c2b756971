// The region tree, one level at a time, for pickers (the payout sheet's region).
//
// GET /api/regions answers one level: a region (the user's own without `parent`) and its direct
// subregions, paged; `loadRegionLevel` (review/data.ts) follows the pages and keeps each level
// once. Here a level becomes what a picker shows.
import { ApiError } from '../api/client'
import type { RegionOut } from '../api/types'
import { loadRegionLevel } from './data'

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

/** What `regionLevel` reads: one level of GET /api/regions, every page of it. */
export type RegionSource = (parent: string | null) => Promise<{ region: RegionOut; items: RegionOut[] }>

function node(region: RegionOut): RegionNode {
  return { code: region.code, name: region.name, level: region.level, hasChildren: region.has_children }
}

/** The user's region (`parent` null) or one inside it, and its direct subregions. Null when the
 * region is not the user's to see (the server answers 404, as for one that does not exist). */
export async function regionLevel(parent: string | null, source: RegionSource = loadRegionLevel): Promise<RegionLevel | null> {
  try {
    const level = await source(parent)
    return { region: node(level.region), children: level.items.map(node) }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** The levels a page has opened, each asked for once. */
export class RegionTree {
  private readonly levels = new Map<string, Promise<RegionLevel | null>>()

  constructor(private readonly source: RegionSource = loadRegionLevel) {}

  level(parent: string | null): Promise<RegionLevel | null> {
    const key = parent ?? ''
    let pending = this.levels.get(key)
    if (!pending) {
      pending = regionLevel(parent, this.source)
      this.levels.set(key, pending)
      pending.catch(() => this.levels.delete(key)) // a failed load is tried again next time
    }
    return pending
  }
}
