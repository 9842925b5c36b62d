import type { Clock, TimerHandle } from '../clock.js';
import { TransportError } from '../errors.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { InboundSource, Transport, TransportTarget } from '../transport/transport.js';
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
  /** Called once when the transaction reaches Terminated, so the layer forgets it (TXN-11). */
  transactionTerminated(transaction: ClientTransaction): void;
  /** A handler threw. */
  handlerFailed(error: unknown, event: TransactionResponseEvent): void;
}

/** Request fields a response must echo; extracted once, compared per response (SEC-01). */
export interface TransactionIdentity {
  /** Lower-cased branch: the lookup key. */
  readonly key: string;
  readonly callId: string;
  /** The request's From value as sent, for a cheap equality check before parsing. */
  readonly from: string;
  readonly fromTag: string | undefined;
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
export class ClientTransaction implements ClientTransactionHandle {
  readonly branch: string;
  readonly id: TransactionRecordId | undefined;
  readonly identity: TransactionIdentity;
  readonly target: TransportTarget;
  readonly request: SipRequest;
  #host: ClientTransactionHost;
  #bytes: Uint8Array;
  #handler: TransactionHandler;
  #reliable: boolean;
  #state: ClientTransactionState = 'Trying';
  #timerE: TimerHandle | undefined;
  #timerF: TimerHandle | undefined;
  #timerK: TimerHandle | undefined;
  #intervalE: number;

  constructor(
    host: ClientTransactionHost,
    init: {
      branch: string;
      id: TransactionRecordId | undefined;
      identity: TransactionIdentity;
      request: SipRequest;
      bytes: Uint8Array;
      target: TransportTarget;
      handler: TransactionHandler;
    },
  ) {
    this.#host = host;
    this.branch = init.branch;
    this.id = init.id;
    this.identity = init.identity;
    this.request = init.request;
    this.#bytes = init.bytes;
    this.target = init.target;
    this.#handler = init.handler;
    this.#reliable = host.transport.reliable;
    this.#intervalE = host.timers.t1;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  /**
   * Enter Trying: arm Timer F, arm Timer E on unreliable transports, hand the request to the
   * transport (RFC 3261 §17.1.2.2; TXN-02..04). Never calls the handler synchronously: a send failure
   * arrives through the transport's rejected promise. @internal
   */
  start(): void {
    const { clock, timers } = this.#host;
    // Timer F is armed before Timer E so that, when both fall due together, the timeout wins and no
    // retransmission is sent in the same instant (a clock fires ties in creation order).
    this.#timerF = clock.setTimeout(this.#onTimerF, timers.timerF);
    if (!this.#reliable) this.#timerE = clock.setTimeout(this.#onTimerE, this.#intervalE);
    this.#host.counters.sent++;
    this.#transmit();
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
  }

  #transmit(): void {
    let sending: Promise<void>;
    try {
      sending = this.#host.transport.send(this.target, this.#bytes);
    } catch (error) {
      // The Transport contract says send() never throws; a host stack's adapter might.
      sending = Promise.reject(error);
    }
    sending.then(undefined, this.#onSendError);
  }

  // Timer callbacks are fields so arming a timer allocates no closure.
  #onTimerE = (): void => {
    this.#timerE = undefined;
    const state = this.#state;
    if (state !== 'Trying' && state !== 'Proceeding') return;
    // Trying: double up to T2 (0.5, 1, 2, 4, 4 … s with defaults; Erratum 2769). Proceeding: T2.
    const t2 = this.#host.timers.t2;
    this.#intervalE = state === 'Trying' ? Math.min(this.#intervalE * 2, t2) : t2;
    this.#host.counters.retransmissions++;
    this.#transmit();
    this.#timerE = this.#host.clock.setTimeout(this.#onTimerE, this.#intervalE);
  };

  #onTimerF = (): void => {
    this.#timerF = undefined;
    const state = this.#state;
    if (state !== 'Trying' && state !== 'Proceeding') return;
    // RFC 3261 §17.1.2.2 / §8.1.3.1: a timeout is reported to the TU as a 408 (TXN-07, RSP-01).
    this.#host.counters.timeouts++;
    this.#terminate();
    this.#deliverSynthetic(408, 'Request Timeout', undefined);
  };

  #onTimerK = (): void => {
    this.#timerK = undefined;
    if (this.#state === 'Completed') this.#terminate();
  };

  #onSendError = (cause: unknown): void => {
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
  };

  /** Trying/Proceeding → Completed on a final: stop E and F, start K (T4 unreliable, 0 reliable). */
  #complete(): void {
    const clock = this.#host.clock;
    this.#state = 'Completed';
    if (this.#timerE !== undefined) clock.clearTimeout(this.#timerE);
    if (this.#timerF !== undefined) clock.clearTimeout(this.#timerF);
    this.#timerE = undefined;
    this.#timerF = undefined;
    const t4 = this.#host.timers.t4;
    // Timer K = 0 on reliable transports: terminate now rather than arm a zero timer.
    if (this.#reliable || t4 === 0) this.#terminate();
    else this.#timerK = clock.setTimeout(this.#onTimerK, t4);
  }

  #terminate(): void {
    const clock = this.#host.clock;
    this.#state = 'Terminated';
    if (this.#timerE !== undefined) clock.clearTimeout(this.#timerE);
    if (this.#timerF !== undefined) clock.clearTimeout(this.#timerF);
    if (this.#timerK !== undefined) clock.clearTimeout(this.#timerK);
    this.#timerE = undefined;
    this.#timerF = undefined;
    this.#timerK = undefined;
    this.#host.transactionTerminated(this);
  }

  #deliverSynthetic(status: number, reason: string, error: TransportError | undefined): void {
    const response = createSyntheticResponse(this.request, status, reason);
    this.#host.counters.finalsDelivered++;
    this.#deliver(this.#handler.onFinal, response, true, error, undefined, undefined, undefined);
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
    const event: TransactionResponseEvent = {
      id: this.id,
      branch: this.branch,
      request: this.request,
      response,
      synthetic,
      error,
      source,
      received,
      rport,
    };
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
