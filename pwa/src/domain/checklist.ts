// The checklist model the scoring engine and the screens read, built from a definition the server
// has validated and published (the server's checklist.py validates; this file only reads), and the
// conditions and selectors of server/domain/checklist.py.
import { maxRational, Rational } from './rational'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key)
}

export const NOT_MET = 'not_met'
export const NOT_APPLICABLE = 'not_applicable'

export type FactType = 'boolean' | 'integer' | 'number' | 'string'
export type Condition = JsonObject

export interface Level {
  code: string
  criteria: string
  points: Rational | null
}

export interface Validity {
  kind: 'max_age' | 'valid_until'
  document: string
  maxAgeMonths: number | null
}

export interface Item {
  id: string
  number: string
  text: string
  tier: string
  core: boolean
  veto: boolean
  monitoring: boolean
  allowNa: boolean
  appliesIf: Condition | null
  levels: Level[]
  validity: Validity | null
  photosMin: number
  /** What the inspector looks at and how (shown on the item screen; not used in scoring). */
  guidance: string | null
  /** Documents to check for this item. */
  documents: string[]
  chapterId: string
  sectionId: string
  maxPoints: Rational
}

export interface Section {
  id: string
  number: string
  title: string
  items: Item[]
}

export interface Chapter {
  id: string
  number: string
  title: string
  sections: Section[]
}

export interface Rule {
  rule: 'all_at_least' | 'share_at_least' | 'points_share_at_least'
  label: string
  select: JsonObject
  grade: string | null
  threshold: Rational | null
  thresholdText: string | null
}

export interface Tier {
  code: string
  label: string
  appliesIf: Condition | null
  rewardYuan: number | null
  rules: Rule[]
}

export class Checklist {
  readonly itemList: Item[]
  private readonly byId: Map<string, Item>
  private readonly ranks: Map<string, number>

  constructor(
    readonly id: string,
    readonly family: string,
    readonly edition: string,
    readonly version: number,
    readonly title: string,
    readonly sample: boolean,
    readonly method: 'graded' | 'points',
    readonly gradeScale: string[],
    readonly gradeLabels: Record<string, string>,
    readonly facts: Map<string, FactType>,
    readonly tiers: Tier[],
    readonly chapters: Chapter[],
  ) {
    this.itemList = chapters.flatMap((ch) => ch.sections.flatMap((s) => s.items))
    this.byId = new Map(this.itemList.map((it) => [it.id, it]))
    this.ranks = new Map(gradeScale.map((code, i) => [code, i]))
  }

  get ref(): { id: string; version: number } {
    return { id: this.id, version: this.version }
  }

  items(): Item[] {
    return this.itemList
  }

  itemMap(): ReadonlyMap<string, Item> {
    return this.byId
  }

  /** Position of a grade on the scale; not_met ranks below every level. */
  rank(grade: string): number {
    if (grade === NOT_MET) return -1
    const r = this.ranks.get(grade)
    if (r === undefined) throw new RangeError(`grade ${grade} is not on the scale`)
    return r
  }
}

export function factValueOk(factType: string, value: unknown): boolean {
  switch (factType) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number'
    case 'string':
      return typeof value === 'string'
    default:
      return false
  }
}

function fractionOf(value: unknown): Rational {
  return Rational.parse(String(value))
}

function str(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('expected a string')
  return value
}

function arr(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new TypeError('expected a list')
  return value
}

function obj(value: unknown): JsonObject {
  if (!isObject(value)) throw new TypeError('expected an object')
  return value
}

/**
 * Build the model from a published definition. The server validated it (JSON Schema and the
 * semantic rules of server/domain/checklist.py) before publishing; this only reads it, and throws
 * a TypeError if the data is not a definition at all.
 */
export function parseChecklist(data: unknown): Checklist {
  const d = obj(data)
  const chapters: Chapter[] = arr(d.chapters).map((chRaw) => {
    const ch = obj(chRaw)
    const chId = str(ch.id)
    return {
      id: chId,
      number: typeof ch.number === 'string' ? ch.number : '',
      title: str(ch.title),
      sections: arr(ch.sections).map((secRaw) => {
        const sec = obj(secRaw)
        const secId = str(sec.id)
        return {
          id: secId,
          number: typeof sec.number === 'string' ? sec.number : '',
          title: str(sec.title),
          items: arr(sec.items).map((itRaw) => {
            const it = obj(itRaw)
            const v = it.validity
            const evidence = isObject(it.evidence) ? it.evidence : {}
            const levels: Level[] = arr(it.levels).map((lvRaw) => {
              const lv = obj(lvRaw)
              return {
                code: str(lv.code),
                criteria: str(lv.criteria),
                points: has(lv, 'points') ? fractionOf(lv.points) : null,
              }
            })
            return {
              id: str(it.id),
              number: typeof it.number === 'string' ? it.number : str(it.id),
              text: str(it.text),
              tier: str(it.tier),
              core: it.core === true,
              veto: it.veto === true,
              monitoring: it.monitoring === true,
              allowNa: it.allow_na === true,
              appliesIf: isObject(it.applies_if) ? it.applies_if : null,
              levels,
              validity: isObject(v)
                ? {
                    kind: v.kind === 'max_age' ? 'max_age' : 'valid_until',
                    document: str(v.document),
                    maxAgeMonths: typeof v.max_age_months === 'number' ? v.max_age_months : null,
                  }
                : null,
              photosMin: typeof evidence.photos_min === 'number' ? evidence.photos_min : 0,
              guidance: typeof it.guidance === 'string' ? it.guidance : null,
              documents: Array.isArray(evidence.documents)
                ? evidence.documents.filter((x): x is string => typeof x === 'string')
                : [],
              chapterId: chId,
              sectionId: secId,
              maxPoints: levels.reduce((m, lv) => maxRational(m, lv.points ?? Rational.ZERO), Rational.ZERO),
            }
          }),
        }
      }),
    }
  })
  const tiers: Tier[] = arr(d.tiers).map((tRaw) => {
    const t = obj(tRaw)
    return {
      code: str(t.code),
      label: str(t.label),
      appliesIf: isObject(t.applies_if) ? t.applies_if : null,
      rewardYuan: typeof t.reward_yuan === 'number' ? t.reward_yuan : null,
      rules: arr(t.rules).map((rRaw) => {
        const r = obj(rRaw)
        return {
          rule: str(r.rule) as Rule['rule'],
          label: str(r.label),
          select: obj(r.select),
          grade: typeof r.grade === 'string' ? r.grade : null,
          threshold: has(r, 'threshold') ? fractionOf(r.threshold) : null,
          thresholdText: has(r, 'threshold') ? (r.threshold as string) : null,
        }
      }),
    }
  })
  const scale = arr(d.grade_scale).map(obj)
  const facts = new Map<string, FactType>()
  for (const f of arr(d.facts ?? []).map(obj)) facts.set(str(f.key), str(f.type) as FactType)
  return new Checklist(
    str(d.id),
    str(d.family),
    str(d.edition),
    d.version as number,
    str(d.title),
    d.sample === true,
    obj(d.scoring).method === 'points' ? 'points' : 'graded',
    scale.map((g) => str(g.code)),
    Object.fromEntries(scale.map((g) => [str(g.code), str(g.label)])),
    facts,
    tiers,
    chapters,
  )
}

export function selectorMatches(select: JsonObject, item: Item): boolean {
  if (item.monitoring) return false
  const tiers = select.tier
  if (tiers !== undefined && tiers !== null) {
    const list = typeof tiers === 'string' ? [tiers] : Array.isArray(tiers) ? tiers : []
    if (!list.includes(item.tier)) return false
  }
  if (has(select, 'core') && item.core !== select.core) return false
  if (has(select, 'veto') && item.veto !== select.veto) return false
  if (has(select, 'chapter') && item.chapterId !== select.chapter) return false
  return !(has(select, 'section') && item.sectionId !== select.section)
}

export function evaluateCondition(cond: Condition, facts: Record<string, unknown>): boolean {
  if (has(cond, 'all')) return arr(cond.all).every((c) => evaluateCondition(obj(c), facts))
  if (has(cond, 'any')) return arr(cond.any).some((c) => evaluateCondition(obj(c), facts))
  if (has(cond, 'not')) return !evaluateCondition(obj(cond.not), facts)
  const actual = facts[str(cond.fact)] as number | string | boolean
  const expected = cond.value as number | string | boolean
  switch (cond.op) {
    case 'eq':
      return actual === expected
    case 'ne':
      return actual !== expected
    case 'gt':
      return actual > expected
    case 'gte':
      return actual >= expected
    case 'lt':
      return actual < expected
    default:
      return actual <= expected
  }
}

function conditionFacts(cond: Condition): Set<string> {
  if (has(cond, 'all') || has(cond, 'any')) {
    const subs = arr(cond.all ?? cond.any ?? [])
    return new Set(subs.flatMap((c) => [...conditionFacts(obj(c))]))
  }
  if (has(cond, 'not')) return conditionFacts(obj(cond.not))
  return new Set([str(cond.fact)])
}

export function referencedFacts(checklist: Checklist): Set<string> {
  const needed = new Set<string>()
  const conds = [
    ...checklist.items().map((it) => it.appliesIf),
    ...checklist.tiers.map((t) => t.appliesIf),
  ]
  for (const cond of conds) {
    if (cond) for (const f of conditionFacts(cond)) needed.add(f)
  }
  return needed
}
