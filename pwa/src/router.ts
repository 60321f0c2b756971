// The route table, written out by hand: every page the app has is listed here.
import { createRouter, type Router, type RouteRecordRaw, type RouterHistory } from 'vue-router'
import HomePage from './pages/HomePage.vue'

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomePage },
  // Unknown paths (old bookmarks, mistyped links) land on the home page.
  { path: '/:pathMatch(.*)*', name: 'not-found', redirect: { name: 'home' } },
]

export function createAppRouter(history: RouterHistory): Router {
  return createRouter({ history, routes })
}
