import type { Clock, TimerHandle } from '../clock.js';
import { TransportError } from '../errors.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import type { InboundSource, Transport, TransportTarget } from '../transport/transport.js';
import type { DeadlineQueue } from './deadline-queue.js';
import { createSyntheticResponse } from './synthetic-response.js';
import type { TransactionTimers } from './timers.js';

/** States of a non-INVITE client transaction (RFC 3261 §17.1.2.2, Figure 6). */
export type ClientTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

/**
 * The opaque id a caller attaches to a transaction (the registrant's record id). It comes back
 * with every response so the caller finds its record without scanning or object identity.
 */
export type TransactionRecordId = string | number;

/** One response handed to the transaction user (TU): real, or synthetic for a timeout or failure. */
export interface TransactionResponseEvent {
  /** The id given to `sendRequest`, or `undefined` when none was given. */
  readonly id: TransactionRecordId | undefined;
  /** Branch of the request's top Via: the transaction's key (RFC 3261 §17.1.3). */
  readonly branch: string;
  /** The request as sent, with the Via the layer wrote. */
  readonly request: SipRequest;
  /** The response: as received, or built locally when `synthetic` is true. */
  readonly response: SipResponse;
  /**
   * True when the response was made up locally: 408 when Timer F fired (RFC 3261 §17.1.2.2,
   * checklist TXN-07, RSP-01), 503 when the transport failed or the layer was closed (§17.1.4,
   * §8.1.3.1; TXN-08, RSP-02).
   */
  readonly synthetic: boolean;
  /**
   * For a synthetic 503, the transport error behind it: `code` is `ERR_TRANSPORT_SEND` (send failed
   * or the flow broke) or `ERR_TRANSPORT_CLOSED` (the layer was closed). `undefined` otherwise.
   */
  readonly error: TransportError | undefined;
  /** Where a real response came from; `undefined` for a synthetic one. */
  readonly source: InboundSource | undefined;
  /**
   * `received` parameter of the response's top Via: our address as the next hop saw it
   * (RFC 3261 §18.2.1, checklist TRN-07). Lets the TU learn its public address (TRN-08).
   */
  readonly received: string | undefined;
  /** `rport` value of the response's top Via, when the server filled it in (RFC 3581 §4; TRN-07). */
  readonly rport: number | undefined;
}

/**
 * Receives the responses of a transaction. Cheapest use with many transactions: one handler object
 * shared by all of them that routes on `event.id` — no closure or promise per transaction.
 *
 * A handler is never called from inside `sendRequest`; exceptions it throws are caught so they
 * cannot break a transaction (see `TransactionLayerOptions.onHandlerError`).
 */
export interface TransactionHandler {
  /** Every 1xx received in Trying or Proceeding (RFC 3261 §17.1.2.2, checklist TXN-05). */
  onProvisional?(event: TransactionResponseEvent): void;
  /** Exactly once per transaction: the first final response, real or synthetic (TXN-06). */
  onFinal(event: TransactionResponseEvent): void;
}

/** What a caller can see and do with a transaction it started. */
export interface ClientTransactionHandle {
  readonly branch: string;
  readonly id: TransactionRecordId | undefined;
  readonly state: ClientTransactionState;
  /**
   * Stop the transaction without telling the handler: no retransmission, no synthetic response, and
   * any later response is dropped as stray. For a record deleted or reconfigured while its request
   * is in flight (checklist SEC-15). Does nothing once Terminated.
   */
  abandon(): void;
}

/** Counters a transaction updates; owned by the layer, mutated in place (cheaper than events). */
export interface TransactionCounters {
  sent: number;
  retransmissions: number;
  provisionalDelivered: number;
  finalsDelivered: number;
  absorbed: number;
  timeouts: number;
  sendFailures: number;
}

/** What the layer lends a transaction. @internal */
export interface ClientTransactionHost {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly transport: Transport;
  readonly counters: TransactionCounters;
  /**
   * The layer's queues for the fixed-duration timers (one clock timer each, whatever the number of
   * transactions): Timer F (timerF), the first Timer E (T1) and Timer K (T4). Later Timer E
   * intervals (2·T1, 4·T1, T2 …) only happen when a request goes unanswered and use the clock.
   */
  readonly timerF: DeadlineQueue<ClientTransaction>;
  readonly firstTimerE: DeadlineQueue<ClientTransaction>;
  readonly timerK: DeadlineQueue<ClientTransaction>;
  /** Called once when the transaction reaches Terminated, so the layer forgets it (TXN-11). */
  transactionTerminated(transaction: ClientTransaction): void;
  /** A handler threw. */
  handlerFailed(error: unknown, event: TransactionResponseEvent): void;
}

/** Request fields a response must echo; extracted once, compared per response (SEC-01). */
export interface TransactionIdentity {
  /**
   * The lookup key: the branch as created (`z9hG4bK` + lower-case hex), so a response echoing it
   * byte for byte is found without lower-casing; other spellings are canonicalised by the layer.
   */
  readonly key: string;
  readonly callId: string;
  /**
   * The request's From value as sent: equal text means an equal tag; otherwise both are parsed to
   * compare tags (rare, so the tag is not kept: a completed transaction lingers T4).
   */
  readonly from: string;
  readonly cseq: number;
  readonly method: string;
  /** sent-by host of our Via, lower case without brackets, and its port (RSP-05). */
  readonly sentByHost: string;
  readonly sentByPort: number;
}

/**
 * One non-INVITE client transaction (RFC 3261 §17.1.2), an explicit state machine:
 *
 * ```
 * Trying --1xx--> Proceeding --final--> Completed --Timer K--> Terminated
 *   |  \________________final_____________^                      ^
 *   +--Timer F / transport error (synthetic 408 / 503)-----------+
 * ```
 *
 * Timer E retransmits on unreliable transports only: T1, then doubling up to T2 in Trying, T2 in
 * Proceeding (checklist TXN-03, TXN-04, TXN-05; RFC 3261 Erratum 2769). Timer F (64·T1) bounds the
 * whole transaction (TXN-02, TXN-07). Timer K = T4 absorbs retransmitted finals on unreliable
 * transports and is zero on reliable ones (TXN-06). On Terminated every timer is cleared and the
 * layer forgets the transaction (TXN-11). Created only by `TransactionLayer.sendRequest`.
 */
export class ClientTransaction implements ClientTransactionHandle, TransactionIdentity {
  readonly branch: string;
  readonly id: TransactionRecordId | undefined;
  readonly target: TransportTarget;
  // The identity is kept in the transaction's own fields (one object less per transaction, which
  // lingers T4 after its final).
  readonly key: string;
  readonly callId: string;
  readonly from: string;
  readonly cseq: number;
  readonly method: string;
  readonly sentByHost: string;
  readonly sentByPort: number;
  /**
   * The request and its wire bytes, needed until the final outcome (retransmissions, synthetic
   * responses, the event). Dropped then: a completed UDP transaction lingers T4 (5 s) to absorb
   * retransmitted finals, and at 1,000 registrations/s keeping every request and its bytes that long
   * meant megabytes promoted to the old generation for nothing.
   */
  #request: SipRequest | undefined;
  #host: ClientTransactionHost;
  #bytes: Uint8Array | undefined;
  #handler: TransactionHandler;
  #reliable: boolean;
  #state: ClientTransactionState = 'Trying';
  /** Tickets in the host's queues; -1 when not queued. */
  #ticketF = -1;
  #ticketFirstE = -1;
  #ticketK = -1;
  /** Timer F's deadline: a Timer E falling due with it sends nothing (the timeout wins). */
  #dueF = 0;
  /** Timer E after the first one. */
  #timerE: TimerHandle | undefined;
  #intervalE: number;

  constructor(
    host: ClientTransactionHost,
    init: {
      branch: string;
      id: TransactionRecordId | undefined;
      identity: TransactionIdentity;
      /** The request as an object, or `undefined` when it was sent prepared (parsed from `bytes` on demand). */
      request: SipRequest | undefined;
      bytes: Uint8Array;
      target: TransportTarget;
      handler: TransactionHandler;
    },
  ) {
    this.#host = host;
    this.branch = init.branch;
    this.id = init.id;
    const identity = init.identity;
    this.key = identity.key;
    this.callId = identity.callId;
    this.from = identity.from;
    this.cseq = identity.cseq;
    this.method = identity.method;
    this.sentByHost = identity.sentByHost;
    this.sentByPort = identity.sentByPort;
    this.#request = init.request;
    this.#bytes = init.bytes;
    this.target = init.target;
    this.#handler = init.handler;
    this.#reliable = host.transport.reliable;
    this.#intervalE = host.timers.t1;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  /** The request fields a response must echo (SEC-01). */
  get identity(): TransactionIdentity {
    return this;
  }

  /**
   * Enter Trying: arm Timer F, arm Timer E on unreliable transports, hand the request to the
   * transport (RFC 3261 §17.1.2.2; TXN-02..04). Never calls the handler synchronously: a send failure
   * arrives through the transport's rejected promise. @internal
   */
  start(): void {
    const host = this.#host;
    const now = host.clock.now();
    this.#dueF = now + host.timers.timerF;
    this.#ticketF = host.timerF.add(this, this.#dueF);
    if (!this.#reliable) this.#ticketFirstE = host.firstTimerE.add(this, now + this.#intervalE);
    host.counters.sent++;
    this.#transmit();
  }

  /** Timer F from the layer's queue. @internal */
  timerFDue(): void {
    this.#ticketF = -1;
    this.#onTimerF();
  }

  /** The first Timer E from the layer's queue. @internal */
  firstTimerEDue(): void {
    this.#ticketFirstE = -1;
    this.#onTimerE();
  }

  /** Timer K from the layer's queue. @internal */
  timerKDue(): void {
    this.#ticketK = -1;
    if (this.#state === 'Completed') this.#terminate();
  }

  /** A response the layer matched to this transaction (TXN-09, SEC-01). @internal */
  receive(
    response: SipResponse,
    source: InboundSource,
    received: string | undefined,
    rport: number | undefined,
  ) {
    const state = this.#state;
    if (response.status < 200) {
      if (state !== 'Trying' && state !== 'Proceeding') {
        this.#host.counters.absorbed++;
        return;
      }
      // RFC 3261 §17.1.2.2: a provisional moves Trying to Proceeding; Timer E keeps its current
      // deadline and is re-armed at T2 when it next fires. Every 1xx goes up to the TU.
      this.#state = 'Proceeding';
      const onProvisional = this.#handler.onProvisional;
      if (onProvisional === undefined) return;
      this.#host.counters.provisionalDelivered++;
      this.#deliver(onProvisional, response, false, undefined, source, received, rport);
      return;
    }
    if (state !== 'Trying' && state !== 'Proceeding') {
      // A retransmitted final in Completed is absorbed, never passed up twice (TXN-06).
      this.#host.counters.absorbed++;
      return;
    }
    this.#complete();
    this.#host.counters.finalsDelivered++;
    this.#deliver(this.#handler.onFinal, response, false, undefined, source, received, rport);
    this.#release();
  }

  /**
   * End the transaction with a synthetic 503 (transport failure, flow failure, layer closed) if it
   * is still waiting for a final; a Completed transaction just terminates. @internal
   */
  fail(error: TransportError): void {
    const state = this.#state;
    if (state === 'Terminated') return;
    this.#terminate();
    if (state === 'Completed') return;
    this.#deliverSynthetic(503, unavailableReason(error), error);
  }

  abandon(): void {
    if (this.#state !== 'Terminated') this.#terminate();
    this.#release();
  }

  #transmit(): void {
    let sending: Promise<void>;
    try {
      sending = this.#host.transport.send(this.target, this.#bytes!);
    } catch (error) {
      // The Transport contract says send() never throws; a host stack's adapter might.
      sending = Promise.reject(error);
    }
    // A closure per send rather than a bound field: a field would live as long as the transaction
    // (T4 after the final), this one only until the send settles.
    sending.then(undefined, (cause: unknown) => this.#onSendError(cause));
  }

  #onTimerE(): void {
    this.#timerE = undefined;
    const state = this.#state;
    if (state !== 'Trying' && state !== 'Proceeding') return;
    const clock = this.#host.clock;
    // Timer F due at the same instant: the timeout wins, no retransmission is sent (RFC 3261
    // §17.1.2.2 stops retransmitting when the transaction times out).
    if (clock.now() >= this.#dueF) return;
    // Trying: double up to T2 (0.5, 1, 2, 4, 4 … s with defaults; Erratum 2769). Proceeding: T2.
    const t2 = this.#host.timers.t2;
    this.#intervalE = state === 'Trying' ? Math.min(this.#intervalE * 2, t2) : t2;
    this.#host.counters.retransmissions++;
    this.#transmit();
    // Only an unanswered request gets here: the closure is no cost on the common path.
    this.#timerE = clock.setTimeout(() => this.#onTimerE(), this.#intervalE);
  }

  #onTimerF(): void {
    const state = this.#state;
    if (state !== 'Trying' && state !== 'Proceeding') return;
    // RFC 3261 §17.1.2.2 / §8.1.3.1: a timeout is reported to the TU as a 408 (TXN-07, RSP-01).
    this.#host.counters.timeouts++;
    this.#terminate();
    this.#deliverSynthetic(408, 'Request Timeout', undefined);
  }

  #onSendError(cause: unknown): void {
    const state = this.#state;
    // A failure reported after the final response (or after abandon) changes nothing.
    if (state !== 'Trying' && state !== 'Proceeding') return;
    this.#host.counters.sendFailures++;
    const error =
      cause instanceof TransportError
        ? cause
        : new TransportError(
            'ERR_TRANSPORT_SEND',
            `send failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
    // RFC 3261 §17.1.4 / §8.1.3.1: a transport error is reported as a 503 (TXN-08, RSP-02).
    this.#terminate();
    this.#deliverSynthetic(503, unavailableReason(error), error);
  }

  /** Trying/Proceeding → Completed on a final: stop E and F, start K (T4 unreliable, 0 reliable). */
  #complete(): void {
    this.#state = 'Completed';
    this.#stopTimersEF();
    const host = this.#host;
    const t4 = host.timers.t4;
    // Timer K = 0 on reliable transports: terminate now rather than arm a zero timer.
    if (this.#reliable || t4 === 0) this.#terminate();
    else this.#ticketK = host.timerK.add(this, host.clock.now() + t4);
  }

  #stopTimersEF(): void {
    const host = this.#host;
    if (this.#timerE !== undefined) host.clock.clearTimeout(this.#timerE);
    this.#timerE = undefined;
    if (this.#ticketFirstE !== -1) host.firstTimerE.remove(this.#ticketFirstE);
    if (this.#ticketF !== -1) host.timerF.remove(this.#ticketF);
    this.#ticketFirstE = -1;
    this.#ticketF = -1;
  }

  #terminate(): void {
    this.#state = 'Terminated';
    this.#stopTimersEF();
    if (this.#ticketK !== -1) this.#host.timerK.remove(this.#ticketK);
    this.#ticketK = -1;
    this.#host.transactionTerminated(this);
  }

  #deliverSynthetic(status: number, reason: string, error: TransportError | undefined): void {
    const response = createSyntheticResponse(this.#sentRequest(), status, reason);
    this.#host.counters.finalsDelivered++;
    this.#deliver(this.#handler.onFinal, response, true, error, undefined, undefined, undefined);
    this.#release();
  }

  /** After the final outcome nothing sends or reports again: let the request and bytes go. */
  /** The request sent, parsed from its bytes when it was sent prepared (kept until the final). */
  #sentRequest(): SipRequest {
    this.#request ??= requestFromBytes(this.#bytes!);
    return this.#request;
  }

  #release(): void {
    this.#request = undefined;
    this.#bytes = undefined;
  }

  #deliver(
    callback: (event: TransactionResponseEvent) => void,
    response: SipResponse,
    synthetic: boolean,
    error: TransportError | undefined,
    source: InboundSource | undefined,
    received: string | undefined,
    rport: number | undefined,
  ): void {
    const request = this.#request;
    // A request sent as an object is passed as it is (an own field, as always); a prepared one
    // is parsed from its bytes only if a handler reads `event.request`.
    const event: TransactionResponseEvent =
      request !== undefined
        ? { id: this.id, branch: this.branch, request, response, synthetic, error, source, received, rport }
        : new PreparedResponseEvent(
            this.id,
            this.branch,
            this.#bytes!,
            response,
            synthetic,
            error,
            source,
            received,
            rport,
          );
    // State is already updated, so a throwing handler cannot leave the machine half-way.
    try {
      callback.call(this.#handler, event);
    } catch (thrown) {
      this.#host.handlerFailed(thrown, event);
    }
  }
}

/** Reason phrase of a synthetic 503: names the error so logs and `reg_list` say what went wrong. */
function unavailableReason(error: TransportError): string {
  return `Service Unavailable (${error.code}: ${error.message})`;
}

/**
 * The event of a transaction whose request was sent prepared: `request` is read from the bytes sent
 * on first access only (the registrant's handler never looks).
 */
class PreparedResponseEvent implements TransactionResponseEvent {
  #request: SipRequest | undefined;
  readonly #bytes: Uint8Array;

  constructor(
    readonly id: TransactionRecordId | undefined,
    readonly branch: string,
    bytes: Uint8Array,
    readonly response: SipResponse,
    readonly synthetic: boolean,
    readonly error: TransportError | undefined,
    readonly source: InboundSource | undefined,
    readonly received: string | undefined,
    readonly rport: number | undefined,
  ) {
    this.#bytes = bytes;
  }

  get request(): SipRequest {
    this.#request ??= requestFromBytes(this.#bytes);
    return this.#request;
  }
}

/** Our own request bytes back as a {@link SipRequest} (they were built valid, so they parse). */
function requestFromBytes(bytes: Uint8Array): SipRequest {
  return parseMessage(bytes) as SipRequest;
}
