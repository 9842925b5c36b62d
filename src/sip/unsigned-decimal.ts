/**
 * Unsigned decimal scalars of SIP headers (CSeq number, delta-seconds, ports, ttl): `1*DIGIT` with
 * leading zeros allowed (RFC 4475 §3.1.1.1, checklist ABNF-07), read without ever building a number
 * larger than 2^32 so a 10 000-digit value costs one linear scan and no precision loss.
 */

/** Largest value a 32-bit unsigned SIP scalar may hold (RFC 3261 §8.1.1.5, §20.19: 2^32 − 1). */
export const UINT32_MAX = 4_294_967_295;

/** Returned by {@link scanUnsigned32} for a well-formed number larger than {@link UINT32_MAX}. */
export const UINT32_OVERFLOW = 4_294_967_296;

/**
 * Reads `text.slice(start, end)` as `1*DIGIT`.
 *
 * @returns the value when it is at most {@link UINT32_MAX}; {@link UINT32_OVERFLOW} when it is all
 *   digits but larger; `-1` when it is empty or holds anything but ASCII digits.
 */
export function scanUnsigned32(text: string, start = 0, end = text.length): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    // Once past the limit keep scanning only to validate the remaining characters.
    if (value <= UINT32_MAX) value = value * 10 + digit;
  }
  return value > UINT32_MAX ? UINT32_OVERFLOW : value;
}
