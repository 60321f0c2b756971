// Entry point: Pinia, the router and the root component.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { createWebHistory } from 'vue-router'
import 'vant/lib/index.css'
import './console/console.css'
import App from './App.vue'
import { createAppRouter } from './router'

const pinia = createPinia()
createApp(App)
  .use(pinia)
  .use(createAppRouter(createWebHistory(import.meta.env.BASE_URL), pinia))
  .mount('#app')
