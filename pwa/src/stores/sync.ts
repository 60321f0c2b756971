// The app's one sync engine, started after login, with its status as reactive state for pages.
// Runs are triggered by local writes (debounced), by the browser regaining a network or focus,
// and by a slow timer while anything waits; the engine itself decides reachability by probing.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { unsentCount } from '../data/local'
import { getDb } from '../db'
import { SyncEngine, type RunSummary, type SyncStatus } from '../sync/engine'
import { httpTransport } from '../sync/transport'

const KICK_DELAY_MS = 1_500
const WATCH_INTERVAL_MS = 60_000

export const useSyncStore = defineStore('sync', () => {
  const status = shallowRef<SyncStatus | null>(null)
  const lastRun = ref<RunSummary | null>(null)
  let engine: SyncEngine | null = null
  let kickTimer: ReturnType<typeof setTimeout> | undefined
  let interval: ReturnType<typeof setInterval> | undefined

  const onOnline = (): void => void run()
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') void run()
  }

  function start(deviceId: string): void {
    if (engine) return
    engine = new SyncEngine(getDb(), httpTransport, { deviceId })
    engine.subscribe((s) => {
      status.value = s
    })
    window.addEventListener('online', onOnline)
    document.addEventListener('visibilitychange', onVisible)
    interval = setInterval(() => {
      if (engine?.status.phase !== 'idle') return
      void unsentCount(getDb()).then((n) => (n > 0 ? run() : null))
    }, WATCH_INTERVAL_MS)
    void run()
  }

  function stop(): void {
    engine?.stop()
    engine = null
    status.value = null
    clearTimeout(kickTimer)
    clearInterval(interval)
    window.removeEventListener('online', onOnline)
    document.removeEventListener('visibilitychange', onVisible)
  }

  /** Syncs now; resolves with what the run did. `pull`: download the assignments too. */
  async function run(options: { pull?: boolean } = {}): Promise<RunSummary | null> {
    if (!engine) return null
    engine.resume()
    const summary = await engine.request(options)
    lastRun.value = summary
    return summary
  }

  /** Something was written locally: sync soon, once the inspector pauses. */
  function kick(): void {
    clearTimeout(kickTimer)
    kickTimer = setTimeout(() => void run(), KICK_DELAY_MS)
  }

  return { status, lastRun, start, stop, run, kick }
})
