// Background jobs as the screens show them: the server's labels for their states, stages and
// kinds (src/generated/labels.json), their progress, the period a payout sheet is asked for, the
// size and name of a result. Pure: no I/O, no Vue.
import data from '../generated/labels.json'
import type { JobOut, JobState } from '../api/types'
import type { TagType } from './labels'

export const JOB_KIND_LABELS: Readonly<Record<string, string>> = data.job_kinds
export const JOB_STATE_LABELS: Readonly<Record<string, string>> = data.job_states
export const JOB_STAGE_LABELS: Readonly<Record<string, string>> = data.job_stages
const JOB_STATE_TONES = data.job_state_tones as Readonly<Record<string, TagType>>

/** The stage a job whose result is an earlier job's file reports (沿用已生成的相同结果). */
export const REUSE_STAGE = 'reuse'

export function jobStateLabel(job: Pick<JobOut, 'state' | 'state_label'>): string {
  return job.state_label || (JOB_STATE_LABELS[job.state] ?? job.state)
}

export function jobTagType(state: JobState): TagType {
  return JOB_STATE_TONES[state] ?? 'default'
}

/** Still to run or running: its row changes, so the page keeps asking. */
export function isActive(job: Pick<JobOut, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running'
}

export function anyActive(jobs: readonly Pick<JobOut, 'state'>[]): boolean {
  return jobs.some(isActive)
}

/** How far a job is, 0–100, or null while the amount of work is not known yet (total 0). */
export function progressPercent(job: Pick<JobOut, 'progress' | 'state'>): number | null {
  if (job.state === 'succeeded') return 100
  const { done, total } = job.progress
  if (total <= 0) return null
  return Math.max(0, Math.min(100, Math.floor((done * 100) / total)))
}

/** The stage a running job is at, in the server's words (排版输出), with its count when known. */
export function progressText(job: Pick<JobOut, 'progress' | 'state'>): string {
  const { done, total, stage, stage_label } = job.progress
  const label = stage_label ?? (stage ? (JOB_STAGE_LABELS[stage] ?? '') : '')
  const words = label || (job.state === 'queued' ? '等待处理' : '处理中')
  return total > 0 ? `${words}（${done}/${total}）` : words
}

/** `job` in the list: in its place when it is there already, else first (the newest). */
export function withJob(list: readonly JobOut[], job: JobOut): JobOut[] {
  const at = list.findIndex((j) => j.id === job.id)
  if (at < 0) return [job, ...list]
  const copy = [...list]
  copy[at] = job
  return copy
}

/** An older page after the list, without the jobs it shows already. */
export function appendJobs(list: readonly JobOut[], older: readonly JobOut[]): JobOut[] {
  const seen = new Set(list.map((j) => j.id))
  return [...list, ...older.filter((j) => !seen.has(j.id))]
}

// --- sizes and file names --------------------------------------------------------------------------

/** A file's size as people read it: 812 字节, 35.2 KB, 4.1 MB. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  if (bytes < 1024) return `${bytes} 字节`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

const UNSAFE_IN_NAME = /[\\/:*?"<>|\p{Cc}]+/gu

/** The name a result is saved under: the server's file name, else the job's title with the
 * extension of its type; never a path, never empty. */
export function downloadName(job: Pick<JobOut, 'id' | 'title' | 'result'>): string {
  const given = job.result?.filename.replace(UNSAFE_IN_NAME, '_').trim() ?? ''
  if (given && given !== '.' && given !== '..') return given
  const extension = EXTENSIONS[job.result?.content_type ?? ''] ?? ''
  const title = job.title.replace(UNSAFE_IN_NAME, '_').trim() || `后台任务${job.id}`
  return `${title}${extension}`
}

/** A file name made of `title` and `extension` (.xlsx): never a path, never empty. */
export function fileName(title: string, extension: string): string {
  const safe = title.replace(UNSAFE_IN_NAME, '_').trim()
  return `${safe && safe !== '.' && safe !== '..' ? safe : '导出'}${extension}`
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
}

// --- the period of a payout sheet ------------------------------------------------------------------

export type PeriodKind = 'year' | 'quarter' | 'month'

export const PERIOD_KINDS: readonly { code: PeriodKind; label: string }[] = [
  { code: 'year', label: '全年' },
  { code: 'quarter', label: '季度' },
  { code: 'month', label: '月份' },
]

export const QUARTERS: readonly { value: number; label: string }[] = ['一', '二', '三', '四'].map((n, i) => ({
  value: i + 1,
  label: `第${n}季度`,
}))

export const MONTHS: readonly { value: number; label: string }[] = Array.from({ length: 12 }, (_, i) => ({
  value: i + 1,
  label: `${i + 1}月`,
}))

export interface PeriodChoice {
  kind: PeriodKind
  year: number
  quarter: number
  month: number
}

/** The period as the server takes it: 2026, 2026Q4 or 2026-11. */
export function periodCode(choice: PeriodChoice): string {
  const year = String(choice.year).padStart(4, '0')
  if (choice.kind === 'quarter') return `${year}Q${choice.quarter}`
  if (choice.kind === 'month') return `${year}-${String(choice.month).padStart(2, '0')}`
  return year
}

/** The period in words, as the sheet's title puts it: 2026年, 2026年第四季度, 2026年11月. */
export function periodText(choice: PeriodChoice): string {
  if (choice.kind === 'quarter') return `${choice.year}年${QUARTERS[choice.quarter - 1]?.label ?? ''}`
  if (choice.kind === 'month') return `${choice.year}年${choice.month}月`
  return `${choice.year}年`
}

/** The years offered: this year in China (`today`, "YYYY-MM-DD") and the `back` before it. */
export function periodYears(today: string, back: number = 5): number[] {
  const year = Number(today.slice(0, 4))
  return Array.from({ length: back + 1 }, (_, i) => year - i)
}

/** This year, quarter and month in China (`today`, "YYYY-MM-DD"): the form's starting choice. */
export function currentPeriod(today: string, kind: PeriodKind = 'year'): PeriodChoice {
  const year = Number(today.slice(0, 4))
  const month = Number(today.slice(5, 7))
  return { kind, year, quarter: Math.ceil(month / 3), month }
}

/** The file types a sheet is made in. */
export const SHEET_FORMATS: readonly { code: 'pdf' | 'xlsx'; label: string }[] = [
  { code: 'pdf', label: 'PDF' },
  { code: 'xlsx', label: '电子表格' },
]
