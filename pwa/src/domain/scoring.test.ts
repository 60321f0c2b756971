// @vitest-environment node
/// <reference types="node" />
// The golden vectors in checklists/examples/, run exactly like tests/checklists/test_golden_vectors.py:
// the TypeScript engine must give the same results and errors as the Python one.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  addMonths,
  parseChecklist,
  parseIsoDate,
  parseStrictJson,
  Rational,
  ScoringError,
  scoreInput,
  type Checklist,
} from './scoring'

const ROOT = fileURLToPath(new URL('../../../checklists/', import.meta.url))
const EXAMPLES = join(ROOT, 'examples')
const VECTORS = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.json'))
  .sort()

type Obj = Record<string, unknown>
const VECTOR_KEYS = ['name', 'description', 'checklist', 'input', 'input_text', 'fill', 'expected', 'expected_error']

function readJson(path: string): unknown {
  return parseStrictJson(readFileSync(path, 'utf-8'))
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
    answers[item.id] = answer
  }
}

/** Every key given must match; lists must match element by element; scalars strictly equal. */
function assertSubset(expected: unknown, actual: unknown, where = ''): void {
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      throw new Error(`${where}: expected an object, got ${JSON.stringify(actual)}`)
    }
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.prototype.hasOwnProperty.call(actual, key)) throw new Error(`${where}/${key}: missing`)
      assertSubset(value, (actual as Obj)[key], `${where}/${key}`)
    }
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) throw new Error(`${where}: expected a list, got ${JSON.stringify(actual)}`)
    if (expected.length !== actual.length) {
      throw new Error(`${where}: expected ${expected.length} elements, got ${JSON.stringify(actual)}`)
    }
    expected.forEach((e, i) => assertSubset(e, actual[i], `${where}/${i}`))
  } else if (typeof expected !== typeof actual || expected !== actual) {
    throw new Error(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

function runVector(vector: Obj): unknown {
  const checklist = parseChecklist(readJson(join(ROOT, vector.checklist as string)))
  const document = (
    'input_text' in vector ? parseStrictJson(vector.input_text as string) : vector.input
  ) as Obj
  if ('fill' in vector) expandFill(checklist, document, vector.fill as Obj)
  return scoreInput(checklist, document)
}

describe('golden vectors', () => {
  it('has enough vectors', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(15)
  })

  for (const name of VECTORS) {
    it(name.replace(/\.json$/, ''), () => {
      const vector = readJson(join(EXAMPLES, name)) as Obj
      expect(Object.keys(vector).filter((k) => !VECTOR_KEYS.includes(k))).toEqual([])
      if ('expected_error' in vector) {
        let caught: unknown = null
        try {
          runVector(vector)
        } catch (err) {
          caught = err
        }
        expect(caught).toBeInstanceOf(ScoringError)
        assertSubset(vector.expected_error, (caught as ScoringError).toJSON())
      } else {
        assertSubset(vector.expected, runVector(vector))
      }
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
    expect(parseIsoDate(20260101)).toBeNull()
  })

  it('compares thresholds exactly', () => {
    expect(Rational.parse('0.8').mul(Rational.of(10)).cmp(Rational.of(8))).toBe(0)
    expect(Rational.parse('2.5').add(Rational.parse('0.5')).cmp(Rational.of(3))).toBe(0)
  })

  it('decodes JSON strictly', () => {
    const code = (text: string): string | null => {
      try {
        parseStrictJson(text)
        return null
      } catch (err) {
        return (err as ScoringError).code
      }
    }
    expect(parseStrictJson('{"a": [1, 2.5, "x\\u00e9"], "b": {"c": null}}')).toEqual({
      a: [1, 2.5, 'xé'],
      b: { c: null },
    })
    expect(code('{"a": -Infinity}')).toBe('json.non_finite_number')
    expect(code('[1e400]')).toBe('json.non_finite_number')
    expect(code('{"a": {"b": 1, "b": 2}}')).toBe('json.duplicate_key')
    expect(code('{"a": 1,}')).toBe('json.invalid')
    expect(code('[1] x')).toBe('json.invalid')
    expect(code('['.repeat(33) + ']'.repeat(33))).toBe('json.too_deep')
    expect(code('['.repeat(32) + ']'.repeat(32))).toBeNull()
  })
})
