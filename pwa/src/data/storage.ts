// Asking the browser to keep the device database when space runs short (otherwise it may evict
// unsent answers and photos), and measuring how much room is left. No UI imports.

/** Below this much free space the app warns: a visit's photos take tens of megabytes. */
export const LOW_SPACE_BYTES = 200 * 1024 * 1024

export interface StorageState {
  /** null when the browser has no storage manager (then nothing can be promised). */
  persisted: boolean | null
  usage: number | null
  quota: number | null
  low: boolean
}

export async function ensurePersistentStorage(storage: StorageManager | undefined = navigator.storage): Promise<StorageState> {
  if (!storage) return { persisted: null, usage: null, quota: null, low: false }
  let persisted = typeof storage.persisted === 'function' ? await storage.persisted() : false
  if (!persisted && typeof storage.persist === 'function') persisted = await storage.persist()
  const estimate = typeof storage.estimate === 'function' ? await storage.estimate() : {}
  const usage = estimate.usage ?? null
  const quota = estimate.quota ?? null
  const low = usage !== null && quota !== null && quota - usage < LOW_SPACE_BYTES
  return { persisted, usage, quota, low }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`
}
