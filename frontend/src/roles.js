// Roles, their Chinese names and the staff console menu each one gets.

export const ROLE_NAMES = {
  resident: '群众',
  grid_worker: '网格员',
  editor: '宣传编辑',
  reviewer: '审核员',
  admin: '联席办管理员',
  assessor: '考核人员',
  unit_liaison: '成员单位联络员',
}

/** Roles an admin can give when creating a staff user (residents sign in by SMS). */
export const STAFF_ROLE_OPTIONS = ['grid_worker', 'editor', 'reviewer', 'assessor', 'admin'].map((code) => ({
  value: code,
  text: ROLE_NAMES[code],
}))

/** roleName gives the Chinese name of a role, or the code itself when unknown. */
export function roleName(role) {
  return ROLE_NAMES[role] || role || ''
}

const AWARENESS = { path: '/staff/area', title: '知晓率', icon: 'chart-trending-o' }
const TRAINING = { path: '/staff/training', title: '培训答题', icon: 'edit' }
const RULE = { path: '/staff/rule', title: '考核规则', icon: 'balance-o' }
const SUPERVISION = { path: '/staff/supervision', title: '督办事项', icon: 'todo-list-o' }
const NOTICES = { path: '/staff/notices', title: '通报', icon: 'bullhorn-o' }
const MENUS = {
  admin: [
    SUPERVISION,
    NOTICES,
    { path: '/staff/users', title: '用户管理', icon: 'friends-o' },
    { path: '/staff/audit', title: '操作日志', icon: 'records-o' },
    { path: '/staff/areas/import', title: '区域导入', icon: 'upgrade' },
    { path: '/staff/area-changes', title: '人口变更审批', icon: 'passed' },
    { path: '/staff/awareness', title: '知晓率', icon: 'chart-trending-o' },
    { path: '/staff/assessment', title: '平安考核', icon: 'medal-o' },
    RULE,
    { path: '/staff/report', title: '季度报告', icon: 'description' },
    { path: '/staff/api-keys', title: 'API 密钥', icon: 'lock' },
    TRAINING,
  ],
  editor: [
    { path: '/staff/warnings', title: '预警管理', icon: 'warning-o' },
    { path: '/staff/review-results', title: '审核结果', icon: 'passed' },
    { path: '/staff/questions', title: '题库', icon: 'notes-o' },
    { path: '/staff/quizzes', title: '问答活动', icon: 'award-o' },
    RULE,
    AWARENESS,
    TRAINING,
  ],
  reviewer: [
    { path: '/staff/review', title: '审核队列', icon: 'passed' },
    { path: '/staff/warnings', title: '预警管理', icon: 'warning-o' },
    { path: '/staff/questions', title: '题库', icon: 'notes-o' },
    AWARENESS,
    TRAINING,
  ],
  grid_worker: [
    { path: '/staff/grid', title: '我的网格', icon: 'location-o' },
    { path: '/staff/redeem', title: '兑奖', icon: 'gift-o' },
    TRAINING,
    { path: '/staff/poster', title: '网格海报', icon: 'qr' },
  ],
  unit_liaison: [SUPERVISION, NOTICES],
  assessor: [
    { path: '/staff/awareness', title: '知晓率', icon: 'chart-trending-o' },
    { path: '/staff/assessment', title: '平安考核', icon: 'medal-o' },
    RULE,
    { path: '/staff/report', title: '季度报告', icon: 'description' },
    TRAINING,
  ],
}

/** Who may see the training completion of staff quizzes. */
export const COMPLETION_ROLES = ['admin', 'assessor']
/** Every staff role: the figures of one's area and the training quizzes. */
export const ALL_STAFF = ['grid_worker', 'editor', 'reviewer', 'admin', 'assessor']

/** Who may look up and redeem prize codes (the grid worker's 兑奖 page). */
export const REDEEM_ROLES = ['grid_worker', 'editor', 'reviewer', 'admin']

/** Who reads the awareness figures, the assessment and the quarterly report. */
export const FIGURE_ROLES = ['admin', 'assessor']

/** Who handles rectification items (督办): admins, and the liaisons of member units. */
export const SUPERVISION_ROLES = ['admin', 'unit_liaison']

/** menuFor lists the console menu of a role; residents and unknown roles get none. */
export function menuFor(role) {
  return MENUS[role] ?? []
}

/** roleMayOpen reports whether a role's menu holds a path. */
export function roleMayOpen(role, path) {
  return menuFor(role).some((item) => item.path === path)
}
