// Prize redemption codes: 12 characters of Crockford's base32 (digits and
// capital letters without I, L, O and U). They are shown in groups of four
// (7K3M 9Q2X HD4P) so they can be read out, and typed any way: spaces,
// dashes and lower case are fine, and the letters people confuse with digits
// (O for 0, I and L for 1) are read as those digits, as the server does.

export const CODE_LENGTH = 12
const ALPHABET = /^[0-9A-HJKMNP-TV-Z]+$/

/** normalizePrizeCode turns what someone typed into the code's 12-character form (or less, while typing). */
export function normalizePrizeCode(input) {
  return String(input ?? '')
    .toUpperCase()
    .replace(/[\s\-_.·—–]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
}

/** isPrizeCode reports whether input, once normalized, is a complete code. */
export function isPrizeCode(input) {
  const code = normalizePrizeCode(input)
  return code.length === CODE_LENGTH && ALPHABET.test(code)
}

/** prizeCodeProblem says what is wrong with a typed code, or '' when it looks right. */
export function prizeCodeProblem(input) {
  const code = normalizePrizeCode(input)
  if (!code) return '请输入兑奖码'
  if (!/^[0-9A-Z]+$/.test(code)) return '兑奖码只包含数字和字母'
  if (!ALPHABET.test(code)) return '兑奖码中没有字母 U，请核对'
  if (code.length !== CODE_LENGTH) return `兑奖码是 ${CODE_LENGTH} 位，已输入 ${code.length} 位`
  return ''
}

/** formatPrizeCode shows a code in groups of four: "7K3M 9Q2X HD4P". */
export function formatPrizeCode(input, separator = ' ') {
  const code = normalizePrizeCode(input)
  return (code.match(/.{1,4}/g) || []).join(separator)
}

/** typingPrizeCode is what the code field shows while typing: normalized, grouped, at most 12 characters. */
export function typingPrizeCode(input) {
  return formatPrizeCode(normalizePrizeCode(input).replace(/[^0-9A-Z]/g, '').slice(0, CODE_LENGTH))
}

/** prizeState names a prize's redemption state: 已兑换 or 待兑换. */
export function prizeState(prize) {
  return prize?.redeemed ? '已兑换' : '待兑换'
}

/**
 * prizeCodeFromScan reads the code out of what a QR code said: the
 * resident's prize QR holds the redeem page's address with ?code=, and a
 * bare code works too. It answers the normalized code, or '' when the text
 * is not a prize code (another QR code held up by mistake).
 */
export function prizeCodeFromScan(text) {
  const raw = String(text ?? '').trim()
  let candidate = raw
  if (/^https?:\/\//i.test(raw)) {
    try {
      candidate = new URL(raw).searchParams.get('code') || ''
    } catch {
      return ''
    }
  }
  return isPrizeCode(candidate) ? normalizePrizeCode(candidate) : ''
}
