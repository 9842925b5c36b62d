/**
 * JSON-RPC 2.0 envelopes (https://www.jsonrpc.org/specification) as the OpenSIPS MI speaks them over
 * HTTP (mi_http) and as opensips-cli sends them: `{"jsonrpc":"2.0","method":…,"params":{…}|[…],"id":…}`.
 */

/** A request id: string, number or null (JSON-RPC 2.0 §4). */
export type JsonRpcId = string | number | null;

/** The `error` member of a failed response (JSON-RPC 2.0 §5.1). */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  /** Details (e.g. the list of config problems); never a password. */
  readonly data?: unknown;
}

/** A successful response. */
export interface JsonRpcSuccess {
  readonly jsonrpc: '2.0';
  readonly result: unknown;
  readonly id: JsonRpcId;
}

/** A failed response. */
export interface JsonRpcFailure {
  readonly jsonrpc: '2.0';
  readonly error: JsonRpcErrorObject;
  readonly id: JsonRpcId;
}

/** One JSON-RPC 2.0 response. */
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

/** Standard JSON-RPC 2.0 error codes (§5.1), which the OpenSIPS MI uses for the same cases. */
export const JSON_RPC_ERRORS = {
  PARSE_ERROR: { code: -32700, message: 'Parse error' },
  INVALID_REQUEST: { code: -32600, message: 'Invalid Request' },
  METHOD_NOT_FOUND: { code: -32601, message: 'Method not found' },
  /** OpenSIPS `init_mi_param_error()`: missing, unknown or ill-typed parameters. */
  INVALID_PARAMS: { code: -32602, message: 'Invalid params' },
  INTERNAL_ERROR: { code: -32603, message: 'Internal error' },
} as const;

/** An error a method reports to the caller as a JSON-RPC error object. */
export class MiError extends Error {
  readonly rpcCode: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'MiError';
    this.rpcCode = code;
    this.data = data;
  }
}

export function failure(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcFailure {
  return { jsonrpc: '2.0', error: data === undefined ? { code, message } : { code, message, data }, id };
}

/** A request envelope that passed the §4 checks. */
export interface JsonRpcCall {
  readonly method: string;
  /** Absent params are `undefined`. */
  readonly params: Readonly<Record<string, unknown>> | readonly unknown[] | undefined;
  /** `undefined` for a notification (no `id` member): no response is sent (§4.1). */
  readonly id: JsonRpcId | undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Check one request envelope. Returns the call, or an Invalid Request failure carrying the id when it
 * could be read (else `null`, §5).
 */
export function readCall(value: unknown): JsonRpcCall | JsonRpcFailure {
  const invalid = (id: JsonRpcId, why: string): JsonRpcFailure =>
    failure(id, JSON_RPC_ERRORS.INVALID_REQUEST.code, JSON_RPC_ERRORS.INVALID_REQUEST.message, why);
  if (!isPlainObject(value)) return invalid(null, 'a request must be a JSON object');
  const rawId = value.id;
  const idOk =
    rawId === null || typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId));
  const replyId: JsonRpcId = idOk ? (rawId as JsonRpcId) : null;
  if ('id' in value && !idOk) return invalid(null, 'id must be a string, a number or null');
  if (value.jsonrpc !== '2.0') return invalid(replyId, 'jsonrpc must be exactly "2.0"');
  if (typeof value.method !== 'string' || value.method === '')
    return invalid(replyId, 'method must be a non-empty string');
  const params = value.params;
  if (params !== undefined && !isPlainObject(params) && !Array.isArray(params))
    return invalid(replyId, 'params must be an object or an array when present');
  return {
    method: value.method,
    params: params as JsonRpcCall['params'],
    id: 'id' in value ? replyId : undefined,
  };
}
