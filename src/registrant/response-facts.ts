/**
 * Turns a final SIP response into the plain facts the state machine needs (a {@link ResponseEvent}),
 * so the manager never hand-parses and the machine never sees SIP text. Pure: no I/O, no clock.
 *
 * - 2xx: our binding is looked up among all Contact values by RFC 3261 §19.1.4 comparison (EXP-04);
 *   malformed Contacts of other devices are skipped, not fatal (PIT-24). Its `expires` parameter and
 *   the `Expires` header are passed on (EXP-05).
 * - 423: `Min-Expires` (EXP-15). 401/407: `stale=true` (DIG-50) and whether the nonce changed
 *   (DIG-52). 3xx: the highest-q SIP/SIPS Contact (RSP-06). Any: `Retry-After` (RSP-10/11).
 *
 * Malformed optional headers read as absent; they never throw.
 */
import { parseDigestChallengeOnce } from '../auth/challenge-memo.js';
import { SipParseError } from '../errors.js';
import { type Contact, parseContactList } from '../sip/contact.js';
import { parseExpires } from '../sip/expires.js';
import type { SipResponse } from '../sip/message.js';
import { parseRetryAfter } from '../sip/retry-after.js';
import { formatUri, parseUri, type Uri } from '../sip/uri.js';
import { uriEquals } from '../sip/uri-compare.js';
import type { ResponseEvent } from './registrant-events.js';

/** Inputs besides the response. */
export interface ResponseFactsOptions {
  /** The `token` of the send action the response answers. */
  readonly token: number;
  /** Our binding URI (config `contact`), as text or parsed once and reused. */
  readonly contact: string | Uri;
  /**
   * The nonce our credentials answered in the request that drew this challenge, if any; lets the
   * machine apply DIG-52 (nonce changed without `stale=true`).
   */
  readonly answeredNonce?: string | undefined;
  /** Passed through to the event (rate cap). @default true */
  readonly sendAllowed?: boolean;
}

type MutableFacts = { -readonly [K in keyof ResponseEvent]: ResponseEvent[K] };

/** Build the {@link ResponseEvent} for a final response. */
export function responseFacts(response: SipResponse, options: ResponseFactsOptions): ResponseEvent {
  const { status, headers } = response;
  // Built field by field in a fixed order (the keys present are the same as ever): no spread copies.
  const facts: MutableFacts = {
    type: 'response',
    token: options.token,
    status,
    reason: response.reason,
    retryAfter: readRetryAfter(headers.get('Retry-After')),
  };
  if (options.sendAllowed !== undefined) facts.sendAllowed = options.sendAllowed;
  if (status >= 200 && status < 300) {
    const ours = findBinding(headers.getAll('Contact'), options.contact);
    facts.bindingFound = ours !== undefined;
    facts.bindingExpires = ours?.expires;
    facts.expiresHeader = readNumber(headers.get('Expires'));
  } else if (status === 423) {
    facts.minExpires = readNumber(headers.get('Min-Expires'));
  } else if (status === 401 || status === 407) {
    const rows = headers.getAll(status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
    facts.stale = isStale(rows);
    facts.nonceChanged = options.answeredNonce !== undefined && nonceChanged(rows, options.answeredNonce);
  } else if (status >= 300 && status < 400) {
    facts.redirectUri = redirectTarget(headers.getAll('Contact'));
  }
  return facts;
}

function contactsOf(rows: readonly string[]): readonly Contact[] {
  if (rows.length === 0) return [];
  const list = parseContactList(rows, { tolerant: true });
  return list.star ? [] : list.contacts;
}

/**
 * Our Contact among the response's (EXP-04): the first one equal to ours by RFC 3261 §19.1.4.
 *
 * A registrar echoes our binding as we sent it, usually first: when the first row starts with our
 * URI text in angle brackets and that row parses without a skipped value, its first Contact is
 * the first of the whole list and equal to ours (the same text parses to the same URI, and URI
 * equality is reflexive), so it is the answer without parsing our URI, comparing, or reading the
 * other rows. Anything else takes the full comparison.
 */
function findBinding(rows: readonly string[], ours: string | Uri): Contact | undefined {
  if (typeof ours === 'string' && rows.length > 0) {
    const first = rows[0]!;
    if (
      first.length > ours.length + 1 &&
      first.charCodeAt(0) === 0x3c &&
      first.charCodeAt(ours.length + 1) === 0x3e &&
      first.startsWith(ours, 1)
    ) {
      const list = parseContactList([first], { tolerant: true });
      if (!list.star && list.skipped === 0 && list.contacts.length > 0) return list.contacts[0];
    }
  }
  return findBindingByComparison(contactsOf(rows), ours);
}

function findBindingByComparison(contacts: readonly Contact[], ours: string | Uri): Contact | undefined {
  if (contacts.length === 0) return undefined;
  let mine: Uri;
  try {
    mine = typeof ours === 'string' ? parseUri(ours) : ours;
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
  for (const contact of contacts) if (uriEquals(contact.uri, mine)) return contact;
  return undefined;
}

function readNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseExpires(value);
}

function readRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseRetryAfter(value).seconds;
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
}

/**
 * A Digest challenge among `rows` says `stale=true` (DIG-50); malformed and non-Digest rows are
 * ignored (as `isStaleChallenge` does). The parse is remembered for the authenticator, which reads
 * the same row next.
 */
function isStale(rows: readonly string[]): boolean {
  for (const row of rows) {
    try {
      if (parseDigestChallengeOnce(row).stale) return true;
    } catch {
      // Not a usable Digest challenge: it cannot say stale.
    }
  }
  return false;
}

function nonceChanged(rows: readonly string[], answered: string): boolean {
  for (const row of rows) {
    try {
      const challenge = parseDigestChallengeOnce(row);
      if (challenge.nonce !== answered) return true;
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
    }
  }
  return false;
}

/** The highest-q SIP/SIPS Contact of a redirect (first in order among equals), as text. */
function redirectTarget(rows: readonly string[]): string | undefined {
  let best: Contact | undefined;
  for (const contact of contactsOf(rows)) {
    if (contact.uri.kind !== 'sip') continue;
    if (best === undefined || (contact.q ?? 1) > (best.q ?? 1)) best = contact;
  }
  return best === undefined ? undefined : formatUri(best.uri);
}
