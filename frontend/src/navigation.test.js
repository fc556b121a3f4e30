import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { safeRedirect } from './redirect.js'
import { createAppRouter } from './router.js'
import { menuFor, roleMayOpen, roleName } from './roles.js'
import { clearSession, isStaff, saveSession, session, setMustChangePassword, signInPathFor } from './session.js'

const signIn = (role, area_code = '330800') =>
  saveSession({ access_token: 'A', refresh_token: 'R', user: { id: 1, username: 'u', role, area_code } })

describe('safeRedirect', () => {
  it.each([
    ['/staff/users', '/staff/users'],
    ['/profile?x=1', '/profile?x=1'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    ['javascript:alert(1)', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/a'],
  ])('%s → %s', (input, want) => {
    expect(safeRedirect(input)).toBe(want)
  })
})

describe('roles', () => {
  it('names roles in Chinese', () => {
    expect(roleName('admin')).toBe('联席办管理员')
    expect(roleName('grid_worker')).toBe('网格员')
    expect(roleName('assessor')).toBe('考核人员')
  })

  it('gives each role its menu', () => {
    expect(menuFor('admin').map((m) => m.title)).toEqual(['督办事项', '通报', '用户管理', '操作日志', '区域导入', '人口变更审批', '知晓率', '平安考核', '考核规则', '季度报告', 'API 密钥', '培训答题'])
    expect(menuFor('assessor').map((m) => m.title)).toEqual(['知晓率', '平安考核', '考核规则', '季度报告', '培训答题'])
    expect(roleMayOpen('assessor', '/staff/api-keys')).toBe(false)
    expect(roleMayOpen('grid_worker', '/staff/rule')).toBe(false)
    expect(menuFor('editor').map((m) => m.title)).toEqual(['预警管理', '题库', '问答活动', '考核规则', '知晓率', '培训答题'])
    expect(menuFor('reviewer').map((m) => m.title)).toEqual(['审核队列', '预警管理', '题库', '知晓率', '培训答题'])
    expect(menuFor('grid_worker').map((m) => m.title)).toEqual(['我的网格', '兑奖', '培训答题', '网格海报'])
    expect(menuFor('unit_liaison').map((m) => m.title)).toEqual(['督办事项', '通报'])
    expect(roleName('unit_liaison')).toBe('成员单位联络员')
    expect(menuFor('resident')).toEqual([])
    expect(roleMayOpen('editor', '/staff/users')).toBe(false)
  })
})

describe('session', () => {
  beforeEach(() => {
    localStorage.clear()
    clearSession()
  })

  it('stores the sign-in without a phone number', () => {
    saveSession({
      access_token: 'A',
      refresh_token: 'R',
      user: { id: 9, username: 'u9', role: 'resident', area_code: '', phone: '13812345678' },
    })
    expect(session.user).toEqual({ id: 9, username: 'u9', role: 'resident', area_code: '', must_change_password: false })
    expect(JSON.stringify({ ...localStorage })).not.toContain('13812345678')
  })

  it('keeps the user when a refresh answer has none', () => {
    signIn('editor')
    saveSession({ access_token: 'A2', refresh_token: 'R2' })
    expect(session.user.role).toBe('editor')
    expect(isStaff()).toBe(true)
  })

  it('chooses the sign-in page by role or path', () => {
    expect(signInPathFor({ user: null, path: '/staff/audit' })).toBe('/staff/login')
    expect(signInPathFor({ user: null, path: '/profile' })).toBe('/login')
    expect(signInPathFor({ user: { role: 'admin' }, path: '/' })).toBe('/staff/login')
  })
})

describe('router guards', () => {
  let router
  beforeEach(async () => {
    localStorage.clear()
    clearSession()
    router = createAppRouter(createMemoryHistory())
  })

  it('sends signed-out visitors of the console to staff sign-in', async () => {
    await router.push('/staff/users')
    expect(router.currentRoute.value.path).toBe('/staff/login')
    expect(router.currentRoute.value.query.redirect).toBe('/staff/users')
  })

  it('sends residents who open /staff to staff sign-in', async () => {
    signIn('resident', '')
    await router.push('/staff')
    expect(router.currentRoute.value.path).toBe('/staff/login')
  })

  it('sends staff who must change their password to 修改密码 until they have', async () => {
    saveSession({ access_token: 'A', refresh_token: 'R', must_change_password: true, user: { id: 2, username: 'gw', role: 'grid_worker', area_code: '330802001001001' } })
    await router.push('/staff/grid')
    expect(router.currentRoute.value.path).toBe('/staff/password')
    await router.push('/staff/sessions/1')
    expect(router.currentRoute.value.path).toBe('/staff/password')
    setMustChangePassword(false)
    await router.push('/staff/grid')
    expect(router.currentRoute.value.path).toBe('/staff/grid')
    // A refresh answer carries the flag too (an expired password).
    saveSession({ access_token: 'A2', refresh_token: 'R2', must_change_password: true })
    await router.push('/staff/poster')
    expect(router.currentRoute.value.path).toBe('/staff/password')
  })

  it('keeps non-admins out of admin pages', async () => {
    signIn('editor')
    await router.push('/staff/users')
    expect(router.currentRoute.value.path).toBe('/staff')
    await router.push('/staff/warnings')
    expect(router.currentRoute.value.path).toBe('/staff/warnings')
  })

  it('opens 督办 and notices to admins and unit liaisons, units to admins only', async () => {
    signIn('admin', '330802')
    for (const [path, title] of [
      ['/staff/supervision', '督办事项'],
      ['/staff/supervision/new', '交办督办事项'],
      ['/staff/supervision/5', '督办事项详情'],
      ['/staff/notices', '通报'],
      ['/staff/notices/3', '通报'],
      ['/staff/units', '成员单位'],
    ]) {
      await router.push(path)
      expect(router.currentRoute.value.meta.title).toBe(title)
    }
    signIn('unit_liaison', '')
    await router.push('/staff/supervision/5')
    expect(router.currentRoute.value.meta.title).toBe('督办事项详情')
    await router.push('/staff/notices/3')
    expect(router.currentRoute.value.meta.title).toBe('通报')
    await router.push('/staff/units')
    expect(router.currentRoute.value.path).toBe('/staff')
    signIn('assessor')
    await router.push('/staff/supervision')
    expect(router.currentRoute.value.path).toBe('/staff')
  })

  it('lets an admin in', async () => {
    signIn('admin')
    await router.push('/staff/audit')
    expect(router.currentRoute.value.path).toBe('/staff/audit')
  })

  it('requires a resident sign-in for the profile', async () => {
    await router.push('/profile')
    expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    signIn('resident', '')
    await router.push('/profile')
    expect(router.currentRoute.value.path).toBe('/profile')
  })

  it('opens warnings to everyone and the 已知晓 history to residents only', async () => {
    await router.push('/warnings/12')
    expect(router.currentRoute.value.path).toBe('/warnings/12')
    expect(router.currentRoute.value.meta.title).toBe('防骗预警')
    await router.push('/acks')
    expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/acks')
    signIn('resident', '')
    await router.push('/acks')
    expect(router.currentRoute.value.path).toBe('/acks')
  })

  it('gives editors the editor and reviewers the review queue', async () => {
    signIn('editor')
    await router.push('/staff/warnings/new')
    expect(router.currentRoute.value.path).toBe('/staff/warnings/new')
    await router.push('/staff/warnings/7/edit')
    expect(router.currentRoute.value.meta.title).toBe('编辑预警')
    await router.push('/staff/review')
    expect(router.currentRoute.value.path).toBe('/staff')

    signIn('reviewer')
    await router.push('/staff/review/7')
    expect(router.currentRoute.value.meta.title).toBe('审阅预警')
    await router.push('/staff/warnings/7/reach')
    expect(router.currentRoute.value.meta.title).toBe('传播效果')
    await router.push('/staff/warnings/new')
    expect(router.currentRoute.value.path).toBe('/staff')

    signIn('admin')
    await router.push('/staff/warnings')
    expect(router.currentRoute.value.path).toBe('/staff')
  })

  it('lets residents take quizzes and see their prizes, signed in', async () => {
    await router.push('/quizzes/3/take')
    expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/quizzes/3/take')
    signIn('resident', '')
    await router.push('/quizzes/3/take')
    expect(router.currentRoute.value.meta.title).toBe('有奖问答')
    await router.push('/attempts/12')
    expect(router.currentRoute.value.meta.title).toBe('答题结果')
    await router.push('/prizes')
    expect(router.currentRoute.value.meta.title).toBe('我的奖品')
  })

  it('opens the question bank, quizzes and redemption to the roles that use them', async () => {
    signIn('editor')
    for (const [path, title] of [
      ['/staff/questions', '题库'],
      ['/staff/questions/new', '新建题目'],
      ['/staff/questions/4/edit', '编辑题目'],
      ['/staff/quizzes', '问答活动'],
      ['/staff/quizzes/new', '新建问答活动'],
      ['/staff/quizzes/2', '编辑问答活动'],
      ['/staff/quizzes/2/stats', '答题统计'],
    ]) {
      await router.push(path)
      expect(router.currentRoute.value.meta.title).toBe(title)
    }

    signIn('reviewer')
    await router.push('/staff/questions')
    expect(router.currentRoute.value.path).toBe('/staff/questions')
    await router.push('/staff/quizzes')
    expect(router.currentRoute.value.path).toBe('/staff')

    signIn('grid_worker', '330802001001001')
    await router.push('/staff/redeem')
    expect(router.currentRoute.value.meta.title).toBe('兑奖')
    await router.push('/staff/questions')
    // A grid worker's console opens on their grid.
    expect(router.currentRoute.value.path).toBe('/staff/grid')
    await router.push('/staff/sessions/7')
    expect(router.currentRoute.value.meta.title).toBe('现场答题')
    // Staff take training quizzes on the residents' quiz page.
    await router.push('/quizzes/3/take')
    expect(router.currentRoute.value.path).toBe('/quizzes/3/take')
    await router.push('/staff/quizzes/3/completion')
    expect(router.currentRoute.value.path).toBe('/staff/grid')

    signIn('assessor')
    await router.push('/staff/quizzes/3/completion')
    expect(router.currentRoute.value.meta.title).toBe('培训完成情况')
    await router.push('/staff/sessions/7')
    expect(router.currentRoute.value.path).toBe('/staff')
    await router.push('/staff/redeem')
    expect(router.currentRoute.value.path).toBe('/staff')
  })

  it('shows the not-found page for unknown paths', async () => {
    await router.push('/no/such/page')
    expect(router.currentRoute.value.meta.title).toBe('页面不存在')
  })
})
