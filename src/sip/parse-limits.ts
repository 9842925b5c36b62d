import { describeReceived, SipInvalidArgumentError } from '../errors.js';

/**
 * Bounds the message parser enforces so one hostile or broken peer cannot make it do unbounded work
 * or hold unbounded memory (checklist SEC-04, TRN-03). Exceeding any of them is a parse error
 * (`MESSAGE_TOO_LARGE`, `TOO_MANY_HEADERS`, `HEADER_LINE_TOO_LONG`): the datagram is dropped.
 */
export interface ParseLimits {
  /**
   * Largest whole message (start line, headers, blank line and body) accepted, in bytes of its
   * UTF-8 encoding. RFC 3261 §18.1.1 requires accepting any UDP datagram up to 65,535 bytes, so the
   * default covers the largest possible datagram.
   * @default 65536
   */
  readonly maxMessageBytes: number;
  /**
   * Largest number of header fields (rows; a folded header counts once). A 200 OK to REGISTER with
   * many Contact rows, Path and Service-Route stays far below this.
   * @default 256
   */
  readonly maxHeaders: number;
  /**
   * Largest single line: the start line, or one header field with its continuation lines, in bytes.
   * 8 KiB is several times the longest legitimate REGISTER header (an Authorization with SHA-512-256
   * and a long nonce is about 1 KiB; a Contact with `+sip.instance` and GRUU parameters about
   * 0.5 KiB) and matches the per-field limit common HTTP servers use.
   * @default 8192
   */
  readonly maxHeaderLineBytes: number;
}

/** The limits `parseMessage` applies when none are given. Frozen. */
export const DEFAULT_PARSE_LIMITS: ParseLimits = Object.freeze({
  maxMessageBytes: 65_536,
  maxHeaders: 256,
  maxHeaderLineBytes: 8_192,
});

const LIMIT_NAMES: readonly (keyof ParseLimits)[] = ['maxMessageBytes', 'maxHeaders', 'maxHeaderLineBytes'];

// Limits objects that came out of resolveParseLimits: already validated and frozen, so the parser's
// hot path can use them without validating again on every message.
const resolved = new WeakSet<object>();
resolved.add(DEFAULT_PARSE_LIMITS);

/**
 * Validate user-supplied limits and merge them over {@link DEFAULT_PARSE_LIMITS}. Resolve once and
 * pass the result to every `parseMessage` call: a resolved object is not validated again.
 *
 * @throws SipInvalidArgumentError naming the option when a value is not a positive safe integer or an
 *   option name is unknown.
 */
export function resolveParseLimits(limits?: Partial<ParseLimits>): ParseLimits {
  if (limits === undefined) return DEFAULT_PARSE_LIMITS;
  if (resolved.has(limits)) return limits as ParseLimits;
  if (limits === null || typeof limits !== 'object') {
    throw new SipInvalidArgumentError(
      `parse limits: expected an object of limits, received ${describeReceived(limits as unknown)}`,
    );
  }
  for (const key of Object.keys(limits)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(key)) {
      throw new SipInvalidArgumentError(
        `parse limits: unknown option "${key}"; expected one of ${LIMIT_NAMES.join(', ')}`,
      );
    }
  }
  const merged: Record<keyof ParseLimits, number> = { ...DEFAULT_PARSE_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value: unknown = limits[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new SipInvalidArgumentError(
        `parse limits: option "${name}" must be a positive integer, received ${describeReceived(value)}`,
      );
    }
    merged[name] = value;
  }
  const result: ParseLimits = Object.freeze(merged);
  resolved.add(result);
  return result;
}
