/**
 * The daemon's status endpoint (CLI-SPEC.md): one node:http server, on loopback unless told otherwise.
 *
 * | route | answer |
 * |---|---|
 * | `GET /metrics` | Prometheus text format 0.0.4 (`createRegistrantMetrics`) |
 * | `POST /mi`, `POST /` | the OpenSIPS-compatible JSON-RPC MI (`createMiHandler`, `reg_list`, …) |
 * | `GET /health` | JSON `{ status, records, registered, byState }` |
 * | anything else | 404, or 405 with `Allow` for a known path and another method |
 *
 * `HEAD` is accepted wherever `GET` is (node:http sends the headers without the body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SipInvalidArgumentError, SipRegistrantError } from '../errors.js';
import {
  createMiHandler,
  type MiHandlerOptions,
  type MiRegistrantManager,
} from '../management/mi-handler.js';
import type { RegistrantMetrics } from '../management/registrant-metrics.js';
import type { RegistrantManagerStats } from '../registrant/registrant-manager.js';
import { healthOf } from './status-health.js';

/** Content type of the Prometheus text exposition format, version 0.0.4. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What the status server needs from the manager: the MI verbs, its counters, whether it runs. */
export interface StatusServerManager extends MiRegistrantManager {
  /** Counters for `/health` (the metrics read their own). */
  stats(): RegistrantManagerStats;
  /** When present and false, `/health` answers 503 with status `stopped`. */
  readonly running?: boolean;
}

/** Options of {@link startStatusServer}. */
export interface StatusServerOptions {
  /** The manager the MI verbs and `/health` read. */
  readonly manager: StatusServerManager;
  /** What `GET /metrics` renders (usually `createRegistrantMetrics(manager)`). */
  readonly metrics: Pick<RegistrantMetrics, 'render'>;
  /**
   * Address to listen on. Loopback by default: the MI can change and delete registrations, so
   * exposing it is the operator's explicit choice.
   * @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /** TCP port; 0 picks a free one (read it back from `address.port`). */
  readonly port: number;
  /** Options of the MI handler (`loadConfigs` for `reg_reload`, time format, …). @default {} */
  readonly mi?: MiHandlerOptions | undefined;
  /** Largest accepted MI request body in bytes (413 beyond); overrides `mi.maxBodyBytes`. @default 1048576 */
  readonly maxBodyBytes?: number | undefined;
}

/** A running status server. */
export interface StatusServer {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly address: { readonly host: string; readonly port: number };
  /** Stop listening and close every connection (keep-alive ones included). Idempotent. */
  close(): Promise<void>;
}

/** Code of the error a failed bind rejects with. */
export const STATUS_SERVER_BIND_ERROR = 'ERR_STATUS_SERVER_BIND';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function validate(options: StatusServerOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new SipInvalidArgumentError(
      `startStatusServer: options must be an object, received ${String(options)}`,
    );
  const { manager, metrics, host, port, maxBodyBytes } = options;
  if (typeof manager !== 'object' || manager === null || typeof manager.stats !== 'function')
    throw new SipInvalidArgumentError(
      'startStatusServer: option manager must be a RegistrantManager (with stats())',
    );
  if (typeof metrics !== 'object' || metrics === null || typeof metrics.render !== 'function')
    throw new SipInvalidArgumentError(
      'startStatusServer: option metrics must have render() (createRegistrantMetrics)',
    );
  if (host !== undefined && (typeof host !== 'string' || host === ''))
    throw new SipInvalidArgumentError(
      `startStatusServer: option host must be a non-empty string, received ${String(host)}`,
    );
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new SipInvalidArgumentError(
      `startStatusServer: option port must be an integer 0-65535, received ${typeof port === 'number' ? port : typeof port}`,
    );
  if (maxBodyBytes !== undefined && (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1))
    throw new SipInvalidArgumentError(
      `startStatusServer: option maxBodyBytes must be a positive integer, received ${String(maxBodyBytes)}`,
    );
}

/** The path without its query string. */
function pathOf(url: string | undefined): string {
  const text = url ?? '/';
  const q = text.indexOf('?');
  return q < 0 ? text : text.slice(0, q);
}

function sendText(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra?: Record<string, string>,
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
  sendText(res, status, 'application/json', JSON.stringify(body), extra);
}

/** Build the request listener (exported for tests and for hosts mounting it on their own server). */
export function createStatusListener(options: StatusServerOptions): Listener {
  validate(options);
  const { manager, metrics } = options;
  const miOptions: MiHandlerOptions = { ...options.mi };
  const mi = createMiHandler(
    manager,
    options.maxBodyBytes === undefined ? miOptions : { ...miOptions, maxBodyBytes: options.maxBodyBytes },
  );
  const readOnly = (req: IncomingMessage, res: ServerResponse, answer: () => void): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      answer();
      return;
    }
    req.resume();
    sendJson(res, 405, { error: `Method ${req.method} not allowed; use GET` }, { Allow: 'GET, HEAD' });
  };
  return (req, res) => {
    const path = pathOf(req.url);
    if (path === '/metrics') {
      readOnly(req, res, () => sendText(res, 200, METRICS_CONTENT_TYPE, metrics.render()));
      return;
    }
    if (path === '/health') {
      readOnly(req, res, () => {
        const health = healthOf(manager);
        sendJson(res, health.status === 'ok' ? 200 : 503, health);
      });
      return;
    }
    if (path === '/mi' || path === '/') {
      if (req.method !== 'POST') {
        req.resume();
        sendJson(
          res,
          405,
          { error: `Method ${req.method} not allowed; send JSON-RPC 2.0 with POST` },
          { Allow: 'POST' },
        );
        return;
      }
      mi.listener(req, res);
      return;
    }
    req.resume();
    sendJson(res, 404, { error: 'Not Found', routes: ['GET /metrics', 'GET /health', 'POST /mi'] });
  };
}

/**
 * Start the status server. Resolves once it listens.
 *
 * @throws SipInvalidArgumentError (synchronously, as a rejection) when an option is invalid
 * @throws SipRegistrantError with code `ERR_STATUS_SERVER_BIND` when the address cannot be bound;
 *   the message names `host:port` and the system's reason (e.g. `EADDRINUSE`), `cause` is the error
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const listener = createStatusListener(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer(listener);
  // Scrapes and MI calls are short: an idle keep-alive connection need not live long.
  server.keepAliveTimeout = 5_000;
  await listen(server, host, options.port);
  // Once listening, a server error (e.g. EMFILE while accepting) must not take the process down:
  // it is reported like the MI's own unexpected errors, and the server keeps serving.
  server.on('error', (error) => {
    try {
      options.mi?.onError?.(error);
    } catch {
      // a throwing logger must not become a crash either
    }
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    address: { host, port },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // close() only stops accepting; idle keep-alive sockets would hold it open, and a request
        // under way would delay it: a stopping daemon cuts them all.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const reason = error.code ?? 'error';
      reject(
        new SipRegistrantError(
          STATUS_SERVER_BIND_ERROR,
          `status server: cannot listen on ${where}: ${reason} (${describeBindError(reason, error.message)})`,
          { cause: error },
        ),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function describeBindError(code: string, fallback: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'the port is already in use';
    case 'EACCES':
      return 'permission denied; ports below 1024 need privileges';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this host';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    default:
      return fallback;
  }
}
