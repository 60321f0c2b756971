import { describe, expect, it } from 'vitest'
import type { JobOut } from '../api/types'
import {
  appendJobs,
  currentPeriod,
  downloadName,
  fileName,
  formatSize,
  isActive,
  jobTagType,
  periodCode,
  periodText,
  periodYears,
  progressPercent,
  progressText,
  withJob,
} from './jobs'
import labels from '../generated/labels.json'
import { job } from '../review/testing'

describe('the period of a payout sheet', () => {
  it('is a year, a quarter or a month as the server takes it', () => {
    expect(periodCode({ kind: 'year', year: 2026, quarter: 4, month: 11 })).toBe('2026')
    expect(periodCode({ kind: 'quarter', year: 2026, quarter: 4, month: 11 })).toBe('2026Q4')
    expect(periodCode({ kind: 'month', year: 2026, quarter: 4, month: 11 })).toBe('2026-11')
    expect(periodCode({ kind: 'month', year: 2026, quarter: 1, month: 3 })).toBe('2026-03')
  })

  it('reads as the sheet title puts it', () => {
    expect(periodText({ kind: 'year', year: 2026, quarter: 4, month: 11 })).toBe('2026年')
    expect(periodText({ kind: 'quarter', year: 2026, quarter: 4, month: 11 })).toBe('2026年第四季度')
    expect(periodText({ kind: 'month', year: 2026, quarter: 4, month: 3 })).toBe('2026年3月')
  })

  it('starts at this year, quarter and month in China', () => {
    expect(currentPeriod('2026-11-29')).toEqual({ kind: 'year', year: 2026, quarter: 4, month: 11 })
    expect(currentPeriod('2027-01-01', 'month')).toEqual({ kind: 'month', year: 2027, quarter: 1, month: 1 })
    expect(periodYears('2026-11-29', 2)).toEqual([2026, 2025, 2024])
  })
})

describe('a job on screen', () => {
  it('is followed while queued or running, not once finished', () => {
    expect(isActive(job(1, { state: 'queued' }))).toBe(true)
    expect(isActive(job(1, { state: 'running' }))).toBe(true)
    expect(isActive(job(1, { state: 'succeeded' }))).toBe(false)
    expect(isActive(job(1, { state: 'failed' }))).toBe(false)
  })

  it('takes its tag tone from the server', () => {
    for (const [state, tone] of Object.entries(labels.job_state_tones)) {
      expect(jobTagType(state as JobOut['state'])).toBe(tone)
    }
  })

  it('shows its progress with the stage in the server\'s words, unknown amounts without a number', () => {
    const running = job(1, { progress: { done: 30, total: 120, stage: 'render', stage_label: '排版输出' } })
    expect(progressPercent(running)).toBe(25)
    expect(progressText(running)).toBe('排版输出（30/120）')
    const starting = job(1, { progress: { done: 0, total: 0, stage: 'collect', stage_label: null } })
    expect(progressPercent(starting)).toBeNull()
    expect(progressText(starting)).toBe(labels.job_stages.collect)
    expect(progressText(job(1, { state: 'queued' }))).toBe('等待处理')
    expect(progressPercent(job(1, { state: 'succeeded' }))).toBe(100)
  })

  it('goes first when new, stays in its place when known, and older pages add only new ones', () => {
    const list = [job(5), job(4)]
    expect(withJob(list, job(6)).map((j) => j.id)).toEqual([6, 5, 4])
    const updated = withJob(list, job(4, { state: 'succeeded' }))
    expect(updated.map((j) => [j.id, j.state])).toEqual([
      [5, 'running'],
      [4, 'succeeded'],
    ])
    expect(appendJobs(list, [job(4), job(3)]).map((j) => j.id)).toEqual([5, 4, 3])
  })
})

describe('a result', () => {
  const result = { filename: '开封市_2026_奖补资金分配表.pdf', content_type: 'application/pdf', size: 2048, sha256: 'a'.repeat(64), reused: false, once: false }

  it('is saved under the server\'s file name, made safe', () => {
    expect(downloadName(job(1, { result }))).toBe('开封市_2026_奖补资金分配表.pdf')
    expect(downloadName(job(1, { result: { ...result, filename: '../a/b:c.pdf' } }))).toBe('.._a_b_c.pdf')
  })

  it('without a name is saved under the job\'s title and the extension of its type', () => {
    const xlsx = { ...result, filename: '', content_type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }
    expect(downloadName(job(1, { title: '开封市 2026年 奖补资金分配表', result: xlsx }))).toBe('开封市 2026年 奖补资金分配表.xlsx')
    expect(downloadName(job(7, { title: ' ', result: { ...result, filename: '..' } }))).toBe('后台任务7.pdf')
  })

  it('made on the page (an export) is named by its title, made safe', () => {
    expect(fileName('开封市2026年评审结果', '.xlsx')).toBe('开封市2026年评审结果.xlsx')
    expect(fileName('2026/通许县:计划检查清单', '.xlsx')).toBe('2026_通许县_计划检查清单.xlsx')
    expect(fileName(' ', '.xlsx')).toBe('导出.xlsx')
  })

  it('shows its size as people read it', () => {
    expect(formatSize(812)).toBe('812 字节')
    expect(formatSize(36_045)).toBe('35.2 KB')
    expect(formatSize(4_300_000)).toBe('4.1 MB')
    expect(formatSize(-1)).toBe('—')
  })
})
