/**
 * The Call-ID header: `callid = word [ "@" word ]` (RFC 3261 §20.8, §25.1). Call-IDs compare
 * case-sensitively, byte for byte (§8.1.1.4; checklist MSG-07), so plain `===` is the comparison.
 */

import { SipParseError } from '../errors.js';
import { isTokenChar, isWsp } from './lexer.js';

/** RFC 3261 §25.1 `word`: token characters plus ( ) < > : \ " / [ ] ? { }. */
function isWordChar(code: number): boolean {
  return (
    isTokenChar(code) ||
    code === 0x28 ||
    code === 0x29 ||
    code === 0x3c ||
    code === 0x3e ||
    code === 0x3a ||
    code === 0x5c ||
    code === 0x22 ||
    code === 0x2f ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x3f ||
    code === 0x7b ||
    code === 0x7d
  );
}

/** True when `text` is exactly `word [ "@" word ]`. */
export function isCallId(text: string): boolean {
  let at = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x40) {
      if (at !== -1 || i === 0 || i === text.length - 1) return false;
      at = i;
    } else if (!isWordChar(code)) return false;
  }
  return text.length > 0;
}

/**
 * A Call-ID header value without surrounding whitespace.
 * @throws SipParseError (`BAD_HEADER_VALUE`, header `Call-ID`) when it is not `word [ "@" word ]`.
 */
export function parseCallId(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWsp(value.charCodeAt(start))) start++;
  while (end > start && isWsp(value.charCodeAt(end - 1))) end--;
  const callId = value.slice(start, end);
  if (!isCallId(callId)) {
    throw new SipParseError('BAD_HEADER_VALUE', 'Call-ID: expected word [ "@" word ]', 'Call-ID');
  }
  return callId;
}
