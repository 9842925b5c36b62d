/**
 * The node:http side of the MI handler: a POST carrying a JSON-RPC body (as OpenSIPS' mi_http takes
 * it and opensips-cli sends it, `Content-Type: application/json`), answered with `application/json`.
 *
 * - Any path is accepted: the host decides where to mount it (OpenSIPS serves `/mi`).
 * - The Content-Type of the request is not enforced (curl's default form type would otherwise fail
 *   for no gain); the body must be JSON.
 * - Bodies over the limit get 413 before being read in full (checked on Content-Length, then while
 *   streaming), and the connection is closed.
 * - JSON-RPC errors are answered with HTTP 200 and the error object (JSON-RPC over HTTP convention,
 *   as mi_http does); a request of notifications only gets 204.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonRpcResponse } from './json-rpc.js';
import { failure, JSON_RPC_ERRORS } from './json-rpc.js';

type Handle = (request: unknown) => Promise<JsonRpcResponse | JsonRpcResponse[] | undefined>;

function sendJson(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

/** Build the request listener around `handle`. */
export function createMiHttpListener(
  handle: Handle,
  maxBodyBytes: number,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'POST') {
      sendJson(
        res,
        405,
        { error: 'Method Not Allowed: send JSON-RPC 2.0 requests with POST' },
        { Allow: 'POST' },
      );
      req.resume(); // discard any body so the connection can be reused
      return;
    }
    const tooLarge = (): void => {
      sendJson(
        res,
        413,
        failure(null, JSON_RPC_ERRORS.INVALID_REQUEST.code, 'Request body too large', {
          maxBodyBytes,
        }),
        { Connection: 'close' },
      );
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      tooLarge();
      // Destroy only once the 413 is handed to the socket: destroying first could drop it.
      res.once('finish', () => req.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        done = true;
        chunks.length = 0;
        tooLarge();
        req.pause();
        res.once('finish', () => req.destroy());
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      done = true;
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const body = Buffer.concat(chunks);
      handle(body).then(
        (answer) => {
          if (answer === undefined) {
            res.writeHead(204, { 'Cache-Control': 'no-store' });
            res.end();
          } else sendJson(res, 200, answer);
        },
        () => {
          // handle() never rejects; this is a last line of defence, without details.
          sendJson(
            res,
            500,
            failure(null, JSON_RPC_ERRORS.INTERNAL_ERROR.code, JSON_RPC_ERRORS.INTERNAL_ERROR.message),
          );
        },
      );
    });
  };
}
