// The route table, written out by hand: every page the app has is listed here. Pages other than
// the login are loaded on demand; the service worker precaches every chunk, so they open offline.
import { createRouter, type RouteLocationRaw, type Router, type RouteRecordRaw, type RouterHistory } from 'vue-router'
import type { Pinia } from 'pinia'
import LoginPage from './pages/LoginPage.vue'
import { useSessionStore } from './stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Open without a session (login, server status). */
    public?: boolean
    /** Only for users who fill in checklists (inspectors, self-assessors) or who review. */
    area?: 'inspect' | 'review'
    /** Only for users the server's policy table lets call this endpoint (their `may`). */
    may?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/status', name: 'status', component: () => import('./pages/StatusPage.vue'), meta: { public: true } },
  { path: '/', name: 'home', component: LoginPage, meta: { public: true } }, // redirected by the guard
  { path: '/tasks', name: 'tasks', component: () => import('./pages/TasksPage.vue'), meta: { area: 'inspect' } },
  {
    path: '/inspections/:id(\\d+)',
    name: 'inspection',
    component: () => import('./pages/InspectionPage.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { area: 'inspect' },
  },
  {
    path: '/inspections/:id(\\d+)/items/:itemId',
    name: 'item',
    component: () => import('./pages/ItemPage.vue'),
    props: (route) => ({ id: Number(route.params.id), itemId: String(route.params.itemId) }),
    meta: { area: 'inspect' },
  },
  { path: '/fixes', name: 'fixes', component: () => import('./pages/FixesPage.vue'), meta: { may: 'rectifications.submit' } },
  {
    path: '/fixes/:id(\\d+)',
    name: 'fix',
    component: () => import('./pages/FixPage.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { may: 'rectifications.submit' },
  },
  {
    path: '/console/rectifications',
    name: 'rectifications',
    component: () => import('./pages/RectificationsPage.vue'),
    meta: { may: 'rectifications.list' },
  },
  { path: '/sync', name: 'sync', component: () => import('./pages/SyncPage.vue'), meta: { area: 'inspect' } },
  { path: '/jobs', name: 'jobs', component: () => import('./pages/JobsPage.vue'), meta: { may: 'jobs.list' } },
  { path: '/password', name: 'password', component: () => import('./pages/PasswordPage.vue') },
  { path: '/console/users', name: 'users', component: () => import('./pages/UsersPage.vue'), meta: { may: 'users.list' } },
  { path: '/console/import', name: 'import', component: () => import('./pages/ImportPage.vue'), meta: { may: 'imports.preview' } },
  {
    path: '/console/facilities',
    name: 'facilities',
    component: () => import('./pages/FacilitiesPage.vue'),
    meta: { may: 'facilities.profile' },
  },
  {
    path: '/console/facilities/:id(\\d+)',
    name: 'facility',
    component: () => import('./pages/FacilityPage.vue'),
    meta: { may: 'facilities.profile' },
  },
  { path: '/console/payouts', name: 'payouts', component: () => import('./pages/PayoutsPage.vue'), meta: { may: 'payouts.preview' } },
  {
    path: '/console/payout-rules',
    name: 'payout-rules',
    component: () => import('./pages/PayoutRulesPage.vue'),
    meta: { may: 'payouts.rules' },
  },
  { path: '/console/samples', name: 'samples', component: () => import('./pages/SamplesPage.vue'), meta: { may: 'samples.list' } },
  { path: '/console/plans', name: 'plans', component: () => import('./pages/PlansPage.vue'), meta: { may: 'plans.list' } },
  { path: '/console/plans/new', name: 'plan-new', component: () => import('./pages/PlanNewPage.vue'), meta: { may: 'plans.create' } },
  {
    path: '/console/plans/:id(\\d+)',
    name: 'plan',
    component: () => import('./pages/PlanPage.vue'),
    meta: { may: 'plans.get' },
  },
  {
    path: '/console/notices',
    name: 'notices',
    component: () => import('./pages/PublicationsPage.vue'),
    meta: { may: 'publications.list' },
  },
  {
    path: '/console/notices/new',
    name: 'notice-new',
    component: () => import('./pages/PublicationNewPage.vue'),
    meta: { may: 'publications.create' },
  },
  {
    path: '/console/notices/:id(\\d+)',
    name: 'notice',
    component: () => import('./pages/PublicationPage.vue'),
    meta: { may: 'publications.get' },
  },
  { path: '/console/audit', name: 'audit', component: () => import('./pages/AuditPage.vue'), meta: { may: 'audit.list' } },
  { path: '/console/dashboard', name: 'dashboard', component: () => import('./pages/DashboardPage.vue'), meta: { may: 'dashboard.get' } },
  { path: '/review', name: 'review-queue', component: () => import('./pages/ReviewQueuePage.vue'), meta: { area: 'review' } },
  {
    path: '/review/:id(\\d+)',
    name: 'review',
    component: () => import('./pages/ReviewPage.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { area: 'review' },
  },
  // Unknown paths (old bookmarks, mistyped links) land on the home page.
  { path: '/:pathMatch(.*)*', name: 'not-found', redirect: { name: 'home' } },
]

/** Where a user starts: the review desk, the inspector's tasks, or (finance) the payout sheets. */
export function homeOf(session: ReturnType<typeof useSessionStore>): RouteLocationRaw {
  if (session.isReviewer) return { name: 'review-queue' }
  if (session.canInspect) return { name: 'tasks' }
  if (session.may('jobs.list')) return { name: 'jobs' }
  return { name: 'tasks' }
}

export function createAppRouter(history: RouterHistory, pinia?: Pinia): Router {
  const router = createRouter({ history, routes })
  router.beforeEach(async (to) => {
    const session = useSessionStore(pinia)
    await session.restore()
    const home = homeOf(session)
    if (to.name === 'home') return session.user ? home : { name: 'login' }
    if (to.meta.public) return true
    if (!session.user) return { name: 'login', query: { redirect: to.fullPath } }
    // A one-time password (a new account, a reset) is replaced before anything else.
    if (session.user.must_change_password && to.name !== 'password') return { name: 'password', query: { redirect: to.fullPath } }
    if (to.meta.area === 'review' && !session.isReviewer) return home
    if (to.meta.area === 'inspect' && !session.canInspect) return home
    if (to.meta.may !== undefined && !session.may(to.meta.may)) return home
    return true
  })
  return router
}
