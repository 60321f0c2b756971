// The one formatter of times people see: China time whatever the browser's zone. The tests run in
// a zone far from China (New York, where 00:30 in China is the afternoon of the day before).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chinaDate, formatInstant, formatTime } from './time'
import { formatTime as fromLabels } from './labels'

const zone = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'America/New_York'
})
afterAll(() => {
  process.env.TZ = zone
})

describe('formatTime', () => {
  it('runs where the local day is not the China day', () => {
    expect(new Date(Date.UTC(2026, 10, 19, 16, 30)).getDate()).toBe(19)
  })

  it.each([
    // instants with an offset: China time
    ['2026-11-28T22:00:12+00:00', '2026-11-29 06:00'], // the report's old photo time
    ['2026-11-19T16:30:00Z', '2026-11-20 00:30'], // just after China midnight: the UTC day before
    ['2026-11-19T16:30:00.123456+00:00', '2026-11-20 00:30'], // as the API writes microseconds
    ['2026-11-20T00:30:00+08:00', '2026-11-20 00:30'],
    ['2026-11-20T10:31:05+0900', '2026-11-20 09:31'],
    ['2026-11-20T02:00:00-05:00', '2026-11-20 15:00'],
    // a device's clock without an offset: as it is
    ['2026-11-20T00:30:00', '2026-11-20 00:30'],
    // EXIF: the camera's clock as it is; with its offset, that instant in China time
    ['2026:11:16 10:01:00', '2026-11-16 10:01'], // the report's old EXIF time
    ['2026:11:20 00:30:00', '2026-11-20 00:30'],
    ['2026:11:20 01:30:00+09:00', '2026-11-20 00:30'],
    ['2026:11:19 16:30:00+00:00', '2026-11-20 00:30'],
    // a date alone stays a date
    ['2026-11-20', '2026-11-20'],
  ])('shows %s as %s', (value, shown) => {
    expect(formatTime(value)).toBe(shown)
  })

  it('shows dates and epoch milliseconds as China time', () => {
    const halfPastMidnight = Date.UTC(2026, 10, 19, 16, 30)
    expect(formatTime(halfPastMidnight)).toBe('2026-11-20 00:30')
    expect(formatTime(new Date(halfPastMidnight))).toBe('2026-11-20 00:30')
    expect(formatInstant(Date.UTC(2026, 10, 19, 15, 59))).toBe('2026-11-19 23:59')
  })

  it('shows nothing for no time and unreadable text as it is', () => {
    expect(formatTime(null)).toBe('—')
    expect(formatTime(undefined)).toBe('—')
    expect(formatTime('  ')).toBe('—')
    expect(formatTime('0000:00:00 00:00:00')).toBe('—') // a camera without a clock
    expect(formatTime(new Date(Number.NaN))).toBe('—')
    expect(formatTime('2026:02:30 10:00:00')).toBe('2026:02:30 10:00:00')
    expect(formatTime('2026-11-20T10:00:00+25:00')).toBe('2026-11-20T10:00:00+25:00')
    expect(formatTime('yesterday')).toBe('yesterday')
  })

  it('is the formatter labels.ts gives the pages', () => {
    expect(fromLabels).toBe(formatTime)
  })
})

describe('chinaDate', () => {
  it('is the calendar day in China, eight hours ahead of UTC', () => {
    expect(chinaDate(new Date(Date.UTC(2026, 10, 19, 16, 30)))).toBe('2026-11-20')
    expect(chinaDate(new Date(Date.UTC(2026, 10, 19, 15, 59)))).toBe('2026-11-19')
  })
})
