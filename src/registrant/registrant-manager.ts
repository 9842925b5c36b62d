/**
 * The RegistrantManager: keeps many SIP bindings registered (OpenSIPS `uac_registrant` as a library).
 *
 * It wires the pure pieces together and owns every side effect:
 * - records live in a bucketed {@link RegistrantTable}; ONE clock timer visits one bucket per tick,
 *   so a full sweep takes `timerInterval` and the cost of a tick is proportional to its bucket;
 * - every event goes through the pure state machine (`transition`), whose `next` fields are applied
 *   to the record before its actions are performed in order (ENGINE-WIRING.md);
 * - send actions become REGISTER / un-REGISTER requests (register-request-builder.ts) carried by
 *   one RFC 3261 §17.1.2 {@link TransactionLayer} per transport; the transaction carries the record's
 *   stable id, never the record itself (DESIGN.md); the final outcome, real or synthetic (408 for
 *   Timer F, 503 for transport failures), goes back to the machine as a response, timeout or local
 *   failure;
 * - destinations are resolved through an injectable resolver (cached, bounded by a timeout) and
 *   pinned after the first real reply (RFC 3261 §10.2.4, EXP-13, DNS-05);
 * - 401/407 challenges are answered by the {@link DigestAuthenticator} while their response is being
 *   handled; no record keeps a challenge or a response.
 *
 * Memory: a record holds no closure, no timer and no Map of its own (only records with a grant too
 * short for the sweep get a one-off timer); the state of a request in flight is one small object,
 * dropped at the final response; reason phrases and destinations are shared strings.
 */
import { EventEmitter } from 'eventemitter3';
import {
  challengeSetOf,
  type DigestAuthorization,
  type DigestChallengeSet,
  type DigestCredentials,
} from '../auth/digest-authenticator.js';
import type { TimerHandle } from '../clock.js';
import type { NormalizedRegistrantConfig, RegistrantConfig } from '../config/registrant-config.js';
import { registrantKey } from '../config/registrant-config.js';
import type { RegistrantCredentials } from '../config/registrant-credentials.js';
import {
  checkRegistrantConfig,
  describeRecord,
  validateRegistrantConfig,
} from '../config/validate-registrant-config.js';
import {
  DuplicateRegistrantError,
  RegistrantConfigError,
  type RegistrantConfigIssue,
  RegistrantNotFoundError,
  SipInvalidArgumentError,
  SipRegistrantError,
} from '../errors.js';
import type {
  ClientTransactionHandle,
  TransactionHandler,
  TransactionResponseEvent,
} from '../transaction/client-transaction.js';
import type { PreparedRequest } from '../transaction/prepared-request.js';
import { TransactionLayer, type TransactionLayerStats } from '../transaction/transaction-layer.js';
import type { Transport, TransportAddress, TransportTarget } from '../transport/transport.js';
import { configChanges, sameCredentials } from './config-changes.js';
import { DestinationResolver, ResolutionFailure, type ResolvedAddress } from './destination-resolver.js';
import { createCallId, createFromTag } from './dialog-ids.js';
import { ManagedRecord } from './managed-record.js';
import {
  type ManagerWarning,
  type RegistrantConfigField,
  type RegistrantManagerEvents,
  type RegistrantStateEvent,
  STATE_EVENT_NAMES,
  type StateChangeEvent,
} from './manager-events.js';
import { DestinationPool, parseDestination } from './pinned-destination.js';
import { prepareRegisterRequest } from './register-request-builder.js';
import type {
  RegistrantAction,
  RegistrantEvent,
  SendRegisterAction,
  SendUnregisterAction,
  StateChangeAction,
  WarningAction,
} from './registrant-events.js';
import type { RegistrantInfo } from './registrant-info.js';
import {
  type RegistrantManagerOptions,
  type ResolvedManagerOptions,
  resolveManagerOptions,
} from './registrant-manager-options.js';
import { NO_DEADLINE, RecordFlag } from './registrant-record.js';
import { isInFlightState, RegistrantState, type RegistrantStateName, stateName } from './registrant-state.js';
import { RegistrantTable } from './registrant-table.js';
import {
  compileListFilter,
  type RegistrantForceRegisterResult,
  type RegistrantListFilter,
  type RegistrantReloadResult,
  type RegistrantUpsertResult,
} from './registrant-verb-results.js';
import { responseFacts } from './response-facts.js';
import { describeTransport, type NextHop, SocketSelector } from './socket-selector.js';
import { transition } from './state-machine.js';
import { type RegistrantStopResult, StopRun } from './stop-run.js';
import { TokenBucket } from './token-bucket.js';

export type {
  RegistrantForceRegisterResult,
  RegistrantListFilter,
  RegistrantReloadResult,
  RegistrantUpsertResult,
} from './registrant-verb-results.js';
export type { RegistrantStopResult } from './stop-run.js';

/** A changed config waiting to be put in place (see `RegistrantManager.upsert`). */
interface PendingConfig {
  config: NormalizedRegistrantConfig;
  /**
   * true: the old binding's un-REGISTER is under way; the config is swapped right before the next
   * REGISTER (or when the record is idle). false: waiting for the request in flight to end, then
   * reconfigured as a fresh upsert would.
   */
  readonly afterUnregister: boolean;
}

/** eventemitter3's stored listener (its documented shape since v1: fn, context, once). */
interface StoredListener {
  readonly fn: (payload: unknown) => void;
  readonly context: unknown;
  readonly once: boolean;
}

/** Counters of {@link RegistrantManager.stats}. */
export interface RegistrantManagerStats {
  /** Records in the manager. */
  readonly records: number;
  /** Records per state name. */
  readonly recordsByState: Readonly<Record<RegistrantStateName, number>>;
  /** REGISTER requests handed to a transaction (challenge answers and retries included). */
  readonly registersSent: number;
  /** un-REGISTER requests handed to a transaction. */
  readonly unregistersSent: number;
  /** Real final responses received, by status code. */
  readonly repliesByCode: Readonly<Record<number, number>>;
  /** Transactions that ended with Timer F (synthetic 408). */
  readonly timeouts: number;
  /** Requests that could not be built, resolved or sent, or whose transport failed (synthetic 503). */
  readonly localFailures: number;
  /** Final responses for a transaction the record no longer waits for (ignored). */
  readonly lateResponses: number;
  /** Bucket visits of the sweep timer since construction. */
  readonly ticks: number;
  /** Records waiting for a token of the `maxRegistersPerSecond` cap. */
  readonly deferred: number;
  /** Counters of the transaction layers, summed (drops by reason included). */
  readonly transactions: TransactionLayerStats;
}

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

/** The part of a send action both kinds share. */
type SendAction = SendRegisterAction | SendUnregisterAction;

/** Most distinct reason phrases shared; the pool restarts beyond (a hostile registrar's inventions). */
const MAX_REASONS = 256;

/** Host name written as Via sent-by for a connect-only stream transport (RFC 6761 `.invalid`). */
const CONNECT_ONLY_SENT_BY_HOST = 'sip-registrant.invalid';

/**
 * Keeps many SIP bindings registered. See the package README for a tour; the contract in short:
 *
 * ```ts
 * const manager = new RegistrantManager({ transport });
 * const key = manager.add({ registrar: 'sip:sip.example.com', aor: 'sip:alice@example.com',
 *   contact: 'sip:alice@203.0.113.5', username: 'alice', password: 'secret' });
 * manager.on('stateChange', (e) => console.log(e.aor, e.fromName, '→', e.toName, e.code ?? ''));
 * manager.start();
 * // …
 * await manager.stop(); // un-REGISTERs every binding, paced and bounded
 * ```
 */
export class RegistrantManager extends EventEmitter<RegistrantManagerEvents> {
  readonly #o: ResolvedManagerOptions;
  readonly #table: RegistrantTable<ManagedRecord>;
  /** Records by id (the id the transactions carry); freed ids are reused. */
  readonly #records: (ManagedRecord | undefined)[] = [];
  readonly #freeIds: number[] = [];
  /** One-off refresh timers of grants too short for the sweep (only those records have one). */
  readonly #shortTimers = new Map<ManagedRecord, TimerHandle>();
  /** Reason phrases, shared: records keep one string per distinct phrase, never a slice of a message. */
  readonly #reasons = new Map<string, string>();
  /**
   * The 401/407 challenge being answered, set only while its response is fed to the machine (the
   * answer is built synchronously), so no record ever keeps a challenge.
   */
  #challenge: { readonly record: ManagedRecord; readonly set: DigestChallengeSet } | undefined;
  readonly #selector: SocketSelector;
  readonly #resolver: DestinationResolver;
  readonly #destinations = new DestinationPool();
  readonly #rate: TokenBucket | undefined;
  readonly #tickMs: number;
  readonly #mono0: number;
  readonly #wall0: number;
  readonly #handler: TransactionHandler;
  #layers: TransactionLayer[];
  #closedLayerStats: TransactionLayerStats[] = [];
  #phase: Phase = 'idle';
  /** Set once stop()'s deadline passed: every send is refused (the record settles at once). */
  #refuseSends = false;
  #sweepTimer: TimerHandle | undefined;
  #sweepStart = 0;
  #sweepTicks = 0;
  #tickNow = 0;
  #deferred = new Set<ManagedRecord>();
  #drainTimer: TimerHandle | undefined;
  #stopRun: StopRun | undefined;
  #stopPromise: Promise<RegistrantStopResult> | undefined;
  // Counters (stats()).
  #registersSent = 0;
  #unregistersSent = 0;
  #replies: Record<number, number> = {};
  #timeouts = 0;
  #localFailures = 0;
  #lateResponses = 0;
  #ticks = 0;
  /** Records per state number, kept up to date on every transition (stats() stays O(1)). */
  readonly #stateCounts: number[] = new Array<number>(10).fill(0);
  /** Changed configs waiting for their record to be idle (only records being reconfigured). */
  readonly #pending = new Map<ManagedRecord, PendingConfig>();
  /** Configs upserted while their identity was being deleted: added once the old record is gone. */
  readonly #readd = new Map<string, NormalizedRegistrantConfig>();
  /** Nesting depth of #feed (pending configs are settled by the outermost call only). */
  #feedDepth = 0;

  /**
   * @throws SipInvalidArgumentError naming the first invalid option, what was expected and what was
   *   received
   */
  constructor(options: RegistrantManagerOptions) {
    super();
    const o = resolveManagerOptions(options);
    this.#o = o;
    this.#table = new RegistrantTable<ManagedRecord>({ hashSize: o.hashSize });
    this.#tickMs = this.#table.tickIntervalMs(o.timerInterval);
    this.#selector = new SocketSelector(o.transports);
    this.#resolver = new DestinationResolver({
      resolver: o.resolver,
      clock: o.clock,
      cacheTtlMs: o.resolveCacheTtlMs,
      timeoutMs: o.resolveTimeoutMs,
    });
    this.#rate = o.rateCap === undefined ? undefined : new TokenBucket(o.rateCap, o.clock.now());
    this.#mono0 = o.clock.now();
    this.#wall0 = o.wallClock();
    // One handler object for every transaction: it routes on the record id (no closure per request).
    this.#handler = { onFinal: (event) => this.#onFinal(event) };
    this.#layers = this.#createLayers();
  }

  /** Number of records. */
  get size(): number {
    return this.#table.size;
  }

  /** Number of buckets (2^hashSize). */
  get bucketCount(): number {
    return this.#table.bucketCount;
  }

  /** Milliseconds between two ticks of the sweep timer (`timerInterval` / buckets). */
  get tickIntervalMs(): number {
    return this.#tickMs;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#phase === 'running';
  }

  // -------------------------------------------------------------------------------------------------
  // Records

  /**
   * Add a record. It registers when its bucket next comes round (after `start()`).
   *
   * @returns the record's identity key (aor, contact, registrar), for `get`, `enable`, `delete`, …
   * @throws RegistrantConfigError naming the field and the problem (never the password), including
   *   a forced socket that matches none of the manager's transports
   * @throws DuplicateRegistrantError when a record with the same identity exists
   */
  add(config: RegistrantConfig): string {
    this.#refuseWhileStopping('add');
    const normalized = this.#validate(config);
    const key = registrantKey(normalized);
    if (this.#table.has(key)) throw new DuplicateRegistrantError(key);
    this.#insert(normalized, key);
    return key;
  }

  /**
   * Insert, or replace in place (OpenSIPS MI `reg_upsert`, done without its losses):
   * - a new identity is added (`inserted`);
   * - the same config as the record's is `unchanged`: Call-ID, From-tag, CSeq, state and timers stay;
   * - a changed config (credentials, expiry, proxy, contactParams, thirdPartyRegistrant, socket,
   *   enabled) is `updated`. The config is swapped only when no request of the old one is in flight
   *   (otherwise at its final outcome), the record's generation is bumped (SEC-15), and then:
   *   · `contactParams` changed while the registrar may hold the binding: the binding as sent
   *     changes, so the old one is un-REGISTERed with the old config (its params, its credentials)
   *     and the new one registered in a new dialog;
   *   · any other change keeps the binding and re-registers at once in the same dialog (same
   *     Call-ID, CSeq continuing), so new credentials or a new expiry or route take effect now;
   *   · `enabled` true→false acts as `disable`, false→true as `enable`; it is compared with the
   *     record's effective flag, so a record disabled by `disable()` and upserted with
   *     `enabled: true` (the default) is enabled again: the config is the wanted state.
   * A record being deleted (its un-REGISTER in flight) comes back as a new record once it is gone
   * (`inserted`).
   *
   * @throws RegistrantConfigError listing every problem of the config (never the password)
   * @throws SipInvalidArgumentError while a `stop()` is in progress
   */
  upsert(config: RegistrantConfig): RegistrantUpsertResult {
    this.#refuseWhileStopping('upsert');
    const normalized = this.#validate(config);
    const key = registrantKey(normalized);
    return { key, action: this.#upsertValid(normalized, key) };
  }

  /**
   * Make the table hold exactly `configs` (OpenSIPS MI `reg_reload`, without its losses), diffing by
   * identity: unchanged records are untouched (dialog, state and timers kept), changed ones are
   * updated as by {@link upsert}, new ones added, and records missing from the set are deleted (with
   * an un-REGISTER when they may hold a binding, as {@link delete}). All configs are checked first:
   * any problem rejects the whole reload and leaves the table as it was.
   *
   * @returns the keys of what was added, updated, removed and left unchanged
   * @throws RegistrantConfigError whose `errors` lists every problem of every config, each with
   *   its `index` and `record` (aor, contact, registrar) and the field; identities repeated inside
   *   the set are problems too. Never contains a password.
   * @throws SipInvalidArgumentError when `configs` is not an array, or while a `stop()` is in progress
   */
  reload(configs: readonly RegistrantConfig[]): RegistrantReloadResult {
    this.#refuseWhileStopping('reload');
    if (!Array.isArray(configs))
      throw new SipInvalidArgumentError(
        `RegistrantManager.reload: expected an array of registrant configs, received ${configs === null ? 'null' : typeof configs}`,
      );
    const issues: RegistrantConfigIssue[] = [];
    const valid: { readonly config: NormalizedRegistrantConfig; readonly key: string }[] = [];
    const seen = new Map<string, number>();
    configs.forEach((input: unknown, index: number) => {
      const record = describeRecord(input);
      const report = (field: string, problem: string): void => {
        issues.push({
          field,
          problem,
          message: `configs[${index}]${record ? ` (${record})` : ''}: ${field}: ${problem}`,
          record,
          index,
        });
      };
      const check = checkRegistrantConfig(input);
      if (!check.ok) {
        for (const issue of check.errors) report(issue.field, issue.problem);
        return;
      }
      const problem = this.#routingProblem(check.config);
      if (problem !== undefined) {
        report(problem.field, problem.problem);
        return;
      }
      const key = registrantKey(check.config);
      const first = seen.get(key);
      if (first !== undefined) {
        report('(identity)', `same aor, contact and registrar as configs[${first}]`);
        return;
      }
      seen.set(key, index);
      valid.push({ config: check.config, key });
    });
    if (issues.length > 0) throw new RegistrantConfigError('', issues);

    const added: string[] = [];
    const updated: string[] = [];
    const unchanged: string[] = [];
    const removed: string[] = [];
    for (const { config, key } of valid) {
      const action = this.#upsertValid(config, key);
      (action === 'inserted' ? added : action === 'updated' ? updated : unchanged).push(key);
    }
    for (const record of [...this.#table.values()]) {
      if (seen.has(record.key)) continue;
      removed.push(record.key);
      this.#readd.delete(record.key);
      this.#guard(() => this.#feed(record, { type: 'delete' }));
    }
    return { added, updated, removed, unchanged };
  }

  /**
   * The `reg_list` view of one record.
   * @throws RegistrantNotFoundError when no record has this key
   * @throws SipInvalidArgumentError when `key` is not a string
   */
  get(key: string): RegistrantInfo {
    return this.#info(this.#require('get', key));
  }

  /**
   * The record with this identity (OpenSIPS MI matching by aor, contact and registrar), or
   * `undefined`. The strings are compared byte for byte, as `registrantKey` does.
   */
  find(aor: string, contact: string, registrar: string): RegistrantInfo | undefined {
    for (const [name, value] of [
      ['aor', aor],
      ['contact', contact],
      ['registrar', registrar],
    ] as const)
      if (typeof value !== 'string')
        throw new SipInvalidArgumentError(
          `RegistrantManager.find: expected ${name} to be a string, received ${typeof value}`,
        );
    const record = this.#table.get(registrantKey({ aor, contact, registrar }));
    return record === undefined ? undefined : this.#info(record);
  }

  /**
   * The `reg_list` view of every record (OpenSIPS MI `reg_list`), never with a password; with a
   * filter, of those matching every given field.
   * @throws SipInvalidArgumentError naming a filter field of the wrong type or an unknown state
   */
  list(filter?: RegistrantListFilter): RegistrantInfo[] {
    const match = compileListFilter(filter);
    const out: RegistrantInfo[] = [];
    for (const record of this.#table.values())
      if (match === undefined || match(record)) out.push(this.#info(record));
    return out;
  }

  /*
   * The verbs act at once, before start() too (they are explicit requests); after stop() they are
   * remembered and acted on at the next start(). A request in flight is never doubled (REG-10): a
   * verb arriving meanwhile is acted on at its final outcome. Every verb on an unknown key throws
   * RegistrantNotFoundError.
   */

  /**
   * Enable a record (OpenSIPS `reg_enable`): it registers at once (after the request in flight, if
   * any). Enabling an enabled record does nothing.
   * @throws RegistrantNotFoundError when no record has this key
   */
  enable(key: string): void {
    const record = this.#require('enable', key);
    this.#guard(() => this.#feed(record, { type: 'enable', sendAllowed: this.#sendAllowed() }));
  }

  /**
   * Disable a record (OpenSIPS `reg_disable`): it un-REGISTERs when the registrar may hold its
   * binding (after the request in flight completes, if any) and stays idle.
   * @throws RegistrantNotFoundError when no record has this key
   */
  disable(key: string): void {
    const record = this.#require('disable', key);
    this.#guard(() => this.#feed(record, { type: 'disable' }));
  }

  /**
   * Register a record now (OpenSIPS `reg_force_register`, which only waits for the next sweep):
   * `sent` when the REGISTER went out (or its destination is being resolved), `in-flight` when a
   * request is already outstanding (nothing is doubled, REG-10), `disabled` for a disabled record,
   * `scheduled` when the rate cap defers it or the manager is stopped (it goes at the next start).
   * @throws RegistrantNotFoundError when no record has this key
   */
  forceRegister(key: string): RegistrantForceRegisterResult {
    const record = this.#require('forceRegister', key);
    if (!record.enabled) return { result: 'disabled' };
    if (isInFlightState(record.state)) return { result: 'in-flight' };
    const generation = record.generation;
    this.#guard(() => this.#feed(record, { type: 'forceRegister', sendAllowed: this.#sendAllowed() }));
    return { result: record.generation !== generation ? 'sent' : 'scheduled' };
  }

  /**
   * Delete a record (OpenSIPS `reg_delete`): when the registrar may hold its binding it is
   * un-REGISTERed first, its reply still tracked (after the request in flight completes, if any);
   * then it leaves the table (`removed` event). Until then `get` still shows it.
   * @throws RegistrantNotFoundError when no record has this key
   */
  delete(key: string): void {
    const record = this.#require('delete', key);
    this.#readd.delete(key);
    this.#guard(() => this.#feed(record, { type: 'delete' }));
  }

  #require(method: string, key: string): ManagedRecord {
    const record = this.#table.get(checkKey(method, key));
    if (record === undefined) throw new RegistrantNotFoundError(key);
    return record;
  }

  #refuseWhileStopping(method: string): void {
    if (this.#phase === 'stopping')
      throw new SipInvalidArgumentError(`RegistrantManager.${method}: the manager is stopping`);
  }

  /** Validate a config for this manager (fields, then routing). */
  #validate(config: RegistrantConfig): NormalizedRegistrantConfig {
    const normalized = validateRegistrantConfig(config);
    const problem = this.#routingProblem(normalized);
    if (problem !== undefined)
      throw new RegistrantConfigError(describeRecord(config), [
        { field: problem.field, problem: problem.problem, message: `${problem.field}: ${problem.problem}` },
      ]);
    return normalized;
  }

  #insert(normalized: NormalizedRegistrantConfig, key: string): void {
    const record = new ManagedRecord(this.#freeIds.pop() ?? this.#records.length, normalized, key);
    // Added after stop(): it waits for the next start() like the others (nothing goes on the wire).
    if (this.#phase === 'stopped') record.flags |= RecordFlag.STOPPED;
    this.#table.add(record);
    this.#records[record.id] = record;
    this.#stateCounts[record.state]!++;
    if (this.listenerCount('added') > 0)
      this.#emitSafe('added', {
        key,
        aor: normalized.aor,
        contact: normalized.contact,
        registrar: normalized.registrar,
      });
    this.#checkExpiry(normalized, key);
  }

  #checkExpiry(config: NormalizedRegistrantConfig, key: string): void {
    if (config.expiry <= this.#o.timerInterval)
      this.#warn({
        code: 'EXPIRY_NOT_ABOVE_TIMER_INTERVAL',
        message:
          `expiry ${config.expiry} s is not above timerInterval ${this.#o.timerInterval} s; ` +
          'the refresh of such short grants runs on its own timer',
        key,
        aor: config.aor,
      });
  }

  /** upsert of a validated config; `reload` uses it for each of its records. */
  #upsertValid(config: NormalizedRegistrantConfig, key: string): RegistrantUpsertResult['action'] {
    const record = this.#table.get(key);
    if (record === undefined) {
      this.#insert(config, key);
      return 'inserted';
    }
    if ((record.flags & RecordFlag.PENDING_REMOVE) !== 0) {
      // Being deleted, its un-REGISTER in flight: it comes back as a new record once it is gone.
      this.#readd.set(key, config);
      return 'inserted';
    }
    // `enabled` is compared with the record's effective flag: the config states the wanted state,
    // so a record disabled by disable() and upserted with enabled: true is enabled again.
    const changes: RegistrantConfigField[] = configChanges(
      this.#pending.get(record)?.config ?? record.config,
      config,
    ).filter((field) => field !== 'enabled');
    if (record.enabled !== config.enabled) changes.push('enabled');
    if (changes.length === 0) return 'unchanged';
    if (this.listenerCount('updated') > 0)
      this.#emitSafe('updated', {
        key,
        aor: config.aor,
        contact: config.contact,
        registrar: config.registrar,
        changes,
      });
    this.#guard(() => this.#reconfigure(record, config));
    return 'updated';
  }

  /** Put a changed config in place (see {@link upsert}). */
  #reconfigure(record: ManagedRecord, config: NormalizedRegistrantConfig): void {
    const pending = this.#pending.get(record);
    if (pending !== undefined) {
      // An earlier change still waits for a request in flight: the newest config replaces it.
      pending.config = config;
      this.#syncEnabled(record, config.enabled);
      return;
    }
    if (record.inFlight !== 0) {
      // The request in flight belongs to the old config: swap at its final outcome. The enabled
      // flag is a verb, which the machine holds until then by itself.
      this.#pending.set(record, { config, afterUnregister: false });
      this.#syncEnabled(record, config.enabled);
      return;
    }
    const stopped = (record.flags & RecordFlag.STOPPED) !== 0;
    if (
      record.config.contactParams !== config.contactParams &&
      record.enabled &&
      !stopped &&
      record.bindingExpiresAt > this.#now()
    ) {
      // The binding as sent changes: remove the old one with the old config (its params identify
      // it, e.g. +sip.instance / reg-id, and its credentials answer the challenge), then register
      // the new one (the config is swapped right before that REGISTER is built).
      this.#pending.set(record, { config, afterUnregister: true });
      this.#feed(record, { type: 'disable' });
      if (config.enabled) this.#feed(record, { type: 'enable', sendAllowed: this.#sendAllowed() });
      return;
    }
    const wasEnabled = record.enabled;
    // Only `enabled` changed (e.g. already acted on as a verb while in flight): no new REGISTER.
    const requestChanged = configChanges(record.config, config).some((field) => field !== 'enabled');
    this.#swapConfig(record, config);
    if (wasEnabled !== config.enabled) this.#syncEnabled(record, config.enabled);
    else if (config.enabled && requestChanged && record.lastRegisterSentAt >= 0) {
      // Re-register now with the new config, same dialog; a new config starts a fresh back-off.
      // (A record that never sent anything registers when its turn comes, as an added one does.)
      record.failureCount = 0;
      this.#feed(record, { type: 'forceRegister', sendAllowed: this.#sendAllowed() });
    }
  }

  #syncEnabled(record: ManagedRecord, enabled: boolean): void {
    if (record.enabled === enabled) return;
    this.#feed(record, enabled ? { type: 'enable', sendAllowed: this.#sendAllowed() } : { type: 'disable' });
  }

  /** Replace a record's config in place (no request of the old config is in flight). */
  #swapConfig(record: ManagedRecord, config: NormalizedRegistrantConfig): void {
    const old = record.config;
    if (old === config) return;
    // The record's config is immutable for the engine; reconfiguration is the one place that
    // replaces it, at a moment no request built from it is outstanding.
    (record as { config: NormalizedRegistrantConfig }).config = config;
    // SEC-15: any token issued under the old config is stale from now on.
    record.generation += 1;
    if (old.expiry !== config.expiry) record.wantedExpires = config.expiry;
    if (!sameCredentials(old.credentials, config.credentials)) record.flags &= ~RecordFlag.AUTH_SUCCEEDED;
    // A pin belongs to the route it was learned on.
    if (old.proxy !== config.proxy || old.socket?.text !== config.socket?.text) record.pinned = undefined;
    if (old.expiry !== config.expiry) this.#checkExpiry(config, record.key);
  }

  /** After a record's event: a config waiting for it to be idle is put in place now. */
  #settlePending(record: ManagedRecord): void {
    const pending = this.#pending.get(record);
    if (pending === undefined || record.inFlight !== 0 || !this.#isLive(record)) return;
    this.#pending.delete(record);
    if (pending.afterUnregister) this.#swapConfig(record, pending.config);
    // Changed back meanwhile: nothing to do (enabled was synced as a verb already).
    else if (configChanges(record.config, pending.config).length > 0)
      this.#reconfigure(record, pending.config);
  }

  // -------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Start the sweep: the first bucket is visited at once (on the clock's next turn), then one bucket
   * every `tickIntervalMs`. Idempotent while running; after `stop()` it starts again.
   * @throws SipInvalidArgumentError while a `stop()` is in progress
   */
  start(): void {
    if (this.#phase === 'running') return;
    if (this.#phase === 'stopping')
      throw new SipInvalidArgumentError('RegistrantManager.start: a stop() is still in progress');
    const restarting = this.#phase === 'stopped';
    this.#phase = 'running';
    this.#refuseSends = false;
    this.#stopPromise = undefined;
    if (restarting) {
      this.#layers = this.#createLayers();
      for (const record of this.#table.values()) this.#guard(() => this.#feed(record, { type: 'start' }));
    }
    const clock = this.#o.clock;
    this.#sweepStart = clock.now();
    this.#sweepTicks = 0;
    this.#sweepTimer = clock.setTimeout(this.#onSweep, 0);
    this.#armDrain(); // records deferred by a verb before start() wait for tokens from now on
  }

  /**
   * Stop: no new registration starts; every record that may hold a binding is un-REGISTERed
   * (paced at `stopRate` per second; records in flight finish their request first), within
   * `stopTimeout`. Then the timers stop and the transaction layers close (the transports stay
   * open: they belong to the caller). Resolves when done; calling it again returns the same promise.
   */
  stop(): Promise<RegistrantStopResult> {
    if (this.#stopPromise !== undefined) return this.#stopPromise;
    this.#stopPromise = new Promise<RegistrantStopResult>((resolve) => this.#beginStop(resolve));
    return this.#stopPromise;
  }

  /** Counters for monitoring; cheap (no walk over the records). */
  stats(): RegistrantManagerStats {
    const byState = {} as Record<RegistrantStateName, number>;
    for (let state = 0; state <= 9; state++)
      byState[stateName(state as RegistrantState)] = this.#stateCounts[state]!;
    return {
      records: this.#table.size,
      recordsByState: byState,
      registersSent: this.#registersSent,
      unregistersSent: this.#unregistersSent,
      repliesByCode: { ...this.#replies },
      timeouts: this.#timeouts,
      localFailures: this.#localFailures,
      lateResponses: this.#lateResponses,
      ticks: this.#ticks,
      deferred: this.#deferred.size,
      transactions: sumLayerStats([...this.#closedLayerStats, ...this.#layers.map((layer) => layer.stats())]),
    };
  }

  // -------------------------------------------------------------------------------------------------
  // The sweep

  #onSweep = (): void => {
    this.#sweepTimer = undefined;
    if (this.#phase !== 'running') return;
    const clock = this.#o.clock;
    // Ticks are anchored to the start so they never drift, whatever each one costs. A tick that
    // fires late (a busy event loop, a paused host) visits every bucket whose turn has come, at
    // most one whole sweep, so a sweep never stretches beyond `timerInterval` and the refresh
    // margin, which assumes a record is looked at within one sweep of its deadline, holds.
    const ticksDue = Math.floor((clock.now() - this.#sweepStart) / this.#tickMs) + 1;
    const visits = Math.min(Math.max(1, ticksDue - this.#sweepTicks), this.#table.bucketCount);
    this.#sweepTicks = Math.max(this.#sweepTicks + 1, ticksDue);
    const due = this.#sweepStart + this.#sweepTicks * this.#tickMs;
    this.#sweepTimer = clock.setTimeout(this.#onSweep, Math.max(0, due - clock.now()));
    this.#ticks++;
    this.#tickNow = this.#now();
    for (let i = 0; i < visits; i++)
      this.#guard(() => this.#table.visitBucket(this.#table.nextBucket(), this.#visit));
  };

  /** Bucket visit of one record: only a due record is fed (the machine would ignore the others). */
  #visit = (record: ManagedRecord): void => {
    if (!(record.deadline <= this.#tickNow)) return;
    try {
      this.#feed(record, { type: 'tick', sendAllowed: this.#sendAllowed() });
    } catch (error) {
      this.#reportError(error);
    }
  };

  /** Whether the rate cap lets a new attempt start now (waiting records keep their turn). */
  #sendAllowed(): boolean {
    const rate = this.#rate;
    return rate === undefined || (this.#deferred.size === 0 && rate.canTake(this.#o.clock.now()));
  }

  #defer(record: ManagedRecord): void {
    this.#deferred.add(record);
    this.#armDrain();
  }

  #armDrain(): void {
    const rate = this.#rate;
    if (this.#drainTimer !== undefined || rate === undefined || this.#deferred.size === 0) return;
    if (this.#phase !== 'running') return;
    const clock = this.#o.clock;
    const now = clock.now();
    this.#drainTimer = clock.setTimeout(this.#drain, Math.max(1, rate.nextAvailableAt(now) - now));
  }

  /** Start deferred attempts, oldest first, as tokens allow. */
  #drain = (): void => {
    this.#drainTimer = undefined;
    const rate = this.#rate;
    if (rate === undefined || this.#phase !== 'running') return;
    const now = this.#o.clock.now();
    for (const record of this.#deferred) {
      if (!rate.canTake(now)) break;
      this.#deferred.delete(record);
      if (!this.#isLive(record)) continue;
      this.#guard(() => this.#feed(record, { type: 'tick', sendAllowed: true }));
    }
    this.#armDrain();
  };

  // -------------------------------------------------------------------------------------------------
  // The state machine

  /** Feed one event to the machine, apply its result, perform its actions in order. */
  #feed(record: ManagedRecord, event: RegistrantEvent): void {
    this.#feedDepth++;
    try {
      this.#apply(record, event);
    } finally {
      this.#feedDepth--;
    }
    if (this.#feedDepth === 0 && this.#pending.size !== 0) this.#settlePending(record);
  }

  #apply(record: ManagedRecord, event: RegistrantEvent): void {
    const o = this.#o;
    const result = transition(record, event, this.#now(), o.policy, o.random);
    if (result.ignored) return;
    const next = result.next;
    Object.assign(record, next);
    // A pin belongs to the target it was learned from: following a 3xx, or dropping the redirect
    // after a failure, changes the target, so the pin goes too.
    if ('redirectTarget' in next) record.pinned = undefined;
    const actions = result.actions;
    if (record.state === RegistrantState.REGISTERED)
      for (const action of actions)
        if (action.type === 'warning' && action.warning === 'GRANT_TOO_SHORT') this.#armShortTimer(record);
    for (const action of actions) this.#perform(record, action, actions);
  }

  #perform(record: ManagedRecord, action: RegistrantAction, actions: readonly RegistrantAction[]): void {
    switch (action.type) {
      case 'stateChange':
        this.#emitStateChange(record, action);
        return;
      case 'warning':
        this.#machineWarning(record, action);
        return;
      case 'sendRegister':
      case 'sendUnregister':
        this.#send(record, action);
        return;
      case 'abandonTransaction':
        record.flight?.transaction.abandon();
        record.flight = undefined;
        return;
      case 'deferred':
        this.#defer(record);
        return;
      case 'remove':
        this.#remove(record);
        return;
      case 'stopped':
        this.#stopped(record, actions);
        return;
    }
  }

  /**
   * A grant too short for the sweep (SEC-10): refresh it on a one-off timer at the EXP-07 point,
   * clamp(u·g, g/2, max(g/2, g − refreshMargin)), instead of at the next bucket visit (which could be
   * a whole sweep late) or at once (which would hammer the registrar).
   */
  #armShortTimer(record: ManagedRecord): void {
    const { clock, policy, random } = this.#o;
    const grantMs = record.grantedExpires * 1000;
    const r = random();
    const u = policy.reregisterFraction - policy.jitterFraction * (r >= 0 && r <= 1 ? r : 0);
    const half = grantMs / 2;
    const delay = Math.min(Math.max(u * grantMs, half), Math.max(half, grantMs - policy.refreshMarginMs));
    record.deadline = record.lastRegisterSentAt + delay;
    this.#clearShortTimer(record);
    this.#shortTimers.set(
      record,
      clock.setTimeout(() => this.#onShortTimer(record), Math.max(0, record.deadline - clock.now())),
    );
  }

  #onShortTimer(record: ManagedRecord): void {
    this.#shortTimers.delete(record);
    if (!this.#isLive(record)) return;
    if (this.#phase !== 'running' || !(record.deadline <= this.#now())) return;
    this.#guard(() => this.#feed(record, { type: 'tick', sendAllowed: this.#sendAllowed() }));
  }

  // -------------------------------------------------------------------------------------------------
  // Sending

  #send(record: ManagedRecord, action: SendAction): void {
    if (action.type === 'sendRegister' && this.#pending.size !== 0) {
      // The old binding's un-REGISTER is done: the new config applies from this REGISTER on.
      const pending = this.#pending.get(record);
      if (pending?.afterUnregister === true) {
        this.#pending.delete(record);
        this.#swapConfig(record, pending.config);
      }
    }
    const config = record.config;
    const token = action.token;
    const challenge = this.#challenge?.record === record ? this.#challenge.set : undefined;
    this.#challenge = undefined;
    record.flight = undefined;
    if (this.#refuseSends) {
      this.#localFailure(record, token, 'manager stopped before the request could be sent');
      return;
    }
    if (action.newDialog) {
      // REG-05/REG-07: new dialog identifiers from the CSPRNG (the machine already set CSeq 1).
      record.callId = createCallId();
      record.fromTag = createFromTag();
    }
    if (action.startsAttempt) this.#rate?.tryTake(this.#o.clock.now());
    const unregister = action.type === 'sendUnregister';
    let authorizations: DigestAuthorization[] | undefined;
    let answeredNonce: string | undefined;
    if (action.credentials) {
      const credentials = config.credentials;
      if (challenge === undefined || credentials === undefined) {
        this.#localFailure(record, token, 'no challenge or credentials to answer with');
        return;
      }
      try {
        // DIG-26: the digest uri is the Request-URI of this very request, byte for byte.
        authorizations = this.#o.authenticator.authorize(
          { method: 'REGISTER', uri: action.requestUri, body: '' },
          challenge,
          digestCredentials(credentials),
        );
      } catch (error) {
        this.#localFailure(
          record,
          token,
          `cannot answer the ${challenge.status} challenge: ${messageOf(error)}`,
        );
        return;
      }
      answeredNonce = authorizations[0]?.nonce;
    }
    const request = prepareRegisterRequest({
      requestUri: action.requestUri,
      aor: config.aor,
      from: config.thirdPartyRegistrant ?? config.aor,
      fromTag: record.fromTag,
      callId: record.callId,
      cseq: action.cseq,
      contact: config.contact,
      contactParams: config.contactParams,
      expires: unregister ? 0 : (action as SendRegisterAction).expires,
      proxy: config.proxy,
      userAgent: this.#o.userAgent,
      authorizations,
    });
    this.#route(record, token, request, config.proxy ?? action.requestUri, answeredNonce);
  }

  /** Find where the request goes (pin, cache, or an asynchronous lookup) and send it. */
  #route(
    record: ManagedRecord,
    token: number,
    request: PreparedRequest,
    hopUri: string,
    answeredNonce: string | undefined,
  ): void {
    const o = this.#o;
    const now = o.clock.now();
    if (record.pinned !== undefined) {
      const pinned =
        now - record.pinnedAt < o.pinTtlMs ? this.#destinations.decode(record.pinned) : undefined;
      if (pinned !== undefined && pinned.index < this.#layers.length) {
        this.#transmit(record, token, request, pinned.index, pinned.target, record.pinned, answeredNonce);
        return;
      }
      // DNS-05: the pin lapsed; resolve again.
      record.pinned = undefined;
    }
    const hop = this.#selector.nextHop(hopUri);
    if (typeof hop === 'string') {
      this.#localFailure(record, token, hop);
      return;
    }
    const candidates = this.#selector.candidates(hop, record.config.socket);
    if (typeof candidates === 'string') {
      this.#localFailure(record, token, candidates);
      return;
    }
    const known = this.#resolver.known(hop.host, now);
    if (known !== undefined) {
      this.#dispatch(record, token, request, hop, candidates, known, answeredNonce);
      return;
    }
    this.#resolver.resolve(hop.host).then(
      (addresses) => {
        // The record may have moved on meanwhile (watchdog, stop deadline, delete): drop the request.
        if (!this.#isLive(record) || record.inFlight !== token) return;
        this.#guard(() => {
          if (addresses instanceof ResolutionFailure) this.#localFailure(record, token, addresses.reason);
          else this.#dispatch(record, token, request, hop, candidates, addresses, answeredNonce);
        });
      },
      (error: unknown) => this.#reportError(error),
    );
  }

  #dispatch(
    record: ManagedRecord,
    token: number,
    request: PreparedRequest,
    hop: NextHop,
    candidates: readonly number[],
    addresses: ReadonlyArray<ResolvedAddress>,
    answeredNonce: string | undefined,
  ): void {
    const picked = this.#selector.pick(candidates, addresses, hop);
    if (typeof picked === 'string') {
      this.#localFailure(record, token, picked);
      return;
    }
    const tls = this.#o.transports[picked.index]!.protocol.toUpperCase() === 'TLS';
    // SEC-08: a TLS peer proves the domain of the URI we resolved, not the address we connect to.
    const servername = tls ? hop.servername : undefined;
    const text = this.#destinations.text(picked.index, picked.address, hop.port, servername);
    // One shared frozen target per destination rather than an object per request.
    const target: TransportTarget = this.#destinations.decode(text)?.target ?? {
      host: picked.address,
      port: hop.port,
      ...(servername === undefined ? {} : { servername }),
    };
    this.#transmit(record, token, request, picked.index, target, text, answeredNonce);
  }

  #transmit(
    record: ManagedRecord,
    token: number,
    request: PreparedRequest,
    index: number,
    target: TransportTarget,
    destination: string,
    answeredNonce: string | undefined,
  ): void {
    const layer = this.#layers[index];
    if (layer === undefined || layer.closed) {
      this.#localFailure(record, token, 'the transaction layer is closed');
      return;
    }
    let transaction: ClientTransactionHandle;
    try {
      transaction = layer.sendPrepared(request, target, this.#handler, record.id);
    } catch (error) {
      this.#localFailure(record, token, `cannot send: ${messageOf(error)}`);
      return;
    }
    record.flight = { transaction, answeredNonce, destination };
    // Counted once handed to a transaction: a request that never left (no DNS answer, no transport,
    // a closed layer) is a local failure, not a REGISTER sent.
    const state = record.state;
    if (state === RegistrantState.UNREGISTERING || state === RegistrantState.AUTHENTICATING_UNREGISTER)
      this.#unregistersSent++;
    else this.#registersSent++;
  }

  #localFailure(record: ManagedRecord, token: number, reason: string): void {
    this.#localFailures++;
    record.flight = undefined;
    this.#feed(record, { type: 'localFailure', token, reason });
  }

  // -------------------------------------------------------------------------------------------------
  // Receiving

  #onFinal(event: TransactionResponseEvent): void {
    const record = typeof event.id === 'number' ? this.#records[event.id] : undefined;
    const flight = record?.flight;
    if (record === undefined || flight === undefined || flight.transaction.branch !== event.branch) {
      this.#lateResponses++;
      return;
    }
    record.flight = undefined;
    const token = record.inFlight;
    const response = event.response;
    if (event.synthetic) {
      if (response.status === 408) {
        // RSP-01: Timer F is a timeout; the machine also drops the pin (EXP-13).
        this.#timeouts++;
        this.#feed(record, { type: 'timeout', token });
      } else {
        // RSP-02 / TXN-08: a transport failure is a local failure (INTERNAL_ERROR).
        this.#localFailure(record, token, response.reason);
      }
      return;
    }
    const status = response.status;
    this.#replies[status] = (this.#replies[status] ?? 0) + 1;
    const now = this.#now();
    // EXP-13 / DNS-05: the first real reply pins the address that answered for later requests.
    if (record.pinned === undefined) {
      record.pinned = flight.destination;
      record.pinnedAt = now;
    }
    // Records keep the reason phrase: share one string per phrase rather than a slice that could
    // hold the whole response text alive.
    response.reason = this.#internReason(response.reason);
    let facts: RegistrantEvent;
    try {
      facts = responseFacts(response, {
        token,
        contact: record.config.contact,
        answeredNonce: flight.answeredNonce,
        sendAllowed: this.#sendAllowed(),
      });
      if (status === 401 || status === 407) this.#challenge = { record, set: challengeSetOf(response) };
    } catch (error) {
      this.#challenge = undefined;
      this.#localFailure(record, token, `unusable ${status} response: ${messageOf(error)}`);
      return;
    }
    try {
      this.#feed(record, facts);
    } finally {
      // The challenge was answered (or not) synchronously; never keep it (memory, and SEC-16).
      this.#challenge = undefined;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Removal and stop

  #remove(record: ManagedRecord): void {
    if (this.#table.get(record.key) === record) this.#table.remove(record.key);
    if (this.#isLive(record)) {
      this.#records[record.id] = undefined;
      this.#freeIds.push(record.id);
      this.#stateCounts[record.state]!--;
    }
    this.#deferred.delete(record);
    this.#pending.delete(record);
    this.#clearShortTimer(record);
    record.flight?.transaction.abandon();
    record.flight = undefined;
    const run = this.#stopRun;
    if (run?.pending.delete(record)) this.#maybeFinishStop();
    if (this.listenerCount('removed') > 0) {
      const config = record.config;
      this.#emitSafe('removed', {
        key: record.key,
        aor: config.aor,
        contact: config.contact,
        registrar: config.registrar,
      });
    }
    const again = this.#readd.get(record.key);
    if (again !== undefined && !this.#table.has(record.key)) {
      this.#readd.delete(record.key);
      this.#insert(again, record.key);
    }
  }

  #clearShortTimer(record: ManagedRecord): void {
    const timer = this.#shortTimers.get(record);
    if (timer === undefined) return;
    this.#o.clock.clearTimeout(timer);
    this.#shortTimers.delete(record);
  }

  /** The record is still the one its id names (it was not removed, its id not reused). */
  #isLive(record: ManagedRecord): boolean {
    return this.#records[record.id] === record;
  }

  #internReason(reason: string): string {
    const shared = this.#reasons.get(reason);
    if (shared !== undefined) return shared;
    if (this.#reasons.size >= MAX_REASONS) this.#reasons.clear();
    // A fresh flat copy: the parser's string may be a slice of the whole message text.
    const copy = Buffer.from(reason, 'utf8').toString('utf8');
    this.#reasons.set(copy, copy);
    return copy;
  }

  #beginStop(resolve: (result: RegistrantStopResult) => void): void {
    const clock = this.#o.clock;
    this.#phase = 'stopping';
    if (this.#sweepTimer !== undefined) clock.clearTimeout(this.#sweepTimer);
    if (this.#drainTimer !== undefined) clock.clearTimeout(this.#drainTimer);
    this.#sweepTimer = undefined;
    this.#drainTimer = undefined;
    this.#deferred.clear();
    for (const timer of this.#shortTimers.values()) clock.clearTimeout(timer);
    this.#shortTimers.clear();
    const records = [...this.#table.values()];
    const run = new StopRun(records, this.#o.stopRate, clock.now(), resolve);
    this.#stopRun = run;
    run.deadlineTimer = clock.setTimeout(this.#onStopDeadline, this.#stopDeadlineMs(records));
    this.#stopStep();
  }

  /**
   * The stop deadline: `stopTimeout` when set; otherwise long enough for every record holding a
   * binding to be un-REGISTERed at `stopRate` and the last one to run its whole transaction
   * (Timer F) and one challenge round, plus 5 s — so the default never leaves bindings behind
   * however large the table, and never waits longer than the work needs.
   */
  #stopDeadlineMs(records: readonly ManagedRecord[]): number {
    if (this.#o.stopTimeoutMs !== undefined) return this.#o.stopTimeoutMs;
    const now = this.#o.clock.now();
    let holding = 0;
    for (const record of records) if (record.bindingExpiresAt > now) holding++;
    const timerF = this.#layers[0]?.timers.timerF ?? 32_000;
    return Math.ceil((holding / this.#o.stopRate) * 1000) + 2 * timerF + 5_000;
  }

  /** Tell records to stop, one after the other, pacing those that will send an un-REGISTER. */
  #stopStep = (): void => {
    const run = this.#stopRun;
    if (run === undefined) return;
    run.paceTimer = undefined;
    const clock = this.#o.clock;
    while (run.next < run.records.length) {
      const record = run.records[run.next]!;
      if (!this.#isLive(record) || (record.flags & RecordFlag.STOPPED) !== 0) {
        run.next++;
        continue;
      }
      const now = clock.now();
      const willSend = !isInFlightState(record.state) && record.bindingExpiresAt > now;
      if (willSend && !run.pace.tryTake(now)) {
        run.paceTimer = clock.setTimeout(this.#stopStep, Math.max(1, run.pace.nextAvailableAt(now) - now));
        return;
      }
      run.next++;
      run.pending.add(record);
      this.#guard(() => this.#feed(record, { type: 'stop' }));
    }
    this.#maybeFinishStop();
  };

  /** `stopTimeout` ran out: give up every un-REGISTER still pending or not yet started. */
  #onStopDeadline = (): void => {
    const run = this.#stopRun;
    if (run === undefined) return;
    run.deadlineTimer = undefined;
    run.deadlinePassed = true;
    this.#refuseSends = true;
    const clock = this.#o.clock;
    if (run.paceTimer !== undefined) clock.clearTimeout(run.paceTimer);
    run.paceTimer = undefined;
    const now = clock.now();
    for (; run.next < run.records.length; run.next++) {
      const record = run.records[run.next]!;
      if (!this.#isLive(record) || (record.flags & RecordFlag.STOPPED) !== 0) continue;
      run.pending.add(record);
      this.#guard(() => this.#feed(record, { type: 'stop' }));
    }
    for (const record of [...run.pending]) {
      if (record.inFlight === 0) continue;
      record.flight?.transaction.abandon();
      record.flight = undefined;
      const held = record.bindingExpiresAt > now;
      this.#guard(() => this.#localFailure(record, record.inFlight, 'stop deadline passed'));
      if (held && run.pending.delete(record)) run.countTimedOut();
    }
    // Anything still pending could not settle; do not wait for it.
    for (const record of run.pending) if (record.bindingExpiresAt > now) run.countTimedOut();
    run.pending.clear();
    this.#maybeFinishStop();
  };

  #stopped(record: ManagedRecord, actions: readonly RegistrantAction[]): void {
    const run = this.#stopRun;
    if (run === undefined) return;
    run.recordStopped(record, actions);
    this.#maybeFinishStop();
  }

  #maybeFinishStop(): void {
    const run = this.#stopRun;
    if (run === undefined || !run.done) return;
    this.#stopRun = undefined;
    const clock = this.#o.clock;
    if (run.deadlineTimer !== undefined) clock.clearTimeout(run.deadlineTimer);
    if (run.paceTimer !== undefined) clock.clearTimeout(run.paceTimer);
    this.#refuseSends = true;
    this.#phase = 'stopped';
    // Close the layers after the phase change: any transaction still open ends with a synthetic 503
    // that the records absorb without sending anything.
    for (const layer of this.#layers) {
      layer.close();
      this.#closedLayerStats.push(layer.stats());
    }
    this.#layers = [];
    run.resolve(run.result());
  }

  // -------------------------------------------------------------------------------------------------
  // Views and events

  #info(record: ManagedRecord): RegistrantInfo {
    const config = record.config;
    const pinned = record.pinned === undefined ? undefined : parseDestination(record.pinned);
    const deadline = record.deadline;
    const scheduled = deadline !== NO_DEADLINE;
    let socket: string | undefined = config.socket?.text;
    if (socket === undefined && pinned !== undefined) {
      const transport = this.#o.transports[pinned.index];
      if (transport !== undefined) socket = describeTransport(transport);
    }
    return {
      key: record.key,
      aor: config.aor,
      expires: record.grantedExpires,
      requestedExpires: record.wantedExpires,
      state: record.state,
      stateName: stateName(record.state),
      enabled: record.enabled,
      lastRegisterSent: record.lastRegisterSentAt < 0 ? undefined : this.#epoch(record.lastRegisterSentAt),
      registrationTimeout: scheduled ? this.#epoch(deadline) : undefined,
      nextAttemptAt: scheduled && !isInFlightState(record.state) ? this.#epoch(deadline) : undefined,
      registrar: config.registrar,
      binding: config.contact,
      bindingParams: config.contactParams,
      thirdPartyRegistrant: config.thirdPartyRegistrant,
      socket,
      proxy: config.proxy,
      pinnedDestination:
        pinned === undefined ? undefined : { host: pinned.target.host, port: pinned.target.port },
      lastCode: record.lastCode,
      lastReason: record.lastReason,
      failureCount: record.failureCount,
      callId: record.callId,
      username: config.credentials?.username,
    };
  }

  /**
   * The clock in whole milliseconds, as the records store it: sub-millisecond precision means
   * nothing for registration timing, and whole numbers stay small integers in memory (a fractional
   * time stored in a record costs a 16-byte heap number per field).
   */
  #now(): number {
    return Math.floor(this.#o.clock.now());
  }

  /** Monotonic ms → wall-clock epoch ms, anchored at construction. */
  #epoch(mono: number): number {
    return Math.round(this.#wall0 + (mono - this.#mono0));
  }

  #emitStateChange(record: ManagedRecord, action: StateChangeAction): void {
    this.#stateCounts[action.from]!--;
    this.#stateCounts[action.to]!++;
    const stateEvent = STATE_EVENT_NAMES[action.to]!;
    const wantsChange = this.listenerCount('stateChange') > 0;
    const wantsState = this.listenerCount(stateEvent) > 0;
    if (!wantsChange && !wantsState) return;
    const config = record.config;
    // A short grant's refresh time is set by the manager after the machine decided (#armShortTimer).
    const nextAttempt =
      action.nextAttemptAt === undefined
        ? undefined
        : record.state === action.to
          ? record.deadline
          : action.nextAttemptAt;
    const event: {
      -readonly [K in keyof StateChangeEvent]: StateChangeEvent[K];
    } = {
      key: record.key,
      aor: config.aor,
      contact: config.contact,
      registrar: config.registrar,
      from: action.from,
      to: action.to,
      fromName: stateName(action.from),
      toName: stateName(action.to),
    };
    if (action.code !== 0) event.code = action.code;
    if (action.reason !== '') event.reason = action.reason;
    if (action.expires > 0) event.expires = action.expires;
    if (nextAttempt !== undefined && nextAttempt !== NO_DEADLINE)
      event.nextAttemptAt = this.#epoch(nextAttempt);
    if (wantsChange) this.#emitSafe('stateChange', event);
    if (wantsState) {
      // OpenSIPS 4.0 raises E_REGISTRANT_<STATE> on every entry into the state; ours add the
      // reply, grant and next attempt, and E_REGISTRANT_NOT_REGISTERED.
      const entry: { -readonly [K in keyof RegistrantStateEvent]: RegistrantStateEvent[K] } = {
        key: event.key,
        aor: event.aor,
        contact: event.contact,
        registrar: event.registrar,
      };
      if (event.code !== undefined) entry.code = event.code;
      if (event.reason !== undefined) entry.reason = event.reason;
      if (event.expires !== undefined) entry.expires = event.expires;
      if (event.nextAttemptAt !== undefined) entry.nextAttemptAt = event.nextAttemptAt;
      this.#emitSafe(stateEvent, entry);
    }
  }

  #machineWarning(record: ManagedRecord, action: WarningAction): void {
    this.#warn({ code: action.warning, message: action.detail, key: record.key, aor: record.config.aor });
  }

  #warn(warning: ManagerWarning): void {
    if (this.listenerCount('warning') > 0) this.#emitSafe('warning', warning);
  }

  /**
   * Emit to each listener in turn; one that throws never breaks the manager nor keeps the next
   * listeners from running: its error goes to the `error` listeners. (eventemitter3's own emit
   * stops at the first throw, so the listeners are called here, from its stored list, with its
   * `once` and context semantics; should that internal shape ever differ, the plain emit is used,
   * still guarded.)
   */
  #emitSafe<E extends Exclude<keyof RegistrantManagerEvents, 'error'>>(
    name: E,
    payload: Parameters<RegistrantManagerEvents[E]>[0],
  ): void {
    const prefix = EventEmitter.prefixed;
    const events = (this as unknown as { _events?: Record<string, unknown> })._events;
    const stored = events?.[typeof prefix === 'string' ? prefix + name : name];
    if (stored === undefined) return;
    const list = Array.isArray(stored) ? (stored.slice() as unknown[]) : [stored];
    if (!list.every(isStoredListener)) {
      try {
        (this.emit as (event: string, value: unknown) => boolean)(name, payload);
      } catch (error) {
        this.#reportError(error);
      }
      return;
    }
    const remove = this.removeListener as unknown as (
      event: string,
      fn: unknown,
      context: unknown,
      once: boolean,
    ) => unknown;
    for (const listener of list) {
      if (listener.once) remove.call(this, name, listener.fn, undefined, true);
      try {
        listener.fn.call(listener.context, payload);
      } catch (error) {
        this.#reportError(error);
      }
    }
  }

  #reportError(error: unknown): void {
    try {
      this.emit('error', error);
    } catch {
      // An `error` listener that throws is swallowed: nothing is left to report it to.
    }
  }

  /** Run manager work; an unexpected exception is reported, never thrown into a timer or socket. */
  #guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#reportError(error);
    }
  }

  #createLayers(): TransactionLayer[] {
    const o = this.#o;
    return o.transports.map(
      (transport) =>
        new TransactionLayer({
          transport,
          clock: o.clock,
          timers: o.transactionTimers,
          sentBy: connectOnlySentBy(transport),
          onHandlerError: (error) => this.#reportError(error),
        }),
    );
  }

  /** Routing problems knowable at add() time (forced socket, next-hop protocol). */
  #routingProblem(
    config: ReturnType<typeof validateRegistrantConfig>,
  ): { field: string; problem: string } | undefined {
    const hopField = config.proxy === undefined ? 'registrar' : 'proxy';
    const hop = this.#selector.nextHop(config.proxy ?? config.registrar);
    if (typeof hop === 'string') return { field: hopField, problem: hop };
    if (config.socket !== undefined && this.#selector.forcedIndex(config.socket) === -1) {
      const known = this.#o.transports.map(describeTransport).join(', ');
      return {
        field: 'socket',
        problem: `${config.socket.text} matches no transport of this manager (transports: ${known})`,
      };
    }
    const candidates = this.#selector.candidates(hop, config.socket);
    if (typeof candidates === 'string')
      return { field: config.socket === undefined ? hopField : 'socket', problem: candidates };
    return undefined;
  }
}

function isStoredListener(value: unknown): value is StoredListener {
  return typeof value === 'object' && value !== null && typeof (value as StoredListener).fn === 'function';
}

function checkKey(method: string, key: unknown): string {
  if (typeof key !== 'string')
    throw new SipInvalidArgumentError(
      `RegistrantManager.${method}: expected a registrant key string (as add() returns), received ${typeof key}`,
    );
  return key;
}

/** The authenticator's credentials shape for a record's credentials (the secret is read, not copied). */
function digestCredentials(credentials: RegistrantCredentials): DigestCredentials {
  if (credentials.kind === 'password')
    return { username: credentials.username, password: credentials.password };
  const ha1 = credentials.ha1;
  // 32 hex digits can only be MD5; 64 fit both SHA-256 and SHA-512-256 (the config cannot tell).
  return ha1.length === 32
    ? { username: credentials.username, ha1: { MD5: ha1 } }
    : { username: credentials.username, ha1: { 'SHA-256': ha1, 'SHA-512-256': ha1 } };
}

/**
 * Via sent-by for a stream transport that only connects out (local port 0): RFC 3261 §18.2.2 sends
 * responses back on the connection, so sent-by only has to be well-formed and recognisable as ours;
 * a `.invalid` name (RFC 6761) with the protocol's default port says exactly that.
 */
function connectOnlySentBy(transport: Transport): TransportAddress | undefined {
  const local = transport.localAddress;
  if (local.port !== 0) return undefined;
  const host = local.host;
  const unspecified = host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
  return {
    host: unspecified ? CONNECT_ONLY_SENT_BY_HOST : host,
    port: transport.protocol.toUpperCase() === 'TLS' ? 5061 : 5060,
  };
}

function messageOf(error: unknown): string {
  if (error instanceof SipRegistrantError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function sumLayerStats(all: readonly TransactionLayerStats[]): TransactionLayerStats {
  const dropped = { parseError: 0, requestReceived: 0, badVia: 0, stray: 0, mismatch: 0, wrongSource: 0 };
  const sum = {
    active: 0,
    sent: 0,
    retransmissions: 0,
    received: 0,
    provisionalDelivered: 0,
    finalsDelivered: 0,
    absorbed: 0,
    timeouts: 0,
    sendFailures: 0,
    handlerErrors: 0,
  };
  for (const stats of all) {
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += stats[key];
    for (const key of Object.keys(dropped) as (keyof typeof dropped)[]) dropped[key] += stats.dropped[key];
  }
  return { ...sum, dropped };
}
