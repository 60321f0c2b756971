// The login page with a fake fetch and a real device database (fake-indexeddb): the messages for
// each failure, where the session is kept, and that another user's unsent work blocks a login.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { closeDialog } from 'vant'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { LoginOut, UserOut } from '../api/types'
import { recordAnswer } from '../data/local'
import { getDb, wipeDb } from '../db'
import { useSessionStore, type StoredSession } from '../stores/session'
import LoginPage from './LoginPage.vue'
import {
  Blank,
  mountHost,
  settle,
  unmountAll,
  until,
  visibleDialog,
} from './testing'

function user(id: number, username: string): UserOut {
  return { id, username, display_name: '张检查', role: 'inspector', region_code: '410222', facility_id: null, must_change_password: false, grantable: [], may: ['sync.push'] }
}

const LOGIN: LoginOut = { token: 'tok-new', expires_at: '2026-11-30T00:00:00Z', user: user(3, 'tx_inspector1') }

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

let router: Router
let pinia: ReturnType<typeof createPinia>
let fetchMock: ReturnType<typeof vi.fn>

function stubFetch(answer: () => Response | Promise<Response>): void {
  fetchMock = vi.fn(async () => answer())
  vi.stubGlobal('fetch', fetchMock)
}

async function openLogin(path = '/login'): Promise<VueWrapper> {
  await router.push(path)
  const wrapper = mountHost(pinia, router)
  await settle()
  return wrapper
}

async function submit(wrapper: VueWrapper, username: string, password: string): Promise<void> {
  await wrapper.get('[data-testid="login-username"] input').setValue(username)
  await wrapper.get('[data-testid="login-password"] input').setValue(password)
  await wrapper.get('form').trigger('submit')
  await settle()
}

function loginCalls(): RequestInit[] {
  return fetchMock.mock.calls.filter(([url]) => url === '/api/auth/login').map(([, init]) => init as RequestInit)
}

beforeEach(async () => {
  await wipeDb()
  pinia = createPinia()
  setActivePinia(pinia)
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/', name: 'home', component: Blank },
      { path: '/status', name: 'status', component: Blank },
      { path: '/inspections/:id(\\d+)', name: 'inspection', component: Blank },
    ],
  })
  stubFetch(() => json(500, { error: { code: 'unexpected', message: 'no fetch expected' } }))
  await useSessionStore().restore()
})

afterEach(async () => {
  closeDialog()
  await unmountAll()
  await wipeDb()
})

describe('LoginPage: failures', () => {
  it('says 用户名或密码错误 on a wrong password and stays on the page', async () => {
    stubFetch(() => json(401, { error: { code: 'auth.invalid_credentials', message: '用户名或密码错误' } }))
    const wrapper = await openLogin()

    await submit(wrapper, ' tx_inspector1 ', 'wrong')

    await until(() => expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('用户名或密码错误')
    const [init] = loginCalls()
    expect(init?.method).toBe('POST')
    expect(JSON.parse(init?.body as string)).toEqual({ username: 'tx_inspector1', password: 'wrong' })
    expect(router.currentRoute.value.name).toBe('login')
    expect(await getDb().meta.get('session')).toBeUndefined()
    expect(useSessionStore().user).toBeNull()
    // The password is not kept in the form after an attempt.
    expect((wrapper.get('[data-testid="login-password"] input').element as HTMLInputElement).value).toBe('')
    expect((wrapper.get('[data-testid="login-username"] input').element as HTMLInputElement).value).toBe(' tx_inspector1 ')
  })

  it('shows the wait the server names after too many failures, and the code of anything else', async () => {
    stubFetch(
      () =>
        new Response(JSON.stringify({ error: { code: 'auth.throttled', message: '登录失败次数过多，请 15 分钟后再试' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '900' },
        }),
    )
    const wrapper = await openLogin()
    await submit(wrapper, 'tx_inspector1', 'x')
    await until(() => expect(wrapper.get('[data-testid="login-error"]').text()).toBe('登录失败次数过多，请 15 分钟后再试'))
    expect(router.currentRoute.value.name).toBe('login')

    stubFetch(() => json(403, { error: { code: 'auth.disabled', message: '账号已停用，请联系管理员' } }))
    await submit(wrapper, 'tx_inspector1', 'x')
    await until(() => expect(wrapper.get('[data-testid="login-error"]').text()).toBe('账号已停用，请联系管理员'))

    stubFetch(() => json(500, { error: { code: 'server.internal', message: '服务器内部错误，请稍后重试' } }))
    await submit(wrapper, 'tx_inspector1', 'x')
    await until(() => expect(wrapper.get('[data-testid="login-error"]').text()).toBe('服务器内部错误，请稍后重试'))
  })

  it('says the server cannot be reached when the request fails', async () => {
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')))
    const wrapper = await openLogin()

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('无法连接服务器，登录需要网络')
    expect(await getDb().meta.get('session')).toBeUndefined()
    expect(router.currentRoute.value.name).toBe('login')
  })

  it('treats a proxy error page as unreachable too', async () => {
    stubFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 }))
    const wrapper = await openLogin()

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(wrapper.get('[data-testid="login-error"]').text()).toBe('无法连接服务器，登录需要网络'))
  })

  it('does not send an empty form', async () => {
    const wrapper = await openLogin()

    await submit(wrapper, '', '')

    await until(() => expect(wrapper.text()).toContain('请输入用户名'))
    expect(loginCalls()).toHaveLength(0)
  })
})

describe('LoginPage: success', () => {
  it('stores the session on the device and goes to the page that asked for the login', async () => {
    stubFetch(() => json(200, LOGIN))
    const wrapper = await openLogin('/login?redirect=/inspections/7')

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(router.currentRoute.value.fullPath).toBe('/inspections/7'))
    expect((await getDb().meta.get('session'))?.value).toEqual({
      token: 'tok-new',
      expiresAt: '2026-11-30T00:00:00Z',
      user: LOGIN.user,
    } satisfies StoredSession)
    expect(useSessionStore().user).toEqual(LOGIN.user)
    expect(useSessionStore().token).toBe('tok-new')
    expect(typeof (await getDb().meta.get('deviceId'))?.value).toBe('string')
    expect(wrapper.find('[data-testid="elsewhere"]').exists()).toBe(true)
  })

  it('goes home without a redirect, and ignores one that is not a path of the app', async () => {
    stubFetch(() => json(200, LOGIN))
    const wrapper = await openLogin('/login?redirect=https://example.com/phish')

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(router.currentRoute.value.name).toBe('home'))
  })

  it('keeps the device data of the same user logging in again', async () => {
    await getDb().meta.put({ key: 'session', value: { token: 'tok-old', expiresAt: '', user: LOGIN.user } satisfies StoredSession })
    await recordAnswer(getDb(), 7, 'M-B01', { grade: 'A', note: null, documentDate: null, validUntil: null })
    stubFetch(() => json(200, LOGIN))
    const wrapper = await openLogin()

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(router.currentRoute.value.name).toBe('home'))
    expect(await getDb().outbox.count()).toBe(1)
    expect((await getDb().meta.get('session'))?.value).toMatchObject({ token: 'tok-new' })
  })

  it('removes the previous user’s data when another user logs in and nothing of theirs is unsent', async () => {
    await getDb().meta.put({ key: 'session', value: { token: 'tok-old', expiresAt: '', user: user(4, 'tx_inspector2') } })
    await getDb().answers.put({
      inspectionId: 7,
      itemId: 'M-B01',
      grade: 'A',
      note: null,
      documentDate: null,
      validUntil: null,
      serverRevision: 1,
      updatedAt: '',
    })
    stubFetch(() => json(200, LOGIN))
    const wrapper = await openLogin()

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(router.currentRoute.value.name).toBe('home'))
    expect(await getDb().answers.count()).toBe(0)
    expect((await getDb().meta.get('session'))?.value).toMatchObject({ token: 'tok-new', user: { username: 'tx_inspector1' } })
  })
})

describe('LoginPage: another user’s unsent work', () => {
  it('refuses the login without asking the server, and keeps their changes', async () => {
    await getDb().meta.put({ key: 'session', value: { token: 'tok-old', expiresAt: '', user: user(4, 'tx_inspector2') } })
    await recordAnswer(getDb(), 7, 'M-B01', { grade: 'A', note: null, documentDate: null, validUntil: null })
    stubFetch(() => json(200, LOGIN))
    const wrapper = await openLogin()

    await submit(wrapper, 'tx_inspector1', 'secret')

    await until(() => expect(visibleDialog()?.textContent).toContain('本机有未同步的数据'))
    expect(visibleDialog()?.textContent).toContain('用户 tx_inspector2 还有 1 条修改未上传')
    expect(loginCalls()).toHaveLength(0)
    expect(await getDb().outbox.count()).toBe(1)
    expect((await getDb().meta.get('session'))?.value).toMatchObject({ token: 'tok-old' })
    expect(router.currentRoute.value.name).toBe('login')
  })
})

describe('LoginPage: what it shows', () => {
  it('offers the server status and explains an expired session', async () => {
    const wrapper = await openLogin()
    expect(wrapper.text()).not.toContain('登录已过期')

    useSessionStore().expired = true
    await settle()

    expect(wrapper.text()).toContain('登录已过期，请重新登录；本机数据不会丢失。')
    useSessionStore().endedMessage = '请先登录'
    await settle()
    expect(wrapper.text()).toContain('请先登录；本机数据不会丢失。')
    expect(wrapper.text()).toContain('服务器状态')
  })

  it('fills in the username of the user whose session ended', async () => {
    await getDb().meta.put({ key: 'session', value: { token: 'tok-old', expiresAt: '', user: LOGIN.user } satisfies StoredSession })
    pinia = createPinia()
    setActivePinia(pinia)
    await useSessionStore().restore()

    const wrapper = await openLogin()

    expect((wrapper.get('[data-testid="login-username"] input').element as HTMLInputElement).value).toBe('tx_inspector1')
  })
})
