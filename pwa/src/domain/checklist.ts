// The checklist model the scoring engine and the screens read, built from a definition the server
// has validated and published (the server's checklist.py validates; this file only reads), and the
// conditions and selectors of server/domain/checklist.py.
import type { Condition as DefinitionCondition, DabiaoChecklistDefinition } from '../generated/checklist'
import { maxRational, Rational } from './rational'

/**
 * A checklist definition as the server publishes it (GET /api/checklists/{id}/{version}, the sync
 * bootstrap's `checklists`). Generated from checklists/schema/checklist.schema.json, the JSON
 * Schema the server validates every definition with.
 */
export type ChecklistDefinition = DabiaoChecklistDefinition

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

/** What a failed (or unanswered) veto item does: no tier at all, one tier (and those above), or
 *  the tier reached lowered by one (降级). */
export type VetoEffect = 'all' | 'block' | 'downgrade'

export type FactType = NonNullable<ChecklistDefinition['facts']>[number]['type']

/** A facility fact the edition declares: its type, Chinese label, unit and allowed range. */
export interface Fact {
  key: string
  type: FactType
  label: string
  unit: string | null
  min: number | null
  max: number | null
}

/** A declared bound as the server writes it (server/domain/checklist.py format_number): no
 *  exponent for the small fractions String() would write with one. */
export function formatNumber(value: number): string {
  const text = String(value)
  const m = /^(-?)(\d)(?:\.(\d+))?e-(\d+)$/.exec(text)
  if (m === null) return text
  return `${m[1]}0.${'0'.repeat(Number(m[4]) - 1)}${m[2]}${m[3] ?? ''}`
}

/** The allowed range in words, as the server writes it: "0～500 人", "不小于 0 人", "不大于 500 张". */
export function rangeText(fact: Fact): string {
  const unit = fact.unit ? ` ${fact.unit}` : ''
  if (fact.min !== null && fact.max !== null) return `${formatNumber(fact.min)}～${formatNumber(fact.max)}${unit}`
  if (fact.min !== null) return `不小于 ${formatNumber(fact.min)}${unit}`
  return `不大于 ${formatNumber(fact.max ?? 0)}${unit}`
}

/** Whether a value of the right type lies in the declared range (non-numbers always do). */
export function factInRange(fact: Fact, value: unknown): boolean {
  if ((fact.type !== 'integer' && fact.type !== 'number') || typeof value !== 'number') return true
  return (fact.min === null || value >= fact.min) && (fact.max === null || value <= fact.max)
}
export type Condition = DefinitionCondition

export interface Level {
  code: string
  criteria: string
  points: Rational | null
}

export interface Validity {
  kind: 'max_age' | 'valid_until'
  document: string
  maxAgeMonths: number | null
  /** The document's key within its item (the list form only). */
  key: string | null
}

/** One date an item asks for: of its single document (key null: the answer's top-level field) or
 * of one of its several documents (the answer's documents map, under the key). */
export interface DocumentField {
  key: string | null
  field: 'document_date' | 'valid_until'
  document: string
  /** The field's Chinese label, e.g. 放射诊疗许可证有效期至. */
  label: string
}

export function documentFields(item: Item): DocumentField[] {
  const all = item.validity !== null ? [item.validity] : item.validities
  return all.map((v) => ({
    key: v.key,
    field: dateField(v),
    document: v.document,
    label: `${v.document}${v.kind === 'max_age' ? '出具日期' : '有效期至'}`,
  }))
}

/** A document's date in an answer (either form), or null. */
export function documentValue(
  answer: {
    document_date?: string | null
    valid_until?: string | null
    documents?: Record<string, { document_date?: string | null; valid_until?: string | null }> | null
  } | null | undefined,
  f: DocumentField,
): string | null {
  if (!answer) return null
  if (f.key === null) return answer[f.field] ?? null
  return answer.documents?.[f.key]?.[f.field] ?? null
}

/** The answer field that holds a document's date. */
export function dateField(validity: Validity): 'document_date' | 'valid_until' {
  return validity.kind === 'max_age' ? 'document_date' : 'valid_until'
}

export interface Item {
  id: string
  number: string
  text: string
  tier: string
  core: boolean
  /** A veto item, whatever its effect. */
  veto: boolean
  vetoEffect: VetoEffect | null
  /** effect block: the tier it blocks. */
  vetoTier: string | null
  tags: ReadonlySet<string>
  monitoring: boolean
  allowNa: boolean
  appliesIf: Condition | null
  levels: Level[]
  validity: Validity | null
  /** The list form of validity: several documents, each with its key; `validity` is then null. */
  validities: Validity[]
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
  /** Points scoring: the chapter's points out of the whole, or null. */
  weight: Rational | null
}

export interface Rule {
  rule: DefinitionRule['rule']
  label: string
  select: JsonObject
  grade: string | null
  threshold: Rational | null
  thresholdText: string | null
  count: number | null
  points: Rational | null
  pointsText: string | null
  /** The rule is assessed only where the facility's facts meet this. */
  when: Condition | null
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
    readonly method: ChecklistDefinition['scoring']['method'],
    readonly gradeScale: string[],
    readonly gradeLabels: Record<string, string>,
    readonly facts: Map<string, Fact>,
    readonly tiers: Tier[],
    readonly chapters: Chapter[],
    readonly vetoInDenominators: boolean = true,
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

type DefinitionChapter = ChecklistDefinition['chapters'][number]
type DefinitionItem = DefinitionChapter['sections'][number]['items'][number]
type DefinitionRule = ChecklistDefinition['tiers'][number]['rules'][number]

/** A number, a decimal string ("0.8") or an exact fraction ("2/3"). */
function fractionOf(value: number | string): Rational {
  const text = String(value)
  const slash = text.indexOf('/')
  if (slash < 0) return Rational.parse(text)
  return new Rational(BigInt(text.slice(0, slash)), BigInt(text.slice(slash + 1)))
}

function vetoOf(value: DefinitionItem['veto']): { veto: boolean; effect: VetoEffect | null; tier: string | null } {
  if (typeof value === 'object' && value !== null) {
    return { veto: true, effect: value.effect, tier: 'tier' in value ? value.tier : null }
  }
  return { veto: value === true, effect: value === true ? 'all' : null, tier: null }
}

/** A rule's fields past rule and label: the schema states them per kind (if/then), which the
 *  generated type leaves open, so they are read with a check. */
function optionalText(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function selector(value: unknown): JsonObject {
  if (!isObject(value)) throw new TypeError('a rule without a selector')
  return value
}

function parseItem(it: DefinitionItem, chId: string, secId: string): Item {
  const levels: Level[] = it.levels.map((lv) => ({
    code: lv.code,
    criteria: lv.criteria,
    points: lv.points !== undefined ? fractionOf(lv.points) : null,
  }))
  const v = it.validity
  const veto = vetoOf(it.veto)
  return {
    id: it.id,
    number: it.number ?? it.id,
    text: it.text,
    tier: it.tier,
    core: it.core === true,
    veto: veto.veto,
    vetoEffect: veto.effect,
    vetoTier: veto.tier,
    tags: new Set(it.tags ?? []),
    monitoring: it.monitoring === true,
    allowNa: it.allow_na === true,
    appliesIf: it.applies_if ?? null,
    levels,
    validity:
      v && !Array.isArray(v)
        ? { kind: v.kind, document: v.document, maxAgeMonths: v.kind === 'max_age' ? v.max_age_months : null, key: null }
        : null,
    validities: Array.isArray(v)
      ? v.map((d) => ({
          kind: d.kind,
          document: d.document,
          maxAgeMonths: d.kind === 'max_age' ? d.max_age_months : null,
          key: d.key,
        }))
      : [],
    photosMin: it.evidence?.photos_min ?? 0,
    guidance: it.guidance ?? null,
    documents: [...(it.evidence?.documents ?? [])],
    chapterId: chId,
    sectionId: secId,
    maxPoints: levels.reduce((m, lv) => maxRational(m, lv.points ?? Rational.ZERO), Rational.ZERO),
  }
}

function parseRule(r: DefinitionRule): Rule {
  const threshold = optionalText(r.threshold)
  const points = optionalText(r.points)
  return {
    rule: r.rule,
    label: r.label,
    select: selector(r.select),
    grade: optionalText(r.grade),
    threshold: threshold !== null ? fractionOf(threshold) : null,
    thresholdText: threshold,
    count: typeof r.count === 'number' ? r.count : null,
    points: points !== null ? fractionOf(points) : null,
    pointsText: points,
    when: r.when ?? null,
  }
}

/**
 * Build the model from a published definition. The server validated it (JSON Schema and the
 * semantic rules of server/domain/checklist.py) before publishing; this only reads it.
 */
export function parseChecklist(d: ChecklistDefinition): Checklist {
  const chapters: Chapter[] = d.chapters.map((ch) => ({
    id: ch.id,
    number: ch.number ?? '',
    title: ch.title,
    sections: ch.sections.map((sec) => ({
      id: sec.id,
      number: sec.number ?? '',
      title: sec.title,
      items: sec.items.map((it) => parseItem(it, ch.id, sec.id)),
    })),
    weight: ch.weight !== undefined ? fractionOf(ch.weight) : null,
  }))
  const tiers: Tier[] = d.tiers.map((t) => ({
    code: t.code,
    label: t.label,
    appliesIf: t.applies_if ?? null,
    rewardYuan: t.reward_yuan ?? null,
    rules: t.rules.map(parseRule),
  }))
  return new Checklist(
    d.id,
    d.family,
    d.edition,
    d.version,
    d.title,
    d.sample === true,
    d.scoring.method,
    d.grade_scale.map((g) => g.code),
    Object.fromEntries(d.grade_scale.map((g) => [g.code, g.label])),
    new Map(
      (d.facts ?? []).map((f) => [
        f.key,
        { key: f.key, type: f.type, label: f.label, unit: f.unit ?? null, min: f.min ?? null, max: f.max ?? null },
      ]),
    ),
    tiers,
    chapters,
    d.scoring.veto_in_denominators ?? true,
  )
}

export function selectorMatches(select: JsonObject, item: Item): boolean {
  if (item.monitoring) return false
  if (Array.isArray(select.items) && !select.items.includes(item.id)) return false
  if (Array.isArray(select.tags) && !select.tags.some((t) => typeof t === 'string' && item.tags.has(t))) return false
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

/** The items a rule counts (before applicability): its selector's, less the veto items when the
 *  edition leaves them out of denominators and the rule does not name them. */
export function ruleSelection(checklist: Checklist, rule: Rule, items: Iterable<Item>): Item[] {
  const select = rule.select
  const keepVeto = checklist.vetoInDenominators || select.veto === true || has(select, 'items')
  return [...items].filter((i) => selectorMatches(select, i) && (keepVeto || !i.veto))
}

export function evaluateCondition(cond: Condition, facts: Record<string, unknown>): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, facts))
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, facts))
  if ('not' in cond) return !evaluateCondition(cond.not, facts)
  const actual = facts[cond.fact] as number | string | boolean
  const expected = cond.value
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
  if ('all' in cond) return new Set(cond.all.flatMap((c) => [...conditionFacts(c)]))
  if ('any' in cond) return new Set(cond.any.flatMap((c) => [...conditionFacts(c)]))
  if ('not' in cond) return conditionFacts(cond.not)
  return new Set([cond.fact])
}

export function referencedFacts(checklist: Checklist): Set<string> {
  const needed = new Set<string>()
  const conds = [
    ...checklist.items().map((it) => it.appliesIf),
    ...checklist.tiers.map((t) => t.appliesIf),
    ...checklist.tiers.flatMap((t) => t.rules.map((r) => r.when)),
  ]
  for (const cond of conds) {
    if (cond) for (const f of conditionFacts(cond)) needed.add(f)
  }
  return needed
}
