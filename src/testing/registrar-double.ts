/**
 * An in-memory SIP registrar that speaks SIP over a real loopback UDP socket, for testing registration
 * clients (this library's and users' own): Digest challenges, RFC 3261 §10.3 binding updates, grants,
 * and scripted misbehaviour (drops, delays, odd status codes, bent 200 OKs, malformed answers).
 *
 * Built for load as much as for unit tests: the normal path keeps no per-request state (nonces are
 * stateless keyed hashes, no timer is armed), bindings sit in a Map, and each request costs one parse, one
 * Digest verification and one response. Only time is injected (`clock`): the socket is real, so a
 * FakeClock controls nonce age, binding expiry and scripted delays while datagrams flow for real.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import type { TimerHandle } from '../clock.js';
import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { parseCSeq } from '../sip/cseq.js';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message.js';
import { tryParseMessage } from '../sip/parser.js';
import { encodeMessage } from '../sip/serializer.js';
import { parseUri, type Uri } from '../sip/uri.js';
import { uriEquals } from '../sip/uri-compare.js';
import { type ParsedVia, topVia } from '../sip/via.js';
import { BindingStore, type StoredBinding } from './binding-store.js';
import { canonicalAor } from './canonical-aor.js';
import { ExchangeLog, type RecordedExchange } from './exchange-log.js';
import { contactValue, remainingSeconds } from './ok-response.js';
import { type EncodedAnswer, RegisterProcessor } from './register-processor.js';
import { readRegisterFields } from './register-request.js';
import {
  type RegistrarDoubleOptions,
  type ResolvedRegistrarDoubleOptions,
  resolveRegistrarDoubleOptions,
} from './registrar-double-options.js';
import { newRegistrarStats, type RegistrarStats } from './registrar-stats.js';
import { buildResponse, type ResponseContext } from './response-writer.js';
import {
  type ExtraHeader,
  matchesScript,
  type ProcessAction,
  type RegisterRequestInfo,
  type RegistrarBehaviour,
  type ScriptedAction,
  type ScriptOptions,
  type ScriptRule,
  validateScript,
} from './scripted-behaviour.js';
import { TransactionMemory } from './transaction-memory.js';

export type { RecordedExchange } from './exchange-log.js';
export type { RegistrarStats } from './registrar-stats.js';

/** A binding as {@link RegistrarDouble.bindings} reports it. */
export interface RegistrarBinding {
  /** Canonical AOR (`sip:user@host`). */
  readonly aor: string;
  /** The Contact as the 200 OK lists it, without `expires`: `<uri>;params`. */
  readonly contact: string;
  /** The Contact URI. */
  readonly uri: string;
  /** Seconds left, rounded up. */
  readonly expires: number;
  /** Clock reading (ms) at which it lapses. */
  readonly expiresAt: number;
  readonly callId: string;
  readonly cseq: number;
  /** Where the REGISTER that last refreshed it came from. */
  readonly source: { readonly host: string; readonly port: number };
}

/** Events of {@link RegistrarDouble}. */
export interface RegistrarDoubleEvents {
  /** A new REGISTER transaction arrived (not a retransmission of a scripted one), before it is acted on. */
  request: (request: RegisterRequestInfo) => void;
  /** A REGISTER was answered (final status) or dropped. */
  exchange: (exchange: RecordedExchange) => void;
}

/** A stored Contact (text, written by `formatUri`, so it always reparses) against a request's Contact. */
function storedUriEquals(stored: string, candidate: Uri): boolean {
  return uriEquals(parseUri(stored), candidate);
}

const MAX_KEPT_ERRORS = 100;
const DEFAULT_ACTION: ProcessAction = Object.freeze({ type: 'process' });
const ALLOW: ExtraHeader = ['Allow', 'REGISTER, OPTIONS'];

/**
 * The registrar double. Create it with {@link createRegistrarDouble}; close it with {@link close}.
 */
export class RegistrarDouble extends EventEmitter<RegistrarDoubleEvents> {
  readonly #options: ResolvedRegistrarDoubleOptions;
  readonly #socket: dgram.Socket;
  readonly #address: { readonly host: string; readonly port: number };
  readonly #store = new BindingStore(storedUriEquals);
  readonly #memory: TransactionMemory;
  readonly #processor: RegisterProcessor;
  readonly #timers = new Set<TimerHandle>();
  readonly #tagPrefix = Math.random().toString(36).slice(2, 8);
  #rules: ScriptRule[] = [];
  #ruleAors = new Map<ScriptRule, string | undefined>();
  #behaviour: RegistrarBehaviour | undefined;
  #stats = newRegistrarStats();
  #errors: unknown[] = [];
  readonly #log: ExchangeLog;
  #seq = 0;
  #tags = 0;
  #closed = false;
  readonly #onSent = (error: Error | null): void => {
    if (error) this.#stats.sendErrors++;
  };

  /** @internal Use {@link createRegistrarDouble}. */
  constructor(options: ResolvedRegistrarDoubleOptions, socket: dgram.Socket) {
    super();
    this.#options = options;
    this.#socket = socket;
    const bound = socket.address();
    this.#address = Object.freeze({ host: bound.address, port: bound.port });
    this.#memory = new TransactionMemory(options.transactionMemory);
    this.#behaviour = options.behaviour;
    this.#log = new ExchangeLog(options.recordLimit);
    this.#processor = new RegisterProcessor(options, this.#store, () => this.#stats);
    socket.on('message', (data, rinfo) => this.#onDatagram(data, rinfo.address, rinfo.port));
    // A send to a vanished client port can surface as a socket error on some systems; a test double
    // must survive it.
    socket.on('error', () => this.#stats.sendErrors++);
  }

  /** Where the double listens: send REGISTERs here. */
  get address(): { readonly host: string; readonly port: number } {
    return this.#address;
  }

  /** `host:port` (IPv6 in brackets), handy for building a registrar URI: `sip:${registrar.hostPort}`. */
  get hostPort(): string {
    const { host, port } = this.#address;
    return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  }

  /** The Digest realm of the challenges. */
  get realm(): string {
    return this.#options.realm;
  }

  /**
   * Live bindings, of one AOR (any URI form: `sip:Alice@EXAMPLE.com;user=phone` finds
   * `sip:Alice@example.com`) or of all. O(bindings).
   */
  bindings(aor?: string): RegistrarBinding[] {
    const now = this.#options.clock.now();
    const source = aor === undefined ? this.#store.all(now) : this.#store.list(canonicalAor(aor), now);
    const out: RegistrarBinding[] = [];
    for (const binding of source) out.push(this.#view(binding, now));
    return out;
  }

  /** Number of live bindings. O(AORs). */
  bindingCount(): number {
    return this.#store.count(this.#options.clock.now());
  }

  /** Remove the bindings of one AOR, or all. */
  clearBindings(aor?: string): void {
    if (aor === undefined) this.#store.clear();
    else this.#store.removeAll(canonicalAor(aor));
  }

  /**
   * Errors thrown by scripts or listeners while handling a request (the last 100), oldest first. Each
   * such request was answered `500 Registrar Double Error`. Assert it is empty at the end of a test.
   */
  errors(): unknown[] {
    return [...this.#errors];
  }

  /** A copy of the counters. */
  stats(): RegistrarStats {
    return { ...this.#stats, responses: { ...this.#stats.responses } };
  }

  /** The last `recordLimit` exchanges, oldest first. */
  requests(): RecordedExchange[] {
    return this.#log.list();
  }

  /** Forget recorded exchanges and zero the counters (bindings and scripts stay). */
  resetRecords(): void {
    this.#log.clear();
    this.#stats = newRegistrarStats();
    this.#errors = [];
  }

  /**
   * Add a scripted rule: matching new REGISTER transactions get `action` (rules are tried in the order
   * added, before the behaviour function). Returns a function that removes the rule.
   *
   * ```ts
   * registrar.script({ type: 'respond', status: 503, headers: [['Retry-After', '30']] }, { user: 'bob', times: 1 });
   * registrar.script({ type: 'drop' }, { userPrefix: 'dead-' });
   * registrar.script({ type: 'process', grant: (requested) => requested - 1 });
   * ```
   */
  script(action: ScriptedAction, options: ScriptOptions = {}): () => void {
    validateScript(action, options);
    let aor: string | undefined;
    if (options.aor !== undefined) {
      try {
        aor = canonicalAor(options.aor);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        throw new SipInvalidArgumentError(
          `RegistrarDouble.script: options.aor must be a SIP, SIPS or TEL URI, received ${JSON.stringify(options.aor)}`,
        );
      }
    }
    const times = options.times ?? Number.POSITIVE_INFINITY;
    const rule: ScriptRule = { match: options, action, remaining: times };
    this.#rules.push(rule);
    this.#ruleAors.set(rule, aor);
    return () => this.#removeRule(rule);
  }

  /** Remove every scripted rule. */
  clearScripts(): void {
    this.#rules = [];
    this.#ruleAors.clear();
  }

  /** Replace (or with `undefined`, remove) the behaviour function. */
  setBehaviour(behaviour: RegistrarBehaviour | undefined): void {
    if (behaviour !== undefined && typeof behaviour !== 'function')
      throw new SipInvalidArgumentError(
        `RegistrarDouble.setBehaviour: expected a function or undefined, received ${typeof behaviour}`,
      );
    this.#behaviour = behaviour;
  }

  /**
   * The next exchange (answered or dropped REGISTER) for which `predicate` holds. Resolves on the
   * event; bounded by the test's own timeout.
   */
  nextExchange(predicate: (exchange: RecordedExchange) => boolean = () => true): Promise<RecordedExchange> {
    return new Promise((resolve) => {
      const listener = (exchange: RecordedExchange): void => {
        if (!predicate(exchange)) return;
        this.off('exchange', listener);
        resolve(exchange);
      };
      this.on('exchange', listener);
    });
  }

  /** Stop listening, cancel pending scripted answers, forget everything. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#memory.clear();
    this.removeAllListeners();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    this.#store.clear();
  }

  #keepError(error: unknown): void {
    this.#stats.internalErrors++;
    if (this.#errors.length >= MAX_KEPT_ERRORS) this.#errors.shift();
    this.#errors.push(error);
  }

  #removeRule(rule: ScriptRule): void {
    const index = this.#rules.indexOf(rule);
    if (index !== -1) this.#rules.splice(index, 1);
    this.#ruleAors.delete(rule);
  }

  #view(binding: StoredBinding, now: number): RegistrarBinding {
    return {
      aor: binding.aor,
      contact: contactValue(binding),
      uri: binding.uriText,
      expires: remainingSeconds(binding, now),
      expiresAt: binding.expiresAt,
      callId: binding.callId,
      cseq: binding.cseq,
      source: binding.source,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  #onDatagram(data: Buffer, host: string, port: number): void {
    if (this.#closed) return;
    this.#stats.datagrams++;
    let message: SipMessage;
    let via: ParsedVia | undefined;
    try {
      const parsed = tryParseMessage(data);
      if (!parsed.ok) {
        this.#stats.unparsable++;
        return;
      }
      message = parsed.message;
      // Responses have nothing to do here (the double never sends requests).
      if (message.kind !== 'request') return;
      via = topVia(message);
    } catch (error) {
      // A parser bug must not crash the test process from a socket callback: keep it, drop the datagram.
      if (!(error instanceof SipParseError)) this.#keepError(error);
      this.#stats.unparsable++;
      return;
    }
    // Without a top Via there is nowhere to say a response belongs (RFC 3261 §8.2.6.2): drop it.
    if (via === undefined) {
      this.#stats.unparsable++;
      return;
    }
    const source = { host, port };
    try {
      this.#onRequest(message, data, via, source);
    } catch (error) {
      this.#onInternalError(error, message, via, source);
    }
  }

  /**
   * A script (behaviour, rule predicate, `grant`, `rewriteContact`, scripted headers a serializer
   * refuses) or an event listener threw. The double must not crash the test process from inside a
   * socket callback: it keeps the error for {@link errors}, and answers 500 so the client is not left
   * waiting.
   */
  #onInternalError(
    error: unknown,
    request: SipRequest,
    via: ParsedVia,
    source: { host: string; port: number },
  ): void {
    this.#keepError(error);
    try {
      const context: ResponseContext = {
        request,
        topVia: via,
        source,
        toTag: this.#tagPrefix + (++this.#tags).toString(36),
        toHasTag: false,
        serverHeader: this.#options.serverHeader,
      };
      this.#sendResponse(buildResponse(context, 500, 'Registrar Double Error', []), source);
    } catch {
      // The request itself cannot be answered (its headers cannot be echoed): stay silent.
    }
  }

  #onRequest(
    request: SipRequest,
    raw: Uint8Array,
    via: ParsedVia,
    source: { host: string; port: number },
  ): void {
    if (request.method === 'ACK') return; // never answered (RFC 3261 §17.2.1)
    const context: MutableContext = {
      request,
      topVia: via,
      source,
      toTag: '',
      toHasTag: false,
      serverHeader: this.#options.serverHeader,
    };
    const callId = request.headers.get('Call-ID');
    const cseqText = request.headers.get('CSeq');
    let cseq = -1;
    if (cseqText !== undefined) {
      try {
        const parsed = parseCSeq(cseqText);
        if (parsed.method === request.method) cseq = parsed.seq;
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
      }
    }
    context.toTag = this.#tagPrefix + (++this.#tags).toString(36);
    if (callId === undefined || cseq < 0 || !request.headers.has('From') || !request.headers.has('To')) {
      // §8.1.1: these are mandatory; a 400 names what is missing or wrong.
      this.#sendResponse(buildResponse(context, 400, 'Missing or Bad Call-ID, CSeq, From or To', []), source);
      return;
    }
    if (request.method !== 'REGISTER') {
      this.#stats.otherRequests++;
      // OPTIONS doubles as a keep-alive ping; anything else is not for a registrar.
      const status = request.method === 'OPTIONS' ? 200 : 405;
      this.#sendResponse(buildResponse(context, status, undefined, [ALLOW]), source);
      return;
    }
    this.#stats.registers++;
    const fields = readRegisterFields(request);
    if ('problem' in fields) {
      this.#sendResponse(buildResponse(context, 400, fields.problem, []), source);
      return;
    }
    context.toHasTag = fields.toHasTag;

    // A retransmission of a scripted transaction gets what the original got (§17.2.2, §17.2.3).
    const branch = via.branch ?? '';
    const key = TransactionMemory.key(branch, callId, cseq);
    const remembered = this.#memory.get(key);
    if (remembered !== undefined) {
      this.#stats.retransmissions++;
      if (remembered.lastResponse !== undefined) this.#send(remembered.lastResponse, source, undefined);
      return;
    }

    const now = this.#options.clock.now();
    const verification = this.#processor.verify(request, now);
    const info: RegisterRequestInfo = {
      seq: ++this.#seq,
      method: request.method,
      requestUri: request.uri,
      aor: fields.aor,
      user: fields.user,
      callId,
      cseq,
      branch,
      contacts: fields.contactValues,
      expiresHeader: fields.expiresHeaderText,
      username: verification?.username,
      credentials: verification?.verdict ?? 'not-required',
      credentialsProblem: verification?.problem,
      source,
      raw,
    };
    this.emit('request', info);
    const scripted = this.#pickAction(info);
    const action = scripted ?? DEFAULT_ACTION;
    if (action.type === 'drop') {
      this.#stats.dropped++;
      this.#memory.remember(key, { state: 'drop', lastResponse: undefined });
      this.#record(info, action.type, scripted !== undefined, undefined, now);
      return;
    }
    const answer = this.#processor.answer(action, context, fields, info, now);
    this.#deliver(action, scripted !== undefined, key, answer, context, info);
  }

  #pickAction(info: RegisterRequestInfo): ScriptedAction | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining <= 0 || !matchesScript(rule.match, this.#ruleAors.get(rule), info)) continue;
      if (--rule.remaining <= 0) this.#removeRule(rule);
      return rule.action;
    }
    return this.#behaviour?.(info);
  }

  // ---------------------------------------------------------------------------------------------
  // Answering

  /** Send the answer now or after `delayMs`, with a `100 Trying` first when asked. */
  #deliver(
    action: Exclude<ScriptedAction, { type: 'drop' }>,
    scripted: boolean,
    key: string,
    answer: EncodedAnswer,
    context: ResponseContext,
    info: RegisterRequestInfo,
  ): void {
    const clock = this.#options.clock;
    let trying: Uint8Array | undefined;
    if (action.trying === true) {
      trying = encodeMessage(buildResponse(context, 100, undefined, []));
      this.#send(trying, context.source, 100);
    }
    const delayMs = action.delayMs ?? 0;
    if (delayMs <= 0) {
      this.#send(answer.bytes, context.source, answer.status);
      if (scripted) this.#memory.remember(key, { state: 'answered', lastResponse: answer.bytes });
      this.#record(info, action.type, scripted, answer.status, clock.now());
      return;
    }
    const entry = { state: 'pending' as 'pending' | 'answered', lastResponse: trying };
    this.#memory.remember(key, entry);
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      entry.state = 'answered';
      entry.lastResponse = answer.bytes;
      this.#send(answer.bytes, context.source, answer.status);
      this.#record(info, action.type, scripted, answer.status, clock.now());
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Answer a request outside the REGISTER pipeline (400, 405, OPTIONS): at once, not recorded. */
  #sendResponse(response: SipResponse, target: { readonly host: string; readonly port: number }): void {
    this.#send(encodeMessage(response), target, response.status);
  }

  #send(
    bytes: Uint8Array,
    target: { readonly host: string; readonly port: number },
    status: number | undefined,
  ): void {
    if (this.#closed) return;
    if (status !== undefined) this.#stats.responses[status] = (this.#stats.responses[status] ?? 0) + 1;
    this.#socket.send(bytes, target.port, target.host, this.#onSent);
  }

  #record(
    request: RegisterRequestInfo,
    action: ScriptedAction['type'],
    scripted: boolean,
    status: number | undefined,
    at: number,
  ): void {
    const exchange: RecordedExchange = { request, action, scripted, status, at };
    this.#log.push(exchange);
    // The answer is already out: a throwing listener must not cause a second (500) answer, nor
    // escape from a socket or clock callback.
    try {
      this.emit('exchange', exchange);
    } catch (error) {
      this.#keepError(error);
    }
  }
}

interface MutableContext extends ResponseContext {
  toTag: string;
  toHasTag: boolean;
}

/**
 * Start a registrar double listening on UDP (loopback by default, a free port by default).
 *
 * ```ts
 * const registrar = await createRegistrarDouble({ users: { alice: 'secret' }, realm: 'example.com' });
 * // send REGISTERs to registrar.address …
 * registrar.bindings('sip:alice@example.com'); // [{ contact, expires, … }]
 * await registrar.close();
 * ```
 *
 * @throws SipInvalidArgumentError for an invalid option (named, with what was expected and received)
 * @throws Error from node:dgram when the address cannot be bound
 */
export async function createRegistrarDouble(options?: RegistrarDoubleOptions): Promise<RegistrarDouble> {
  const resolved = resolveRegistrarDoubleOptions(options);
  const socket = dgram.createSocket({ type: isIPv6(resolved.host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind({ address: resolved.host, port: resolved.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  // A load test may burst thousands of REGISTERs at once; a bigger receive buffer keeps the kernel
  // from dropping them (it silently caps the value at net.core.rmem_max).
  try {
    socket.setRecvBufferSize(8 * 1024 * 1024);
    socket.setSendBufferSize(8 * 1024 * 1024);
  } catch {
    // Not fatal: the defaults work, just with more retransmissions under load.
  }
  return new RegistrarDouble(resolved, socket);
}
