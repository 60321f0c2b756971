// Vue refs fed by Dexie live queries: a page shows what is in IndexedDB and updates by itself when
// a write (its own, or the sync engine's) changes the rows it read.
import { liveQuery, type Subscription } from 'dexie'
import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from 'vue'

/**
 * `query` is re-run whenever a table it read changes, and whenever one of `sources` changes (route
 * parameters, for example). `loaded` becomes true after the first result.
 */
export function useLiveQuery<T>(
  query: () => Promise<T>,
  initial: T,
  sources: WatchSource[] = [],
): { data: ShallowRef<T>; loaded: Ref<boolean>; error: ShallowRef<unknown> } {
  const data = shallowRef<T>(initial)
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)
  let subscription: Subscription | undefined

  const start = (): void => {
    subscription?.unsubscribe()
    subscription = liveQuery(query).subscribe({
      next: (value) => {
        data.value = value
        loaded.value = true
        error.value = null
      },
      error: (err: unknown) => {
        error.value = err
        console.error('live query failed', err)
      },
    })
  }
  start()
  if (sources.length > 0) watch(sources, start)
  onScopeDispose(() => subscription?.unsubscribe())
  return { data, loaded, error }
}
