// Reading the server's score (the same JSON as domain/scoring.ts's ScoreResult) for people.
import type { EvidenceOut } from '../api/types'
import type { BlockedBy, Checklist, Item, ItemResult, Rollup, ScoreResult } from '../domain/scoring'
import { NOT_APPLICABLE, NOT_MET } from '../domain/scoring'
import { gradeLabel, outcomeLabel } from '../domain/labels'

/** Item ids as their printed numbers ("1.1.3"), for messages. */
export function itemNumbers(checklist: Checklist, ids: readonly string[]): string {
  const items = checklist.itemMap()
  return ids.map((id) => items.get(id)?.number ?? id).join('、')
}

/** One line per reason the next tier is out of reach. */
export function blockerLines(checklist: Checklist, blockers: readonly BlockedBy[]): string[] {
  return blockers.map((b) => {
    switch (b.kind) {
      case 'veto_failed':
        return `否决项${outcomeLabel('not_met')}：${itemNumbers(checklist, b.items)}`
      case 'veto_unanswered':
        return `否决项${outcomeLabel('unanswered')}：${itemNumbers(checklist, b.items)}`
      case 'veto_downgrade':
        return `降级否决项${outcomeLabel('not_met')}，降一级：${itemNumbers(checklist, b.items)}`
      case 'rule': {
        const label = b.label ?? '规则未满足'
        const needed = b.needed ?? null
        return needed !== null && needed > 0 ? `${label}（还差 ${needed} 项）` : label
      }
      default:
        return String(b.kind)
    }
  })
}

export interface TotalLine {
  label: string
  value: string
}

/**
 * 不达标 as people read it: items graded (or scored) not met, without the unanswered ones. The
 * engine's `not_met` counts an unanswered item as not met, so that a preview never promises a
 * higher tier than the finished inspection could reach; a fresh inspection has 0 不达标, N 未作答.
 */
export function failedCount(rollup: Pick<Rollup, 'not_met' | 'unanswered'>): number {
  return Math.max(0, rollup.not_met - rollup.unanswered)
}

/** The headline counts: applicable, not met, unanswered, at least each grade (best first), points. */
export function totalLines(checklist: Checklist, score: ScoreResult): TotalLine[] {
  const t = score.totals
  const lines: TotalLine[] = [
    { label: '适用条款', value: `${t.applicable} 项` },
    { label: outcomeLabel('not_met'), value: `${failedCount(t)} 项` },
    { label: outcomeLabel('unanswered'), value: `${t.unanswered} 项` },
  ]
  for (const code of [...checklist.gradeScale].reverse()) {
    const n = t.at_least[code]
    if (n !== undefined) lines.push({ label: `${gradeLabel(checklist.gradeLabels, code)}及以上`, value: `${n} 项` })
  }
  if (t.points) lines.push({ label: '得分', value: `${t.points.earned} / ${t.points.possible}` })
  return lines
}

/**
 * Whether an item deserves the reviewer's look first: not met or unanswered, fewer photos than
 * required, a flagged photo, or an open conflict.
 */
export function needsAttention(
  item: Pick<Item, 'photosMin'>,
  result: Pick<ItemResult, 'outcome'> | undefined,
  photos: readonly Pick<EvidenceOut, 'flags'>[],
  openConflicts: number,
): boolean {
  const outcome = result?.outcome ?? null
  if (outcome === null || outcome === NOT_MET) return true
  if (outcome !== NOT_APPLICABLE && photos.length < item.photosMin) return true
  return openConflicts > 0 || photos.some((p) => p.flags.length > 0)
}
