// Signing out, shared by the resident home and the staff console.
import * as authApi from './api/auth.js'
import { clearSession, refreshToken, saveSession } from './session.js'

/**
 * signOut tells the server to end the sign-in and forgets it locally. When the
 * access token has expired, the sign-in is renewed once so that the server can
 * still revoke it. The local sign-in is cleared even when the server cannot be
 * reached.
 */
export async function signOut() {
  const token = refreshToken()
  try {
    if (!token) return
    try {
      await authApi.logout(token)
    } catch (err) {
      if (err.status !== 401) throw err
      const pair = await authApi.refresh(token)
      saveSession(pair)
      await authApi.logout(pair.refresh_token)
    }
  } catch {
    // Already revoked or offline: nothing more to do from here.
  } finally {
    clearSession()
  }
}
