/**
 * The Contact header of a REGISTER response (RFC 3261 §20.10, §10.2.4, §10.3):
 *
 *     Contact = ( "Contact" / "m" ) HCOLON ( STAR / ( contact-param *( COMMA contact-param ) ) )
 *     contact-param  = ( name-addr / addr-spec ) *( SEMI contact-params )
 *     contact-params = c-p-q / c-p-expires / contact-extension
 *
 * Several rows and one comma-separated row are the same list; commas inside quoted strings and
 * `<…>` do not separate (checklist MSG-05, PIT-25: `methods="INVITE,BYE"`). A registrar may echo a
 * malformed Contact of another device in every 2xx (PIT-24), so a tolerant mode skips unparsable
 * values one by one and counts them instead of losing ours.
 */

import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { parseDeltaSeconds } from './expires.js';
import { splitOutside } from './lexer.js';
import { type NameAddr, parseNameAddr } from './name-addr.js';
import { paramEntry } from './params.js';

/** One Contact value. */
export interface Contact extends NameAddr {
  /**
   * The `expires` parameter in seconds (EXP-09: 0..2^32−1, larger clamped), or `undefined` when it
   * is absent or not a number (then the Expires header applies, EXP-05).
   */
  readonly expires: number | undefined;
  /** The `q` parameter (0–1), or `undefined` when absent or not a valid qvalue. */
  readonly q: number | undefined;
}

/** Result of {@link parseContactList}. */
export type ContactList =
  | { readonly star: true; readonly skipped: number }
  | {
      readonly star: false;
      readonly contacts: Contact[];
      /** Values skipped as unparsable (tolerant mode only; always 0 in strict mode). */
      readonly skipped: number;
    };

/** Options of {@link parseContactList}. */
export interface ContactListOptions {
  /**
   * Skip values that do not parse, counting them in `skipped`, instead of throwing (PIT-24).
   * Use it on responses; keep it off where a bad Contact must reject the message.
   * @default false
   */
  readonly tolerant?: boolean;
  /** Header name used in error messages. @default 'Contact' */
  readonly header?: string;
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 3261 §25.1). */
function parseQValue(text: string | undefined): number | undefined {
  if (text === undefined || text.length === 0 || text.length > 5) return undefined;
  const first = text.charCodeAt(0);
  if (first !== 0x30 && first !== 0x31) return undefined;
  if (text.length > 1 && text.charCodeAt(1) !== 0x2e) return undefined;
  // The digits after the point as an integer over a power of ten: both are exact, so the division
  // gives the double nearest the decimal, as Number(text) does, without a string-to-number call.
  let fraction = 0;
  let scale = 1;
  for (let i = 2; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39 || (first === 0x31 && code !== 0x30)) return undefined;
    fraction = fraction * 10 + (code - 0x30);
    scale *= 10;
  }
  return first === 0x31 ? 1 : fraction / scale;
}

/** Parses one contact-param (a single value of the list, not `*`). */
export function parseContact(text: string, header = 'Contact'): Contact {
  const { displayName, uri, params } = parseNameAddr(text, header);
  const expires = paramEntry(params, 'expires')?.value;
  return {
    displayName,
    uri,
    params,
    expires: expires === undefined ? undefined : parseDeltaSeconds(expires),
    q: parseQValue(paramEntry(params, 'q')?.value),
  };
}

/**
 * Parses every Contact row of a message into one list.
 *
 * `*` is valid only as the sole value (RFC 3261 §10.2.2, §20.10); anywhere else it is malformed.
 * An empty element (`a,,b`) or an empty row is malformed too.
 *
 * @param values - the header rows in message order (`headers.getAll('Contact')`).
 * @throws SipParseError (`BAD_HEADER_VALUE` / `BAD_URI`) in strict mode on the first malformed
 *   value; never in tolerant mode.
 * @throws SipInvalidArgumentError for invalid options.
 */
export function parseContactList(values: readonly string[], options: ContactListOptions = {}): ContactList {
  if (options.tolerant !== undefined && typeof options.tolerant !== 'boolean') {
    throw new SipInvalidArgumentError(`options.tolerant must be a boolean, got ${typeof options.tolerant}`);
  }
  if (options.header !== undefined && typeof options.header !== 'string') {
    throw new SipInvalidArgumentError(`options.header must be a string, got ${typeof options.header}`);
  }
  const tolerant = options.tolerant ?? false;
  const header = options.header ?? 'Contact';
  const contacts: Contact[] = [];
  let skipped = 0;
  let stars = 0;
  let elements = 0;
  for (let r = 0; r < values.length; r++) {
    const row = values[r]!;
    // The usual row holds one value: parse it whole. A contact-param that parses holds no `,`, `<`
    // or `>` outside a quoted-string and no open quote, so splitting the row would have returned
    // exactly this trimmed row. Anything else (a list, `*`, an error) takes the splitting path
    // below, which decides what is skipped or thrown, so results and errors are unchanged.
    const single = parseSingleContact(row, header);
    if (single !== undefined) {
      elements++;
      contacts.push(single);
      continue;
    }
    const parts = splitOutside(row, ',');
    if (parts === undefined) {
      // An open quote or '<' makes the rest of the row unreadable; other rows still count.
      if (!tolerant) rejectContact(header, 'unterminated quoted-string or <URI> in a row');
      skipped++;
      continue;
    }
    for (const part of parts) {
      elements++;
      if (part === '') {
        if (!tolerant) rejectContact(header, 'empty value in the list');
        skipped++;
      } else if (part === '*') stars++;
      else if (!tolerant) contacts.push(parseContact(part, header));
      else {
        try {
          contacts.push(parseContact(part, header));
        } catch (error) {
          if (!(error instanceof SipParseError)) throw error;
          skipped++;
        }
      }
    }
  }
  if (stars > 0) {
    if (stars === 1 && elements === 1) return { star: true, skipped };
    if (!tolerant) rejectContact(header, "'*' must be the only Contact value");
    skipped += stars;
  }
  return { star: false, contacts, skipped };
}

function rejectContact(header: string, what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `${header}: ${what}`, header);
}

/** The row parsed as one contact-param, or `undefined` when it is not exactly one valid value. */
function parseSingleContact(row: string, header: string): Contact | undefined {
  const part = row.trim();
  if (part === '' || part === '*') return undefined;
  try {
    return parseContact(part, header);
  } catch {
    return undefined;
  }
}
