/**
 * Reading what the registrar needs out of a REGISTER (RFC 3261 §10.3): the canonical AOR from To, the
 * Contact list, Expires, Call-ID and CSeq. Anything malformed becomes a `400` problem string rather
 * than an exception, so the double answers a broken client instead of crashing on it.
 */
import { SipParseError } from '../errors.js';
import { parseContactList } from '../sip/contact.js';
import { parseExpires } from '../sip/expires.js';
import { splitOutside } from '../sip/lexer.js';
import type { SipRequest } from '../sip/message.js';
import { parseFromTo } from '../sip/name-addr.js';
import { formatParams, type GenericParam } from '../sip/params.js';
import { formatUri, type Uri } from '../sip/uri.js';
import { canonicalAorOf } from './canonical-aor.js';

/** One Contact of the request, ready for the binding store. */
export interface RequestedContact {
  /** The Contact URI, parsed (compared by RFC 3261 §19.1.4 with the stored ones). */
  readonly uri: Uri;
  /** The URI as the double echoes it. */
  readonly uriText: string;
  /** Header params other than `expires`, formatted `;name=value…`, or ''. */
  readonly params: string;
  /** The `expires` param: its value, or `undefined` when absent or malformed (EXP-09). */
  readonly expires: number | undefined;
}

/** The registration data of a REGISTER. */
export interface RegisterFields {
  readonly aor: string;
  /** User part of the AOR ('' when none). */
  readonly user: string;
  /** Whether To already has a tag (a REGISTER should not, RFC 3261 §10.2). */
  readonly toHasTag: boolean;
  /** `'*'` for `Contact: *` (alone); an empty array for a binding query (§10.2.3). */
  readonly contacts: readonly RequestedContact[] | '*';
  /** The raw Contact values, one per list element, for scripts and records. */
  readonly contactValues: readonly string[];
  /** Expires header: value, or `undefined` when absent or not a number. */
  readonly expiresHeader: number | undefined;
  /** The raw Expires header, if any. */
  readonly expiresHeaderText: string | undefined;
}

function notExpires(param: GenericParam): boolean {
  return param.name !== 'expires';
}

function contactValues(rows: readonly string[]): string[] {
  const values: string[] = [];
  for (const row of rows)
    for (const part of splitOutside(row, ',') ?? [row]) if (part !== '') values.push(part);
  return values;
}

/**
 * The registration fields of `request`, or a problem for a 400 reason phrase.
 */
export function readRegisterFields(request: SipRequest): RegisterFields | { readonly problem: string } {
  const toText = request.headers.get('To');
  if (toText === undefined) return { problem: 'Missing To' };
  let aor: string;
  let user: string;
  let toHasTag: boolean;
  try {
    const to = parseFromTo(toText, 'To');
    aor = canonicalAorOf(to.uri);
    user = to.uri.kind === 'sip' ? (to.uri.user ?? '') : '';
    toHasTag = to.tag !== undefined;
  } catch (error) {
    if (error instanceof SipParseError) return { problem: 'Bad To' };
    throw error;
  }

  const rows = request.headers.getAll('Contact');
  let contacts: RequestedContact[] | '*';
  try {
    const list = parseContactList(rows);
    contacts = list.star
      ? '*'
      : list.contacts.map((contact) => {
          const params = [...contact.params].filter(notExpires);
          return {
            uri: contact.uri,
            uriText: formatUri(contact.uri),
            params: params.length === 0 ? '' : formatParams(params),
            expires: contact.expires,
          };
        });
  } catch (error) {
    // parseContactList also refuses `*` beside other values (§10.3 step 6 wants a 400 for it too).
    if (error instanceof SipParseError) return { problem: 'Bad Contact' };
    throw error;
  }

  const expiresHeaderText = request.headers.get('Expires');
  return {
    aor,
    user,
    toHasTag,
    contacts,
    contactValues: rows.length === 0 ? [] : contactValues(rows),
    expiresHeader: expiresHeaderText === undefined ? undefined : parseExpires(expiresHeaderText),
    expiresHeaderText,
  };
}
