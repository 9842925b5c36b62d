import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { type Clock, realClock } from '../clock.js';
import { describeReceived, SipInvalidArgumentError, TransportError } from '../errors.js';
import { parseCSeq } from '../sip/cseq.js';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message.js';
import { parseFromTo } from '../sip/name-addr.js';
import { type ParseLimits, resolveParseLimits } from '../sip/parse-limits.js';
import { parseMessage } from '../sip/parser.js';
import { encodeMessage } from '../sip/serializer.js';
import { getVias, type ParsedVia } from '../sip/via.js';
import type { InboundSource, Transport, TransportAddress, TransportTarget } from '../transport/transport.js';
import { BRANCH_MAGIC_COOKIE, createBranch } from './branch.js';
import {
  ClientTransaction,
  type ClientTransactionHandle,
  type ClientTransactionHost,
  type TransactionCounters,
  type TransactionHandler,
  type TransactionIdentity,
  type TransactionRecordId,
  type TransactionResponseEvent,
} from './client-transaction.js';
import { DeadlineQueue } from './deadline-queue.js';
import {
  HEADER_LINES_PROBLEM,
  linesAreFramed,
  type PreparedRequest,
  preparedRequestProblem,
} from './prepared-request.js';
import { resolveTransactionTimers, type TransactionTimerOptions, type TransactionTimers } from './timers.js';

/** Options of {@link TransactionLayer}. */
export interface TransactionLayerOptions {
  /** The transport requests go out on and responses come in on. The layer does not close it. */
  transport: Transport;
  /**
   * Time source for Timers E, F and K.
   * @default realClock
   */
  clock?: Clock;
  /**
   * T1, T2, T4 and Timer F (checklist TXN-01).
   * @default { t1: 500, t2: 4000, t4: 5000, timerF: 64 * t1 }
   */
  timers?: TransactionTimerOptions;
  /**
   * Parser limits for inbound messages (checklist SEC-04); validated here, once.
   * @default DEFAULT_PARSE_LIMITS (65,536-byte message, 256 headers, 8 KiB per header line)
   */
  parseLimits?: Partial<ParseLimits>;
  /**
   * Address written as the Via sent-by (RFC 3261 §18.1.1) and required in the top Via of every
   * response (§18.1.2, checklist RSP-05). Set it when the transport is bound to a wildcard address.
   * @default transport.localAddress
   */
  sentBy?: TransportAddress;
  /**
   * Accept a response only when it comes from the address the request was sent to (checklist
   * SEC-03, opt-in: RFC 3261 §18.2.2 lets a UDP response come from elsewhere). With it on, targets
   * must be IP literals, since only then can the source be compared.
   * @default false
   */
  strictSource?: boolean;
  /**
   * Called when a {@link TransactionHandler} throws. The transaction has already moved on.
   * @default rethrow the error on a microtask, so a bug in the handler surfaces as an uncaught error
   */
  onHandlerError?: (error: unknown, event: TransactionResponseEvent) => void;
}

/** Why an inbound message was dropped instead of reaching a transaction user. */
export interface TransactionDropCounters {
  /** Bytes the parser rejected. */
  readonly parseError: number;
  /** A request: this layer is a client only. */
  readonly requestReceived: number;
  /** No Via, malformed Via, no branch, more than one Via value (RSP-04), or a sent-by not ours (RSP-05). */
  readonly badVia: number;
  /** No live transaction has this branch (TXN-10): late, duplicated or forged. */
  readonly stray: number;
  /** Branch matched but CSeq method, CSeq number, Call-ID or From tag differ (TXN-09, SEC-01). */
  readonly mismatch: number;
  /** `strictSource` is on and the response came from another address (SEC-03). */
  readonly wrongSource: number;
}

/** A snapshot of the layer's counters. */
export interface TransactionLayerStats {
  /** Transactions not yet Terminated (including Completed ones waiting out Timer K). */
  readonly active: number;
  /** Requests handed to the transport the first time. */
  readonly sent: number;
  /** Timer E retransmissions. */
  readonly retransmissions: number;
  /** Inbound messages the transport passed up. */
  readonly received: number;
  /** 1xx passed to handlers. */
  readonly provisionalDelivered: number;
  /** Final responses passed to handlers, real and synthetic. */
  readonly finalsDelivered: number;
  /** Responses matched to a Completed transaction and absorbed (retransmitted finals, late 1xx). */
  readonly absorbed: number;
  /** Timer F expiries reported as synthetic 408. */
  readonly timeouts: number;
  /** Send and flow failures reported as synthetic 503. */
  readonly sendFailures: number;
  /** Handler exceptions caught. */
  readonly handlerErrors: number;
  readonly dropped: TransactionDropCounters;
}

/** The last line of every prepared request (it has no body). */
const CONTENT_LENGTH_ZERO = Buffer.from('Content-Length: 0\r\n\r\n', 'latin1');

type MutableDrops = { -readonly [K in keyof TransactionDropCounters]: number };

/**
 * RFC 3261 §17.1.2 non-INVITE client transactions over one {@link Transport}, built to carry
 * 100,000 concurrent registrations:
 *
 * - `sendRequest` writes a fresh top Via (`SIP/2.0/<protocol> <sent-by>;branch=z9hG4bK…`, plus a
 *   valueless `rport` on unreliable transports: RFC 3581, checklist TRN-06), serializes the request
 *   once and keeps the bytes for Timer E retransmissions.
 * - Inbound bytes are parsed here; a response reaches its transaction only if it has exactly one
 *   Via whose sent-by is ours and whose branch names a live transaction, and its CSeq method and
 *   number, Call-ID and From tag equal the request's (TXN-09, TXN-10, RSP-04, RSP-05, SEC-01).
 *   Everything else is dropped and counted, never delivered.
 * - Every transaction ends with exactly one `onFinal`: the real final, or a synthetic 408 (Timer F)
 *   or 503 (transport failure, or the layer closed), flagged `synthetic` (RSP-01, RSP-02).
 *
 * API choice: callbacks, not promises. A {@link TransactionHandler} object plus an opaque record id
 * per request lets one shared handler serve every transaction, routing on `event.id`: no promise, no
 * closure per transaction, and provisional responses fit the same path.
 */
export class TransactionLayer {
  #transport: Transport;
  #clock: Clock;
  #timers: TransactionTimers;
  #parseLimits: ParseLimits;
  #sentBy: TransportAddress | undefined;
  #strictSource: boolean;
  #onHandlerError: ((error: unknown, event: TransactionResponseEvent) => void) | undefined;
  #transactions = new Map<string, ClientTransaction>();
  #counters: TransactionCounters = {
    sent: 0,
    retransmissions: 0,
    provisionalDelivered: 0,
    finalsDelivered: 0,
    absorbed: 0,
    timeouts: 0,
    sendFailures: 0,
  };
  #received = 0;
  #handlerErrors = 0;
  #drops: MutableDrops = {
    parseError: 0,
    requestReceived: 0,
    badVia: 0,
    stray: 0,
    mismatch: 0,
    wrongSource: 0,
  };
  #unsubscribe: Array<() => void>;
  #closed = false;
  #host: ClientTransactionHost;
  // Via prefix cache: rebuilt only when the sent-by address changes.
  #viaFor: TransportAddress | undefined;
  #viaPrefix = '';
  #sentByHost = '';
  #sentByPort = 0;

  constructor(options: TransactionLayerOptions) {
    if (typeof options !== 'object' || options === null)
      throw new SipInvalidArgumentError(
        `options: expected an object, received ${describeReceived(options, 60)}`,
      );
    const { transport } = options;
    if (
      typeof transport !== 'object' ||
      transport === null ||
      typeof transport.send !== 'function' ||
      typeof transport.onMessage !== 'function'
    )
      throw new SipInvalidArgumentError(
        `options.transport: expected a Transport (send, onMessage, …), received ${describeReceived(transport, 60)}`,
      );
    const clock = options.clock ?? realClock;
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function')
      throw new SipInvalidArgumentError(
        `options.clock: expected a Clock, received ${describeReceived(clock, 60)}`,
      );
    if (options.sentBy !== undefined) checkAddress('options.sentBy', options.sentBy);
    if (options.strictSource !== undefined && typeof options.strictSource !== 'boolean')
      throw new SipInvalidArgumentError(
        `options.strictSource: expected a boolean, received ${describeReceived(options.strictSource, 60)}`,
      );
    if (options.onHandlerError !== undefined && typeof options.onHandlerError !== 'function')
      throw new SipInvalidArgumentError(
        `options.onHandlerError: expected a function, received ${describeReceived(options.onHandlerError, 60)}`,
      );
    this.#transport = transport;
    this.#clock = clock;
    this.#timers = resolveTransactionTimers(options.timers);
    this.#parseLimits = resolveParseLimits(options.parseLimits);
    this.#sentBy = options.sentBy;
    this.#strictSource = options.strictSource ?? false;
    this.#onHandlerError = options.onHandlerError;
    const layer = this;
    this.#host = {
      clock,
      timers: this.#timers,
      transport,
      counters: this.#counters,
      timerF: new DeadlineQueue<ClientTransaction>(clock, (transaction) => transaction.timerFDue()),
      firstTimerE: new DeadlineQueue<ClientTransaction>(clock, (transaction) => transaction.firstTimerEDue()),
      timerK: new DeadlineQueue<ClientTransaction>(clock, (transaction) => transaction.timerKDue()),
      transactionTerminated(transaction) {
        layer.#transactions.delete(transaction.identity.key);
      },
      handlerFailed(error, event) {
        layer.#handlerFailed(error, event);
      },
    };
    // One subscription for the whole layer, whatever the number of transactions.
    this.#unsubscribe = [transport.onMessage((data, source) => this.#onInbound(data, source))];
    // Tolerate a host-stack adapter without flow reporting: its failures then surface as timeouts.
    if (typeof transport.onFlowFailure === 'function')
      this.#unsubscribe.push(transport.onFlowFailure((target, error) => this.#onFlowFailure(target, error)));
  }

  /** The resolved timer values in use. */
  get timers(): TransactionTimers {
    return this.#timers;
  }

  /** Number of transactions not yet Terminated. */
  get activeCount(): number {
    return this.#transactions.size;
  }

  /** True once {@link TransactionLayer.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Start a non-INVITE client transaction for `request` towards `target`.
   *
   * The layer takes the request over: it writes the new top Via into `request.headers` (replacing
   * any top Via already there) and serializes it once. `handler.onFinal` is then called exactly once,
   * and `handler.onProvisional` for each 1xx — never from inside this call.
   *
   * @param id opaque record id, echoed in every {@link TransactionResponseEvent}.
   * @throws SipInvalidArgumentError when the request, target or handler is unusable (INVITE/ACK,
   *   missing Call-ID, CSeq not matching the method, bad port, a header the serializer refuses such
   *   as a value with CR/LF, …). Nothing is sent and no transaction exists then.
   * @throws TransportError `ERR_TRANSPORT_CLOSED` after {@link TransactionLayer.close}.
   */
  sendRequest(
    request: SipRequest,
    target: TransportTarget,
    handler: TransactionHandler,
    id?: TransactionRecordId,
  ): ClientTransactionHandle {
    this.#checkSend(target, handler, id);
    const { callId, from, cseq, method } = readRequestIdentity(request);

    const branch = createBranch();
    this.#writeTopVia(request, branch);
    const bytes = encodeMessage(request);
    return this.#start(branch, id, callId, from, cseq, method, request, bytes, target, handler);
  }

  /**
   * {@link sendRequest} for a request already in wire form but for its top Via (see
   * {@link PreparedRequest}): the layer writes `<method> <uri> SIP/2.0`, its Via, the header lines
   * and `Content-Length: 0`. Same transaction, same events; `event.request` is parsed from the
   * bytes sent, on first read.
   *
   * @throws SipInvalidArgumentError when the request, target or handler is unusable (a header line
   *   that could break the framing, INVITE/ACK, …). Nothing is sent and no transaction exists then.
   * @throws TransportError `ERR_TRANSPORT_CLOSED` after {@link TransactionLayer.close}.
   */
  sendPrepared(
    request: PreparedRequest,
    target: TransportTarget,
    handler: TransactionHandler,
    id?: TransactionRecordId,
  ): ClientTransactionHandle {
    this.#checkSend(target, handler, id);
    const problem = preparedRequestProblem(request);
    if (problem !== undefined) throw new SipInvalidArgumentError(problem);
    const { method, callId, from, cseq } = request;
    const branch = createBranch();
    const via = this.#topViaValue(branch);
    // Written in three pieces: concatenating them first would copy the header lines once more
    // into a flat string only to encode it.
    const head = `${method} ${request.uri} SIP/2.0\r\nVia: ${via}\r\n`;
    const lines = request.headerLines;
    const headLength = Buffer.byteLength(head, 'utf8');
    const linesLength = Buffer.byteLength(lines, 'utf8');
    const bytes = Buffer.allocUnsafe(headLength + linesLength + CONTENT_LENGTH_ZERO.length);
    bytes.write(head, 0, headLength, 'utf8');
    bytes.write(lines, headLength, linesLength, 'utf8');
    CONTENT_LENGTH_ZERO.copy(bytes, headLength + linesLength);
    if (!linesAreFramed(bytes, headLength, headLength + linesLength))
      throw new SipInvalidArgumentError(HEADER_LINES_PROBLEM);
    return this.#start(branch, id, callId, from, cseq, method, undefined, bytes, target, handler);
  }

  /** The checks every send makes before anything else. */
  #checkSend(
    target: TransportTarget,
    handler: TransactionHandler,
    id: TransactionRecordId | undefined,
  ): void {
    if (this.#closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'transaction layer closed');
    checkAddress('target', target);
    if (typeof handler !== 'object' || handler === null || typeof handler.onFinal !== 'function')
      throw new SipInvalidArgumentError(
        `handler: expected an object with an onFinal function, received ${describeReceived(handler, 60)}`,
      );
    if (handler.onProvisional !== undefined && typeof handler.onProvisional !== 'function')
      throw new SipInvalidArgumentError(
        `handler.onProvisional: expected a function, received ${describeReceived(handler.onProvisional, 60)}`,
      );
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number')
      throw new SipInvalidArgumentError(
        `id: expected a string or a number, received ${describeReceived(id, 60)}`,
      );
    if (this.#strictSource && isIP(stripBrackets(target.host)) === 0)
      throw new SipInvalidArgumentError(
        `target.host: strictSource needs an IP address to compare sources with, received ${JSON.stringify(target.host)}`,
      );
  }

  /** Create, register and start the transaction of one request about to go out. */
  #start(
    branch: string,
    id: TransactionRecordId | undefined,
    callId: string,
    from: string,
    cseq: number,
    method: string,
    request: SipRequest | undefined,
    bytes: Uint8Array,
    target: TransportTarget,
    handler: TransactionHandler,
  ): ClientTransactionHandle {
    const identity: TransactionIdentity = {
      key: branch,
      callId,
      from,
      cseq,
      method,
      sentByHost: this.#sentByHost,
      sentByPort: this.#sentByPort,
    };
    const transaction = new ClientTransaction(this.#host, {
      branch,
      id,
      identity,
      request,
      bytes,
      target,
      handler,
    });
    this.#transactions.set(identity.key, transaction);
    transaction.start();
    return transaction;
  }

  /** A snapshot of every counter. */
  stats(): TransactionLayerStats {
    return {
      active: this.#transactions.size,
      ...this.#counters,
      received: this.#received,
      handlerErrors: this.#handlerErrors,
      dropped: { ...this.#drops },
    };
  }

  /**
   * Stop listening to the transport and end every transaction. Those still waiting for a final get
   * a synthetic 503 whose `error` is a `TransportError` with code `ERR_TRANSPORT_CLOSED` ("transaction
   * layer closed"), delivered synchronously from this call; Completed ones just terminate. Later
   * `sendRequest` calls throw that error. The transport itself stays open (the caller owns it).
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    const error = new TransportError('ERR_TRANSPORT_CLOSED', 'transaction layer closed');
    for (const transaction of [...this.#transactions.values()]) transaction.fail(error);
    this.#transactions.clear();
    this.#host.timerF.clear();
    this.#host.firstTimerE.clear();
    this.#host.timerK.clear();
  }

  #writeTopVia(request: SipRequest, branch: string): void {
    replaceTopVia(request, this.#topViaValue(branch));
  }

  /** The value of our top Via for `branch` (sent-by, and `rport` on unreliable transports). */
  #topViaValue(branch: string): string {
    const address = this.#sentBy ?? this.#transport.localAddress;
    if (address !== this.#viaFor) {
      this.#viaFor = address;
      const host = stripBrackets(address.host);
      // RFC 3261 §25.1 / RFC 5118: an IPv6 reference in sent-by is bracketed.
      const hostText = host.includes(':') ? `[${host}]` : host;
      // Port 0 means nothing listens (a connect-only TCP/TLS transport): RFC 3261 §18.1.1 lets
      // sent-by omit the port, and responses come back on the connection anyway (TRN-04).
      const portText = address.port === 0 ? '' : `:${address.port}`;
      this.#viaPrefix = `SIP/2.0/${this.#transport.protocol} ${hostText}${portText};branch=`;
      this.#sentByHost = host.toLowerCase();
      this.#sentByPort = address.port;
    }
    // RFC 3581 §3 (checklist TRN-06): ask for rport on unreliable transports so a NATed client
    // gets its response at the address the registrar saw.
    return this.#viaPrefix + branch + (this.#transport.reliable ? '' : ';rport');
  }

  #onInbound(data: Uint8Array, source: InboundSource): void {
    this.#received++;
    let message: SipMessage;
    try {
      message = parseMessage(data, this.#parseLimits);
    } catch {
      // SipParseError, or any parser bug: hostile bytes never break the receive path.
      this.#drops.parseError++;
      return;
    }
    if (message.kind !== 'response') {
      this.#drops.requestReceived++;
      return;
    }
    this.#onResponse(message, source);
  }

  #onResponse(response: SipResponse, source: InboundSource): void {
    let vias: ParsedVia[];
    try {
      vias = getVias(response);
    } catch {
      this.#drops.badVia++;
      return;
    }
    // RFC 3261 §8.1.3.3 (checklist RSP-04): a response with more than one Via value was not meant
    // for us (or was mangled); discard it.
    if (vias.length !== 1) {
      this.#drops.badVia++;
      return;
    }
    const via = vias[0]!;
    const branch = viaBranch(via);
    if (branch === undefined) {
      this.#drops.badVia++;
      return;
    }
    const transaction = this.#transactions.get(branch) ?? this.#findBranchIgnoringCase(branch);
    if (transaction === undefined) {
      // RFC 3261 §18.1.2 (TXN-10): a stray response; a UA discards it.
      this.#drops.stray++;
      return;
    }
    const identity = transaction.identity;
    // RFC 3261 §18.1.2 (RSP-05): the top Via sent-by must be the value we inserted.
    if (
      stripBrackets(via.host).toLowerCase() !== identity.sentByHost ||
      (identity.sentByPort === 0
        ? via.port !== undefined
        : (via.port ?? defaultPort(via)) !== identity.sentByPort)
    ) {
      this.#drops.badVia++;
      return;
    }
    if (!this.#echoesRequest(response, identity)) {
      this.#drops.mismatch++;
      return;
    }
    if (this.#strictSource && !sameAddress(source, transaction.target)) {
      this.#drops.wrongSource++;
      return;
    }
    transaction.receive(response, source, viaReceived(via), viaRport(via));
  }

  /**
   * The transaction whose branch equals `branch` ignoring case (the branch is a token, compared as
   * such). Our branches are `z9hG4bK` + lower-case hex, so the canonical spelling is built directly.
   */
  #findBranchIgnoringCase(branch: string): ClientTransaction | undefined {
    const cookie = BRANCH_MAGIC_COOKIE.length;
    if (
      branch.length <= cookie ||
      branch.slice(0, cookie).toLowerCase() !== BRANCH_MAGIC_COOKIE.toLowerCase()
    )
      return undefined;
    return this.#transactions.get(BRANCH_MAGIC_COOKIE + branch.slice(cookie).toLowerCase());
  }

  /** CSeq method (TXN-09) plus CSeq number, Call-ID and From tag (SEC-01) equal the request's. */
  #echoesRequest(response: SipResponse, identity: TransactionIdentity): boolean {
    const cseqValue = response.headers.get('CSeq');
    if (cseqValue === undefined) return false;
    let cseq: { seq: number; method: string };
    try {
      cseq = parseCSeq(cseqValue);
    } catch {
      return false;
    }
    if (cseq.method !== identity.method || cseq.seq !== identity.cseq) return false;
    // Call-ID compares case-sensitively (RFC 3261 §8.1.1.4, checklist MSG-07).
    if (response.headers.get('Call-ID') !== identity.callId) return false;
    const from = response.headers.get('From');
    if (from === undefined) return false;
    // Fast path: registrars echo From byte for byte (RFC 3261 §8.2.6.2), so equal text means an
    // equal tag without parsing a URI.
    if (from === identity.from) return true;
    try {
      return parseFromTo(from).tag === parseFromTo(identity.from).tag;
    } catch {
      return false;
    }
  }

  #onFlowFailure(target: TransportTarget, cause: Error): void {
    // RFC 3261 §17.1.4: a broken flow is a transport error for every transaction sent over it.
    const host = stripBrackets(target.host).toLowerCase();
    let error: TransportError | undefined;
    for (const transaction of [...this.#transactions.values()]) {
      const to = transaction.target;
      if (to.port !== target.port || stripBrackets(to.host).toLowerCase() !== host) continue;
      if (transaction.state === 'Completed' || transaction.state === 'Terminated') continue;
      error ??= new TransportError(
        'ERR_TRANSPORT_SEND',
        `flow to ${target.host}:${target.port} failed: ${cause?.message ?? String(cause)}`,
        { cause },
      );
      this.#counters.sendFailures++;
      transaction.fail(error);
    }
  }

  #handlerFailed(error: unknown, event: TransactionResponseEvent): void {
    this.#handlerErrors++;
    const report = this.#onHandlerError;
    if (report !== undefined) {
      try {
        report(error, event);
      } catch {
        // A failing error reporter must not break the transaction layer either.
      }
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Call-ID, From tag and CSeq of a request about to be sent; throws when one is unusable. */
function readRequestIdentity(request: SipRequest) {
  if (typeof request !== 'object' || request === null || request.kind !== 'request')
    throw new SipInvalidArgumentError(
      `request: expected a SipRequest, received ${describeReceived(request, 60)}`,
    );
  const method = request.method;
  if (typeof method !== 'string' || method.length === 0)
    throw new SipInvalidArgumentError(
      `request.method: expected a method token, received ${describeReceived(method, 60)}`,
    );
  // INVITE and ACK follow other state machines (RFC 3261 §17.1.1); this layer has none.
  if (method === 'INVITE' || method === 'ACK')
    throw new SipInvalidArgumentError(
      `request.method: expected a non-INVITE method (not INVITE or ACK), received ${JSON.stringify(method)}`,
    );
  const callId = request.headers.get('Call-ID');
  if (callId === undefined || callId.length === 0)
    throw new SipInvalidArgumentError('request Call-ID: expected a Call-ID header, received none');
  const from = request.headers.get('From');
  if (from === undefined)
    throw new SipInvalidArgumentError('request From: expected a From header, received none');
  try {
    // Checked now so a bad From is refused before anything is sent; the tag is read again only for
    // a response whose From text differs.
    parseFromTo(from);
  } catch (error) {
    throw new SipInvalidArgumentError(`request From: ${(error as Error).message}`);
  }
  const cseqValue = request.headers.get('CSeq');
  if (cseqValue === undefined)
    throw new SipInvalidArgumentError('request CSeq: expected a CSeq header, received none');
  let cseq: { seq: number; method: string };
  try {
    cseq = parseCSeq(cseqValue);
  } catch {
    throw new SipInvalidArgumentError(
      `request CSeq: expected "<number> <method>", received ${JSON.stringify(cseqValue)}`,
    );
  }
  if (cseq.method !== method)
    throw new SipInvalidArgumentError(
      `request CSeq: expected method ${JSON.stringify(method)}, received ${JSON.stringify(cseq.method)}`,
    );
  return { callId, from, cseq: cseq.seq, method };
}

/** Replace the first Via value (keeping any others in that row and later rows), or add one on top. */
function replaceTopVia(request: SipRequest, value: string): void {
  const headers = request.headers;
  if (!headers.has('Via')) {
    headers.prepend('Via', value);
    return;
  }
  // SipHeaders has no "replace one row" call, so rebuild the Via rows in order.
  const rows = headers.getAll('Via');
  const first = rows[0]!;
  const comma = firstValueEnd(first);
  rows[0] = comma === -1 ? value : `${value}, ${first.slice(comma + 1).trim()}`;
  headers.delete('Via');
  for (let i = rows.length - 1; i >= 0; i--) headers.prepend('Via', rows[i]!);
}

/** Index of the comma ending the first value of a Via row, or -1 (commas in quotes don't count). */
function firstValueEnd(row: string): number {
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const code = row.charCodeAt(i);
    if (code === 0x22) quoted = !quoted;
    else if (code === 0x5c && quoted) i++;
    else if (code === 0x2c && !quoted) return i;
  }
  return -1;
}

function checkAddress(name: string, address: TransportAddress | TransportTarget): void {
  if (typeof address !== 'object' || address === null)
    throw new SipInvalidArgumentError(
      `${name}: expected { host, port }, received ${describeReceived(address, 60)}`,
    );
  const { host, port } = address;
  if (typeof host !== 'string' || host.length === 0 || !isPrintableHost(host))
    throw new SipInvalidArgumentError(
      `${name}.host: expected a host name or IP address, received ${describeReceived(host, 60)}`,
    );
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new SipInvalidArgumentError(
      `${name}.port: expected an integer 1..65535, received ${describeReceived(port, 60)}`,
    );
}

/** No whitespace, controls, or characters that could end a Via header (CR, LF, `;`, `,`). */
function isPrintableHost(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const code = host.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x3b || code === 0x2c || code === 0x22) return false;
  }
  return true;
}

function stripBrackets(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d
    ? host.slice(1, -1)
    : host;
}

function sameAddress(source: InboundSource, target: TransportTarget): boolean {
  return (
    source.port === target.port &&
    stripBrackets(source.host).toLowerCase() === stripBrackets(target.host).toLowerCase()
  );
}

// ---- reading the response's top Via (src/sip/via.ts) ----

function viaBranch(via: ParsedVia): string | undefined {
  return via.branch;
}

/** `received` without brackets, like every address the transports report. */
function viaReceived(via: ParsedVia): string | undefined {
  return via.received === undefined ? undefined : stripBrackets(via.received);
}

/** The port a server filled in; the valueless flag we sent means it did not. */
function viaRport(via: ParsedVia): number | undefined {
  return typeof via.rport === 'number' ? via.rport : undefined;
}

/** RFC 3261 §18.2.1 / §19.1.2: sent-by without a port means 5060, or 5061 for TLS. */
function defaultPort(via: ParsedVia): number {
  return via.transport === 'TLS' ? 5061 : 5060;
}
