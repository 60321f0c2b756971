// The one order in which grades are offered, on every screen (the inspector's item form and the
// reviewer's regrade dialog): the item's levels best first, then 不达标, then 不适用 where the item
// allows it. A checklist's grade scale runs from the lowest level up, so best first is that scale
// reversed. Pure: no I/O, no Vue.
import { NOT_APPLICABLE, NOT_MET, type Item } from './scoring'

/** An item's levels, best first. */
export function levelsBestFirst<T>(levels: readonly T[]): T[] {
  return [...levels].reverse()
}

/** Every grade code an item offers, in the order every screen lists them. */
export function gradeOrder(item: Pick<Item, 'levels' | 'allowNa'>): string[] {
  const codes = levelsBestFirst(item.levels).map((level) => level.code)
  codes.push(NOT_MET)
  if (item.allowNa) codes.push(NOT_APPLICABLE)
  return codes
}
