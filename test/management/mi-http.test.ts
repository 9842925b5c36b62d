/**
 * The MI handler over a real loopback HTTP socket, with requests shaped as opensips-cli sends them
 * (opensipscli/communication/http.py + jsonrpc_helper.get_command: POST, `Content-Type:
 * application/json`, body `json.dumps({'jsonrpc': '2.0', 'id': str(randint(0, 32767)), 'method': m,
 * 'params': params})`, params `{}` or a list when none are given).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistrantConfig } from '../../src/config/registrant-config.js';
import { createMiHandler } from '../../src/management/mi-handler.js';
import type { MiHandlerOptions } from '../../src/management/mi-handler-options.js';
import { FakeManager } from './fake-manager.js';

const SECRET = 'http-Secr3t-99';
const ALICE: RegistrantConfig = {
  registrar: 'sip:registrar.example.com',
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@192.0.2.10:5060',
  username: 'alice',
  password: SECRET,
  expiry: 600,
};

let server: Server | undefined;

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function start(
  options?: MiHandlerOptions,
): Promise<{ url: string; port: number; manager: FakeManager }> {
  const manager = new FakeManager();
  manager.add(ALICE);
  const mi = createMiHandler(manager, options);
  server = createServer(mi.listener);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/mi`, port, manager };
}

/** Python's json.dumps layout (", " and ": " separators), as opensips-cli produces it. */
function pythonJsonDumps(method: string, params: unknown): string {
  const id = String(Math.floor(Math.random() * 32768));
  return JSON.stringify({ jsonrpc: '2.0', id, method, params }).replace(/","/g, '", "').replace(/":/g, '": ');
}

async function post(
  url: string,
  body: string,
): Promise<{ status: number; type: string | null; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Python-urllib/3.11', Connection: 'close' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: text === '' ? undefined : JSON.parse(text),
  };
}

describe('MI over HTTP (opensips-cli shaped requests)', () => {
  it('uac_registrant:list with params {} answers the Records over 200 application/json', async () => {
    const { url } = await start();
    const body = pythonJsonDumps('uac_registrant:list', {});
    const answer = await post(url, body);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/json');
    const id = (JSON.parse(body) as { id: string }).id;
    expect(answer.json).toMatchObject({
      jsonrpc: '2.0',
      id,
      result: { Records: [{ AOR: ALICE.aor, enabled: 'yes' }] },
    });
  });

  it('reg_list with params [] (no arguments) and with the three identity params', async () => {
    const { url } = await start();
    expect((await post(url, pythonJsonDumps('reg_list', []))).json).toMatchObject({
      result: { Records: [{}] },
    });
    const one = await post(
      url,
      pythonJsonDumps('reg_list', { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar }),
    );
    expect(one.json).toMatchObject({
      result: { Registrant: { AOR: ALICE.aor, state: 'NOT_REGISTERED_STATE' } },
    });
  });

  it('the verbs by name and positionally, 404 and -32602 as JSON-RPC errors over HTTP 200', async () => {
    const { url, manager } = await start({ loadConfigs: () => [ALICE] });
    const id = { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar };
    expect((await post(url, pythonJsonDumps('uac_registrant:disable', id))).json).toMatchObject({
      result: 'OK',
    });
    expect(
      (await post(url, pythonJsonDumps('reg_enable', [ALICE.aor, ALICE.contact, ALICE.registrar]))).json,
    ).toMatchObject({
      result: 'OK',
    });
    expect((await post(url, pythonJsonDumps('reg_force_register', id))).json).toMatchObject({ result: 'OK' });
    expect((await post(url, pythonJsonDumps('uac_registrant:reload', {}))).json).toMatchObject({
      result: 'OK',
    });
    const upsert = {
      aor: 'sip:bob@example.com',
      contact: 'sip:bob@192.0.2.11',
      registrar: 'sip:registrar.example.com',
      proxy: '',
      third_party_registrant: '',
      username: 'bob',
      password: SECRET,
      binding_params: '',
      expiry: '3600',
      forced_socket: '',
      cluster_shtag: '',
      state: '0',
    };
    expect((await post(url, pythonJsonDumps('uac_registrant:upsert', upsert))).json).toMatchObject({
      result: 'OK',
    });
    expect(manager.find(upsert.aor, upsert.contact, upsert.registrar)?.username).toBe('bob');
    const missing = await post(url, pythonJsonDumps('reg_delete', { ...id, aor: 'sip:nobody@example.com' }));
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ error: { code: 404, message: 'No such registrant' } });
    const bad = await post(url, pythonJsonDumps('reg_delete', { aor: ALICE.aor }));
    expect(bad.json).toMatchObject({ error: { code: -32602, message: 'Invalid params' } });
    const list = await post(url, pythonJsonDumps('reg_list', {}));
    expect((list.json as { result: { Records: unknown[] } }).result.Records).toHaveLength(2);
  });

  it('sends exactly the bytes urllib sends and reads the answer off the raw socket', async () => {
    const { port } = await start();
    const body = pythonJsonDumps('reg_list', {});
    const request =
      'POST /mi HTTP/1.1\r\nAccept-Encoding: identity\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nHost: 127.0.0.1:${port}\r\n` +
      'User-Agent: Python-urllib/3.11\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
      body;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      socket.write(request);
    });
    expect(raw.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(raw.toLowerCase()).toContain('content-type: application/json');
    const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as {
      result: { Records: { AOR: string }[] };
    };
    expect(json.result.Records[0]!.AOR).toBe(ALICE.aor);
  });

  it('GET is 405 with Allow: POST', async () => {
    const { url } = await start();
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.text();
  });

  it('a body over maxBodyBytes is 413, by Content-Length and when streamed without one', async () => {
    const { url, port } = await start({ maxBodyBytes: 1024 });
    const big = pythonJsonDumps('reg_list', { aor: 'x'.repeat(2000) });
    const res = await post(url, big);
    expect(res.status).toBe(413);
    // chunked body without Content-Length: the limit applies while reading
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.setTimeout(5000, () => socket.destroy());
      socket.on('data', (c) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write(
        'POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const chunk = 'y'.repeat(600);
      for (let i = 0; i < 4; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(raw.startsWith('HTTP/1.1 413')).toBe(true);
  });

  it('a body that is not JSON is a -32700 parse error; notifications only get 204', async () => {
    const { url, manager } = await start();
    const res = await post(url, '{"jsonrpc": "2.0", "method": ');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    const note = await post(
      url,
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'reg_disable',
        params: { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar },
      }),
    );
    expect(note.status).toBe(204);
    expect(manager.calls).toHaveLength(1);
  });

  it('a batch over HTTP answers an array', async () => {
    const { url } = await start();
    const res = await post(
      url,
      JSON.stringify([
        { jsonrpc: '2.0', method: 'reg_list', id: 1 },
        { jsonrpc: '2.0', method: 'reg_nope', id: 2 },
      ]),
    );
    expect(res.json).toMatchObject([
      { id: 1, result: { Records: [{}] } },
      { id: 2, error: { code: -32601 } },
    ]);
  });
});
