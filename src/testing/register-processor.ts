/**
 * The registrar proper: from one REGISTER and the action chosen for it to the bytes of the answer
 * (RFC 3261 §10.3 steps 2–8, Digest challenges of §22). Sockets, scripts, retransmissions and timing
 * belong to the double around it.
 */
import { normalizeAlgorithmName } from '../sip/challenge.js';
import { splitOutside } from '../sip/lexer.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { encodeMessage, serializeMessage } from '../sip/serializer.js';
import type { BindingStore } from './binding-store.js';
import { formatChallenge } from './challenge-header.js';
import {
  type DigestVerification,
  type DigestVerifierPolicy,
  verifyDigestCredentials,
} from './digest-verifier.js';
import { NonceIssuer } from './nonce-issuer.js';
import { okResponseHeaders } from './ok-response.js';
import type { RegisterFields } from './register-request.js';
import type { ResolvedRegistrarDoubleOptions } from './registrar-double-options.js';
import type { RegistrarStats } from './registrar-stats.js';
import { applyRegistration } from './registration-update.js';
import { buildResponse, type ResponseContext } from './response-writer.js';
import type {
  ChallengeAction,
  ExtraHeader,
  MalformedAction,
  ProcessAction,
  RegisterRequestInfo,
  ScriptedAction,
} from './scripted-behaviour.js';

/** An answer ready to send: bytes, and the status code for the counters (none for malformed bytes). */
export interface EncodedAnswer {
  readonly bytes: Uint8Array;
  readonly status: number | undefined;
}

export class RegisterProcessor {
  readonly #options: ResolvedRegistrarDoubleOptions;
  readonly #store: BindingStore;
  readonly #stats: () => RegistrarStats;
  readonly #nonces = new NonceIssuer();
  readonly #verifier: DigestVerifierPolicy | undefined;

  /** `stats` is read at each use, so the double may replace its counters (`resetRecords`). */
  constructor(options: ResolvedRegistrarDoubleOptions, store: BindingStore, stats: () => RegistrarStats) {
    this.#options = options;
    this.#store = store;
    this.#stats = stats;
    const lookupPassword = options.lookupPassword;
    this.#verifier =
      lookupPassword === undefined
        ? undefined
        : {
            realm: options.realm,
            lookupPassword,
            algorithms: options.algorithms.map(normalizeAlgorithmName),
            qop: options.qop,
            opaque: options.opaque,
            nonceTtlMs: options.nonceTtlMs,
          };
  }

  /** The credentials verdict, or `undefined` when the double authenticates nobody. */
  verify(request: SipRequest, now: number): DigestVerification | undefined {
    return this.#verifier === undefined
      ? undefined
      : verifyDigestCredentials(request, this.#verifier, this.#nonces, now);
  }

  /** The final answer to a REGISTER; a `process` action applies the registration now. */
  answer(
    action: Exclude<ScriptedAction, { type: 'drop' }>,
    context: ResponseContext,
    fields: RegisterFields,
    info: RegisterRequestInfo,
    now: number,
  ): EncodedAnswer {
    switch (action.type) {
      case 'process':
        return encode(this.#process(action, context, fields, info, now));
      case 'challenge':
        return encode(this.#challenge(context, action, action.stale ?? false, now));
      case 'respond':
        return encode(
          buildResponse(context, action.status, action.reason, action.headers ?? [], action.body ?? ''),
        );
      case 'malformed':
        return { bytes: malformed(action, context), status: undefined };
    }
  }

  #process(
    action: ProcessAction,
    context: ResponseContext,
    fields: RegisterFields,
    info: RegisterRequestInfo,
    now: number,
  ): SipResponse {
    const options = this.#options;
    // §10.3 step 2: option tags we do not support in Require → 420 listing them.
    const unsupported = this.#unsupportedExtensions(context.request);
    if (unsupported.length > 0)
      return buildResponse(context, 420, undefined, [['Unsupported', unsupported.join(', ')]]);
    // §10.3 step 3: authenticate. A wrong digest gets a fresh challenge without stale (RFC 2617
    // §3.2.1); a right digest on an old nonce gets one with stale=true.
    if (this.#verifier !== undefined && action.skipAuth !== true) {
      const verdict = info.credentials;
      if (verdict === 'missing' || verdict === 'invalid')
        return this.#challenge(context, undefined, false, now);
      if (verdict === 'stale') return this.#challenge(context, undefined, true, now);
    }
    // §10.3 steps 6–7.
    const outcome = applyRegistration(
      this.#store,
      {
        aor: fields.aor,
        callId: info.callId,
        cseq: info.cseq,
        branch: info.branch,
        contacts: fields.contacts,
        expiresHeader: fields.expiresHeader,
        source: info.source,
      },
      {
        minExpires: options.minExpires,
        maxExpires: options.maxExpires,
        defaultExpires: options.defaultExpires,
        grant: action.grant,
      },
      now,
    );
    if (outcome.kind === 'reject')
      return buildResponse(context, outcome.status, outcome.reason, outcome.headers);
    // §10.3 step 8.
    const headers = okResponseHeaders(outcome, action, now);
    if (options.dateHeader) headers.push(['Date', new Date().toUTCString()]);
    if (action.headers !== undefined) headers.push(...action.headers);
    return buildResponse(context, 200, undefined, headers);
  }

  #challenge(
    context: ResponseContext,
    overrides: ChallengeAction | undefined,
    stale: boolean,
    now: number,
  ): SipResponse {
    const options = this.#options;
    const status = overrides?.status ?? 401;
    const header = status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    // One nonce for every row: the client answers one of them (RFC 8760 §2.4).
    const nonce = this.#nonces.issue(now);
    const realm = overrides?.realm ?? options.realm;
    const qopOverride = overrides?.qop;
    const qop =
      qopOverride === undefined
        ? options.qop
        : qopOverride === null
          ? []
          : qopOverride.split(',').map((option) => option.trim());
    const opaque = overrides?.opaque ?? options.opaque;
    const headers: ExtraHeader[] = [];
    for (const algorithm of overrides?.algorithms ?? options.algorithms)
      headers.push([header, formatChallenge({ realm, nonce, algorithm, qop, stale, opaque })]);
    if (overrides?.headers !== undefined) headers.push(...overrides.headers);
    const stats = this.#stats();
    stats.challenges++;
    if (stale) stats.staleChallenges++;
    return buildResponse(context, status, undefined, headers);
  }

  #unsupportedExtensions(request: SipRequest): string[] {
    const rows = request.headers.getAll('Require');
    if (rows.length === 0) return [];
    const unsupported: string[] = [];
    for (const row of rows)
      for (const tag of splitOutside(row, ',') ?? [row])
        if (tag !== '' && !this.#options.supported.has(tag.toLowerCase())) unsupported.push(tag);
    return unsupported;
  }
}

function encode(response: SipResponse): EncodedAnswer {
  return { bytes: encodeMessage(response), status: response.status };
}

/** By default: a response whose status code is not a number, with the copied headers. */
function malformed(action: MalformedAction, context: ResponseContext): Uint8Array {
  if (action.bytes !== undefined)
    return typeof action.bytes === 'string' ? Buffer.from(action.bytes, 'utf8') : action.bytes;
  const text = serializeMessage(buildResponse(context, 200, 'OK', []));
  return Buffer.from(`SIP/2.0 2OO OK${text.slice(text.indexOf('\r\n'))}`, 'utf8');
}
