/**
 * An OpenSIPS-compatible management interface for a registrant manager: the `uac_registrant` MI
 * commands (OpenSIPS 4.0 names and their `reg_*` aliases) over JSON-RPC 2.0, as OpenSIPS' mi_http
 * serves them and opensips-cli sends them.
 *
 * | method (alias) | params | result |
 * |---|---|---|
 * | `uac_registrant:list` (`reg_list`) | none, or aor+contact+registrar | `{ Records: [...] }` / `{ Registrant: {...} }` |
 * | `uac_registrant:reload` (`reg_reload`) | none, or aor+contact+registrar | `"OK"` |
 * | `uac_registrant:enable` / `:disable` / `:force_register` / `:delete` | aor, contact, registrar | `"OK"` |
 * | `uac_registrant:upsert` (`reg_upsert`) | aor, contact, registrar, proxy, third_party_registrant, username, password, binding_params, expiry, forced_socket, cluster_shtag, state | `"OK"` |
 *
 * Errors, as OpenSIPS answers them: unknown record → 404 "No such registrant"; a single-record
 * reload whose record the loader does not return → 404 "No such registrant in database"; missing,
 * unknown, ill-typed or invalid parameters (including an upsert config that fails validation) →
 * -32602 "Invalid params" (OpenSIPS `init_mi_param_error()`), with `data` naming the parameter and
 * the problem; JSON-RPC envelope errors → -32700 / -32600 / -32601. No answer ever carries a password.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegistrantConfig } from '../config/registrant-config.js';
import { registrantKey } from '../config/registrant-config.js';
import { checkRegistrantConfig } from '../config/validate-registrant-config.js';
import { RegistrantConfigError, SipRegistrantError } from '../errors.js';
import type { RegistrantInfo } from '../registrant/registrant-info.js';
import type { JsonRpcCall, JsonRpcId, JsonRpcResponse } from './json-rpc.js';
import { failure, JSON_RPC_ERRORS, MiError, readCall } from './json-rpc.js';
import type { MiHandlerOptions, ResolvedMiHandlerOptions } from './mi-handler-options.js';

export type { JsonRpcResponse } from './json-rpc.js';
export type { MiHandlerOptions } from './mi-handler-options.js';
export type { MiRegistrantManager } from './mi-manager.js';
export type { MiTimeFormat } from './mi-record-view.js';

import { resolveMiHandlerOptions } from './mi-handler-options.js';
import { createMiHttpListener } from './mi-http-listener.js';
import type { MiRegistrantManager } from './mi-manager.js';
import type { RecordIdentity } from './mi-params.js';
import { invalidParams, readIdentity, readOptionalIdentity, readParams, UPSERT_PARAMS } from './mi-params.js';
import { miRecordView } from './mi-record-view.js';
import { answerWhich, WHICH_METHOD } from './mi-which.js';

/** The commands, by their OpenSIPS 4.0 short name. */
export type MiCommand = 'list' | 'reload' | 'enable' | 'disable' | 'force_register' | 'upsert' | 'delete';

const COMMANDS: readonly MiCommand[] = [
  'list',
  'reload',
  'enable',
  'disable',
  'force_register',
  'upsert',
  'delete',
];

/** The registrant methods: `uac_registrant:<command>` and the `reg_<command>` alias (`which` is served too). */
export const MI_METHODS: readonly string[] = COMMANDS.flatMap((c) => [`uac_registrant:${c}`, `reg_${c}`]);

const METHOD_TO_COMMAND: ReadonlyMap<string, MiCommand> = new Map(
  COMMANDS.flatMap((c) => [
    [`uac_registrant:${c}`, c],
    [`reg_${c}`, c],
  ]),
);

/** What the handler answers to `handle()`: one response, a batch of them, or none (notifications). */
export type MiHandlerResult = JsonRpcResponse | JsonRpcResponse[] | undefined;

/** The handler: a request-to-response function and a node:http request listener. */
export interface MiHandler {
  /**
   * Answer one JSON-RPC request or batch. `request` is the parsed JSON value, or its text (a string,
   * Buffer or Uint8Array), which is parsed first (-32700 when it is not JSON). Resolves to
   * `undefined` when nothing is to be answered (notifications). Never rejects.
   */
  handle(request: unknown): Promise<MiHandlerResult>;
  /**
   * A node:http request listener: POST with a JSON body (any path), answered with
   * `application/json` (200, or 204 for notifications only); 405 for other methods, 413 for a body
   * over `maxBodyBytes`.
   */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

const OK = 'OK';

function notFound(): MiError {
  return new MiError(404, 'No such registrant');
}

/** Config field → OpenSIPS MI parameter name, for `upsert` validation messages. */
const UPSERT_FIELD_PARAM: Readonly<Record<string, string>> = {
  contactParams: 'binding_params',
  thirdPartyRegistrant: 'third_party_registrant',
  socket: 'forced_socket',
  enabled: 'state',
};

function configErrorData(errors: readonly { field: string; problem: string }[]): { errors: string[] } {
  return {
    errors: errors.map((e) => `${UPSERT_FIELD_PARAM[e.field] ?? e.field}: ${e.problem}`),
  };
}

function isNotFoundError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_REGISTRANT_NOT_FOUND'
  );
}

/**
 * Create the MI handler for `manager`. Options are validated here (throws `SipInvalidArgumentError`).
 *
 * @example
 * const mi = createMiHandler(manager, { loadConfigs: () => rows.map((r) => parseRegistrantRow(r)) });
 * http.createServer(mi.listener).listen(8888, '127.0.0.1');
 */
export function createMiHandler(manager: MiRegistrantManager, options?: MiHandlerOptions): MiHandler {
  if (typeof manager !== 'object' || manager === null)
    throw new SipRegistrantError(
      'ERR_INVALID_ARGUMENT',
      'createMiHandler: manager must be a RegistrantManager',
    );
  const o = resolveMiHandlerOptions(options);
  const dispatcher = new MiDispatcher(manager, o);
  const handle = (request: unknown): Promise<MiHandlerResult> => dispatcher.handle(request);
  return { handle, listener: createMiHttpListener(handle, o.maxBodyBytes) };
}

class MiDispatcher {
  readonly #manager: MiRegistrantManager;
  readonly #o: ResolvedMiHandlerOptions;

  constructor(manager: MiRegistrantManager, options: ResolvedMiHandlerOptions) {
    this.#manager = manager;
    this.#o = options;
  }

  async handle(request: unknown): Promise<MiHandlerResult> {
    let value = request;
    if (typeof value === 'string' || value instanceof Uint8Array) {
      const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
      try {
        value = JSON.parse(text);
      } catch {
        return failure(null, JSON_RPC_ERRORS.PARSE_ERROR.code, JSON_RPC_ERRORS.PARSE_ERROR.message);
      }
    }
    if (!Array.isArray(value)) return this.#one(value);
    // JSON-RPC 2.0 §6: an empty batch is one Invalid Request; otherwise one answer per call that is
    // not a notification, in order, and nothing at all when every call is a notification.
    if (value.length === 0)
      return failure(
        null,
        JSON_RPC_ERRORS.INVALID_REQUEST.code,
        JSON_RPC_ERRORS.INVALID_REQUEST.message,
        'empty batch',
      );
    if (value.length > this.#o.maxBatchSize)
      return failure(
        null,
        JSON_RPC_ERRORS.INVALID_REQUEST.code,
        JSON_RPC_ERRORS.INVALID_REQUEST.message,
        `a batch may hold at most ${this.#o.maxBatchSize} requests`,
      );
    const out: JsonRpcResponse[] = [];
    // Sequential on purpose: verbs on the same record keep their order, as in one OpenSIPS MI process.
    for (const item of value) {
      const answer = await this.#one(item);
      if (answer !== undefined) out.push(answer);
    }
    return out.length > 0 ? out : undefined;
  }

  async #one(value: unknown): Promise<JsonRpcResponse | undefined> {
    const call = readCall(value);
    if ('error' in call) return call;
    const reply = (result: unknown): JsonRpcResponse | undefined =>
      call.id === undefined ? undefined : { jsonrpc: '2.0', result, id: call.id };
    const fail = (id: JsonRpcId | undefined, code: number, message: string, data?: unknown) =>
      id === undefined ? undefined : failure(id, code, message, data);
    if (call.method === WHICH_METHOD) {
      try {
        return reply(answerWhich(MI_METHODS, call.params));
      } catch (error) {
        if (error instanceof MiError) return fail(call.id, error.rpcCode, error.message, error.data);
        throw error;
      }
    }
    const command = METHOD_TO_COMMAND.get(call.method);
    if (command === undefined)
      return fail(call.id, JSON_RPC_ERRORS.METHOD_NOT_FOUND.code, JSON_RPC_ERRORS.METHOD_NOT_FOUND.message);
    try {
      return reply(await this.#run(command, call));
    } catch (error) {
      if (error instanceof MiError) return fail(call.id, error.rpcCode, error.message, error.data);
      this.#report(error);
      // Our own errors are written to be shown (stable code, never a password), e.g. a verb refused
      // while the manager stops; anything else stays private.
      return fail(
        call.id,
        JSON_RPC_ERRORS.INTERNAL_ERROR.code,
        JSON_RPC_ERRORS.INTERNAL_ERROR.message,
        error instanceof SipRegistrantError ? { code: error.code, detail: error.message } : undefined,
      );
    }
  }

  #report(error: unknown): void {
    try {
      this.#o.onError?.(error);
    } catch {
      // a throwing logger must not turn into a second failure
    }
  }

  #run(command: MiCommand, call: JsonRpcCall): unknown {
    switch (command) {
      case 'list':
        return this.#list(readOptionalIdentity(call.params));
      case 'reload':
        return this.#reload(readOptionalIdentity(call.params));
      case 'upsert':
        return this.#upsert(call.params);
      case 'enable':
        return this.#verb(readIdentity(call.params), (key) => this.#manager.enable(key));
      case 'disable':
        return this.#verb(readIdentity(call.params), (key) => this.#manager.disable(key));
      case 'force_register':
        // OpenSIPS answers OK whatever the outcome (in flight, disabled): so do we.
        return this.#verb(readIdentity(call.params), (key) => this.#manager.forceRegister(key));
      case 'delete':
        return this.#verb(readIdentity(call.params), (key) => this.#manager.delete(key));
    }
  }

  #find(identity: RecordIdentity): RegistrantInfo {
    const info = this.#manager.find(identity.aor, identity.contact, identity.registrar);
    if (info === undefined) throw notFound();
    return info;
  }

  #list(identity: RecordIdentity | undefined): unknown {
    const view = { timeFormat: this.#o.timeFormat, extendedFields: this.#o.extendedFields };
    if (identity !== undefined) return { Registrant: miRecordView(this.#find(identity), view) };
    return { Records: this.#manager.list().map((info) => miRecordView(info, view)) };
  }

  #verb(identity: RecordIdentity, act: (key: string) => unknown): string {
    const info = this.#find(identity);
    let outcome: unknown;
    try {
      outcome = act(info.key);
    } catch (error) {
      if (isNotFoundError(error)) throw notFound(); // removed between find and the verb
      throw error;
    }
    if (outcome === false) throw notFound(); // managers whose verbs answer false for unknown keys
    return OK;
  }

  #upsert(params: JsonRpcCall['params']): string {
    const p = readParams(params, UPSERT_PARAMS, ['aor', 'contact', 'registrar']);
    const shtag = p.cluster_shtag;
    if (typeof shtag === 'string' && shtag.trim() !== '' && !this.#o.ignoreClusterShtag)
      throw invalidParams(
        'cluster_shtag is not supported (this library has no clustering); send it empty, or create the handler with ignoreClusterShtag: true',
      );
    const config: Record<string, unknown> = { aor: p.aor, contact: p.contact, registrar: p.registrar };
    const copy = (param: string, field: keyof RegistrantConfig): void => {
      const value = p[param];
      if (value !== undefined && value !== '') config[field] = value;
    };
    copy('proxy', 'proxy');
    copy('third_party_registrant', 'thirdPartyRegistrant');
    copy('username', 'username');
    copy('password', 'password');
    copy('binding_params', 'contactParams');
    copy('expiry', 'expiry');
    copy('forced_socket', 'socket');
    if (p.state !== undefined) config.enabled = p.state === 0;
    const check = checkRegistrantConfig(config);
    if (!check.ok) throw invalidParams('invalid registrant', configErrorData(check.errors));
    try {
      this.#manager.upsert(config as unknown as RegistrantConfig);
    } catch (error) {
      if (error instanceof RegistrantConfigError)
        throw invalidParams('invalid registrant', configErrorData(error.errors));
      throw error;
    }
    return OK;
  }

  async #loadConfigs(): Promise<RegistrantConfig[]> {
    const load = this.#o.loadConfigs;
    if (load === undefined) throw new MiError(500, 'Reload not available: no loader configured');
    let configs: unknown;
    try {
      configs = await this.#withTimeout(load);
    } catch (error) {
      this.#report(error);
      // Our own errors are written to be shown (never a password); anything else stays private.
      throw new MiError(
        500,
        'Failed to load registrants',
        error instanceof SipRegistrantError ? { code: error.code, detail: error.message } : undefined,
      );
    }
    if (!Array.isArray(configs)) {
      this.#report(new TypeError('loadConfigs() did not return an array'));
      throw new MiError(500, 'Failed to load registrants', { detail: 'the loader did not return an array' });
    }
    return configs as RegistrantConfig[];
  }

  /** Run the loader, rejecting with a timeout error after `loadTimeoutMs`. */
  #withTimeout(load: () => RegistrantConfig[] | Promise<RegistrantConfig[]>): Promise<unknown> {
    const { clock, loadTimeoutMs } = this.#o;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(
        () =>
          reject(
            new SipRegistrantError(
              'ERR_LOAD_TIMEOUT',
              `loadConfigs() did not finish within ${loadTimeoutMs} ms`,
            ),
          ),
        loadTimeoutMs,
      );
      const settle = (done: () => void) => {
        clock.clearTimeout(timer);
        done();
      };
      try {
        Promise.resolve(load()).then(
          (value) => settle(() => resolve(value)),
          (error: unknown) => settle(() => reject(error)),
        );
      } catch (error) {
        settle(() => reject(error));
      }
    });
  }

  async #reload(identity: RecordIdentity | undefined): Promise<string> {
    const configs = await this.#loadConfigs();
    try {
      if (identity === undefined) {
        this.#manager.reload(configs);
        return OK;
      }
      const wanted = registrantKey(identity);
      const config = configs.find((c) => typeof c === 'object' && c !== null && registrantKey(c) === wanted);
      if (config === undefined) throw new MiError(404, 'No such registrant in database');
      this.#manager.upsert(config);
      return OK;
    } catch (error) {
      if (error instanceof RegistrantConfigError)
        // The records came from the host's store, not from this request: a server-side problem.
        throw new MiError(500, 'Invalid registrant records, nothing reloaded', {
          errors: error.errors.map((e) => e.message),
          record: error.record,
        });
      throw error;
    }
  }
}
