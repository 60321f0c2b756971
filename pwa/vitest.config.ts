// Unit tests run without the PWA plugin: no service worker exists under happy-dom.
import { defineConfig, type Plugin } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// vite-plugin-pwa's virtual modules exist only in a PWA build. Resolve them to a placeholder that
// fails loudly, so a test that renders a component using them must vi.mock() them on purpose.
function pwaRegisterPlaceholder(): Plugin {
  const prefix = 'virtual:pwa-register'
  return {
    name: 'pwa-register-placeholder',
    resolveId(id) {
      return id.startsWith(prefix) ? `\0${id}` : undefined
    },
    load(id) {
      if (!id.startsWith(`\0${prefix}`)) return undefined
      return `export function useRegisterSW() { throw new Error('vi.mock("${id.slice(1)}") in this test') }`
    },
  }
}

export default defineConfig({
  plugins: [vue(), pwaRegisterPlaceholder()],
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
})
