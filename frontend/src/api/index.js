// The app's endpoints, one module of named functions per domain, all behind
// the one client in ../api.js (tokens, renewal, problem+json → 中文提示).
// Pages call these instead of building URL strings.
export * as apiKeys from './apiKeys.js'
export * as areas from './areas.js'
export * as assessment from './assessment.js'
export * as attempts from './attempts.js'
export * as audit from './audit.js'
export * as auth from './auth.js'
export * as awareness from './awareness.js'
export * as me from './me.js'
export * as prizes from './prizes.js'
export * as questions from './questions.js'
export * as quizzes from './quizzes.js'
export * as sessions from './sessions.js'
export * as supervision from './supervision.js'
export * as users from './users.js'
export * as warnings from './warnings.js'
export { path, withQuery, pageQuery } from './url.js'
