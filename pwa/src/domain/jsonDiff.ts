// The first place two JSON values differ, for tests that compare a whole result with the server's.
// Object keys are compared in order too: two results that differ only in key order serialise
// differently, and the engines promise the same serialisation.

function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function show(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text
}

/** The JSON pointer of the first difference with a note on it, or null when both are equal. */
export function firstDifference(expected: unknown, actual: unknown, where = ''): string | null {
  const [ke, ka] = [kind(expected), kind(actual)]
  if (ke !== ka) return `${where || '/'}: expected ${show(expected)}, got ${show(actual)}`
  if (ke === 'array') {
    const [e, a] = [expected as unknown[], actual as unknown[]]
    for (let i = 0; i < Math.min(e.length, a.length); i++) {
      const diff = firstDifference(e[i], a[i], `${where}/${i}`)
      if (diff !== null) return diff
    }
    if (e.length !== a.length) return `${where || '/'}: expected ${e.length} elements, got ${a.length}: ${show(a)}`
    return null
  }
  if (ke === 'object') {
    const [e, a] = [expected as Record<string, unknown>, actual as Record<string, unknown>]
    const [ek, ak] = [Object.keys(e), Object.keys(a)]
    for (const key of ek) {
      if (!Object.prototype.hasOwnProperty.call(a, key)) return `${where}/${key}: missing (expected ${show(e[key])})`
    }
    for (const key of ak) {
      if (!Object.prototype.hasOwnProperty.call(e, key)) return `${where}/${key}: unexpected ${show(a[key])}`
    }
    for (const key of ek) {
      const diff = firstDifference(e[key], a[key], `${where}/${key}`)
      if (diff !== null) return diff
    }
    const order = ek.findIndex((key, i) => ak[i] !== key)
    if (order >= 0) return `${where || '/'}: keys in another order: expected ${show(ek)}, got ${show(ak)}`
    return null
  }
  return Object.is(expected, actual) ? null : `${where || '/'}: expected ${show(expected)}, got ${show(actual)}`
}
