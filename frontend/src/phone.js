// Helpers for the resident's mobile phone number. The number is personal data:
// it is sent to the server in request bodies only and shown masked (138****1234).

/** normalizePhone strips spaces, dashes and a +86 / 0086 country prefix. */
export function normalizePhone(input) {
  let s = String(input ?? '').replace(/[\s\-()（）]/g, '')
  if (s.startsWith('+86')) s = s.slice(3)
  else if (s.startsWith('0086')) s = s.slice(4)
  return s
}

/** isValidPhone reports whether input is a mainland mobile number: 11 digits starting with 1. */
export function isValidPhone(input) {
  return /^1\d{10}$/.test(normalizePhone(input))
}

/** isValidSmsCode reports whether input is a 6-digit one-time code. */
export function isValidSmsCode(input) {
  return /^\d{6}$/.test(String(input ?? '').trim())
}

/**
 * maskPhone shows the first three and last four digits of a mobile number
 * (13812345678 → 138****5678). Anything that is not a valid number is masked
 * entirely rather than echoed back.
 */
export function maskPhone(input) {
  const s = normalizePhone(input)
  if (!/^1\d{10}$/.test(s)) return s ? '*'.repeat(Math.min(s.length, 11)) : ''
  return `${s.slice(0, 3)}****${s.slice(7)}`
}
