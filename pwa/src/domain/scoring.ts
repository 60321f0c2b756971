// The scoring engine, ported from server/domain/scoring.py: the live preview the inspector sees
// scores exactly as the server will. Pure: no I/O, no clock, no UI or storage imports.
//
// The result is the server's, serialised the same way (keys, values and key order): the golden
// vectors in checklists/examples/ and the comparison corpus (scoring.corpus.test.ts) prove it.
// Its types are the server's published ones (ScoreOut and its parts in the OpenAPI document,
// generated into generated/api.ts), so what this engine writes is compile-checked against them.
// Input problems carry the server's codes, pointers and Chinese messages. What only the server
// needs stays there: validating definitions (checklist.py), strict JSON decoding (jsonstrict.py)
// and reading a whole input document (score_input).
import { addMonths, compareDates, isoDate, parseIsoDate, type CalendarDate } from './calendar'
import {
  dateField,
  evaluateCondition,
  factInRange,
  factValueOk,
  has,
  isObject,
  NOT_APPLICABLE,
  NOT_MET,
  rangeText,
  referencedFacts,
  ruleSelection,
  type Checklist,
  type Item,
  type Rule,
  type Validity,
} from './checklist'
import { maxRational, num, Rational, share, sumRational } from './rational'
import type { components } from '../generated/api'
import { catalogMessage, type ErrorCode } from '../api/errors'
import labels from '../generated/labels.json'

/** The Chinese names of the fact types: the server's (FACT_TYPE_LABELS in server/domain/checklist.py). */
const FACT_TYPE_LABELS: Readonly<Record<string, string>> = labels.fact_types

type Schemas = components['schemas']

/** The whole result, as GET /api/inspections/{id}/score sends it. */
export type ScoreResult = Schemas['ScoreOut']
export type ItemResult = Schemas['ItemResultOut']
export type TierResult = Schemas['TierResultOut']
export type RuleJson = Schemas['RuleResultOut']
export type BlockedBy = Schemas['BlockedByOut']
export type Rollup = Schemas['RollupOut']
/** Why an item's outcome differs from its answer, or why it is not applicable. */
export type OutcomeReason = NonNullable<ItemResult['reason']>

// The app reads the model and dates through this module.
export { addMonths, compareDates, isoDate, parseIsoDate, type CalendarDate } from './calendar'
export * from './checklist'
export { Rational } from './rational'

// --- errors --------------------------------------------------------------------------------------

export interface Problem {
  code: string
  pointer: string
  message: string
}

export class ScoringError extends Error {
  readonly code: string
  readonly problems: Problem[]

  constructor(code: string, message: string, problems: Problem[] = []) {
    super(message)
    this.name = 'ScoringError'
    this.code = code
    this.problems = problems
  }

  /** The same shape as the server's DomainError.to_json(). */
  toJSON(): { code: string; message: string; problems?: Problem[] } {
    const body: { code: string; message: string; problems?: Problem[] } = {
      code: this.code,
      message: this.message,
    }
    if (this.problems.length > 0) body.problems = this.problems.map((p) => ({ ...p }))
    return body
  }
}

/** An RFC 6901 JSON pointer from path parts. */
function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

function problem(code: string, where: string, message: string): Problem {
  return { code, pointer: where, message }
}

/** A problem whose message is its code's in the server's catalog (src/api/errors). */
function catalogProblem(code: ErrorCode, where: string): Problem {
  return problem(code, where, catalogMessage(code))
}

/** An error whose message is its code's in the server's catalog. */
function catalogError(code: ErrorCode, problems: Problem[] = []): ScoringError {
  return new ScoringError(code, catalogMessage(code), problems)
}

function parseDate(value: unknown, where: string, problems: Problem[]): CalendarDate | null {
  const date = parseIsoDate(value)
  if (date === null) problems.push(catalogProblem('input.invalid_date', where))
  return date
}

// --- input checking ------------------------------------------------------------------------------

const ANSWER_FIELDS = new Set(['grade', 'document_date', 'valid_until', 'note', 'documents'])
const DATE_FIELDS = ['document_date', 'valid_until']
export const TIER_NONE = 'none'
export const TIER_NONE_LABEL = '未达标'

export interface Answer {
  grade: string
  documentDate: CalendarDate | null
  validUntil: CalendarDate | null
  /** An item with several documents: document key -> its date (a document not given is absent). */
  documents: Map<string, CalendarDate>
}

function checkFacts(checklist: Checklist, facts: unknown): Record<string, unknown> {
  if (!isObject(facts)) throw catalogError('facts.invalid')
  const problems: Problem[] = []
  for (const [key, value] of Object.entries(facts)) {
    const fact = checklist.facts.get(key)
    if (fact === undefined) {
      problems.push(catalogProblem('facts.unknown', pointer('facts', key)))
    } else if (!factValueOk(fact.type, value) || (typeof value === 'number' && !Number.isFinite(value))) {
      problems.push(problem('facts.type', pointer('facts', key), `类型应为${FACT_TYPE_LABELS[fact.type]}`))
    } else if (!factInRange(fact, value)) {
      const message = catalogMessage('facts.out_of_range', { range: rangeText(fact) })
      problems.push(problem('facts.out_of_range', pointer('facts', key), message))
    }
  }
  for (const key of [...referencedFacts(checklist)].filter((k) => !has(facts, k)).sort()) {
    problems.push(catalogProblem('facts.missing', pointer('facts', key)))
  }
  if (problems.length > 0) throw catalogError('facts.invalid', problems)
  return { ...facts }
}

function sortedCodepoints(values: Iterable<string>): string[] {
  // Python sorts strings by code point; plain JS sort compares UTF-16 units (same for the BMP).
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Typed answers from raw JSON; every problem is reported at once with a stable code. */
function checkAnswers(checklist: Checklist, answers: unknown): Map<string, Answer> {
  if (!isObject(answers)) throw catalogError('answers.invalid')
  const items = checklist.itemMap()
  const problems: Problem[] = []
  const result = new Map<string, Answer>()
  for (const [itemId, raw] of Object.entries(answers)) {
    const where = pointer('answers', itemId)
    const item = items.get(itemId)
    if (item === undefined) {
      problems.push(problem('answers.unknown_item', where, `此版本评审标准中没有条款“${itemId}”`))
      continue
    }
    if (!isObject(raw)) {
      problems.push(problem('answers.invalid', where, '答案应为对象'))
      continue
    }
    for (const key of sortedCodepoints(Object.keys(raw).filter((k) => !ANSWER_FIELDS.has(k)))) {
      problems.push(catalogProblem('answers.unknown_field', `${where}/${pointer(key).slice(1)}`))
    }
    const grade = raw.grade
    const allowed = [...item.levels.map((lv) => lv.code), NOT_MET]
    if (item.allowNa) allowed.push(NOT_APPLICABLE)
    if (grade === NOT_APPLICABLE && !item.allowNa) {
      problems.push(catalogProblem('answers.not_applicable_not_allowed', where + '/grade'))
      continue
    }
    if (typeof grade !== 'string' || !allowed.includes(grade)) {
      problems.push(problem('answers.invalid_grade', where + '/grade', `等级应为以下之一：${allowed.join('、')}`))
      continue
    }
    // A note's content (length, control characters: answers.invalid_note) is checked by the server
    // when the answer is saved; the app never passes notes to the engine.
    if (raw.note !== undefined && raw.note !== null && typeof raw.note !== 'string') {
      problems.push(problem('answers.invalid', where + '/note', '备注应为文本'))
    }
    const dates: Record<string, CalendarDate | null> = {}
    for (const key of DATE_FIELDS) {
      if (raw[key] === undefined || raw[key] === null) continue
      if (item.validities.length > 0) {
        problems.push(problem('answers.document_form', `${where}/${key}`, '此条款有多份文件，请逐份填写各文件的日期'))
        continue
      }
      dates[key] = parseDate(raw[key], `${where}/${key}`, problems)
    }
    let documents = new Map<string, CalendarDate>()
    if (raw.documents !== undefined && raw.documents !== null) {
      if (item.validities.length === 0) {
        problems.push(
          problem('answers.document_form', `${where}/documents`, '此条款没有多份文件，不能逐份填写文件日期'),
        )
      } else {
        documents = checkDocuments(item, raw.documents, `${where}/documents`, problems)
      }
    }
    result.set(itemId, {
      grade,
      documentDate: dates.document_date ?? null,
      validUntil: dates.valid_until ?? null,
      documents,
    })
  }
  if (problems.length > 0) {
    throw catalogError('answers.invalid', problems)
  }
  return result
}

/** The documents map of an item with several documents: {key: {document_date | valid_until}}. */
function checkDocuments(item: Item, raw: unknown, where: string, problems: Problem[]): Map<string, CalendarDate> {
  const out = new Map<string, CalendarDate>()
  if (!isObject(raw)) {
    problems.push(problem('answers.invalid', where, '文件日期应为对象'))
    return out
  }
  for (const key of sortedCodepoints(Object.keys(raw))) {
    const at = `${where}/${pointer(key).slice(1)}`
    const validity = item.validities.find((v) => v.key === key)
    if (validity === undefined) {
      problems.push(problem('answers.unknown_document', at, `此条款没有文件“${key}”`))
      continue
    }
    const body = raw[key]
    if (!isObject(body)) {
      problems.push(problem('answers.invalid', at, '文件日期应为对象'))
      continue
    }
    const expected = dateField(validity)
    for (const name of sortedCodepoints(Object.keys(body))) {
      if (name === expected) continue
      if (DATE_FIELDS.includes(name)) {
        const label = expected === 'document_date' ? '出具日期' : '有效期截止日期'
        problems.push(problem('answers.document_form', `${at}/${pointer(name).slice(1)}`, `“${validity.document}”应填写${label}`))
      } else {
        problems.push(catalogProblem('answers.unknown_field', `${at}/${pointer(name).slice(1)}`))
      }
    }
    if (body[expected] !== undefined && body[expected] !== null) {
      const date = parseDate(body[expected], `${at}/${expected}`, problems)
      if (date !== null) out.set(key, date)
    }
  }
  return out
}

// --- outcomes ------------------------------------------------------------------------------------

/** Why one document does not hold at the inspection date, or null when it does. */
export function documentReason(
  validity: Validity,
  date: CalendarDate | null,
  inspectionDate: CalendarDate,
): OutcomeReason | null {
  if (date === null) return 'document_date_missing'
  if (validity.kind === 'max_age') {
    if (compareDates(date, addMonths(inspectionDate, -(validity.maxAgeMonths ?? 0))) < 0) return 'document_expired'
  } else if (compareDates(date, inspectionDate) < 0) {
    return 'document_expired'
  }
  return null
}

export interface ItemOutcome {
  item: Item
  /** A grade code, not_met or not_applicable; null when unanswered. */
  outcome: string | null
  /** Why the outcome differs from the answer, or why it is not applicable. */
  reason: OutcomeReason | null
  answered: string | null
  /** Points earned and possible as rules and roll-ups count them (scaled by the chapter's weight). */
  earned: Rational
  possible: Rational
  /** Several documents: the failing ones' reasons, in the checklist's order. */
  documents?: Record<string, DocumentReason>
}

type DocumentReason = 'document_date_missing' | 'document_expired'

const applicable = (o: ItemOutcome): boolean => o.outcome !== NOT_APPLICABLE
/** The outcome as rules see it: unanswered counts as not met. */
const effective = (o: ItemOutcome): string => o.outcome ?? NOT_MET

function itemOutcome(
  item: Item,
  answer: Answer | undefined,
  facts: Record<string, unknown>,
  inspectionDate: CalendarDate,
): Outcome {
  const answered = answer ? answer.grade : null
  if (item.appliesIf !== null && !evaluateCondition(item.appliesIf, facts)) {
    return { item, outcome: NOT_APPLICABLE, reason: 'condition', answered }
  }
  if (answer === undefined) return { item, outcome: null, reason: 'unanswered', answered: null }
  if (answer.grade === NOT_APPLICABLE) return { item, outcome: NOT_APPLICABLE, reason: 'inspector', answered }
  if (answer.grade === NOT_MET) return { item, outcome: answer.grade, reason: null, answered }
  if (item.validities.length > 0) {
    const failing: Record<string, DocumentReason> = {}
    let first: DocumentReason | null = null
    for (const validity of item.validities) {
      const reason = documentReason(validity, answer.documents.get(validity.key ?? '') ?? null, inspectionDate)
      if (reason === 'document_date_missing' || reason === 'document_expired') {
        failing[validity.key ?? ''] = reason
        first ??= reason
      }
    }
    if (first !== null) return { item, outcome: NOT_MET, reason: first, answered, documents: failing }
    return { item, outcome: answer.grade, reason: null, answered }
  }
  if (item.validity === null) return { item, outcome: answer.grade, reason: null, answered }
  const date = item.validity.kind === 'max_age' ? answer.documentDate : answer.validUntil
  const reason = documentReason(item.validity, date, inspectionDate)
  if (reason !== null) return { item, outcome: NOT_MET, reason, answered }
  return { item, outcome: answer.grade, reason: null, answered }
}

/** The level's points as published (unweighted). */
function points(o: Pick<ItemOutcome, 'item' | 'outcome'>): Rational {
  const code = o.outcome ?? NOT_MET
  const level = o.item.levels.find((lv) => lv.code === code)
  return level?.points ?? Rational.ZERO
}

type Outcome = Omit<ItemOutcome, 'earned' | 'possible'>

/** Each outcome with the points it earns and could earn, scaled by its chapter's weight over the
 *  chapter's applicable items where chapters carry weights. */
function weigh(checklist: Checklist, outcomes: Outcome[]): ItemOutcome[] {
  const zero = { earned: Rational.ZERO, possible: Rational.ZERO }
  if (checklist.method !== 'points') return outcomes.map((o) => ({ ...o, ...zero }))
  const factors = new Map<string, Rational>()
  for (const chapter of checklist.chapters) {
    if (chapter.weight === null) {
      factors.set(chapter.id, Rational.of(1))
      continue
    }
    const ids = new Set(chapter.sections.flatMap((s) => s.items.filter((i) => !i.monitoring).map((i) => i.id)))
    const possible = sumRational(
      outcomes.filter((o) => ids.has(o.item.id) && o.outcome !== NOT_APPLICABLE).map((o) => o.item.maxPoints),
    )
    factors.set(chapter.id, possible.isZero() ? Rational.ZERO : chapter.weight.div(possible))
  }
  return outcomes.map((o) => {
    const factor =
      o.outcome !== NOT_APPLICABLE && !o.item.monitoring ? (factors.get(o.item.chapterId) as Rational) : Rational.ZERO
    return { ...o, earned: points(o).mul(factor), possible: o.item.maxPoints.mul(factor) }
  })
}

function atLeast(checklist: Checklist, o: ItemOutcome, grade: string): boolean {
  return checklist.rank(effective(o)) >= checklist.rank(grade)
}

// --- rules ---------------------------------------------------------------------------------------

interface RuleResult {
  rule: Rule
  passed: boolean
  numerator: Rational
  denominator: Rational
  needed: Rational
  items: string[]
  /** The rule's place in its tier's definition. */
  index: number
}

const COUNT_RULES: readonly string[] = ['all_at_least', 'count_at_least'] // `actual` is {met, of}

function ruleJson(r: RuleResult): RuleJson {
  // the server's key order: rule, label, passed, grade, count | threshold, points, actual, needed,
  // items, reason
  const head: Omit<RuleJson, 'actual'> = { rule: r.rule.rule, label: r.rule.label, passed: r.passed }
  if (r.rule.grade !== null) head.grade = r.rule.grade
  let body: RuleJson
  if (COUNT_RULES.includes(r.rule.rule)) {
    if (r.rule.count !== null) head.count = r.rule.count
    body = { ...head, actual: { met: num(r.numerator), of: num(r.denominator) } }
  } else {
    if (r.rule.thresholdText !== null) head.threshold = r.rule.thresholdText
    if (r.rule.pointsText !== null) head.points = r.rule.pointsText
    body = {
      ...head,
      actual: { numerator: num(r.numerator), denominator: num(r.denominator), share: share(r.numerator, r.denominator) },
    }
  }
  if (!r.passed) {
    body.needed = num(r.needed)
    body.items = [...r.items]
    if (r.denominator.isZero()) body.reason = 'no_applicable_items'
  }
  return body
}

type RuleFn = (checklist: Checklist, rule: Rule, selected: ItemOutcome[]) => Omit<RuleResult, 'index'>

function pointsResult(rule: Rule, selected: ItemOutcome[], needed: Rational): Omit<RuleResult, 'index'> {
  const possible = sumRational(selected.map((o) => o.possible))
  return {
    rule,
    passed: needed.isZero() && possible.cmp(Rational.ZERO) > 0,
    numerator: sumRational(selected.map((o) => o.earned)),
    denominator: possible,
    needed,
    items: selected.filter((o) => o.earned.cmp(o.possible) < 0).map((o) => o.item.id),
  }
}

const RULES: Record<Rule['rule'], RuleFn> = {
  all_at_least(checklist, rule, selected) {
    const grade = rule.grade as string
    const below = selected.filter((o) => !atLeast(checklist, o, grade)).map((o) => o.item.id)
    return {
      rule,
      passed: below.length === 0,
      numerator: Rational.of(selected.length - below.length),
      denominator: Rational.of(selected.length),
      needed: Rational.of(below.length),
      items: below,
    }
  },
  share_at_least(checklist, rule, selected) {
    const grade = rule.grade as string
    const threshold = rule.threshold as Rational
    const below = selected.filter((o) => !atLeast(checklist, o, grade)).map((o) => o.item.id)
    const numerator = Rational.of(selected.length - below.length)
    const denominator = Rational.of(selected.length)
    const gap = threshold.mul(denominator).sub(numerator).ceil()
    const needed = new Rational(gap > 0n ? gap : 0n)
    return {
      rule,
      passed: needed.isZero() && !denominator.isZero(),
      numerator,
      denominator,
      needed,
      items: below,
    }
  },
  count_at_least(checklist, rule, selected) {
    const grade = rule.grade as string
    const count = rule.count as number
    const below = selected.filter((o) => !atLeast(checklist, o, grade)).map((o) => o.item.id)
    const met = selected.length - below.length
    return {
      rule,
      passed: met >= count,
      numerator: Rational.of(met),
      denominator: Rational.of(selected.length),
      needed: Rational.of(Math.max(0, count - met)),
      items: below,
    }
  },
  points_share_at_least(_checklist, rule, selected) {
    const threshold = rule.threshold as Rational
    const earned = sumRational(selected.map((o) => o.earned))
    const possible = sumRational(selected.map((o) => o.possible))
    return pointsResult(rule, selected, maxRational(Rational.ZERO, threshold.mul(possible).sub(earned)))
  },
  points_at_least(_checklist, rule, selected) {
    const mark = rule.points as Rational
    const earned = sumRational(selected.map((o) => o.earned))
    return pointsResult(rule, selected, maxRational(Rational.ZERO, mark.sub(earned)))
  },
}

// --- roll-ups ------------------------------------------------------------------------------------

function rollup(checklist: Checklist, outcomes: ItemOutcome[]): Rollup {
  const scored = outcomes.filter((o) => !o.item.monitoring)
  const app = scored.filter(applicable)
  const body: Rollup = {
    items: scored.length,
    applicable: app.length,
    not_applicable: scored.length - app.length,
    unanswered: app.filter((o) => o.outcome === null).length,
    not_met: app.filter((o) => effective(o) === NOT_MET).length,
    at_least: Object.fromEntries(
      checklist.gradeScale.map((g) => [g, app.filter((o) => atLeast(checklist, o, g)).length]),
    ),
  }
  if (checklist.method === 'points') {
    body.points = {
      earned: num(sumRational(app.map((o) => o.earned))),
      possible: num(sumRational(app.map((o) => o.possible))),
    }
  }
  return body
}

// --- the engine ----------------------------------------------------------------------------------

/** Score one inspection. Throws ScoringError (with every problem) on invalid facts or answers. */
export function score(
  checklist: Checklist,
  facts: unknown,
  answers: unknown,
  inspectionDate: CalendarDate,
): ScoreResult {
  const checkedFacts = checkFacts(checklist, facts)
  const checkedAnswers = checkAnswers(checklist, answers)

  const outcomes = weigh(
    checklist,
    checklist.items().map((item) => itemOutcome(item, checkedAnswers.get(item.id), checkedFacts, inspectionDate)),
  )
  const byId = new Map(outcomes.map((o) => [o.item.id, o]))

  const vetoFailed = outcomes.filter((o) => o.item.veto && o.outcome === NOT_MET).map((o) => o.item.id)
  const vetoUnanswered = outcomes
    .filter((o) => o.item.veto && applicable(o) && o.outcome === null)
    .map((o) => o.item.id)

  /** The failed and the unanswered veto items of one effect (and blocked tier). */
  const vetoes = (effect: string, tier: string | null = null): [string[], string[]] => {
    const keep = (id: string): boolean => {
      const item = (byId.get(id) as ItemOutcome).item
      return item.vetoEffect === effect && (tier === null || item.vetoTier === tier)
    }
    return [vetoFailed.filter(keep), vetoUnanswered.filter(keep)]
  }
  const blockedByVetoes = (
    failed: string[],
    unanswered: string[],
    kind: 'veto_failed' | 'veto_downgrade' = 'veto_failed',
  ): BlockedBy[] => {
    const found: BlockedBy[] = []
    if (failed.length > 0) found.push({ kind, items: failed })
    if (unanswered.length > 0) found.push({ kind: 'veto_unanswered', items: unanswered })
    return found
  }

  const tierResults: TierResult[] = []
  const reachedChain: number[] = [] // indexes in tierResults of the tiers reached, lowest first
  let nextTier: ScoreResult['next_tier'] = null
  let chainIntact = true
  for (const tier of checklist.tiers) {
    if (tier.appliesIf !== null && !evaluateCondition(tier.appliesIf, checkedFacts)) {
      tierResults.push({ code: tier.code, label: tier.label, assessed: false })
      continue
    }
    const ruleResults: RuleResult[] = []
    tier.rules.forEach((rule, index) => {
      if (rule.when !== null && !evaluateCondition(rule.when, checkedFacts)) return
      const counted = new Set(ruleSelection(checklist, rule, checklist.items()).map((i) => i.id))
      const selected = outcomes.filter((o) => applicable(o) && counted.has(o.item.id))
      ruleResults.push({ ...RULES[rule.rule](checklist, rule, selected), index })
    })
    const [allFailed, allUnanswered] = vetoes('all')
    const [tierFailed, tierUnanswered] = vetoes('block', tier.code)
    const failedHere = vetoFailed.filter((i) => allFailed.includes(i) || tierFailed.includes(i))
    const unansweredHere = vetoUnanswered.filter((i) => allUnanswered.includes(i) || tierUnanswered.includes(i))
    const rulesPass = ruleResults.every((r) => r.passed)
    const tierReached: boolean = chainIntact && rulesPass && failedHere.length === 0 && unansweredHere.length === 0
    tierResults.push({
      code: tier.code,
      label: tier.label,
      assessed: true,
      reached: tierReached,
      rules: ruleResults.map(ruleJson),
    })
    if (tierReached) {
      reachedChain.push(tierResults.length - 1)
    } else if (nextTier === null) {
      const blockedBy = blockedByVetoes(failedHere, unansweredHere)
      for (const r of ruleResults) {
        if (r.passed) continue
        const rule = ruleJson(r)
        // a failed rule always lists its items (the key keeps its place in the rule's JSON)
        blockedBy.push({ kind: 'rule', index: r.index, ...rule, items: rule.items ?? [] })
      }
      nextTier = { code: tier.code, label: tier.label, blocked_by: blockedBy }
    }
    chainIntact = tierReached
  }

  const [downgradeFailed, downgradeUnanswered] = vetoes('downgrade')
  if (reachedChain.length > 0 && (downgradeFailed.length > 0 || downgradeUnanswered.length > 0)) {
    const lowered = tierResults[reachedChain.pop() as number] as TierResult
    lowered.reached = false
    lowered.downgraded = true
    const blockedBy = blockedByVetoes(downgradeFailed, downgradeUnanswered, 'veto_downgrade')
    nextTier = { code: lowered.code, label: lowered.label, blocked_by: blockedBy }
  }
  const reached = reachedChain.length > 0 ? (tierResults[reachedChain[reachedChain.length - 1] as number] as TierResult).code : null

  const reachedTier = reached !== null ? checklist.tiers.find((t) => t.code === reached) : undefined
  const flagged = (o: ItemOutcome): boolean => o.item.monitoring && applicable(o) && effective(o) === NOT_MET

  const outcomeJson = (o: ItemOutcome): ItemResult => {
    const body: ItemResult = { outcome: o.outcome }
    if (o.reason) body.reason = o.reason
    if (o.documents) body.documents = { ...o.documents }
    if (o.answered !== null && o.answered !== o.outcome) body.answered = o.answered
    if (checklist.method === 'points' && applicable(o)) body.points = num(points(o))
    if (flagged(o)) body.flagged = true
    return body
  }
  const pick = (items: Item[]): ItemOutcome[] => items.map((i) => byId.get(i.id) as ItemOutcome)

  return {
    checklist: checklist.ref,
    inspection_date: isoDate(inspectionDate),
    complete: !outcomes.some((o) => o.outcome === null),
    unanswered: outcomes.filter((o) => o.outcome === null).map((o) => o.item.id),
    tier: {
      code: reached ?? TIER_NONE,
      label: reachedTier ? reachedTier.label : TIER_NONE_LABEL,
    },
    veto_failed: vetoFailed,
    monitoring_flags: outcomes.filter(flagged).map((o) => o.item.id),
    tiers: tierResults,
    next_tier: nextTier,
    totals: rollup(checklist, outcomes),
    chapters: checklist.chapters.map((ch) => ({
      id: ch.id,
      title: ch.title,
      ...rollup(checklist, pick(ch.sections.flatMap((s) => s.items))),
    })),
    sections: checklist.chapters.flatMap((ch) =>
      ch.sections.map((sec) => ({
        id: sec.id,
        chapter: ch.id,
        title: sec.title,
        ...rollup(checklist, pick(sec.items)),
      })),
    ),
    items: Object.fromEntries(outcomes.map((o) => [o.item.id, outcomeJson(o)])),
  }
}
