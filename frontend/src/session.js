// The signed-in user's tokens, kept in localStorage so a reload keeps the
// sign-in. Only the tokens and the small user record from the sign-in answer
// are stored — never a phone number.
import { reactive } from 'vue'

const ACCESS_KEY = 'wuzha.accessToken'
const REFRESH_KEY = 'wuzha.refreshToken'
const USER_KEY = 'wuzha.user'

export const STAFF_ROLES = ['grid_worker', 'editor', 'reviewer', 'admin', 'assessor', 'unit_liaison']

function storage() {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

function readUser() {
  try {
    const raw = storage()?.getItem(USER_KEY)
    const user = raw ? JSON.parse(raw) : null
    return user && typeof user === 'object' ? user : null
  } catch {
    return null
  }
}

/** session is the reactive view of the stored sign-in, for templates and guards. */
export const session = reactive({
  user: readUser(),
})

/** accessToken returns the stored access token or ''. */
export function accessToken() {
  return storage()?.getItem(ACCESS_KEY) ?? ''
}

/** refreshToken returns the stored refresh token or ''. */
export function refreshToken() {
  return storage()?.getItem(REFRESH_KEY) ?? ''
}

/**
 * saveSession stores a token answer of /auth/login, /auth/sms-login or
 * /auth/refresh. A refresh answer may omit `user`; the stored one is kept.
 */
export function saveSession(answer) {
  const s = storage()
  if (!s || !answer?.access_token) return
  s.setItem(ACCESS_KEY, answer.access_token)
  if (answer.refresh_token) s.setItem(REFRESH_KEY, answer.refresh_token)
  if (answer.user) {
    const { id, username, role, area_code } = answer.user
    const user = { id, username, role, area_code, must_change_password: Boolean(answer.must_change_password) }
    s.setItem(USER_KEY, JSON.stringify(user))
    session.user = user
  } else if (session.user && 'must_change_password' in answer) {
    setMustChangePassword(Boolean(answer.must_change_password))
  }
}

/**
 * setMustChangePassword notes whether the signed-in staff user must change
 * their password before anything else (the server answers every other call
 * with 403 password_change_required until they do).
 */
export function setMustChangePassword(value) {
  if (!session.user) return
  const user = { ...session.user, must_change_password: Boolean(value) }
  storage()?.setItem(USER_KEY, JSON.stringify(user))
  session.user = user
}

/** mustChangePassword reports whether the signed-in user must change their password first. */
export function mustChangePassword(user = session.user) {
  return Boolean(user?.must_change_password)
}

/** clearSession forgets the sign-in. */
export function clearSession() {
  const s = storage()
  s?.removeItem(ACCESS_KEY)
  s?.removeItem(REFRESH_KEY)
  s?.removeItem(USER_KEY)
  session.user = null
}

/** reloadSession re-reads storage, e.g. after another tab signed in or out. */
export function reloadSession() {
  session.user = accessToken() ? readUser() : null
}

/** isSignedIn reports whether there is a stored sign-in. */
export function isSignedIn() {
  return Boolean(accessToken() && session.user)
}

/** isStaff reports whether the signed-in user has a staff role. */
export function isStaff(user = session.user) {
  return Boolean(user && STAFF_ROLES.includes(user.role))
}

/** isResident reports whether the signed-in user is a resident. */
export function isResident(user = session.user) {
  return Boolean(user && user.role === 'resident')
}

/** signInPathFor names the sign-in page that fits a user or a path. */
export function signInPathFor({ user = session.user, path = '' } = {}) {
  if (isStaff(user) || path.startsWith('/staff')) return '/staff/login'
  return '/login'
}
