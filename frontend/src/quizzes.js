// Quiz campaigns (问答活动) in the staff console: the editor's form and the
// API's quiz, which of its fields decide scoring (frozen once anyone has
// started), where a quiz is in its life, and prize pools.
import { fromLocalInput, toLocalInput } from './warnings.js'

export const AUDIENCES = [
  { code: 'residents', name: '群众' },
  { code: 'staff', name: '工作人员（培训）' },
]

/** audienceName gives the Chinese name of an audience. */
export function audienceName(code) {
  return AUDIENCES.find((a) => a.code === code)?.name ?? code ?? ''
}

/** Fields that change how attempts are drawn or graded; the server refuses to change them once anyone has started. */
export const SCORING_FIELDS = [
  'area_code',
  'audience',
  'starts_at',
  'question_count',
  'pass_score',
  'time_limit_s',
  'max_attempts',
  'fraud_types',
  'core_question_ids',
  'min_seconds_per_question',
  'counts_for_awareness',
]

/** The quiz form's fields, as the server names them (field errors come back under these). */
export const QUIZ_FIELDS = ['title', 'description', 'area_code', 'audience', 'starts_at', 'ends_at', ...SCORING_FIELDS.slice(3)]

const PHASES = {
  draft: { name: '草稿', type: 'default' },
  scheduled: { name: '未开始', type: 'primary' },
  open: { name: '进行中', type: 'success' },
  ended: { name: '已结束', type: 'default' },
}

/** quizPhase says where a quiz is: draft, scheduled (published, not started), open or ended. */
export function quizPhase(quiz, now = Date.now()) {
  if (!quiz || quiz.status !== 'published') return 'draft'
  const t = typeof now === 'number' ? now : new Date(now).getTime()
  if (t < new Date(quiz.starts_at).getTime()) return 'scheduled'
  if (t >= new Date(quiz.ends_at).getTime()) return 'ended'
  return 'open'
}

/** phaseTag gives {name, type} of a quiz's phase for a tag. */
export function phaseTag(quiz, now = Date.now()) {
  return PHASES[quizPhase(quiz, now)]
}

const DAY = 24 * 3600 * 1000

// A time rounded to the next whole quarter hour, for a tidy default start.
function nextQuarter(now) {
  const d = new Date(now)
  d.setSeconds(0, 0)
  d.setMinutes(Math.ceil(d.getMinutes() / 15) * 15)
  return d
}

/** emptyQuizForm is the form for a new quiz: starting soon, running 30 days, the server's defaults. */
export function emptyQuizForm(now = Date.now(), { areaCode = '', areaName = '' } = {}) {
  const start = nextQuarter(now)
  return {
    title: '',
    description: '',
    area_code: areaCode,
    area_name: areaName,
    audience: 'residents',
    starts_at: toLocalInput(start.toISOString()),
    ends_at: toLocalInput(new Date(start.getTime() + 30 * DAY).toISOString()),
    question_count: '10',
    pass_score: '60',
    time_limit_min: '10',
    max_attempts: '3',
    fraud_types: [],
    core_question_ids: [],
    min_seconds_per_question: '2',
    counts_for_awareness: true,
  }
}

const minutes = (seconds) => {
  const m = Number(seconds) / 60
  return Number.isInteger(m) ? String(m) : String(Math.round(m * 10) / 10)
}

/** formFromQuiz fills the form from a quiz. */
export function formFromQuiz(q, areaName = '') {
  return {
    title: q?.title ?? '',
    description: q?.description ?? '',
    area_code: q?.area_code ?? '',
    area_name: areaName,
    audience: q?.audience ?? 'residents',
    starts_at: toLocalInput(q?.starts_at),
    ends_at: toLocalInput(q?.ends_at),
    question_count: String(q?.question_count ?? ''),
    pass_score: String(q?.pass_score ?? ''),
    time_limit_min: minutes(q?.time_limit_s ?? 0),
    max_attempts: String(q?.max_attempts ?? ''),
    fraud_types: [...(q?.fraud_types ?? [])],
    core_question_ids: [...(q?.core_question_ids ?? [])],
    min_seconds_per_question: String(q?.min_seconds_per_question ?? ''),
    counts_for_awareness: Boolean(q?.counts_for_awareness),
  }
}

const whole = (v) => (/^\s*\d+\s*$/.test(String(v ?? '')) ? Number(v) : null)

/** quizFormProblems finds what the form cannot send as it is, by API field. */
export function quizFormProblems(form) {
  const p = {}
  if (!fromLocalInput(form.starts_at)) p.starts_at = '请选择开始时间'
  if (!fromLocalInput(form.ends_at)) p.ends_at = '请选择结束时间'
  for (const [field, label] of [
    ['question_count', '题目数量'],
    ['pass_score', '及格分'],
    ['max_attempts', '答题次数'],
    ['min_seconds_per_question', '每题最短用时'],
  ]) {
    if (whole(form[field]) === null) p[field] = `${label}请填写整数`
  }
  const min = Number(form.time_limit_min)
  if (!String(form.time_limit_min ?? '').trim() || !Number.isFinite(min) || min <= 0) p.time_limit_s = '请填写答题时限（分钟）'
  return p
}

/** quizPayload is the body of POST /quizzes: every field of the form. */
export function quizPayload(form) {
  const body = {
    title: form.title.trim(),
    description: form.description.trim(),
    audience: form.audience,
    starts_at: fromLocalInput(form.starts_at),
    ends_at: fromLocalInput(form.ends_at),
    question_count: whole(form.question_count),
    pass_score: whole(form.pass_score),
    time_limit_s: Math.round(Number(form.time_limit_min) * 60),
    max_attempts: whole(form.max_attempts),
    fraud_types: [...form.fraud_types],
    core_question_ids: [...form.core_question_ids],
    min_seconds_per_question: whole(form.min_seconds_per_question),
    counts_for_awareness: form.audience === 'staff' ? false : Boolean(form.counts_for_awareness),
  }
  if (form.area_code) body.area_code = form.area_code
  return body
}

/**
 * quizChanges is the body of PATCH /quizzes/{id}: only the fields that differ
 * from the saved quiz, so that changing the title of a quiz people are
 * already taking does not touch its frozen scoring rules.
 */
export function quizChanges(saved, form) {
  const before = quizPayload(formFromQuiz(saved))
  const after = quizPayload(form)
  const out = {}
  for (const [k, v] of Object.entries(after)) {
    if (JSON.stringify(v) !== JSON.stringify(before[k])) out[k] = v
  }
  return out
}

/** emptyPoolForm is the form for a new prize pool. */
export function emptyPoolForm(passScore = 60) {
  return { name: '', stock: '', min_score: String(passScore ?? 60), probability_pct: '100' }
}

/** poolFormProblems finds what the prize pool form cannot send, by API field. */
export function poolFormProblems(form) {
  const p = {}
  if (!form.name.trim()) p.name = '请填写奖品名称'
  if (whole(form.stock) === null || Number(form.stock) < 1) p.stock = '库存请填写正整数'
  if (whole(form.min_score) === null || Number(form.min_score) > 100) p.min_score = '最低分请填写 0–100 的整数'
  const pct = Number(form.probability_pct)
  if (!String(form.probability_pct ?? '').trim() || !Number.isFinite(pct) || pct <= 0 || pct > 100) {
    p.probability = '中奖概率请填写大于 0、不超过 100 的百分数'
  }
  return p
}

/** poolPayload is the body of POST /quizzes/{id}/prizes; the probability is typed as a percentage. */
export function poolPayload(form) {
  return {
    name: form.name.trim(),
    stock: Number(form.stock),
    min_score: Number(form.min_score),
    probability: Math.round(Number(form.probability_pct) * 100) / 10000,
  }
}
