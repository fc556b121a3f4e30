// Where to go after signing in. Only paths inside this app are followed, so a
// crafted link cannot send a user elsewhere after they sign in.

/** safeRedirect returns `target` if it is a local path, else `fallback`. */
export function safeRedirect(target, fallback = '/') {
  const t = Array.isArray(target) ? target[0] : target
  if (typeof t !== 'string' || !t.startsWith('/')) return fallback
  if (t.startsWith('//') || t.startsWith('/\\') || /[\u0000-\u001f]/.test(t)) return fallback
  return t
}
