/**
 * Error classes with stable `code`s. Callers branch on `code`, never on message text.
 *
 * Messages name what was wrong (the field, option or header and the problem) and never carry a
 * password or a digest response.
 */

/** Base class of every error this library throws or reports. */
export class SipRegistrantError extends Error {
  /** Stable, machine-readable error code (e.g. `ERR_SIP_PARSE`). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Reasons a SIP message was rejected by the parser; each is part of the public API. */
export type SipParseErrorReason =
  | 'EMPTY'
  | 'MESSAGE_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'HEADER_LINE_TOO_LONG'
  | 'BAD_START_LINE'
  | 'BAD_VERSION'
  | 'BAD_STATUS_CODE'
  | 'BAD_METHOD'
  | 'BAD_REQUEST_URI'
  | 'BAD_HEADER'
  | 'BAD_CONTENT_LENGTH'
  | 'TRUNCATED_BODY'
  | 'BAD_HEADER_VALUE'
  | 'BAD_URI'
  | 'NOT_UTF8';

/**
 * A message, header value or URI could not be parsed. `code` is always `ERR_SIP_PARSE`;
 * `reason` says which rule was broken and `header` names the header when one is at fault.
 */
export class SipParseError extends SipRegistrantError {
  readonly reason: SipParseErrorReason;
  readonly header: string | undefined;

  constructor(reason: SipParseErrorReason, message: string, header?: string) {
    super('ERR_SIP_PARSE', message);
    this.reason = reason;
    this.header = header;
  }
}

/** A caller handed the library a value it cannot use (bad option, bad config field, bad argument). */
export class SipInvalidArgumentError extends SipRegistrantError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

/** Digest authentication cannot answer a challenge (no supported algorithm, unusable challenge). */
export class DigestAuthError extends SipRegistrantError {
  readonly reason: 'NO_SUPPORTED_CHALLENGE' | 'UNSUPPORTED_ALGORITHM' | 'UNSUPPORTED_QOP' | 'BAD_CHALLENGE';

  constructor(reason: DigestAuthError['reason'], message: string) {
    super('ERR_DIGEST_AUTH', message);
    this.reason = reason;
  }
}

/** A transport failed to send, was closed, or could not be opened. */
export class TransportError extends SipRegistrantError {
  constructor(
    code: 'ERR_TRANSPORT_SEND' | 'ERR_TRANSPORT_CLOSED' | 'ERR_TRANSPORT_OPEN',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** One problem found in a registrant config: which field, what is wrong, and the sentence to show. */
export interface RegistrantConfigIssue {
  /** The config field at fault, e.g. `registrar`, `expiry` (an unknown key is named as given). */
  readonly field: string;
  /** What is wrong with its value, e.g. `has a user part`. Never contains a password. */
  readonly problem: string;
  /** `<field>: <problem>`; for OpenSIPS `uac` strings the field is `uac field 7 (binding URI)`. */
  readonly message: string;
  /**
   * In a set of configs (`RegistrantManager.reload`): the record at fault as
   * `aor=… contact=… registrar=…`. Absent for a single config (the error's `record` says it).
   */
  readonly record?: string;
  /** In a set of configs: the index of the config at fault. */
  readonly index?: number;
}

/**
 * A registrant config was rejected (`code` `ERR_INVALID_CONFIG`). `field` and `problem` describe the
 * first problem, `errors` lists all of them, `record` names the record by its identity
 * (`aor=… contact=… registrar=…`). Nothing here ever contains the password.
 */
export class RegistrantConfigError extends SipRegistrantError {
  readonly field: string;
  readonly problem: string;
  readonly record: string;
  readonly errors: readonly RegistrantConfigIssue[];

  constructor(record: string, errors: readonly RegistrantConfigIssue[]) {
    const list: readonly RegistrantConfigIssue[] =
      errors.length > 0
        ? errors
        : [{ field: '(config)', problem: 'is invalid', message: '(config): is invalid' }];
    const first = list[0]!;
    const summary =
      list.length === 1 ? first.message : `${list.length} problems: ` + list.map((e) => e.message).join('; ');
    super('ERR_INVALID_CONFIG', `invalid registrant config${record ? ` (${record})` : ''}: ${summary}`);
    this.field = first.field;
    this.problem = first.problem;
    this.record = record;
    this.errors = list;
  }
}

/** Adding a registrant whose identity (aor, contact, registrar) is already present. */
export class DuplicateRegistrantError extends SipRegistrantError {
  /** The identity key that is already present (see `registrantKey`). */
  readonly key: string;

  constructor(key: string) {
    super(
      'ERR_DUPLICATE_REGISTRANT',
      `a registrant with identity ${key} (aor, contact, registrar) already exists`,
    );
    this.key = key;
  }
}

/**
 * A management verb named a registrant that the manager does not hold (`code`
 * `ERR_REGISTRANT_NOT_FOUND`; OpenSIPS MI answers 404 "No such registrant"). `key` is the key as
 * given; the message names its aor, contact and registrar when the key is a `registrantKey`.
 */
export class RegistrantNotFoundError extends SipRegistrantError {
  /** The key that matched no record. */
  readonly key: string;

  constructor(key: string) {
    super('ERR_REGISTRANT_NOT_FOUND', `no registrant ${describeKey(key)}`);
    this.key = key;
  }
}

/** `aor=… contact=… registrar=…` for a `registrantKey` (a JSON array of three strings), else the key quoted. */
function describeKey(key: string): string {
  try {
    const parts: unknown = JSON.parse(key);
    if (Array.isArray(parts) && parts.length === 3 && parts.every((part) => typeof part === 'string')) {
      const [aor, contact, registrar] = parts as string[];
      return `aor=${JSON.stringify(aor)} contact=${JSON.stringify(contact)} registrar=${JSON.stringify(registrar)}`;
    }
  } catch {
    // Not a registrantKey: shown as given.
  }
  return `with key ${JSON.stringify(key.length > 200 ? key.slice(0, 200) + '…' : key)}`;
}

/**
 * A received value as option and argument errors show it ("expected …, received <this>"): short
 * strings quoted (cut at `maxLength` characters), numbers, booleans, null and undefined as written,
 * arrays as "an array", anything else by its type. Never a whole object, which might hold a secret.
 */
export function describeReceived(value: unknown, maxLength = 40): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value === null ||
    value === undefined
  )
    return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
