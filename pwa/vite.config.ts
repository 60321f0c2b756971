// Build and dev-server configuration. The service worker precaches the app shell so the app opens
// with no network; API calls are never answered from the shell (see navigateFallbackDenylist).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

const API_SERVER = 'http://127.0.0.1:5000'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    VitePWA({
      // Inspectors fill long forms: a new version must never reload the page under them.
      // UpdatePrompt.vue asks first, and only when no field is being edited.
      registerType: 'prompt',
      injectRegister: false, // registered explicitly by UpdatePrompt via useRegisterSW
      manifest: {
        name: '达标 评审',
        short_name: '达标',
        description: '基层医疗卫生机构评审现场检查',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#1989fa',
        background_color: '#f7f8fa',
        icons: [
          { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell: everything the build emits that a page needs to start offline. The manifest
        // and its icons are added by the plugin itself.
        globPatterns: ['**/*.{js,css,html,svg,woff2}'],
        // The results dashboard (its charts are most of its 560 KB) is for desks and leadership
        // online: it is fetched when opened, never precached onto every inspector's phone.
        globIgnores: ['**/DashboardPage-*'],
        navigateFallback: '/index.html',
        // Server routes must reach the server (or fail, which the app reads as offline).
        // /verify/<code> is the page behind a report's QR code and /public/notices/<token> a
        // published list of results (公示), both rendered by the server.
        navigateFallbackDenylist: [/^\/api\//, /^\/healthz/, /^\/verify\//, /^\/public\//],
        cleanupOutdatedCaches: true,
      },
      devOptions: { enabled: false },
    }),
  ],
  server: {
    proxy: {
      '/api': API_SERVER,
      '/healthz': API_SERVER,
    },
  },
  build: {
    outDir: 'dist',
  },
})
