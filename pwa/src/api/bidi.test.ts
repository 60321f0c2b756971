// Every string the app receives is without bidirectional controls, however the server wrote it.
import { describe, expect, it, vi } from 'vitest'
import { ApiError, parseJson, request, stripBidiControls } from './client'

const RLO = '\u202E' // right-to-left override: "abc" after it reads "cba"
const CONTROLS = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069'

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'application/json' } })
}

/** Whether any string in `value` (keys included) holds a bidi control. */
function holdsControl(value: unknown): boolean {
  if (typeof value === 'string') return [...value].some((ch) => CONTROLS.includes(ch))
  if (Array.isArray(value)) return value.some(holdsControl)
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, v]) => holdsControl(key) || holdsControl(v))
  }
  return false
}

describe('bidirectional controls', () => {
  it('are removed from a string; the left-to-right and right-to-left marks stay', () => {
    expect(stripBidiControls(`a${CONTROLS}b\u200Ec\u200Fd`)).toBe('ab\u200Ec\u200Fd')
  })

  it('are removed from every string of a response, as the server escapes them', async () => {
    // Python's JSON (the server) writes them as \u escapes
    const text = JSON.stringify({
      facility: { name: `${RLO}abc通许县卫生院`, beds: 20, active: true, note: null },
      items: [{ note: `\u2066备注\u2069${RLO}xyz`, grades: ['A', `${RLO}B`] }],
      nested: [[`\u202Aa\u202C`]],
    }).replace(/[\u202A-\u202E\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`)
    expect(text).toContain('\\u202e')
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(textResponse(200, text)))

    const body = await request<Record<string, unknown>>('/api/inspections/1')
    expect(holdsControl(body)).toBe(false)
    expect(body).toEqual({
      facility: { name: 'abc通许县卫生院', beds: 20, active: true, note: null },
      items: [{ note: '备注xyz', grades: ['A', 'B'] }],
      nested: [['a']],
    })
  })

  it('are removed when they arrive as the characters themselves, from keys too', () => {
    const parsed = parseJson(`{"name": "${RLO}abc", "answers": {"M-B01${RLO}": {"note": "${RLO}x"}}}`)
    expect(parsed).toEqual({ name: 'abc', answers: { 'M-B01': { note: 'x' } } })
  })

  it('are removed from the messages of errors', async () => {
    const body = { error: { code: 'x.y', message: `${RLO}错误`, problems: [{ code: 'p', pointer: '/a', message: `${RLO}问题` }] } }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(textResponse(422, JSON.stringify(body))))

    const err = await request('/api/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ message: '错误', problems: [{ message: '问题' }] })
  })

  it('leave text without them exactly as JSON.parse reads it', () => {
    const text = JSON.stringify({ a: '通许\u200E县', b: [1, 2.5, null, true], c: '\\u202e as plain text' })
    expect(parseJson(text)).toEqual(JSON.parse(text))
  })
})
