// @vitest-environment node
/// <reference types="node" />
// The comparison corpus: for every published edition, the inputs and the server engine's whole
// results written by `python -m tests.scoring_corpus` (`make corpus`, which `make test` runs before
// these tests). The TypeScript engine, called the way the app calls it, must give the same result
// (or, for a refused input, the same error) serialised the same way: every key, value and key order.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ChecklistDefinition } from '../api/types'
import { firstDifference } from './jsonDiff'
import { parseChecklist, parseIsoDate, score, ScoringError } from './scoring'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CHECKLISTS = join(ROOT, 'checklists')
const CORPUS = join(ROOT, 'build', 'scoring-corpus')
const MIN_RANDOM_CASES = 1000
const REPORTED = 5

interface Case {
  name: string
  input: { inspection_date: string; facts: unknown; answers: unknown }
  expected: unknown
}

interface Corpus {
  format: number
  checklist: string
  sha256: string
  seed: number
  cases: Case[]
}

const published = (JSON.parse(readFileSync(join(CHECKLISTS, 'MANIFEST.json'), 'utf-8')) as { files: Record<string, string> })
  .files
// the unpublished test definitions the corpus also covers (tests/scoring_corpus.py's EXTRA)
const EXTRA = ['examples/checklists/docs-test.v1.json']
const manifest: Record<string, string> = {
  ...published,
  ...Object.fromEntries(
    EXTRA.map((rel) => [rel, createHash('sha256').update(readFileSync(join(CHECKLISTS, rel))).digest('hex')]),
  ),
}

function readCorpus(rel: string): Corpus {
  // the same name tests/scoring_corpus.py's corpus_name() gives
  const path = join(CORPUS, rel.replaceAll('/', '.'))
  if (!existsSync(path)) {
    throw new Error(
      `No scoring corpus for ${rel} at ${path}. Generate it with \`make corpus\` ` +
        '(or `.venv/bin/python -m tests.scoring_corpus`); `make test` does this before the PWA tests.',
    )
  }
  return JSON.parse(readFileSync(path, 'utf-8')) as Corpus
}

describe('scoring comparison corpus', () => {
  it('covers every published edition', () => {
    expect(Object.keys(published).length).toBeGreaterThanOrEqual(3)
  })

  for (const rel of Object.keys(manifest).sort()) {
    it(rel, { timeout: 300_000 }, () => {
      const corpus = readCorpus(rel)
      expect(corpus.checklist).toBe(rel)
      expect(corpus.sha256, 'the corpus was written for another version of the file: run make corpus').toBe(
        manifest[rel],
      )
      expect(corpus.cases.filter((c) => c.name.startsWith('random-')).length).toBeGreaterThanOrEqual(MIN_RANDOM_CASES)
      expect(corpus.cases.some((c) => c.name.startsWith('threshold-'))).toBe(true)
      expect(corpus.cases.some((c) => c.name.startsWith('invalid-'))).toBe(true)

      const definition = JSON.parse(readFileSync(join(CHECKLISTS, rel), 'utf-8')) as ChecklistDefinition
      const checklist = parseChecklist(definition)
      const failures: string[] = []
      for (const c of corpus.cases) {
        const date = parseIsoDate(c.input.inspection_date)
        if (date === null) throw new Error(`${c.name}: inspection date ${c.input.inspection_date} does not parse`)
        let actual: unknown
        try {
          actual = JSON.parse(JSON.stringify(score(checklist, c.input.facts, c.input.answers, date)))
        } catch (err) {
          // a refused input: the whole error, as the server's {"error": DomainError.to_json()}
          if (!(err instanceof ScoringError)) throw err
          actual = { error: err.toJSON() }
        }
        const diff = firstDifference(c.expected, actual)
        if (diff !== null) failures.push(`${c.name}: ${diff}`)
      }
      expect(
        failures.slice(0, REPORTED),
        `${failures.length} of ${corpus.cases.length} cases differ from the server's results (first ${REPORTED} shown)`,
      ).toEqual([])
    })
  }
})
