import { describe, expect, it } from 'vitest'
import type { RevisionOut } from '../api/types'
import { regradesByItem } from './regrades'

function rev(item_id: string, revision: number, grade: string, source: string, extra: Partial<RevisionOut> = {}): RevisionOut {
  return {
    item_id,
    revision,
    grade,
    document_date: null,
    valid_until: null,
    documents: null,
    note: null,
    author_id: source === 'review' ? 3 : 4,
    author_name: source === 'review' ? '张卫东' : '刘秀英',
    source,
    reason: null,
    change_id: null,
    device_id: null,
    device_time: null,
    received_at: '2026-11-28T02:05:00+00:00',
    ...extra,
  }
}

describe('regradesByItem', () => {
  it('gives each reviewer change with the grade before it, the reviewer’s name, reason and time', () => {
    const history = [
      rev('QS-1', 2, 'A', 'review', { reason: '现场核实已达到 A 级' }),
      rev('QS-1', 1, 'C', 'inspector'),
      rev('QS-1', 3, 'B', 'review', { reason: '复核降为 B', author_name: '李建国' }),
      rev('QS-2', 1, 'C', 'inspector'),
    ]
    const result = regradesByItem(history)
    expect([...result.keys()]).toEqual(['QS-1'])
    expect(result.get('QS-1')).toEqual([
      { revision: 2, from: 'C', to: 'A', by: '张卫东', reason: '现场核实已达到 A 级', at: '2026-11-28T02:05:00+00:00' },
      { revision: 3, from: 'A', to: 'B', by: '李建国', reason: '复核降为 B', at: '2026-11-28T02:05:00+00:00' },
    ])
  })

  it('marks a reviewer’s first answer as having had none before', () => {
    const result = regradesByItem([rev('QS-3', 1, 'not_met', 'review', { reason: '未见记录' })])
    expect(result.get('QS-3')?.[0]?.from).toBeNull()
  })
})
