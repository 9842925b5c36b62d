/**
 * Expiry intervals: the Expires and Min-Expires headers and the Contact `expires` parameter all
 * hold `delta-seconds = 1*DIGIT` (RFC 3261 §20.19, §20.23, §10.2.1.1).
 *
 * Checklist EXP-09: read as an unsigned decimal 0..2^32−1 (leading zeros allowed, ABNF-07); larger
 * values are clamped to 2^32−1 (RFC 3261 §20.19 allows it); a non-numeric value is treated as absent,
 * never as 0, since a registrar is told to treat a malformed value as 3600 (§10.3 step 7) and a
 * client must not read "removed" into garbage.
 */

import { SipParseError } from '../errors.js';
import { isWsp } from './lexer.js';
import { scanUnsigned32, UINT32_MAX } from './unsigned-decimal.js';

/**
 * delta-seconds with the EXP-09 rules: the value (clamped to 2^32−1) or `undefined` when `text`,
 * without surrounding whitespace, is not `1*DIGIT`.
 */
export function parseDeltaSeconds(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isWsp(text.charCodeAt(start))) start++;
  while (end > start && isWsp(text.charCodeAt(end - 1))) end--;
  const value = scanUnsigned32(text, start, end);
  if (value < 0) return undefined;
  return Math.min(value, UINT32_MAX);
}

/**
 * An Expires or Min-Expires header value: seconds (clamped to 2^32−1), or `undefined` when it is not
 * a number (an RFC 2543 date, say), so the caller treats the header as absent (EXP-09).
 */
export function parseExpires(value: string): number | undefined {
  return parseDeltaSeconds(value);
}

/**
 * Like {@link parseExpires} but rejects a non-numeric value, for callers that must act on a valid
 * value or report the header (a 423 needs a usable Min-Expires, EXP-15).
 *
 * @param header - name for the error message. @default 'Expires'
 * @throws SipParseError (`BAD_HEADER_VALUE`) when the value is not `1*DIGIT`.
 */
export function parseExpiresStrict(value: string, header = 'Expires'): number {
  const seconds = parseDeltaSeconds(value);
  if (seconds === undefined) {
    throw new SipParseError('BAD_HEADER_VALUE', `${header}: expected delta-seconds (1*DIGIT)`, header);
  }
  return seconds;
}
