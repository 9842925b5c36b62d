import { SipInvalidArgumentError } from '../errors.js';

/**
 * How a test tells the registrar double to behave for one REGISTER: the action shapes, the information
 * a script sees about each request, and the matching of scripted rules.
 *
 * Every action may carry the two common modifiers of {@link ActionTiming}: `delayMs` (answer later, on
 * the double's clock, so a FakeClock controls it) and `trying` (send `100 Trying` at once first).
 */

/** A header to add to a response: `[name, value]`. */
export type ExtraHeader = readonly [name: string, value: string];

/** Modifiers every action accepts. */
export interface ActionTiming {
  /**
   * Hold the answer this many milliseconds of the double's clock (a FakeClock in tests). The
   * registration itself is applied on receipt; only the response waits. Retransmissions meanwhile are
   * absorbed, as a server transaction in the Proceeding state would (RFC 3261 §17.2.2).
   * @default 0
   */
  readonly delayMs?: number;
  /**
   * Send `100 Trying` at once, before the (possibly delayed) final answer; it is repeated for each
   * retransmission that arrives while the answer is pending (RFC 3261 §17.2.2).
   * @default false
   */
  readonly trying?: boolean;
}

/**
 * Run the registrar normally (authentication, RFC 3261 §10.3), optionally bending the 200 OK in the
 * ways real registrars do (checklist PIT-01..04).
 */
export interface ProcessAction extends ActionTiming {
  readonly type: 'process';
  /** Accept the request without checking (or asking for) credentials. @default false */
  readonly skipAuth?: boolean;
  /**
   * Grant this expiry instead of the computed one, for every Contact being registered (not for
   * removals): a number of seconds, or a function of the requested value (e.g. `(r) => r - 1`,
   * checklist PIT-04). Min-Expires is still enforced on the requested value first.
   */
  readonly grant?: number | ((requested: number) => number);
  /**
   * Which bindings the 200 OK lists: all of the AOR's (RFC 3261 §10.3 step 8), all but the ones this
   * request registered, or none at all.
   * @default 'all'
   */
  readonly contacts?: 'all' | 'others' | 'none';
  /**
   * Where the 200 OK states expiries: in each Contact's `expires` parameter (the RFC way), only in an
   * `Expires` header carrying the expiry of this request's first binding (PIT-02), or both.
   * @default 'contact'
   */
  readonly expiresIn?: 'contact' | 'header' | 'both';
  /** Order of the listed bindings: as stored, this request's last (PIT-03), or first. @default 'stored' */
  readonly order?: 'stored' | 'ours-last' | 'ours-first';
  /** List all bindings in one comma-joined Contact row instead of one row each. @default false */
  readonly joinContacts?: boolean;
  /**
   * Rewrite each Contact value (`<uri>;params;expires=N`) of the 200 OK, e.g. change parameter order or
   * case, add `received` or `alias` (PIT-01). Called for every listed binding with `ours` telling
   * whether this request registered it.
   */
  readonly rewriteContact?: (value: string, ours: boolean) => string;
  /** Headers appended to the 200 OK (e.g. `['Date', …]`, `['Authentication-Info', …]`). */
  readonly headers?: readonly ExtraHeader[];
}

/** Challenge the request whatever its credentials (e.g. `stale=true`, several algorithms, 407). */
export interface ChallengeAction extends ActionTiming {
  readonly type: 'challenge';
  /** `401` with WWW-Authenticate or `407` with Proxy-Authenticate. @default 401 */
  readonly status?: 401 | 407;
  /** Add `stale=true` (RFC 2617 §3.2.1). @default false */
  readonly stale?: boolean;
  /**
   * One challenge row per algorithm, in this order. Credentials are only accepted afterwards for the
   * algorithms of the double's `algorithm` option, so offering another one tests a client's choice.
   * @default the double's `algorithm` option
   */
  readonly algorithms?: readonly string[];
  /** `qop` offered; `null` offers none. @default the double's `qop` option */
  readonly qop?: string | null;
  /** Realm of the challenge. @default the double's `realm` option */
  readonly realm?: string;
  /** `opaque` to send. @default the double's `opaque` option */
  readonly opaque?: string;
  /** Headers appended to the response. */
  readonly headers?: readonly ExtraHeader[];
}

/**
 * Answer with any status and headers: `503` + `Retry-After`, `403`, `302` + `Contact`, `423` without
 * `Min-Expires`, `500`… The mandatory headers (Via, From, To with a tag, Call-ID, CSeq) are copied in.
 */
export interface RespondAction extends ActionTiming {
  readonly type: 'respond';
  /** Status code 100–699. */
  readonly status: number;
  /** Reason phrase. @default the RFC 3261 phrase for the code, or `Unknown` */
  readonly reason?: string;
  readonly headers?: readonly ExtraHeader[];
  /** Body (its Content-Length is computed). @default '' */
  readonly body?: string;
}

/** Never answer this request, nor any retransmission of it (a black-holed registrar, RSP-01). */
export interface DropAction {
  readonly type: 'drop';
}

/**
 * Answer with bytes that are not a valid SIP message. By default a response whose status code is not
 * a number but whose Via, Call-ID and CSeq are copied, so a client matches it to its transaction and
 * must reject it as unparsable.
 */
export interface MalformedAction extends ActionTiming {
  readonly type: 'malformed';
  /** Exact bytes to send instead of the default. */
  readonly bytes?: string | Uint8Array;
}

/** Everything the double can be told to do with one REGISTER. */
export type ScriptedAction = ProcessAction | ChallengeAction | RespondAction | DropAction | MalformedAction;

/** Outcome of checking the credentials of a request (before any script runs). */
export type CredentialsVerdict =
  /** No credentials for our realm in the request. */
  | 'missing'
  /** Right digest and a fresh nonce of ours. */
  | 'valid'
  /** Right digest but the nonce is too old or not ours: answered with `stale=true`. */
  | 'stale'
  /** Wrong digest, unknown user, wrong realm, `uri` not the Request-URI, or malformed credentials. */
  | 'invalid'
  /** Authentication is off for this double. */
  | 'not-required';

/** What a script sees about a REGISTER. No password, no digest response. */
export interface RegisterRequestInfo {
  /** Running number of the request (1 for the first request the double received). */
  readonly seq: number;
  readonly method: string;
  /** Request-URI exactly as on the request line. */
  readonly requestUri: string;
  /** Canonical address-of-record from To (`sip:user@host[:port]`, RFC 3261 §10.3 step 5). */
  readonly aor: string;
  /** User part of the AOR ('' when none). */
  readonly user: string;
  readonly callId: string;
  readonly cseq: number;
  /** Top Via branch. */
  readonly branch: string;
  /** Contact header values as received, one entry per value (`*` included). */
  readonly contacts: readonly string[];
  /** Expires header value as received, if any. */
  readonly expiresHeader: string | undefined;
  /** `username` of the credentials for our realm, if any. */
  readonly username: string | undefined;
  readonly credentials: CredentialsVerdict;
  /** Why `credentials` is `invalid` (e.g. `wrong response`, `uri mismatch`), for assertions. */
  readonly credentialsProblem: string | undefined;
  /** Where the datagram came from. */
  readonly source: { readonly host: string; readonly port: number };
  /** Raw bytes of the request, as received. */
  readonly raw: Uint8Array;
}

/** A script as a function: return an action, or `undefined` for normal processing. */
export type RegistrarBehaviour = (request: RegisterRequestInfo) => ScriptedAction | undefined;

/** Which requests a scripted rule applies to; every given field must match. */
export interface ScriptMatch {
  /** Canonical AOR equals this (it is canonicalised the same way, so `sip:Alice@EXAMPLE.com` works). */
  readonly aor?: string;
  /** User part of the AOR equals this. */
  readonly user?: string;
  /** User part of the AOR starts with this. */
  readonly userPrefix?: string;
  /** Only requests whose credentials verdict is one of these. */
  readonly credentials?: CredentialsVerdict | readonly CredentialsVerdict[];
  /** Any further condition. */
  readonly when?: (request: RegisterRequestInfo) => boolean;
}

/** Options of {@link ScriptMatch}-based rules beyond the match. */
export interface ScriptOptions extends ScriptMatch {
  /** Apply to this many matching requests (new transactions, not retransmissions), then retire. */
  readonly times?: number;
}

/** A rule as the double keeps it. */
export interface ScriptRule {
  readonly match: ScriptMatch;
  readonly action: ScriptedAction;
  /** Remaining uses; `Infinity` for no limit. */
  remaining: number;
}

/** True when `request` satisfies every field of `match` (`canonicalAor` is the match's AOR, canonical). */
export function matchesScript(
  match: ScriptMatch,
  canonicalAor: string | undefined,
  request: RegisterRequestInfo,
): boolean {
  if (canonicalAor !== undefined && canonicalAor !== request.aor) return false;
  if (match.user !== undefined && match.user !== request.user) return false;
  if (match.userPrefix !== undefined && !request.user.startsWith(match.userPrefix)) return false;
  if (match.credentials !== undefined) {
    const allowed = match.credentials;
    if (
      typeof allowed === 'string' ? allowed !== request.credentials : !allowed.includes(request.credentials)
    )
      return false;
  }
  if (match.when !== undefined && !match.when(request)) return false;
  return true;
}

const ACTION_TYPES: ReadonlySet<string> = new Set(['process', 'challenge', 'respond', 'drop', 'malformed']);

function invalidScript(what: string, expected: string, received: unknown): never {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  throw new SipInvalidArgumentError(`RegistrarDouble.script: ${what} must be ${expected}, received ${shown}`);
}

function isHeaderList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (row) =>
        Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && typeof row[1] === 'string',
    )
  );
}

/**
 * Check an action and rule options up front, so a typo fails where it is written rather than as a
 * 500 from inside the socket callback later.
 * @throws SipInvalidArgumentError naming the field, what was expected and what was received
 */
export function validateScript(action: ScriptedAction, options: ScriptOptions): void {
  if (typeof action !== 'object' || action === null) invalidScript('action', 'an object', action);
  if (!ACTION_TYPES.has(action.type))
    invalidScript('action.type', "'process', 'challenge', 'respond', 'drop' or 'malformed'", action.type);
  if (action.type !== 'drop') {
    const { delayMs, trying } = action;
    if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs >= 0 && Number.isFinite(delayMs)))
      invalidScript('action.delayMs', 'a finite number >= 0', delayMs);
    if (trying !== undefined && typeof trying !== 'boolean')
      invalidScript('action.trying', 'a boolean', trying);
  }
  if (
    action.type === 'respond' &&
    !(Number.isInteger(action.status) && action.status >= 100 && action.status <= 699)
  )
    invalidScript('action.status', 'an integer from 100 to 699', action.status);
  if (
    action.type === 'challenge' &&
    action.status !== undefined &&
    action.status !== 401 &&
    action.status !== 407
  )
    invalidScript('action.status', '401 or 407', action.status);
  if ('headers' in action && action.headers !== undefined && !isHeaderList(action.headers))
    invalidScript('action.headers', 'an array of [name, value] string pairs', 'something else');
  if (action.type === 'process' && action.grant !== undefined) {
    const grant = action.grant;
    if (typeof grant !== 'function' && !(typeof grant === 'number' && Number.isFinite(grant)))
      invalidScript('action.grant', 'a number of seconds or a function', grant);
  }
  if (typeof options !== 'object' || options === null) invalidScript('options', 'an object', options);
  const { times } = options;
  if (times !== undefined && !(Number.isInteger(times) && times > 0))
    invalidScript('options.times', 'a positive integer', times);
}
