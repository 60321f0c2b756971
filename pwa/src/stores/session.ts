// Who is signed in on this device. The session (token and user) is kept in IndexedDB so the app
// opens offline after a reload; logging out deletes the device database, so nothing of the user
// stays behind, and is refused while changes are unsent unless the user discards them.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, getMe, login as apiLogin, logout as apiLogout, OfflineError, setAuth } from '../api/client'
import { catalogMessage } from '../api/errors'
import type { UserOut } from '../api/types'
import { INSPECTING_ROLES, REVIEWING_ROLES } from '../domain/rules'
import { getDb, wipeDb } from '../db'
import { newId, unsentCount } from '../data/local'

export interface StoredSession {
  token: string
  expiresAt: string
  user: UserOut
}

const SESSION_KEY = 'session'
const DEVICE_KEY = 'deviceId'

/** Refused: the device holds unsent changes. `count` of them. */
export class UnsentChangesError extends Error {
  override readonly name = 'UnsentChangesError'

  constructor(
    readonly count: number,
    readonly owner: string | null = null,
  ) {
    super(`${count} change(s) not yet sent`)
  }
}

/** The roles' names, the server's (src/generated/labels.json). */
export { ROLE_LABELS } from '../domain/labels'

export const useSessionStore = defineStore('session', () => {
  const user = ref<UserOut | null>(null)
  const token = ref<string | null>(null)
  /** The server said the session ended; the user must log in again, data stays. */
  const expired = ref(false)
  /** Why, in the server's words: the message of the code it ended the session with. */
  const endedMessage = ref(catalogMessage('auth.session_expired'))
  const restored = ref(false)
  const deviceId = ref<string | null>(null)

  /** Uses the review desk; which roles do is the server's workflow (domain/rules). */
  const isReviewer = computed(() => user.value !== null && REVIEWING_ROLES.includes(user.value.role))
  /** Fills in checklists on this device (and syncs them). */
  const canInspect = computed(() => user.value !== null && INSPECTING_ROLES.includes(user.value.role))

  /** Whether the server's policy table lets the user call `endpoint` ("payouts.sheet"): the `may`
   * of its login (or /me) answer, never a rule of the app's own. */
  function may(endpoint: string): boolean {
    return (user.value?.may ?? []).includes(endpoint)
  }

  function apply(session: StoredSession | null): void {
    user.value = session?.user ?? null
    token.value = session?.token ?? null
    setAuth(token.value, (err) => {
      endedMessage.value = err.message || catalogMessage('auth.session_expired')
      expired.value = true
    })
  }

  async function ensureDeviceId(): Promise<string> {
    const db = getDb()
    const row = await db.meta.get(DEVICE_KEY)
    if (typeof row?.value === 'string') return row.value
    const id = `dev-${newId()}`
    await db.meta.put({ key: DEVICE_KEY, value: id })
    return id
  }

  /** Reads the stored session (once, at start-up); works offline. */
  async function restore(): Promise<void> {
    if (restored.value) return
    const row = await getDb().meta.get(SESSION_KEY)
    const stored = (row?.value as StoredSession | undefined) ?? null
    apply(stored)
    deviceId.value = await ensureDeviceId()
    restored.value = true
    // A session kept before the server said what the user may do (or may grant): ask once, in
    // the background.
    const kept = stored?.user as Partial<UserOut> | undefined
    if (stored && (!Array.isArray(kept?.may) || !Array.isArray(kept?.grantable))) void refreshUser(stored)
  }

  async function refreshUser(stored: StoredSession): Promise<void> {
    try {
      const fresh = await getMe({ timeoutMs: 5_000 })
      if (token.value !== stored.token) return // logged out or in again meanwhile
      const session: StoredSession = { ...stored, user: fresh }
      await getDb().meta.put({ key: SESSION_KEY, value: session })
      user.value = fresh
    } catch {
      // offline or ended: the pages show what needs no `may` until the next login
    }
  }

  /**
   * Logs in. Another user's unsent changes on this device are never sent under this login nor
   * deleted: the login is refused until their owner sends or discards them.
   */
  async function login(username: string, password: string): Promise<UserOut> {
    const db = getDb()
    const previous = (await db.meta.get(SESSION_KEY))?.value as StoredSession | undefined
    if (previous && previous.user.username !== username) {
      const unsent = await unsentCount(db)
      if (unsent > 0) throw new UnsentChangesError(unsent, previous.user.username)
    }
    const answer = await apiLogin(username, password)
    if (previous && previous.user.id !== answer.user.id) {
      await wipeDb()
    }
    const session: StoredSession = { token: answer.token, expiresAt: answer.expires_at, user: answer.user }
    await getDb().meta.put({ key: SESSION_KEY, value: session })
    deviceId.value = await ensureDeviceId()
    apply(session)
    expired.value = false
    return answer.user
  }

  /** The user as the server now answers it (after a password change): kept with the session. */
  async function replaceUser(fresh: UserOut): Promise<void> {
    const row = await getDb().meta.get(SESSION_KEY)
    const stored = row?.value as StoredSession | undefined
    if (!stored || stored.user.id !== fresh.id) return
    await getDb().meta.put({ key: SESSION_KEY, value: { ...stored, user: fresh } })
    user.value = fresh
  }

  /** Logs out and deletes the device database. Refused while changes are unsent, unless `discard`. */
  async function logout(discard = false): Promise<void> {
    const unsent = await unsentCount(getDb())
    if (unsent > 0 && !discard) throw new UnsentChangesError(unsent)
    try {
      await apiLogout()
    } catch (err) {
      // Offline or already expired: the server ends the session by its own timeouts.
      if (!(err instanceof OfflineError || err instanceof ApiError)) throw err
    }
    // Something may have been recorded while the server was asked: count again before deleting.
    const late = await unsentCount(getDb())
    if (late > 0 && !discard) throw new UnsentChangesError(late)
    await wipeDb()
    apply(null)
    expired.value = false
    deviceId.value = await ensureDeviceId()
  }

  return {
    user,
    token,
    expired,
    endedMessage,
    restored,
    deviceId,
    isReviewer,
    canInspect,
    may,
    restore,
    login,
    logout,
    replaceUser,
  }
})
