// Asks before activating a new app version. Inspectors type long answers; reloading under them
// would lose what they typed, so the question waits until no form field has focus.
// (Later: pages with unsaved drafts will also hold the prompt back.)
// Called once, from the root component; it renders nothing (the question is a Vant dialog).
import { onBeforeUnmount, watch } from 'vue'
import { useRegisterSW } from 'virtual:pwa-register/vue'
import { showConfirmDialog, showToast } from 'vant'

const RETRY_AFTER_BLUR_MS = 800

/** Registers the service worker and offers each new app version, at a moment no field is being typed in. */
export function useUpdatePrompt(): void {
  const { needRefresh, offlineReady, updateServiceWorker } = useRegisterSW({
    immediate: true,
    onRegisterError(error: unknown) {
      // Not swallowed: without a service worker the app does not work offline.
      console.error('Service worker registration failed', error)
    },
  })

  let asking = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  function isEditing(): boolean {
    const el = document.activeElement
    if (!(el instanceof HTMLElement)) return false
    return el.isContentEditable || el.matches('input, textarea, select')
  }

  function retryAfterBlur(): void {
    clearTimeout(retryTimer)
    retryTimer = setTimeout(() => void offerUpdate(), RETRY_AFTER_BLUR_MS)
  }

  async function offerUpdate(): Promise<void> {
    if (!needRefresh.value || asking) return
    if (isEditing()) {
      document.addEventListener('focusout', retryAfterBlur, { once: true })
      return
    }
    asking = true
    try {
      const confirmed = await showConfirmDialog({
        title: '发现新版本',
        message: '有新版本，是否刷新？',
        confirmButtonText: '刷新',
        cancelButtonText: '稍后',
      }).then(
        () => true,
        () => false,
      )
      if (confirmed) {
        await updateServiceWorker()
      } else {
        // The waiting version takes over the next time the app is opened.
        needRefresh.value = false
      }
    } finally {
      asking = false
    }
  }

  watch(needRefresh, (value) => {
    if (value) void offerUpdate()
  })

  watch(offlineReady, (value) => {
    if (value) showToast('应用已可离线使用')
  })

  onBeforeUnmount(() => {
    clearTimeout(retryTimer)
    document.removeEventListener('focusout', retryAfterBlur)
  })
}
