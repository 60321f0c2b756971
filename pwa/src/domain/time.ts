// Times as people read them: China time, "YYYY-MM-DD HH:mm", whatever zone the browser is in.
// The same rules as the server's server/domain/times.py (format_time):
// - an instant with an offset ("2026-11-28T22:00:12+00:00", a Date, epoch milliseconds) is shown
//   in China time (Asia/Shanghai): 2026-11-29 06:00;
// - a device's time without an offset ("2026-11-20T10:31:05") is that device's clock, taken as
//   China time by the server: shown as it is;
// - an EXIF DateTimeOriginal ("2026:11:16 10:01:00") is the camera's clock, without a zone: shown
//   as it is, never shifted; with the offset the camera wrote ("2026:11:16 10:01:00+09:00") it is
//   an instant, shown in China time;
// - a date alone stays a date; text that is none of these is shown as it is.
// Pure: no I/O, no Vue, and never the browser's own time zone.

export const CHINA_TIME_ZONE = 'Asia/Shanghai'
export const NO_TIME = '—'

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i
const EXIF = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/i
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

let parts: Intl.DateTimeFormat | null = null

function chinaParts(): Intl.DateTimeFormat {
  parts ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: CHINA_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  return parts
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** An instant (epoch milliseconds) as China time, "YYYY-MM-DD HH:mm". */
export function formatInstant(ms: number): string {
  const got: Record<string, string> = {}
  for (const p of chinaParts().formatToParts(new Date(ms))) got[p.type] = p.value
  return `${got.year}-${got.month}-${got.day} ${got.hour}:${got.minute}`
}

/** The calendar day in China at that instant, "YYYY-MM-DD": "today" for a new inspection. */
export function chinaDate(at: Date = new Date()): string {
  return formatInstant(at.getTime()).slice(0, 10)
}

function offsetMinutes(offset: string): number | null {
  if (offset.toUpperCase() === 'Z') return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)
  if (!m) return null
  const hours = Number(m[2])
  const minutes = Number(m[3])
  if (hours > 23 || minutes > 59) return null
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

/** Whether the fields name a real calendar time (not 2026-02-30, not 0000-00-00). */
function real(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  return (
    y >= 1 &&
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  )
}

function fromFields(fields: RegExpExecArray, offset: string | undefined, text: string): string | null {
  const [y, mo, d, h, mi] = fields.slice(1, 6).map(Number) as [number, number, number, number, number]
  const s = fields[6] ? Number(fields[6]) : 0
  if (!real(y, mo, d, h, mi, s)) return null
  const local = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}`
  if (offset === undefined) return local // a clock without a zone: as it is
  const minutes = offsetMinutes(offset)
  if (minutes === null) return text
  return formatInstant(Date.UTC(y, mo - 1, d, h, mi, s) - minutes * 60_000)
}

/**
 * Any time a person sees, as China time "YYYY-MM-DD HH:mm" (see the rules above). Missing or
 * empty gives "—".
 */
export function formatTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return NO_TIME
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? NO_TIME : formatInstant(value.getTime())
  if (typeof value === 'number') return Number.isFinite(value) ? formatInstant(value) : NO_TIME
  const text = value.trim()
  if (!text) return NO_TIME
  if (DATE_ONLY.test(text)) return text
  const iso = ISO.exec(text)
  if (iso) return fromFields(iso, iso[8], text) ?? text
  const exif = EXIF.exec(text)
  if (exif) {
    if (/^[0: ]+$/.test(text)) return NO_TIME // a camera without a clock wrote no time
    return fromFields(exif, exif[7], text) ?? text
  }
  return text
}
