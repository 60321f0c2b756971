// @vitest-environment node
/// <reference types="node" />
// The golden vectors in checklists/examples/, run like tests/checklists/test_golden_vectors.py: the
// TypeScript engine, called the way the app calls it, must give the whole result or error the
// Python engine gives, serialised the same way. Vectors marked server_only are about input the app
// never scores (raw JSON text, an input document for another version or without a valid date).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { firstDifference } from './jsonDiff'
import {
  addMonths,
  parseChecklist,
  parseIsoDate,
  Rational,
  score,
  ScoringError,
  type Checklist,
  type ChecklistDefinition,
} from './scoring'

const ROOT = fileURLToPath(new URL('../../../checklists/', import.meta.url))
const EXAMPLES = join(ROOT, 'examples')
const VECTORS = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.json'))
  .sort()

type Obj = Record<string, unknown>
const VECTOR_KEYS = [
  'name',
  'description',
  'server_only',
  'checklist',
  'input',
  'input_text',
  'fill',
  'expected',
  'expected_error',
]

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf-8'))
}

/** Answer every item not listed: the highest of its levels not above fill.grade, with fill's dates. */
function expandFill(checklist: Checklist, document: Obj, fill: Obj): void {
  if (document.answers === undefined) document.answers = {}
  const answers = document.answers as Obj
  const cap = checklist.rank(fill.grade as string)
  for (const item of checklist.items()) {
    if (Object.prototype.hasOwnProperty.call(answers, item.id)) continue
    const levels = item.levels.map((lv) => lv.code).filter((code) => checklist.rank(code) <= cap)
    const answer: Obj = { grade: levels.length > 0 ? levels[levels.length - 1] : 'not_met' }
    if (item.validity?.kind === 'max_age') answer.document_date = fill.document_date
    if (item.validity?.kind === 'valid_until') answer.valid_until = fill.valid_until
    if (item.validities.length > 0) {
      answer.documents = Object.fromEntries(
        item.validities.map((v) => {
          const name = v.kind === 'max_age' ? 'document_date' : 'valid_until'
          return [v.key, { [name]: fill[name] }]
        }),
      )
    }
    answers[item.id] = answer
  }
}

/** The result or the error's JSON, as the app's preview would get it. */
function runVector(vector: Obj): unknown {
  const checklist = parseChecklist(readJson(join(ROOT, vector.checklist as string)) as ChecklistDefinition)
  const document = vector.input as Obj
  expect(document.checklist).toEqual(checklist.ref)
  if ('fill' in vector) expandFill(checklist, document, vector.fill as Obj)
  const date = parseIsoDate(document.inspection_date)
  if (date === null) throw new Error(`inspection date ${String(document.inspection_date)} does not parse`)
  try {
    return JSON.parse(JSON.stringify(score(checklist, document.facts, document.answers, date)))
  } catch (err) {
    if (err instanceof ScoringError) return { error: err.toJSON() }
    throw err
  }
}

describe('golden vectors', () => {
  it('has enough vectors', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(15)
  })

  it('leaves to the server only vectors about input the app never scores', () => {
    const serverOnly = VECTORS.map((name) => readJson(join(EXAMPLES, name)) as Obj).filter((v) => 'server_only' in v)
    for (const vector of serverOnly) {
      const code = (vector.expected_error as Obj | undefined)?.code as string
      expect(code, String(vector.name)).toMatch(/^(json\.|input\.|answers\.checklist_mismatch$)/)
    }
    const unmarked = VECTORS.map((name) => readJson(join(EXAMPLES, name)) as Obj).filter(
      (v) => !('server_only' in v) && 'input_text' in v,
    )
    expect(unmarked.map((v) => v.name)).toEqual([])
  })

  for (const name of VECTORS) {
    const vector = readJson(join(EXAMPLES, name)) as Obj
    if ('server_only' in vector) continue
    it(name.replace(/\.json$/, ''), () => {
      expect(Object.keys(vector).filter((k) => !VECTOR_KEYS.includes(k))).toEqual([])
      const expected = 'expected_error' in vector ? { error: vector.expected_error } : vector.expected
      expect(firstDifference(expected, runVector(vector))).toBeNull()
    })
  }
})

describe('engine details', () => {
  it('adds calendar months like relativedelta, clamping to the month end', () => {
    expect(addMonths({ year: 2024, month: 1, day: 31 }, 1)).toEqual({ year: 2024, month: 2, day: 29 })
    expect(addMonths({ year: 2025, month: 11, day: 30 }, 3)).toEqual({ year: 2026, month: 2, day: 28 })
    expect(addMonths({ year: 2025, month: 12, day: 1 }, 12)).toEqual({ year: 2026, month: 12, day: 1 })
  })

  it('accepts only real calendar dates', () => {
    expect(parseIsoDate('2024-02-29')).not.toBeNull()
    expect(parseIsoDate('2026-02-29')).toBeNull()
    expect(parseIsoDate('2026-1-01')).toBeNull()
    // the server's range (inputs.parse_date): 1900-01-01 to 2100-12-31
    expect(parseIsoDate('1900-01-01')).not.toBeNull()
    expect(parseIsoDate('1899-12-31')).toBeNull()
    expect(parseIsoDate('2100-12-31')).not.toBeNull()
    expect(parseIsoDate('2101-01-01')).toBeNull()
    expect(parseIsoDate(20260101)).toBeNull()
  })

  it('compares thresholds exactly', () => {
    expect(Rational.parse('0.8').mul(Rational.of(10)).cmp(Rational.of(8))).toBe(0)
    expect(Rational.parse('2.5').add(Rational.parse('0.5')).cmp(Rational.of(3))).toBe(0)
  })
})
