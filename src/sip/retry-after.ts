/**
 * The Retry-After header (RFC 3261 §20.33, §25.1; checklist ABNF-11, RSP-10):
 *
 *     Retry-After = delta-seconds [ comment ] *( SEMI retry-param )
 *     retry-param = ( "duration" EQUAL delta-seconds ) / generic-param
 *     comment     = LPAREN *( ctext / quoted-pair / comment ) RPAREN
 *
 * Absurd values: RFC 4475 §3.1.2.5 sends `Retry-After: 949302838503028349304023988` and expects the
 * response to be treated as malformed (ABNF-07). Values above 2^32−1 seconds (136 years) are
 * therefore rejected with SipParseError rather than clamped; a caller that prefers to ignore the
 * header can catch it and treat the header as absent.
 */

import { SipParseError } from '../errors.js';
import { isWsp } from './lexer.js';
import { type GenericParams, parseParams } from './params.js';
import { scanUnsigned32, UINT32_MAX } from './unsigned-decimal.js';

/** A parsed Retry-After value. */
export interface RetryAfter {
  /** Seconds to wait, 0..2^32−1. */
  readonly seconds: number;
  /** Text of the comment without its outer parentheses (nested comments kept as written). */
  readonly comment: string | undefined;
  /** The `duration` parameter in seconds, when present. */
  readonly duration: number | undefined;
  /** All parameters, `duration` included. */
  readonly params: GenericParams;
}

function fail(what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `Retry-After: ${what}`, 'Retry-After');
}

function deltaSeconds(text: string, start: number, end: number, what: string): number {
  const value = scanUnsigned32(text, start, end);
  if (value < 0) fail(`${what} must be delta-seconds (1*DIGIT)`);
  if (value > UINT32_MAX) fail(`${what} is larger than 2^32-1 seconds`);
  return value;
}

/**
 * Index just past the comment starting at `start` (which holds `(`). Comments nest and may hold
 * quoted-pairs (`\)`); CR and LF cannot be escaped.
 */
function skipComment(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next) || next === 0x0d || next === 0x0a) break;
      i++;
    } else if (code === 0x28) depth++;
    else if (code === 0x29) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (code === 0x0d || code === 0x0a) break;
  }
  return fail('unterminated comment');
}

/**
 * Parses a Retry-After header value.
 * @throws SipParseError (`BAD_HEADER_VALUE`, header `Retry-After`) when the seconds or the
 *   duration are not delta-seconds or exceed 2^32−1, the comment is unterminated, or the
 *   parameters are malformed.
 */
export function parseRetryAfter(value: string): RetryAfter {
  const end = value.length;
  let i = 0;
  while (i < end && isWsp(value.charCodeAt(i))) i++;
  const secondsStart = i;
  while (i < end && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  const seconds = deltaSeconds(value, secondsStart, i, 'the delay');
  while (i < end && isWsp(value.charCodeAt(i))) i++;
  let comment: string | undefined;
  if (value.charCodeAt(i) === 0x28) {
    const close = skipComment(value, i);
    comment = value.slice(i + 1, close - 1).trim();
    i = close;
  }
  const params = parseParams(value, 'Retry-After', i);
  const durationParam = params.entry('duration');
  let duration: number | undefined;
  if (durationParam) {
    const text = durationParam.quoted ? '' : (durationParam.value ?? '');
    duration = deltaSeconds(text, 0, text.length, 'duration');
  }
  return { seconds, comment, duration, params };
}
