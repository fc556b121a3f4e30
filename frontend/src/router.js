// Routes and the guards that send people to the right sign-in page.
import { createRouter, createWebHistory } from 'vue-router'
import { isResident, isSignedIn, isStaff, mustChangePassword, session } from './session.js'
import { ALL_STAFF, COMPLETION_ROLES, FIGURE_ROLES, REDEEM_ROLES, SUPERVISION_ROLES } from './roles.js'
import { currentQuarter } from './awareness.js'
// The resident home is where most visits start, often on a weak phone link:
// it comes with the first download instead of one round trip later.
import HomePage from './pages/resident/HomePage.vue'

// Who works on warnings and the question bank in the console.
const WARNING_ROLES = ['editor', 'reviewer']
const QUESTION_ROLES = ['editor', 'reviewer']

/** PASSWORD_PATH is where staff change their own password (修改密码). */
export const PASSWORD_PATH = '/staff/password'

const staffPage = (path, component, title, roles) => ({ path, component, meta: { title, staff: true, roles } })

export const routes = [
  { path: '/', component: HomePage, meta: { title: '首页' } },
  { path: '/login', component: () => import('./pages/resident/LoginPage.vue'), meta: { title: '登录' } },
  {
    path: '/profile',
    component: () => import('./pages/resident/ProfilePage.vue'),
    meta: { title: '完善资料', resident: true },
  },
  { path: '/warnings/:id(\\d+)', component: () => import('./pages/resident/WarningPage.vue'), meta: { title: '防骗预警' } },
  { path: '/acks', component: () => import('./pages/resident/AcksPage.vue'), meta: { title: '已知晓的预警', resident: true } },
  {
    path: '/quizzes/:id(\\d+)/take',
    component: () => import('./pages/resident/QuizTakePage.vue'),
    meta: { title: '有奖问答', resident: true, staffToo: true },
  },
  {
    path: '/attempts/:id(\\d+)',
    component: () => import('./pages/resident/AttemptResultPage.vue'),
    meta: { title: '答题结果', resident: true, staffToo: true },
  },
  { path: '/prizes', component: () => import('./pages/resident/PrizesPage.vue'), meta: { title: '我的奖品', resident: true } },
  // The residents' tab bar: 首页 / 学习 / 答题 / 我的.
  { path: '/learn', component: () => import('./pages/resident/LearnPage.vue'), meta: { title: '学习' } },
  { path: '/quizzes', component: () => import('./pages/resident/QuizzesPage.vue'), meta: { title: '答题' } },
  { path: '/me', component: () => import('./pages/resident/MePage.vue'), meta: { title: '我的' } },
  { path: '/join/grid/:code(\\d+)', component: () => import('./pages/resident/JoinGridPage.vue'), meta: { title: '加入网格' } },
  { path: '/join/:code', component: () => import('./pages/resident/JoinPage.vue'), meta: { title: '现场答题' } },
  { path: '/staff/login', component: () => import('./pages/staff/LoginPage.vue'), meta: { title: '工作人员登录' } },
  {
    path: '/staff',
    component: () => import('./pages/staff/ConsoleLayout.vue'),
    meta: { staff: true },
    children: [
      {
        path: '',
        component: () => import('./pages/staff/DashboardPage.vue'),
        meta: { title: '工作台', staff: true },
        // A grid worker's console opens on their grid.
        beforeEnter: () => (session.user?.role === 'grid_worker' ? { path: '/staff/grid' } : true),
      },
      staffPage('grid', () => import('./pages/staff/GridHomePage.vue'), '我的网格', ['grid_worker']),
      staffPage('area', () => import('./pages/staff/GridHomePage.vue'), '知晓率', ALL_STAFF),
      staffPage('sessions/:id(\\d+)', () => import('./pages/staff/SessionPage.vue'), '现场答题', ['grid_worker']),
      staffPage('poster', () => import('./pages/staff/PosterPage.vue'), '网格海报', ['grid_worker']),
      staffPage('training', () => import('./pages/staff/TrainingPage.vue'), '培训答题', ALL_STAFF),
      staffPage('quizzes/:id(\\d+)/completion', () => import('./pages/staff/CompletionPage.vue'), '培训完成情况', COMPLETION_ROLES),
      staffPage('password', () => import('./pages/staff/PasswordPage.vue'), '修改密码'),
      staffPage('users', () => import('./pages/staff/UsersPage.vue'), '用户管理', ['admin']),
      staffPage('users/import', () => import('./pages/staff/UsersImportPage.vue'), '批量导入用户', ['admin']),
      staffPage('audit', () => import('./pages/staff/AuditPage.vue'), '操作日志', ['admin']),
      staffPage('areas/import', () => import('./pages/staff/AreaImportPage.vue'), '区域导入', ['admin']),
      staffPage('area-changes', () => import('./pages/staff/AreaChangesPage.vue'), '人口变更审批', ['admin']),
      staffPage('warnings', () => import('./pages/staff/WarningsPage.vue'), '预警管理', WARNING_ROLES),
      staffPage('warnings/new', () => import('./pages/staff/WarningEditPage.vue'), '新建预警', ['editor']),
      staffPage('warnings/:id(\\d+)', () => import('./pages/staff/WarningViewPage.vue'), '预警详情', WARNING_ROLES),
      staffPage('warnings/:id(\\d+)/edit', () => import('./pages/staff/WarningEditPage.vue'), '编辑预警', ['editor']),
      staffPage('warnings/:id(\\d+)/reach', () => import('./pages/staff/WarningReachPage.vue'), '传播效果', WARNING_ROLES),
      staffPage('review', () => import('./pages/staff/ReviewQueuePage.vue'), '审核队列', ['reviewer']),
      staffPage('review/:id(\\d+)', () => import('./pages/staff/WarningViewPage.vue'), '审阅预警', ['reviewer']),
      staffPage('questions', () => import('./pages/staff/QuestionsPage.vue'), '题库', QUESTION_ROLES),
      staffPage('questions/new', () => import('./pages/staff/QuestionEditPage.vue'), '新建题目', QUESTION_ROLES),
      staffPage('questions/:id(\\d+)/edit', () => import('./pages/staff/QuestionEditPage.vue'), '编辑题目', QUESTION_ROLES),
      staffPage('quizzes', () => import('./pages/staff/QuizzesPage.vue'), '问答活动', ['editor']),
      staffPage('quizzes/new', () => import('./pages/staff/QuizEditPage.vue'), '新建问答活动', ['editor']),
      staffPage('quizzes/:id(\\d+)', () => import('./pages/staff/QuizEditPage.vue'), '编辑问答活动', ['editor']),
      staffPage('quizzes/:id(\\d+)/stats', () => import('./pages/staff/QuizStatsPage.vue'), '答题统计', ['editor']),
      staffPage('awareness/:code(\\d+)?', () => import('./pages/staff/AwarenessPage.vue'), '知晓率', FIGURE_ROLES),
      staffPage('assessment', () => import('./pages/staff/AssessmentPage.vue'), '平安考核', FIGURE_ROLES),
      staffPage('rule', () => import('./pages/staff/RulePage.vue'), '考核规则', ['admin', 'assessor', 'editor', 'reviewer']),
      {
        path: 'report',
        redirect: () => `/staff/report/${session.user?.area_code || '330800'}/${currentQuarter()}`,
        meta: { staff: true, roles: FIGURE_ROLES },
      },
      staffPage('report/:code(\\d+)/:period', () => import('./pages/staff/ReportPage.vue'), '季度报告', FIGURE_ROLES),
      staffPage('api-keys', () => import('./pages/staff/ApiKeysPage.vue'), 'API 密钥', ['admin']),
      staffPage('supervision', () => import('./pages/staff/SupervisionPage.vue'), '督办事项', SUPERVISION_ROLES),
      staffPage('supervision/new', () => import('./pages/staff/RectificationNewPage.vue'), '交办督办事项', ['admin']),
      staffPage('supervision/:id(\\d+)', () => import('./pages/staff/RectificationPage.vue'), '督办事项详情', SUPERVISION_ROLES),
      staffPage('notices', () => import('./pages/staff/NoticesPage.vue'), '通报', SUPERVISION_ROLES),
      staffPage('notices/:id(\\d+)', () => import('./pages/staff/NoticePage.vue'), '通报', SUPERVISION_ROLES),
      staffPage('units', () => import('./pages/staff/UnitsPage.vue'), '成员单位', ['admin']),
      staffPage('redeem', () => import('./pages/staff/RedeemPage.vue'), '兑奖', REDEEM_ROLES),
      { path: ':rest(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: '页面不存在', staff: true } },
    ],
  },
  { path: '/:rest(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: '页面不存在' } },
]

/** guard decides where a navigation may go; exported for the unit tests. */
export function guard(to) {
  const signedIn = isSignedIn()
  if (to.matched.some((r) => r.meta.staff)) {
    if (!signedIn || !isStaff()) return { path: '/staff/login', query: { redirect: to.fullPath } }
    // A password an admin set (or an expired one) is changed before anything else.
    if (mustChangePassword() && to.path !== PASSWORD_PATH) return { path: PASSWORD_PATH }
    const roles = to.meta.roles
    if (roles && !roles.includes(session.user.role)) return { path: '/staff' }
  }
  if (to.meta.resident && (!signedIn || !(isResident() || (to.meta.staffToo && isStaff())))) {
    return { path: '/login', query: { redirect: to.fullPath } }
  }
  return true
}

export function createAppRouter(history = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (to, from, saved) => saved || { top: 0 },
  })
  router.beforeEach(guard)
  router.afterEach((to) => {
    const title = to.meta.title
    document.title = title ? `${title} - 无诈衢州` : '无诈衢州'
  })
  return router
}
