// The reviewers' grade changes of each item, from the answer history: what the grade was, what it
// became, who changed it (by name), why and when. Pure: no I/O, no Vue.
import type { RevisionOut } from '../api/types'

export interface Regrade {
  revision: number
  /** The grade before this change; null when the item had no answer yet. */
  from: string | null
  to: string
  by: string
  reason: string | null
  /** The server's receipt time (with its offset). */
  at: string
}

/** Each item's reviewer changes (source "review"), oldest first. */
export function regradesByItem(history: readonly RevisionOut[]): Map<string, Regrade[]> {
  const byItem = new Map<string, RevisionOut[]>()
  for (const row of history) {
    const list = byItem.get(row.item_id)
    if (list) list.push(row)
    else byItem.set(row.item_id, [row])
  }
  const result = new Map<string, Regrade[]>()
  for (const [itemId, rows] of byItem) {
    rows.sort((a, b) => a.revision - b.revision)
    const changes: Regrade[] = []
    rows.forEach((row, i) => {
      if (row.source !== 'review') return
      changes.push({
        revision: row.revision,
        from: i > 0 ? rows[i - 1]!.grade : null,
        to: row.grade,
        by: row.author_name || '审核人',
        reason: row.reason,
        at: row.received_at,
      })
    })
    if (changes.length > 0) result.set(itemId, changes)
  }
  return result
}
