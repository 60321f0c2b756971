// The server's error catalog, typed: read from the file the server exports
// (src/generated/errors.json, written by `python -m server export-rules` from
// server/domain/catalog.py), never restated here. The server decides which of its refusals a
// client may send again; the app reads that here instead of guessing from HTTP statuses.
import data from '../generated/errors.json'

export interface CatalogEntry {
  /** The HTTP status the code is answered with. */
  status: number
  /** The Chinese message, a template whose {fields} the server fills. */
  message: string
  /** Sending the same request again, unchanged, may succeed. */
  retryable: boolean
}

const CATALOG: Readonly<Record<string, CatalogEntry>> = data

/** A code of the catalog: a code the app names must be one (vue-tsc checks it). */
export type ErrorCode = keyof typeof data

/** The catalog's entry for `code`, or undefined for a code the server never sends. */
export function catalogEntry(code: string): CatalogEntry | undefined {
  return Object.hasOwn(CATALOG, code) ? CATALOG[code] : undefined
}

/** The catalog's message for `code` with its {fields} filled from `params` (a field not given
 * stays empty, as the server fills it): the words the server answers the code with. */
export function catalogMessage(code: ErrorCode, params: Readonly<Record<string, string | number>> = {}): string {
  return CATALOG[code]!.message.replace(/\{([a-z_]+)\}/g, (_, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : '',
  )
}

/** The catalog's codes for "this session is over, log in again": the token is unknown or ended,
 * or the session expired. The app decides from the code, and shows the server's message. */
const SESSION_ENDED_CODES: readonly ErrorCode[] = ['auth.session_expired', 'auth.required', 'http.unauthorized']

/** Whether an answer with `code` says the session is over (the user must log in again). */
export function endsSession(code: string): boolean {
  return (SESSION_ENDED_CODES as readonly string[]).includes(code)
}

/**
 * Whether the same request may succeed when sent again. A code of the catalog answers as the
 * catalog says. An answer without one (a proxy's error page, a body that is not ours, a receipt
 * the server never sent) tells nothing about the request itself, so it is taken as transient:
 * sending again is safe (every write is idempotent by its change or upload id) and the change is
 * not given up on because of something between the app and the server.
 */
export function isRetryable(code: string): boolean {
  return catalogEntry(code)?.retryable ?? true
}
