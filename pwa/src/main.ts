// Entry point: wires the router into the root component and mounts it.
import { createApp } from 'vue'
import { createWebHistory } from 'vue-router'
import 'vant/lib/index.css'
import App from './App.vue'
import { createAppRouter } from './router'

createApp(App)
  .use(createAppRouter(createWebHistory(import.meta.env.BASE_URL)))
  .mount('#app')
