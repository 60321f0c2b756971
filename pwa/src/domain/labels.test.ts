import { describe, expect, it } from 'vitest'
import { flagLabel, formatTime, gradeLabel, kindLabel, shortHash, statusLabel, statusTagType } from './labels'
import { STATUSES } from './rules'

describe('labels', () => {
  it('names every status and kind in Chinese, and passes unknown codes through', () => {
    expect(statusLabel('county_approved')).toBe('县级已通过')
    expect(statusLabel('approved')).toBe('已通过（终审）')
    expect(statusLabel('archived')).toBe('archived')
    expect(statusTagType('rejected')).toBe('danger')
    expect(statusTagType('archived')).toBe('default')
    expect(kindLabel('city_reinspection')).toBe('市级复核评审')
  })

  it('marks every state of the workflow with a tone the server chose', () => {
    expect(STATUSES.length).toBeGreaterThan(5)
    for (const status of STATUSES) expect(['default', 'primary', 'warning', 'success', 'danger']).toContain(statusTagType(status))
    expect(statusTagType(STATUSES[0] as string)).toBe('default')
  })

  it('names the photo flags', () => {
    expect(flagLabel('far_from_facility')).toBe('拍摄地点远离机构')
    expect(flagLabel('exif_place_invalid')).toBe('照片中的定位信息无效')
    expect(flagLabel('used_for_other_facility')).toBe('同一照片用于其他机构')
    expect(flagLabel('no_capture_time')).toBe('无拍摄时间')
    expect(flagLabel('new_flag')).toBe('new_flag')
  })

  it('labels grades from the checklist, with not met, not applicable and unanswered', () => {
    const labels = { A: 'A级' }
    expect(gradeLabel(labels, 'A')).toBe('A级')
    expect(gradeLabel(labels, 'not_met')).toBe('不达标')
    expect(gradeLabel(labels, 'not_applicable')).toBe('不适用')
    expect(gradeLabel(labels, null)).toBe('未作答')
    expect(gradeLabel(labels, 'Z')).toBe('Z')
  })
})

describe('formatTime', () => {
  it('shows server times in China time', () => {
    expect(formatTime('2026-11-20T16:30:00+00:00')).toBe('2026-11-21 00:30')
    expect(formatTime('2026-11-20T16:30:00Z')).toBe('2026-11-21 00:30')
    expect(formatTime('2026-11-20T09:05:00+08:00')).toBe('2026-11-20 09:05')
  })

  it('takes a time without an offset as China time, like the server', () => {
    expect(formatTime('2026-11-20T10:15:00')).toBe('2026-11-20 10:15')
  })

  it('keeps dates and unreadable text as they are', () => {
    expect(formatTime('2026-11-20')).toBe('2026-11-20')
    expect(formatTime('yesterday')).toBe('yesterday')
    expect(formatTime(null)).toBe('—')
  })
})

describe('shortHash', () => {
  it('is the first 12 hex digits', () => {
    expect(shortHash('0123456789abcdef0123')).toBe('0123456789ab')
  })
})
