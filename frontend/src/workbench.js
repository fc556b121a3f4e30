// The console's workbench: what each to-do the server counts is called,
// what it means and where it is done. Pure helpers, unit-tested.

/** TODOS names each to-do key of GET /workbench and links it to its page. */
export const TODOS = {
  warnings_in_review: { label: '待审核预警', hint: '编辑提交、等待审核', to: () => '/staff/review' },
  questions_in_review: { label: '待审核题目', hint: '审核通过后才能抽题', to: () => '/staff/review?tab=questions' },
  drafts: { label: '我的预警草稿', hint: '含被驳回待修改的', to: () => '/staff/warnings?status=draft' },
  approved: { label: '新通过', hint: '上次查看后审核通过', to: () => '/staff/review-results' },
  rejected: { label: '新驳回', hint: '上次查看后被驳回，请修改', to: () => '/staff/review-results', warn: true },
  area_changes: { label: '人口变更待审批', hint: '下级提交的常住人口修改', to: () => '/staff/area-changes' },
  to_accept: { label: '督办待签收', hint: '交办给本级、尚未签收', to: () => '/staff/supervision?box=todo' },
  to_close: { label: '督办待销号', hint: '下级已反馈，待审核销号', to: () => '/staff/supervision?box=issued&status=reported' },
  overdue: { label: '督办已逾期', hint: '红灯：超过截止时间', to: () => '/staff/supervision?light=red', warn: true },
  ready_to_lock: {
    label: '待锁定考核期',
    hint: '已结束、有数据、未锁定',
    to: (board) => (board?.ready_to_lock?.[0] ? `/staff/assessment?period=${board.ready_to_lock[0].period}` : '/staff/assessment'),
  },
  unanswered: { label: '本季度未答题居民', hint: '可上门宣传、邀请答题', to: () => '/staff/grid#unanswered' },
  to_redeem: { label: '待兑换奖品', hint: '本辖区获奖尚未领取', to: () => '/staff/redeem' },
}

/**
 * todoItems turns the board's to-dos into lines to show: label, count, hint,
 * link; unknown keys are left out, so an older console ignores newer to-dos.
 */
export function todoItems(board) {
  return (board?.todos || [])
    .filter((t) => TODOS[t.key])
    .map((t) => {
      const meta = TODOS[t.key]
      return { key: t.key, label: meta.label, hint: meta.hint, count: Number(t.count) || 0, to: meta.to(board), warn: !!meta.warn && t.count > 0 }
    })
}

/** totalTodos adds up what is waiting (the workbench's headline). */
export function totalTodos(board) {
  return todoItems(board).reduce((n, t) => n + (t.key === 'approved' ? 0 : t.count), 0)
}

/** WORKBENCH_ROLES are the roles whose console home shows the workbench. */
export const WORKBENCH_ROLES = ['editor', 'reviewer', 'admin', 'assessor']
