import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { defineComponent, ref } from 'vue'
import { showConfirmDialog } from 'vant'

// The real module exists only inside a vite-plugin-pwa build; the test drives its refs directly.
const needRefresh = ref(false)
const offlineReady = ref(false)
const updateServiceWorker = vi.fn(() => Promise.resolve())
vi.mock('virtual:pwa-register/vue', () => ({
  useRegisterSW: () => ({ needRefresh, offlineReady, updateServiceWorker }),
}))

// The real dialog still renders; the spy only counts how often it was asked for.
vi.mock('vant', async (importOriginal) => {
  const vant = await importOriginal<typeof import('vant')>()
  return { ...vant, showConfirmDialog: vi.fn(vant.showConfirmDialog) }
})

const { useUpdatePrompt } = await import('./updatePrompt')

/** The root component's part in it: the prompt, and nothing rendered. */
const UpdatePrompt = defineComponent({
  setup() {
    useUpdatePrompt()
    return () => null
  },
})

const PROMPT = '有新版本，是否刷新？'

enableAutoUnmount(afterEach)

beforeEach(() => {
  needRefresh.value = false
  offlineReady.value = false
  updateServiceWorker.mockClear()
  vi.mocked(showConfirmDialog).mockClear()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('useUpdatePrompt', () => {
  it('asks before updating and updates only after the user agrees', async () => {
    mount(UpdatePrompt, { attachTo: document.body })
    await flushPromises()
    expect(showConfirmDialog).not.toHaveBeenCalled()

    needRefresh.value = true
    await flushPromises()
    expect(showConfirmDialog).toHaveBeenCalledTimes(1)
    expect(document.querySelector('.van-dialog')?.textContent).toContain(PROMPT)
    expect(updateServiceWorker).not.toHaveBeenCalled()

    document.querySelector<HTMLButtonElement>('.van-dialog__confirm')?.click()
    await flushPromises()
    expect(updateServiceWorker).toHaveBeenCalledTimes(1)
  })

  it('waits while a form field has focus and asks once it is left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const input = document.createElement('input')
    document.body.appendChild(input)
    input.focus()
    mount(UpdatePrompt, { attachTo: document.body })

    needRefresh.value = true
    await flushPromises()
    expect(showConfirmDialog).not.toHaveBeenCalled()

    input.blur()
    vi.advanceTimersByTime(1000)
    await flushPromises()
    expect(showConfirmDialog).toHaveBeenCalledTimes(1)
    input.remove()
  })
})
