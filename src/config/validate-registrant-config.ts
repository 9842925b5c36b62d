/**
 * Validation of registrant configs, before anything is built from them (checklist SEC-06): every
 * field is checked, every problem is reported with the field, what is wrong and the record it belongs
 * to (`aor=… contact=… registrar=…`), and the password never appears in any message.
 *
 * Rules:
 * - registrar, aor and contact are required `sip:`/`sips:` URIs (RFC 3261 §19.1); proxy and
 *   thirdPartyRegistrant optional ones. registrar and proxy have no user part (OpenSIPS rule;
 *   RFC 3261 §10.2, REG-01). No URI carries a password (`sip:user:secret@…`, RFC 3261 §19.1.1 "NOT
 *   RECOMMENDED"), and only the contact may carry `?headers` (RFC 3261 §19.1.1 table 1).
 * - When the registrar or proxy is `sips:`, the contact must be `sips:` (RFC 3261 §8.1.1.8, REG-12).
 * - No control character (0x00–0x1F, 0x7F) in any string: CR/LF would inject header lines.
 * - contactParams: generic-params starting with `;` (RFC 3261 §25.1), without `expires` (the engine
 *   writes its own, EXP-02).
 * - expiry: an integer 1 … 2^32 − 1 (EXP-09), default 3600.
 * - socket: `proto:host:port`, proto udp/tcp/tls, host IPv4, `[IPv6]` or a host name, port 1–65535.
 * - username and password come together; a password `0x` + 32/64 hex digits is an HA1.
 * - Unknown fields are rejected, with a suggestion for likely typos and OpenSIPS column names.
 */

import type { RegistrantConfigIssue } from '../errors.js';
import { RegistrantConfigError, SipParseError } from '../errors.js';
import { classifyHost } from '../sip/host.js';
import { parseParams } from '../sip/params.js';
import type { SipUri } from '../sip/uri.js';
import { parseUri } from '../sip/uri.js';
import { suggestKey } from './key-suggestion.js';
import type {
  ForcedSocket,
  ForcedSocketProtocol,
  NormalizedRegistrantConfig,
  RegistrantConfig,
} from './registrant-config.js';
import { DEFAULT_EXPIRY, MAX_EXPIRY } from './registrant-config.js';
import type { RegistrantCredentials } from './registrant-credentials.js';
import { makeCredentials } from './registrant-credentials.js';

/** Longest accepted string in any field: far above real URIs, low enough to stop absurd input. */
export const MAX_CONFIG_STRING_LENGTH = 4096;

/** Outcome of {@link checkRegistrantConfig}. */
export type RegistrantConfigCheck =
  | { readonly ok: true; readonly config: NormalizedRegistrantConfig }
  | {
      readonly ok: false;
      /** Every problem found, in field order. */
      readonly errors: readonly RegistrantConfigIssue[];
      /** The record's identity for messages: `aor=… contact=… registrar=…`. */
      readonly record: string;
    };

/** The fields of a {@link RegistrantConfig}, in documentation order. */
export const REGISTRANT_CONFIG_FIELDS: readonly (keyof RegistrantConfig)[] = Object.freeze([
  'registrar',
  'proxy',
  'aor',
  'thirdPartyRegistrant',
  'username',
  'password',
  'contact',
  'contactParams',
  'expiry',
  'socket',
  'enabled',
]);
const KNOWN_FIELDS = REGISTRANT_CONFIG_FIELDS;

/** OpenSIPS column names and other likely spellings, mapped to our field names. */
const ALIASES: Readonly<Record<string, keyof RegistrantConfig>> = {
  expires: 'expiry',
  binding_uri: 'contact',
  bindinguri: 'contact',
  binding: 'contact',
  binding_params: 'contactParams',
  bindingparams: 'contactParams',
  contact_params: 'contactParams',
  third_party_registrant: 'thirdPartyRegistrant',
  thirdparty: 'thirdPartyRegistrant',
  forced_socket: 'socket',
  forcedsocket: 'socket',
  outbound_proxy: 'proxy',
  outboundproxy: 'proxy',
  state: 'enabled',
  user: 'username',
  auth_username: 'username',
  auth_password: 'password',
};

/**
 * Check a config and list every problem; never throws. On success returns the normalised config
 * (defaults applied, empty optional strings dropped, credentials built).
 */
export function checkRegistrantConfig(input: unknown): RegistrantConfigCheck {
  const record = describeRecord(input);
  const issues: RegistrantConfigIssue[] = [];
  const password = isObject(input) && typeof input.password === 'string' ? input.password : '';
  const report = (field: string, problem: string): void => {
    const clean = scrub(problem, password);
    issues.push({ field, problem: clean, message: `${field}: ${clean}` });
  };

  if (!isObject(input)) {
    report(
      '(config)',
      typeof input === 'string'
        ? 'expected an object, received a string (use parseUacParam for OpenSIPS uac strings)'
        : `expected an object, received ${kindOf(input)}`,
    );
    return { ok: false, errors: issues, record };
  }

  for (const key of Object.keys(input)) {
    if ((KNOWN_FIELDS as readonly string[]).includes(key)) continue;
    const suggestion = suggestField(key);
    report(
      show(key),
      `is not a known field${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known fields: ${KNOWN_FIELDS.join(', ')}`,
    );
  }

  const registrar = uriField(input, 'registrar', true, { noUser: true, noHeaders: true }, report);
  const proxy = uriField(input, 'proxy', false, { noUser: true, noHeaders: true }, report);
  const aor = uriField(input, 'aor', true, { noHeaders: true }, report);
  const thirdParty = uriField(input, 'thirdPartyRegistrant', false, { noHeaders: true }, report);
  const credentials = credentialFields(input, report);
  const contact = uriField(input, 'contact', true, {}, report);
  if (contact?.uri.scheme === 'sip') {
    // RFC 3261 §8.1.1.8 (REG-12): a SIPS Request-URI or next hop requires a SIPS Contact.
    if (registrar?.uri.scheme === 'sips')
      report('contact', 'must be a sips: URI because the registrar is sips:');
    else if (proxy?.uri.scheme === 'sips')
      report('contact', 'must be a sips: URI because the proxy is sips:');
  }
  const contactParams = contactParamsField(input, report);
  const expiry = expiryField(input, report);
  const socket = socketField(input, report);
  const enabled = enabledField(input, report);

  if (issues.length > 0 || registrar === undefined || aor === undefined || contact === undefined)
    return { ok: false, errors: issues, record };
  const config: NormalizedRegistrantConfig = Object.freeze({
    registrar: registrar.text,
    proxy: proxy?.text,
    aor: aor.text,
    thirdPartyRegistrant: thirdParty?.text,
    credentials,
    contact: contact.text,
    contactParams: contactParams ?? '',
    expiry: expiry ?? DEFAULT_EXPIRY,
    socket,
    enabled: enabled ?? true,
  });
  return { ok: true, config };
}

/**
 * Validate a config and return it normalised, or throw {@link RegistrantConfigError}
 * (`ERR_INVALID_CONFIG`) listing every problem in `errors`.
 */
export function validateRegistrantConfig(input: unknown): NormalizedRegistrantConfig {
  const result = checkRegistrantConfig(input);
  if (result.ok) return result.config;
  throw new RegistrantConfigError(result.record, result.errors);
}

/**
 * The identity of a (possibly invalid) config for messages: `aor=… contact=… registrar=…`. Values
 * with spaces, quotes or control characters are JSON-quoted (so CR/LF cannot forge log lines), long
 * ones truncated, and a password inside a URI's userinfo is masked.
 */
export function describeRecord(input: unknown): string {
  if (!isObject(input)) return '';
  const parts: string[] = [];
  for (const field of ['aor', 'contact', 'registrar'] as const) {
    const value = input[field];
    // A value that is not even URI-shaped is not shown: it is useless as an identity, and in a uac
    // string with a missing field it may well be the password shifted into this column.
    if (typeof value === 'string' && value !== '' && !looksLikeUri(value)) parts.push(`${field}=(not a URI)`);
    else if (typeof value === 'string' && value !== '')
      parts.push(`${field}=${show(maskUriPassword(value))}`);
    else
      parts.push(
        `${field}=(${value === undefined || value === null || value === '' ? 'missing' : kindOf(value)})`,
      );
  }
  let text = parts.join(' ');
  const password = input.password;
  if (typeof password === 'string') text = scrub(text, password);
  return text;
}

/** `sip:`, `sips:` or `tel:` in front, in any case (RFC 3261 §19.1.1, RFC 3966). */
function looksLikeUri(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon === -1) return false;
  const scheme = text.slice(0, colon).trim().toLowerCase();
  return (
    scheme === 'sip' ||
    scheme === 'sips' ||
    scheme === 'tel' ||
    scheme.endsWith('<sip') ||
    scheme.endsWith('<sips')
  );
}

// ---------------------------------------------------------------------------------------------------

type Report = (field: string, problem: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return `string ${show(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** A value for a message: bare when it is short printable ASCII without spaces, else JSON-quoted. */
function show(value: string): string {
  const cut = value.length > 120 ? value.slice(0, 120) + '…' : value;
  for (let i = 0; i < cut.length; i++) {
    const code = cut.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f || code === 0x22 || code === 0x5c) return JSON.stringify(cut);
  }
  return cut;
}

/**
 * Belt and braces: if the password (4 characters or more, so short ones cannot mangle every message)
 * was typed into another field, it still never reaches a message.
 */
function scrub(text: string, password: string): string {
  if (password.length < 4) return text;
  let out = text;
  for (const form of [password, JSON.stringify(password).slice(1, -1)]) {
    if (form.length >= 4) out = out.split(form).join('***');
  }
  return out;
}

/** `sip:alice:secret@host` → `sip:alice:***@host` (RFC 3261 §19.1.1 allows, and discourages, a password in the userinfo). */
export function maskUriPassword(text: string): string {
  const colon = text.indexOf(':');
  const at = text.indexOf('@');
  if (colon === -1 || at === -1 || at < colon) return text;
  const second = text.indexOf(':', colon + 1);
  if (second === -1 || second > at) return text;
  return text.slice(0, second + 1) + '***' + text.slice(at);
}

/** Field name for an unknown key: exact alias, case-insensitive match, or one typo away. */
function suggestField(key: string): string | undefined {
  const lower = key.toLowerCase();
  const alias = ALIASES[lower];
  if (alias !== undefined) return alias;
  return suggestKey(key, KNOWN_FIELDS);
}

/** First control character (0x00–0x1F, 0x7F) in `text`, or -1. */
function controlCharIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return i;
  }
  return -1;
}

/**
 * A string field: `undefined` when absent (undefined, null or ''), the string when it passes the
 * common checks, `null` after reporting a problem.
 */
function stringField(
  input: Record<string, unknown>,
  field: keyof RegistrantConfig,
  required: boolean,
  report: Report,
  secret = false,
): string | undefined | null {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    if (required) report(field, 'is required');
    return required ? null : undefined;
  }
  if (typeof value !== 'string') {
    report(field, `expected a string, received ${secret ? typeof value : kindOf(value)}`);
    return null;
  }
  if (value.length > MAX_CONFIG_STRING_LENGTH) {
    report(field, `is longer than ${MAX_CONFIG_STRING_LENGTH} characters (${value.length})`);
    return null;
  }
  const bad = controlCharIndex(value);
  if (bad !== -1) {
    // SEC-06: CR/LF would let a value inject header lines. Never locate it inside a secret.
    report(
      field,
      secret
        ? 'contains a control character (0x00-0x1F or 0x7F)'
        : `contains control character 0x${value.charCodeAt(bad).toString(16).padStart(2, '0').toUpperCase()} at offset ${bad} (CR, LF and other controls are not allowed)`,
    );
    return null;
  }
  return value;
}

interface UriRules {
  /** No user part allowed (registrar, proxy). */
  readonly noUser?: boolean;
  /** No `?headers` allowed. */
  readonly noHeaders?: boolean;
}

function uriField(
  input: Record<string, unknown>,
  field: keyof RegistrantConfig,
  required: boolean,
  rules: UriRules,
  report: Report,
): { readonly text: string; readonly uri: SipUri } | undefined {
  const text = stringField(input, field, required, report);
  if (typeof text !== 'string') return undefined;
  let uri: SipUri;
  try {
    const parsed = parseUri(text);
    if (parsed.kind !== 'sip') {
      report(field, `must be a sip: or sips: URI, received scheme "${parsed.scheme}:"`);
      return undefined;
    }
    uri = parsed;
  } catch (error) {
    if (!(error instanceof SipParseError)) throw error;
    report(field, `is not a valid SIP URI (${error.message.replace(/^invalid URI: /, '')})`);
    return undefined;
  }
  let ok = true;
  if (uri.password !== undefined) {
    report(field, 'must not carry a password in the URI (use the password field)');
    ok = false;
  }
  if (rules.noUser && uri.user !== undefined) {
    report(
      field,
      `must not have a user part (received user "${uri.user.length > 40 ? uri.user.slice(0, 40) + '…' : uri.user}")`,
    );
    ok = false;
  }
  if (rules.noHeaders && uri.headers.length > 0) {
    report(field, 'must not have ?headers');
    ok = false;
  }
  return ok ? { text, uri } : undefined;
}

function credentialFields(input: Record<string, unknown>, report: Report): RegistrantCredentials | undefined {
  const username = stringField(input, 'username', false, report);
  const password = stringField(input, 'password', false, report, true);
  if (username === null || password === null) return undefined;
  if (username !== undefined && password === undefined) {
    report('password', 'is required when username is set');
    return undefined;
  }
  if (password !== undefined && username === undefined) {
    report('username', 'is required when password is set');
    return undefined;
  }
  if (username === undefined || password === undefined) return undefined;
  return makeCredentials(username, password);
}

function contactParamsField(input: Record<string, unknown>, report: Report): string | undefined {
  const text = stringField(input, 'contactParams', false, report);
  if (typeof text !== 'string') return undefined;
  if (text.charCodeAt(0) !== 0x3b) {
    report('contactParams', `must start with ";" (e.g. ";reg-id=1"), received ${show(text.slice(0, 20))}`);
    return undefined;
  }
  try {
    const params = parseParams(text, 'contactParams');
    if (params.has('expires')) {
      report('contactParams', 'must not contain "expires": the engine sets it on every request (EXP-02)');
      return undefined;
    }
  } catch (error) {
    if (!(error instanceof SipParseError)) throw error;
    report(
      'contactParams',
      `is not a list of header parameters (${error.message.replace(/^contactParams: /, '')})`,
    );
    return undefined;
  }
  return text;
}

function expiryField(input: Record<string, unknown>, report: Report): number | undefined {
  const value = input.expiry;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_EXPIRY) {
    report('expiry', `expected an integer number of seconds 1..${MAX_EXPIRY}, received ${kindOf(value)}`);
    return undefined;
  }
  return value;
}

function enabledField(input: Record<string, unknown>, report: Report): boolean | undefined {
  const value = input.enabled;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    report('enabled', `expected a boolean, received ${kindOf(value)}`);
    return undefined;
  }
  return value;
}

function socketField(input: Record<string, unknown>, report: Report): ForcedSocket | undefined {
  const text = stringField(input, 'socket', false, report);
  if (typeof text !== 'string') return undefined;
  const parsed = parseForcedSocket(text);
  if (typeof parsed === 'string') {
    report('socket', parsed);
    return undefined;
  }
  return parsed;
}

/**
 * Parse a forced socket `proto:host:port` (OpenSIPS syntax): proto udp/tcp/tls (any case), host an
 * IPv4 address, an `[IPv6]` reference or a host name, port 1–65535. Returns the socket, or a problem
 * description.
 */
export function parseForcedSocket(text: string): ForcedSocket | string {
  const expected = 'expected proto:host:port, e.g. udp:127.0.0.1:5060';
  const firstColon = text.indexOf(':');
  const lastColon = text.lastIndexOf(':');
  if (firstColon === -1 || lastColon === firstColon) return `${expected}, received ${show(text)}`;
  const protocol = text.slice(0, firstColon).toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'tls')
    return `protocol must be udp, tcp or tls, received ${show(text.slice(0, firstColon))}`;
  const hostText = text.slice(firstColon + 1, lastColon);
  const portText = text.slice(lastColon + 1);
  const type = classifyHost(hostText);
  if (type === undefined)
    return `host must be an IPv4 address, an [IPv6] reference or a host name, received ${show(hostText)}`;
  let port = 0;
  for (let i = 0; i < portText.length && port <= 65535; i++) {
    const code = portText.charCodeAt(i);
    if (code < 0x30 || code > 0x39) {
      port = -1;
      break;
    }
    port = port * 10 + code - 0x30;
  }
  if (portText.length === 0 || port < 1 || port > 65535)
    return `port must be a number 1..65535, received ${show(portText)}`;
  const host = type === 'ipv6' ? hostText.slice(1, -1) : hostText;
  return Object.freeze({
    protocol: protocol as ForcedSocketProtocol,
    host,
    port,
    text: `${protocol}:${hostText}:${port}`,
  });
}
