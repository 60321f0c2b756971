// What the 结果公示 screens show and compute: where a publication stands and an objection's outcome
// in the server's words, a publication's period as people read it, and what a new publication
// still lacks before it can be sent. Pure: the pages (pages/Publication*.vue) call the API.
import type { PublicationOut, PublicationPreviewOut } from '../api/types'
import data from '../generated/labels.json'
import type { TagType } from '../domain/labels'

const STATE_LABELS: Readonly<Record<string, string>> = data.publication_states
const STATE_TONES = data.publication_state_tones as Readonly<Record<string, TagType>>
const OUTCOME_LABELS: Readonly<Record<string, string>> = data.objection_outcomes
const OUTCOME_TONES = data.objection_outcome_tones as Readonly<Record<string, TagType>>
const ENTRY_STATUS_LABELS: Readonly<Record<string, string>> = data.publication_entry_statuses
const HOLD_LABELS: Readonly<Record<string, string>> = data.payout_holds

export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? state
}

export function stateTone(state: string): TagType {
  return STATE_TONES[state] ?? 'default'
}

export function outcomeLabel(outcome: string): string {
  return OUTCOME_LABELS[outcome] ?? outcome
}

export function outcomeTone(outcome: string): TagType {
  return OUTCOME_TONES[outcome] ?? 'default'
}

export function entryStatusLabel(status: string): string {
  return ENTRY_STATUS_LABELS[status] ?? status
}

/** Why the payout sheet leaves a result out (尚未公示期满 …). */
export function holdLabel(reason: string): string {
  return HOLD_LABELS[reason] ?? reason
}

/** "2026-12-01 至 2026-12-09（7 个工作日）" */
export function periodText(p: Pick<PublicationOut, 'starts_on' | 'ends_on' | 'working_days'>): string {
  return `${p.starts_on} 至 ${p.ends_on}（${p.working_days} 个工作日）`
}

/** "3 项，已撤销 1 项" */
export function entriesText(p: Pick<PublicationOut, 'entries' | 'withdrawn'>): string {
  return p.withdrawn > 0 ? `${p.entries} 项，已撤销 ${p.withdrawn} 项` : `${p.entries} 项`
}

/** "2 件，待处理 1 件"; "无" when none was recorded. */
export function objectionsText(p: Pick<PublicationOut, 'objections' | 'pending'>): string {
  if (p.objections === 0) return '无'
  return p.pending > 0 ? `${p.objections} 件，待处理 ${p.pending} 件` : `${p.objections} 件`
}

export interface PublicationDraft {
  title: string
  issuer: string
  contact: string
}

/** What a new publication still lacks, in the words the form shows (empty: it may be sent). */
export function draftGaps(preview: PublicationPreviewOut | null, draft: PublicationDraft): string[] {
  if (preview === null) return ['请先选择地区和期间并预览']
  const gaps: string[] = []
  if (preview.start_problem) gaps.push(preview.start_problem)
  if (preview.entries.length === 0) gaps.push('没有可公示的结果')
  if (!draft.title.trim()) gaps.push('请填写公示标题')
  if (!draft.issuer.trim()) gaps.push('请填写发布单位')
  if (!draft.contact.trim()) gaps.push('请填写异议受理方式（电话、地址或电子邮箱）')
  return gaps
}
