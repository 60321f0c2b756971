// The scoring engine, ported from server/domain/scoring.py (with the parts of checklist.py and
// jsonstrict.py it needs). Pure: no I/O, no clock, no UI or storage imports.
//
// The golden vectors in checklists/examples/ are the contract: the result JSON has the same keys
// and values as the Python engine's. Shares and points are compared as exact fractions (BigInt).

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
export function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

function problem(code: string, where: string, message: string): Problem {
  return { code, pointer: where, message }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key)
}

/** Python's repr() of a JSON value, for messages that quote input. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') {
    const body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    if (body.includes("'") && !body.includes('"')) return `"${body}"`
    return `'${body.replace(/'/g, "\\'")}'`
  }
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`
  }
  return String(value)
}

// --- exact fractions -----------------------------------------------------------------------------

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

/** A normalised fraction: the denominator is positive and coprime with the numerator. */
export class Rational {
  readonly n: bigint
  readonly d: bigint

  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new RangeError('zero denominator')
    if (d < 0n) {
      n = -n
      d = -d
    }
    const g = gcd(n, d) || 1n
    this.n = n / g
    this.d = d / g
  }

  static readonly ZERO = new Rational(0n)

  static of(value: number): Rational {
    return new Rational(BigInt(value))
  }

  /** Exact value of a decimal literal such as "0.8", "2.5" or "1e-3" (like Fraction(Decimal(s))). */
  static parse(text: string): Rational {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${text}`)
    const frac = m[3] ?? ''
    let n = BigInt((m[2] || '0') + frac)
    let d = 10n ** BigInt(frac.length)
    const exp = Number(m[4] ?? '0')
    if (exp >= 0) n *= 10n ** BigInt(exp)
    else d *= 10n ** BigInt(-exp)
    return new Rational(m[1] === '-' ? -n : n, d)
  }

  add(o: Rational): Rational {
    return new Rational(this.n * o.d + o.n * this.d, this.d * o.d)
  }

  sub(o: Rational): Rational {
    return new Rational(this.n * o.d - o.n * this.d, this.d * o.d)
  }

  mul(o: Rational): Rational {
    return new Rational(this.n * o.n, this.d * o.d)
  }

  cmp(o: Rational): number {
    const diff = this.n * o.d - o.n * this.d
    return diff < 0n ? -1 : diff > 0n ? 1 : 0
  }

  isZero(): boolean {
    return this.n === 0n
  }

  ceil(): bigint {
    const q = this.n / this.d // truncates toward zero
    return this.n > 0n && q * this.d !== this.n ? q + 1n : q
  }

  /** The nearest double (like float(Fraction)), exact for the small values checklists use. */
  toNumber(): number {
    return Number(this.n) / Number(this.d)
  }
}

function maxRational(a: Rational, b: Rational): Rational {
  return a.cmp(b) >= 0 ? a : b
}

function sumRational(values: Iterable<Rational>): Rational {
  let total = Rational.ZERO
  for (const v of values) total = total.add(v)
  return total
}

/** Python's _num: an int when whole, else the float. */
function num(value: Rational): number {
  return value.d === 1n ? Number(value.n) : value.toNumber()
}

/** Python's f"{float(n / d):.4f}": round the double half-to-even at 4 decimals. */
function share(numerator: Rational, denominator: Rational): string | null {
  if (denominator.isZero()) return null
  const x = new Rational(numerator.n * denominator.d, numerator.d * denominator.n).toNumber()
  // toFixed rounds exact ties up; Python rounds them to even. A double is an exact tie at 4
  // decimals only when x * 32 is an odd integer.
  const x32 = x * 32
  if (Number.isInteger(x32) && Math.abs(x32) % 2 === 1) {
    const scaled = x * 10000 // exact: k + 0.5
    let k = Math.floor(scaled)
    if (k % 2 !== 0) k += 1
    return (k / 10000).toFixed(4)
  }
  return x.toFixed(4)
}

// --- strict JSON ---------------------------------------------------------------------------------

export const MAX_DEPTH = 32
const RECURSION_LIMIT = 900

/**
 * Strict JSON decoding like server/domain/jsonstrict.py: NaN/Infinity → json.non_finite_number,
 * duplicate keys → json.duplicate_key, nesting deeper than maxDepth → json.too_deep,
 * anything else malformed → json.invalid.
 */
export function parseStrictJson(text: string, maxDepth: number = MAX_DEPTH): unknown {
  let pos = 0
  let deepest = 0

  const invalid = (msg: string): ScoringError => {
    const before = text.slice(0, pos)
    const line = before.split('\n').length
    const col = pos - before.lastIndexOf('\n')
    return new ScoringError('json.invalid', `内容不是有效的 JSON：第 ${line} 行第 ${col} 列格式错误`)
  }
  const skipWs = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++
  }

  const parseString = (): string => {
    pos++ // opening quote
    let out = ''
    for (;;) {
      if (pos >= text.length) throw invalid('Unterminated string')
      const ch = text[pos] as string
      if (ch === '"') {
        pos++
        return out
      }
      if (ch < ' ') throw invalid('Invalid control character')
      if (ch !== '\\') {
        out += ch
        pos++
        continue
      }
      const esc = text[pos + 1]
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
      if (esc !== undefined && has(simple, esc)) {
        out += simple[esc]
        pos += 2
      } else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16))
        pos += 6
      } else {
        throw invalid('Invalid \\escape')
      }
    }
  }

  const parseValue = (depth: number): unknown => {
    skipWs()
    const ch = text[pos]
    if (ch === '{' || ch === '[') {
      if (depth > RECURSION_LIMIT) throw new ScoringError('json.too_deep', `嵌套超过 ${RECURSION_LIMIT} 层`)
      deepest = Math.max(deepest, depth)
    }
    if (ch === '{') {
      pos++
      const pairs: [string, unknown][] = []
      skipWs()
      if (text[pos] === '}') {
        pos++
      } else {
        for (;;) {
          skipWs()
          if (text[pos] !== '"') throw invalid('Expecting property name enclosed in double quotes')
          const key = parseString()
          skipWs()
          if (text[pos] !== ':') throw invalid("Expecting ':' delimiter")
          pos++
          pairs.push([key, parseValue(depth + 1)])
          skipWs()
          if (text[pos] === ',') {
            pos++
            continue
          }
          if (text[pos] === '}') {
            pos++
            break
          }
          throw invalid("Expecting ',' delimiter")
        }
      }
      // Like Python's object_pairs_hook: duplicates are checked once the object is closed.
      const result: Record<string, unknown> = {}
      for (const [key, value] of pairs) {
        if (has(result, key)) throw new ScoringError('json.duplicate_key', `重复的键“${key}”`)
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true })
      }
      return result
    }
    if (ch === '[') {
      pos++
      const items: unknown[] = []
      skipWs()
      if (text[pos] === ']') {
        pos++
        return items
      }
      for (;;) {
        items.push(parseValue(depth + 1))
        skipWs()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] === ']') {
          pos++
          return items
        }
        throw invalid("Expecting ',' delimiter")
      }
    }
    if (ch === '"') return parseString()
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length
        return value
      }
    }
    for (const name of ['NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(name, pos)) {
        throw new ScoringError('json.non_finite_number', `数字 ${name} 无效或超出范围`)
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(pos))
    if (!m) throw invalid('Expecting value')
    pos += m[0].length
    const value = Number(m[0])
    if (!Number.isFinite(value)) {
      throw new ScoringError('json.non_finite_number', `数字 ${m[0]} 无效或超出范围`)
    }
    return value
  }

  const value = parseValue(1)
  skipWs()
  if (pos < text.length) throw invalid('Extra data')
  if (deepest > maxDepth) throw new ScoringError('json.too_deep', `嵌套超过 ${maxDepth} 层`)
  return value
}

// --- the checklist model -------------------------------------------------------------------------

export const NOT_MET = 'not_met'
export const NOT_APPLICABLE = 'not_applicable'
const ORDERING_OPS = new Set(['gt', 'gte', 'lt', 'lte'])

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

/** Build the model from a definition; throws ScoringError("checklist.invalid") on any problem. */
export function parseChecklist(data: unknown): Checklist {
  const problems = checkDefinition(data)
  if (problems.length > 0) {
    throw new ScoringError('checklist.invalid', `评审标准定义有 ${problems.length} 处问题`, problems)
  }
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

/**
 * The rules of a definition that the JSON Schema can't say (checklist.semantic). The JSON Schema
 * itself is not checked here: the server validates definitions before they are published.
 */
export function checkDefinition(data: unknown): Problem[] {
  if (!isObject(data)) return [problem('checklist.schema', '', '评审标准定义应为 JSON 对象')]
  try {
    return semanticProblems(data)
  } catch (exc) {
    return [problem('checklist.schema', '', `评审标准定义不符合格式要求（${String(exc)}）`)]
  }
}

function semanticProblems(data: JsonObject): Problem[] {
  const problems: Problem[] = []
  const add = (where: string, message: string): void => {
    problems.push(problem('checklist.semantic', where, message))
  }
  const method = str(obj(data.scoring).method)
  const scale = arr(data.grade_scale).map((g) => str(obj(g).code))
  if (new Set(scale).size !== scale.length) add('/grade_scale', 'grade codes must be unique')
  const facts = new Map<string, string>()
  arr(data.facts ?? []).forEach((fRaw, i) => {
    const f = obj(fRaw)
    const key = str(f.key)
    if (facts.has(key)) add(pointer('facts', i, 'key'), `fact ${pyRepr(key)} declared twice`)
    facts.set(key, str(f.type))
  })
  const tierCodes = arr(data.tiers).map((t) => str(obj(t).code))
  if (new Set(tierCodes).size !== tierCodes.length) add('/tiers', 'tier codes must be unique')

  const seenIds = new Map<string, string>()
  const chapterIds = new Set<string>()
  const sectionIds = new Set<string>()
  const checkId = (where: string, ident: string): void => {
    const before = seenIds.get(ident)
    if (before !== undefined) add(where, `id ${pyRepr(ident)} already used at ${before}`)
    else seenIds.set(ident, where)
  }
  const checkCondition = (where: string, cond: JsonObject): void => {
    for (const key of ['all', 'any']) {
      if (has(cond, key)) {
        arr(cond[key]).forEach((sub, j) => checkCondition(`${where}/${key}/${j}`, obj(sub)))
        return
      }
    }
    if (has(cond, 'not')) {
      checkCondition(`${where}/not`, obj(cond.not))
      return
    }
    const fact = str(cond.fact)
    const factType = facts.get(fact)
    if (factType === undefined) {
      add(`${where}/fact`, `fact ${pyRepr(fact)} is not declared in /facts`)
      return
    }
    if (!factValueOk(factType, cond.value)) {
      add(`${where}/value`, `value does not match the ${factType} fact ${pyRepr(fact)}`)
    }
    const op = str(cond.op)
    if (ORDERING_OPS.has(op) && factType !== 'integer' && factType !== 'number') {
      add(`${where}/op`, `${op} needs a numeric fact, ${pyRepr(fact)} is ${factType}`)
    }
  }

  arr(data.chapters).forEach((chRaw, ci) => {
    const ch = obj(chRaw)
    const cw = pointer('chapters', ci)
    checkId(cw + '/id', str(ch.id))
    chapterIds.add(str(ch.id))
    arr(ch.sections).forEach((secRaw, si) => {
      const sec = obj(secRaw)
      const sw = `${cw}/sections/${si}`
      checkId(sw + '/id', str(sec.id))
      sectionIds.add(str(sec.id))
      arr(sec.items).forEach((itemRaw, ii) => {
        const item = obj(itemRaw)
        const iw = `${sw}/items/${ii}`
        checkId(iw + '/id', str(item.id))
        if (!tierCodes.includes(str(item.tier))) add(iw + '/tier', `tier ${pyRepr(item.tier)} is not declared in /tiers`)
        if (item.veto && (item.monitoring || item.allow_na)) {
          add(iw, 'a veto item can be neither a monitoring item nor marked not applicable')
        }
        if (item.monitoring && item.core) add(iw, 'a monitoring item cannot be core')
        if (has(item, 'applies_if')) checkCondition(iw + '/applies_if', obj(item.applies_if))
        let lastRank = -1
        let lastPoints: Rational | null = null
        arr(item.levels).forEach((lvRaw, li) => {
          const level = obj(lvRaw)
          const lw = `${iw}/levels/${li}`
          const code = str(level.code)
          if (!scale.includes(code)) {
            add(lw + '/code', `grade ${pyRepr(code)} is not on /grade_scale`)
            return
          }
          const rank = scale.indexOf(code)
          if (rank <= lastRank) add(lw + '/code', 'levels must follow /grade_scale order without repeats')
          lastRank = rank
          if (method === 'points') {
            if (!has(level, 'points')) {
              add(lw, 'every level needs points in a points checklist')
            } else {
              const pts = fractionOf(level.points)
              if (lastPoints !== null && pts.cmp(lastPoints) <= 0) add(lw + '/points', 'points must increase with the level')
              lastPoints = pts
            }
          } else if (has(level, 'points')) {
            add(lw + '/points', 'points are only used by the points scoring method')
          }
        })
      })
    })
  })

  arr(data.tiers).forEach((tRaw, ti) => {
    const tier = obj(tRaw)
    const tw = pointer('tiers', ti)
    if (has(tier, 'applies_if')) checkCondition(tw + '/applies_if', obj(tier.applies_if))
    arr(tier.rules).forEach((rRaw, ri) => {
      const rule = obj(rRaw)
      const rw = `${tw}/rules/${ri}`
      if (rule.rule === 'points_share_at_least' && method !== 'points') {
        add(rw + '/rule', 'points_share_at_least needs the points scoring method')
      }
      if (has(rule, 'grade') && !scale.includes(str(rule.grade))) {
        add(rw + '/grade', `grade ${pyRepr(rule.grade)} is not on /grade_scale`)
      }
      const select = obj(rule.select)
      const named = select.tier ?? []
      for (const code of typeof named === 'string' ? [named] : arr(named)) {
        if (!tierCodes.includes(code as string)) add(rw + '/select/tier', `tier ${pyRepr(code)} is not declared`)
      }
      if (has(select, 'chapter') && !chapterIds.has(select.chapter as string)) {
        add(rw + '/select/chapter', `chapter ${pyRepr(select.chapter)} does not exist`)
      }
      if (has(select, 'section') && !sectionIds.has(select.section as string)) {
        add(rw + '/select/section', `section ${pyRepr(select.section)} does not exist`)
      }
    })
  })
  return problems
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

export function conditionFacts(cond: Condition): Set<string> {
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

// --- dates ---------------------------------------------------------------------------------------

/** A calendar date; compare with compareDates. */
export interface CalendarDate {
  year: number
  month: number
  day: number
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Like date + relativedelta(months=n): add calendar months, clamping the day to the month end. */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const total = date.year * 12 + (date.month - 1) + months
  const year = Math.floor(total / 12)
  const month = total - year * 12 + 1
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) }
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day
}

export function isoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`
}

/** A real calendar date written YYYY-MM-DD, or null. */
export function parseIsoDate(value: unknown): CalendarDate | null {
  if (typeof value !== 'string') return null
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return null
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  return { year, month, day }
}

function parseDate(value: unknown, where: string, problems: Problem[]): CalendarDate | null {
  const date = parseIsoDate(value)
  if (date === null) problems.push(problem('input.invalid_date', where, 'expected a date as YYYY-MM-DD'))
  return date
}

// --- input checking ------------------------------------------------------------------------------

const ANSWER_FIELDS = new Set(['grade', 'document_date', 'valid_until', 'note'])
export const TIER_NONE = 'none'
export const TIER_NONE_LABEL = '未达标'

export interface Answer {
  grade: string
  documentDate: CalendarDate | null
  validUntil: CalendarDate | null
}

export function checkFacts(checklist: Checklist, facts: unknown): Record<string, unknown> {
  if (!isObject(facts)) throw new ScoringError('facts.invalid', '机构信息无效')
  const problems: Problem[] = []
  for (const [key, value] of Object.entries(facts)) {
    const factType = checklist.facts.get(key)
    if (factType === undefined) {
      problems.push(problem('facts.unknown', pointer('facts', key), 'not a fact of this checklist'))
    } else if (!factValueOk(factType, value) || (typeof value === 'number' && !Number.isFinite(value))) {
      problems.push(problem('facts.type', pointer('facts', key), `expected ${factType}`))
    }
  }
  for (const key of [...referencedFacts(checklist)].filter((k) => !has(facts, k)).sort()) {
    problems.push(problem('facts.missing', pointer('facts', key), 'this fact is needed'))
  }
  if (problems.length > 0) throw new ScoringError('facts.invalid', '机构信息无效', problems)
  return { ...facts }
}

function sortedCodepoints(values: Iterable<string>): string[] {
  // Python sorts strings by code point; plain JS sort compares UTF-16 units (same for the BMP).
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Typed answers from raw JSON; every problem is reported at once with a stable code. */
export function checkAnswers(checklist: Checklist, answers: unknown): Map<string, Answer> {
  if (!isObject(answers)) throw new ScoringError('answers.invalid', '评分不符合评审标准')
  const items = checklist.itemMap()
  const problems: Problem[] = []
  const result = new Map<string, Answer>()
  for (const [itemId, raw] of Object.entries(answers)) {
    const where = pointer('answers', itemId)
    const item = items.get(itemId)
    if (item === undefined) {
      problems.push(problem('answers.unknown_item', where, `no item ${pyRepr(itemId)} in this checklist version`))
      continue
    }
    if (!isObject(raw)) {
      problems.push(problem('answers.invalid', where, 'an answer is an object'))
      continue
    }
    for (const key of sortedCodepoints(Object.keys(raw).filter((k) => !ANSWER_FIELDS.has(k)))) {
      problems.push(problem('answers.unknown_field', `${where}/${pointer(key).slice(1)}`, 'unknown field'))
    }
    const grade = raw.grade
    const allowed = [...item.levels.map((lv) => lv.code), NOT_MET]
    if (item.allowNa) allowed.push(NOT_APPLICABLE)
    if (grade === NOT_APPLICABLE && !item.allowNa) {
      problems.push(
        problem(
          'answers.not_applicable_not_allowed',
          where + '/grade',
          "this item can only be not applicable through the facility's facts",
        ),
      )
      continue
    }
    if (typeof grade !== 'string' || !allowed.includes(grade)) {
      problems.push(problem('answers.invalid_grade', where + '/grade', `expected one of ${allowed.join(', ')}`))
      continue
    }
    if (raw.note !== undefined && raw.note !== null && typeof raw.note !== 'string') {
      problems.push(problem('answers.invalid', where + '/note', 'a note is text'))
    }
    const dates: Record<string, CalendarDate | null> = {}
    for (const key of ['document_date', 'valid_until']) {
      if (raw[key] !== undefined && raw[key] !== null) dates[key] = parseDate(raw[key], `${where}/${key}`, problems)
    }
    result.set(itemId, { grade, documentDate: dates.document_date ?? null, validUntil: dates.valid_until ?? null })
  }
  if (problems.length > 0) {
    throw new ScoringError('answers.invalid', '评分不符合评审标准', problems)
  }
  return result
}

// --- outcomes ------------------------------------------------------------------------------------

export interface ItemOutcome {
  item: Item
  /** A grade code, not_met or not_applicable; null when unanswered. */
  outcome: string | null
  /** Why the outcome differs from the answer, or why it is not applicable. */
  reason: string | null
  answered: string | null
}

const applicable = (o: ItemOutcome): boolean => o.outcome !== NOT_APPLICABLE
/** The outcome as rules see it: unanswered counts as not met. */
const effective = (o: ItemOutcome): string => o.outcome ?? NOT_MET

export function itemOutcome(
  item: Item,
  answer: Answer | undefined,
  facts: Record<string, unknown>,
  inspectionDate: CalendarDate,
): ItemOutcome {
  const answered = answer ? answer.grade : null
  if (item.appliesIf !== null && !evaluateCondition(item.appliesIf, facts)) {
    return { item, outcome: NOT_APPLICABLE, reason: 'condition', answered }
  }
  if (answer === undefined) return { item, outcome: null, reason: 'unanswered', answered: null }
  if (answer.grade === NOT_APPLICABLE) return { item, outcome: NOT_APPLICABLE, reason: 'inspector', answered }
  if (answer.grade === NOT_MET || item.validity === null) {
    return { item, outcome: answer.grade, reason: null, answered }
  }
  const validity = item.validity
  if (validity.kind === 'max_age') {
    if (answer.documentDate === null) return { item, outcome: NOT_MET, reason: 'document_date_missing', answered }
    if (compareDates(answer.documentDate, addMonths(inspectionDate, -(validity.maxAgeMonths ?? 0))) < 0) {
      return { item, outcome: NOT_MET, reason: 'document_expired', answered }
    }
  } else {
    if (answer.validUntil === null) return { item, outcome: NOT_MET, reason: 'document_date_missing', answered }
    if (compareDates(answer.validUntil, inspectionDate) < 0) {
      return { item, outcome: NOT_MET, reason: 'document_expired', answered }
    }
  }
  return { item, outcome: answer.grade, reason: null, answered }
}

function points(o: ItemOutcome): Rational {
  const code = effective(o)
  const level = o.item.levels.find((lv) => lv.code === code)
  return level?.points ?? Rational.ZERO
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
}

export type RuleJson = Record<string, unknown>

function ruleJson(r: RuleResult): RuleJson {
  const body: RuleJson = { rule: r.rule.rule, label: r.rule.label, passed: r.passed }
  if (r.rule.grade !== null) body.grade = r.rule.grade
  if (r.rule.rule === 'all_at_least') {
    body.actual = { met: num(r.numerator), of: num(r.denominator) }
  } else {
    body.threshold = r.rule.thresholdText
    body.actual = {
      numerator: num(r.numerator),
      denominator: num(r.denominator),
      share: share(r.numerator, r.denominator),
    }
  }
  if (!r.passed) {
    body.needed = num(r.needed)
    body.items = [...r.items]
    if (r.denominator.isZero()) body.reason = 'no_applicable_items'
  }
  return body
}

type RuleFn = (checklist: Checklist, rule: Rule, selected: ItemOutcome[]) => RuleResult

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
  points_share_at_least(_checklist, rule, selected) {
    const threshold = rule.threshold as Rational
    const earned = sumRational(selected.map(points))
    const possible = sumRational(selected.map((o) => o.item.maxPoints))
    const needed = maxRational(Rational.ZERO, threshold.mul(possible).sub(earned))
    const short = selected.filter((o) => points(o).cmp(o.item.maxPoints) < 0).map((o) => o.item.id)
    return {
      rule,
      passed: needed.isZero() && possible.cmp(Rational.ZERO) > 0,
      numerator: earned,
      denominator: possible,
      needed,
      items: short,
    }
  },
}

// --- roll-ups ------------------------------------------------------------------------------------

export interface Rollup {
  items: number
  applicable: number
  not_applicable: number
  unanswered: number
  not_met: number
  at_least: Record<string, number>
  points?: { earned: number; possible: number }
}

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
      earned: num(sumRational(app.map(points))),
      possible: num(sumRational(app.map((o) => o.item.maxPoints))),
    }
  }
  return body
}

// --- the engine ----------------------------------------------------------------------------------

export interface ItemResult {
  outcome: string | null
  reason?: string
  answered?: string
  points?: number
  flagged?: true
}

export interface TierResult {
  code: string
  label: string
  assessed: boolean
  reached?: boolean
  rules?: RuleJson[]
}

export interface BlockedBy {
  kind: 'veto_failed' | 'veto_unanswered' | 'rule'
  [key: string]: unknown
}

export interface ScoreResult {
  checklist: { id: string; version: number }
  inspection_date: string
  complete: boolean
  unanswered: string[]
  tier: { code: string; label: string }
  veto_failed: string[]
  monitoring_flags: string[]
  tiers: TierResult[]
  next_tier: { code: string; label: string; blocked_by: BlockedBy[] } | null
  totals: Rollup
  chapters: (Rollup & { id: string; title: string })[]
  sections: (Rollup & { id: string; chapter: string; title: string })[]
  items: Record<string, ItemResult>
}

/** Score one inspection. Throws ScoringError (with every problem) on invalid facts or answers. */
export function score(
  checklist: Checklist,
  facts: unknown,
  answers: unknown,
  inspectionDate: CalendarDate,
): ScoreResult {
  const checkedFacts = checkFacts(checklist, facts)
  const checkedAnswers = checkAnswers(checklist, answers)

  const outcomes = checklist
    .items()
    .map((item) => itemOutcome(item, checkedAnswers.get(item.id), checkedFacts, inspectionDate))
  const byId = new Map(outcomes.map((o) => [o.item.id, o]))

  const vetoFailed = outcomes.filter((o) => o.item.veto && o.outcome === NOT_MET).map((o) => o.item.id)
  const vetoUnanswered = outcomes
    .filter((o) => o.item.veto && applicable(o) && o.outcome === null)
    .map((o) => o.item.id)
  const vetoed = vetoFailed.length > 0 || vetoUnanswered.length > 0

  const tierResults: TierResult[] = []
  let reached: string | null = null
  let nextTier: ScoreResult['next_tier'] = null
  let chainIntact = true
  for (const tier of checklist.tiers) {
    if (tier.appliesIf !== null && !evaluateCondition(tier.appliesIf, checkedFacts)) {
      tierResults.push({ code: tier.code, label: tier.label, assessed: false })
      continue
    }
    const ruleResults = tier.rules.map((rule) =>
      RULES[rule.rule](
        checklist,
        rule,
        outcomes.filter((o) => applicable(o) && selectorMatches(rule.select, o.item)),
      ),
    )
    const rulesPass = ruleResults.every((r) => r.passed)
    const tierReached: boolean = chainIntact && rulesPass && !vetoed
    tierResults.push({
      code: tier.code,
      label: tier.label,
      assessed: true,
      reached: tierReached,
      rules: ruleResults.map(ruleJson),
    })
    if (tierReached) {
      reached = tier.code
    } else if (nextTier === null) {
      const blockedBy: BlockedBy[] = []
      if (vetoFailed.length > 0) blockedBy.push({ kind: 'veto_failed', items: vetoFailed })
      if (vetoUnanswered.length > 0) blockedBy.push({ kind: 'veto_unanswered', items: vetoUnanswered })
      ruleResults.forEach((r, i) => {
        if (!r.passed) blockedBy.push({ kind: 'rule', index: i, ...ruleJson(r) })
      })
      nextTier = { code: tier.code, label: tier.label, blocked_by: blockedBy }
    }
    chainIntact = tierReached
  }

  const reachedTier = reached !== null ? checklist.tiers.find((t) => t.code === reached) : undefined
  const flagged = (o: ItemOutcome): boolean => o.item.monitoring && applicable(o) && effective(o) === NOT_MET

  const outcomeJson = (o: ItemOutcome): ItemResult => {
    const body: ItemResult = { outcome: o.outcome }
    if (o.reason) body.reason = o.reason
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

const INPUT_FIELDS = ['checklist', 'inspection_date', 'facts', 'answers']

/** Score a whole input document: {checklist: {id, version}, inspection_date, facts, answers}. */
export function scoreInput(checklist: Checklist, document: unknown): ScoreResult {
  if (!isObject(document)) throw new ScoringError('input.invalid', '输入应为包含所需字段的 JSON 对象')
  const problems: Problem[] = [
    ...sortedCodepoints(Object.keys(document).filter((k) => !INPUT_FIELDS.includes(k))).map((key) =>
      problem('input.unknown_field', pointer(key), 'unknown field'),
    ),
    ...sortedCodepoints(INPUT_FIELDS.filter((k) => !has(document, k))).map((key) =>
      problem('input.missing_field', pointer(key), 'required'),
    ),
  ]
  if (problems.length > 0) {
    throw new ScoringError('input.invalid', '输入应为包含所需字段的 JSON 对象', problems)
  }
  const ref = document.checklist
  if (!isObject(ref) || ref.id !== checklist.id || ref.version !== checklist.version) {
    throw new ScoringError(
      'answers.checklist_mismatch',
      `这些答案不属于评审标准 ${checklist.id} 第 ${checklist.version} 版`,
      [problem('answers.checklist_mismatch', '/checklist', `收到 ${pyRepr(ref)}`)],
    )
  }
  const dateProblems: Problem[] = []
  const inspectionDate = parseDate(document.inspection_date, '/inspection_date', dateProblems)
  if (inspectionDate === null) {
    throw new ScoringError('input.invalid_date', '日期格式应为 YYYY-MM-DD，且在 1900-01-01 至 2100-12-31 之间', dateProblems)
  }
  return score(checklist, document.facts, document.answers, inspectionDate)
}
