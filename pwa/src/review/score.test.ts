import { describe, expect, it } from 'vitest'
import { MINI_TEST as miniTest } from '../domain/testing'
import { NOT_MET, parseChecklist, parseIsoDate, score, type BlockedBy, type CalendarDate, type ScoreResult } from '../domain/scoring'
import { blockerLines, failedCount, needsAttention, totalLines } from './score'
import { CHECKLIST_DEFINITION, SCORE } from './testing'

const checklist = parseChecklist(CHECKLIST_DEFINITION)
const mini = parseChecklist(miniTest)
const DAY = parseIsoDate('2026-11-20') as CalendarDate

describe('blockerLines', () => {
  it('says what keeps the next tier out of reach, with item numbers', () => {
    const blockers: BlockedBy[] = [
      { kind: 'veto_failed', items: ['T-01'] },
      { kind: 'veto_unanswered', items: ['T-02', 'X-9'] },
      { kind: 'rule', label: '核心条款全部达到C级', needed: 2, items: ['T-01', 'T-02'] },
      { kind: 'rule', label: '推荐标准条款B级及以上不低于50%', needed: 0, items: [] },
    ]
    expect(blockerLines(checklist, blockers)).toEqual([
      '否决项不达标：1.1.1',
      '否决项未作答：1.1.2、X-9',
      '核心条款全部达到C级（还差 2 项）',
      '推荐标准条款B级及以上不低于50%',
    ])
  })
})

describe('totalLines', () => {
  it('lists the counts with the best grade first', () => {
    expect(totalLines(checklist, SCORE)).toEqual([
      { label: '适用条款', value: '2 项' },
      { label: '不达标', value: '1 项' },
      { label: '未作答', value: '0 项' },
      { label: 'A级及以上', value: '0 项' },
      { label: 'B级及以上', value: '1 项' },
      { label: 'C级及以上', value: '1 项' },
    ])
  })

  it('counts unanswered items apart from failed ones, and adds points when there are any', () => {
    const result = {
      ...SCORE,
      totals: { ...SCORE.totals, not_met: 2, unanswered: 1, points: { earned: 7.5, possible: 10 } },
    } as ScoreResult
    const lines = totalLines(checklist, result)
    expect(lines).toContainEqual({ label: '不达标', value: '1 项' })
    expect(lines).toContainEqual({ label: '未作答', value: '1 项' })
    expect(lines.at(-1)).toEqual({ label: '得分', value: '7.5 / 10' })
  })

  it('shows a fresh draft, scored by the engine, as 0 不达标 and every item 未作答', () => {
    const fresh = score(mini, { has_beds: true }, {}, DAY)
    expect(fresh.totals.not_met).toBe(15) // the engine counts unanswered as not met for the rules
    const lines = totalLines(mini, fresh)
    expect(lines.slice(0, 3)).toEqual([
      { label: '适用条款', value: '15 项' },
      { label: '不达标', value: '0 项' },
      { label: '未作答', value: '15 项' },
    ])
  })

  it('counts an item graded not met as 不达标 and leaves the rest 未作答', () => {
    const some = score(mini, { has_beds: true }, { 'M-B01': { grade: NOT_MET }, 'M-B02': { grade: 'A' } }, DAY)
    expect([failedCount(some.totals), some.totals.unanswered]).toEqual([1, 13])
  })
})

describe('needsAttention', () => {
  const item = { photosMin: 1 }
  const photo = { flags: [] as string[] }

  it('flags not met, unanswered, missing photos, flagged photos and open conflicts', () => {
    expect(needsAttention(item, { outcome: 'not_met' }, [photo], 0)).toBe(true)
    expect(needsAttention(item, { outcome: null }, [photo], 0)).toBe(true)
    expect(needsAttention(item, undefined, [photo], 0)).toBe(true)
    expect(needsAttention(item, { outcome: 'B' }, [], 0)).toBe(true)
    expect(needsAttention(item, { outcome: 'B' }, [{ flags: ['far_from_facility'] }], 0)).toBe(true)
    expect(needsAttention(item, { outcome: 'B' }, [photo], 1)).toBe(true)
  })

  it('lets a well-evidenced or not applicable item pass', () => {
    expect(needsAttention(item, { outcome: 'B' }, [photo], 0)).toBe(false)
    expect(needsAttention(item, { outcome: 'not_applicable' }, [], 0)).toBe(false)
  })
})
