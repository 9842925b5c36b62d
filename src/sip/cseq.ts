/**
 * The CSeq header: `CSeq = 1*DIGIT LWS Method` (RFC 3261 §20.16, §8.1.1.5).
 *
 * The number is a 32-bit unsigned integer; leading zeros are valid (`0009`, RFC 4475 §3.1.1.1) and
 * a number of 2^32 or more makes the message invalid (RFC 4475 §3.1.2.4; checklist ABNF-07).
 */

import { SipParseError } from '../errors.js';
import { isTokenCode, isWsp } from './lexer.js';
import { scanUnsigned32, UINT32_MAX } from './unsigned-decimal.js';

/** A parsed CSeq. */
export interface CSeq {
  /** Sequence number, 0..2^32−1. */
  readonly seq: number;
  /** Method token, case-sensitive as received (RFC 3261 §7.1). */
  readonly method: string;
}

function fail(what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `CSeq: ${what}`, 'CSeq');
}

/**
 * Parses a CSeq header value.
 * @throws SipParseError (`BAD_HEADER_VALUE`, header `CSeq`) when the number is missing, not
 *   decimal, 2^32 or more, or the method is missing or not a token.
 */
export function parseCSeq(value: string): CSeq {
  const end = value.length;
  let i = 0;
  while (i < end && isWsp(value.charCodeAt(i))) i++;
  const seqStart = i;
  while (i < end && !isWsp(value.charCodeAt(i))) i++;
  const seq = scanUnsigned32(value, seqStart, i);
  if (seq < 0) fail('sequence number must be 1*DIGIT');
  if (seq > UINT32_MAX) fail('sequence number must be less than 2^32');
  const gap = i;
  while (i < end && isWsp(value.charCodeAt(i))) i++;
  if (i === gap) fail('expected whitespace and a method after the sequence number');
  const methodStart = i;
  while (i < end && isTokenCode(value.charCodeAt(i))) i++;
  if (i === methodStart) fail('method must be a token');
  const methodEnd = i;
  while (i < end && isWsp(value.charCodeAt(i))) i++;
  if (i !== end) fail('unexpected text after the method');
  return { seq, method: value.slice(methodStart, methodEnd) };
}

/** `CSeq` header text: `<seq> <method>`. */
export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
