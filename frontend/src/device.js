// A random id for this browser, sent as X-Device-Id when a warning is opened
// so that the server counts an anonymous reader once per device per day. It
// says nothing about the person: it is made here, from random bytes, and kept
// in localStorage.

export const DEVICE_ID_KEY = 'wuzha.deviceId'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const LENGTH = 24 // 144 bits
const PATTERN = /^[A-Za-z0-9_-]{16,64}$/

/** isDeviceId reports whether value has the shape the server accepts. */
export function isDeviceId(value) {
  return typeof value === 'string' && PATTERN.test(value)
}

function cryptoBytes(n) {
  const bytes = new Uint8Array(n)
  globalThis.crypto.getRandomValues(bytes)
  return bytes
}

/** newDeviceId makes a fresh id of 24 characters from [A-Za-z0-9_-]. */
export function newDeviceId(randomBytes = cryptoBytes) {
  // 64 symbols: each byte's low 6 bits pick one without bias.
  return Array.from(randomBytes(LENGTH), (b) => ALPHABET[b & 63]).join('')
}

// When storage is blocked the id still holds for this page view.
let unsaved = ''

/**
 * deviceId returns the stored id, making and storing one the first time (or
 * when what is stored is not a valid id).
 */
export function deviceId(storage = globalThis.localStorage, make = newDeviceId) {
  try {
    const stored = storage?.getItem(DEVICE_ID_KEY)
    if (isDeviceId(stored)) return stored
  } catch {
    // Private mode: fall through to an id for this page view.
  }
  if (isDeviceId(unsaved)) return unsaved
  const id = make()
  try {
    if (!storage) throw new Error('no storage')
    storage.setItem(DEVICE_ID_KEY, id)
  } catch {
    unsaved = id
  }
  return id
}
