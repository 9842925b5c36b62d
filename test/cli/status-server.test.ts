/**
 * startStatusServer over real loopback HTTP: /metrics, /mi (OpenSIPS `reg_list`), /health, 404/405,
 * body limit, close() with keep-alive connections open, bind failures named with host:port and reason.
 * The manager is the real RegistrantManager registered against the registrar double (fake clock).
 */
import { Agent, request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthOf } from '../../src/cli/status-health.js';
import {
  METRICS_CONTENT_TYPE,
  STATUS_SERVER_BIND_ERROR,
  type StatusServer,
  startStatusServer,
} from '../../src/cli/status-server.js';
import { SipInvalidArgumentError, SipRegistrantError } from '../../src/errors.js';
import { createRegistrantMetrics, type RegistrantMetrics } from '../../src/management/registrant-metrics.js';
import { parseExposition, sampleValue } from '../management/prometheus-parse.js';
import { account, advance, makeRig, type Rig } from '../registrant/manager-rig.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(port: number, method: string, path: string, body?: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: agent ?? false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function rpc(method: string, params: unknown = {}, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params, id });
}

/** Count of live TCP handles (servers and sockets) in this process. */
function serverHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
    .length;
}

/** Wait (bounded: 50 short real turns) until the listening handle count is back to `count`. */
async function handlesBackTo(count: number): Promise<void> {
  for (let i = 0; i < 50 && serverHandles() > count; i++)
    await new Promise((resolve) => setTimeout(resolve, 2));
  expect(serverHandles()).toBe(count);
}

const PASSWORD = 'Status-Secret-77';

let rig: Rig | undefined;
let server: StatusServer | undefined;
let metrics: RegistrantMetrics | undefined;
afterEach(async () => {
  await server?.close();
  metrics?.dispose();
  await rig?.close();
  server = undefined;
  metrics = undefined;
  rig = undefined;
});

async function registeredRig(): Promise<{ r: Rig; s: StatusServer; aor: string }> {
  rig = await makeRig({}, { realm: 'example.com', users: { dave: PASSWORD } });
  const r = rig;
  metrics = createRegistrantMetrics(r.manager, { clock: r.clock });
  const config = account(r, 'dave', { username: 'dave', password: PASSWORD, expiry: 600 });
  r.manager.add(config);
  r.manager.start();
  await advance(r, 1_000);
  server = await startStatusServer({ manager: r.manager, metrics, port: 0 });
  return { r, s: server, aor: config.aor };
}

describe('startStatusServer', () => {
  it('binds 127.0.0.1 by default and reports the real port when asked for 0', async () => {
    const { s } = await registeredRig();
    expect(s.address.host).toBe('127.0.0.1');
    expect(s.address.port).toBeGreaterThan(0);
    expect((await call(s.address.port, 'GET', '/health')).status).toBe(200);
  });

  it('GET /metrics answers the exposition with the 0.0.4 content type, live counters, no secret', async () => {
    const { s } = await registeredRig();
    const answer = await call(s.address.port, 'GET', '/metrics?scrape=1');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    const families = parseExposition(answer.body);
    expect(sampleValue(families, 'sip_registrant_records_by_state', { state: 'REGISTERED' })).toBe(1);
    expect(sampleValue(families, 'sip_registrant_registers_sent_total')).toBe(2);
    expect(sampleValue(families, 'sip_registrant_replies_total', { code: '401' })).toBe(1);
    expect(answer.body).not.toContain(PASSWORD);
    const head = await call(s.address.port, 'HEAD', '/metrics');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('POST /mi and POST / serve the OpenSIPS MI: reg_list lists the record, never its password', async () => {
    const { s, aor } = await registeredRig();
    for (const path of ['/mi', '/']) {
      const answer = await call(s.address.port, 'POST', path, rpc('reg_list'));
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      const body = JSON.parse(answer.body) as { result: { Records: Record<string, unknown>[] } };
      expect(body.result.Records).toHaveLength(1);
      expect(body.result.Records[0]).toMatchObject({ AOR: aor, state: 'REGISTERED_STATE' });
      expect(answer.body).not.toContain(PASSWORD);
    }
    const unknown = JSON.parse((await call(s.address.port, 'POST', '/mi', rpc('no_such_method'))).body) as {
      error: { code: number };
    };
    expect(unknown.error.code).toBe(-32601);
  });

  it('MI verbs act on the manager: uac_registrant:disable un-REGISTERs, /health follows', async () => {
    const { r, s, aor } = await registeredRig();
    const id = { aor, contact: account(r, 'dave').contact, registrar: r.registrarUri };
    const answer = JSON.parse(
      (await call(s.address.port, 'POST', '/mi', rpc('uac_registrant:disable', id))).body,
    );
    expect(answer).toMatchObject({ result: 'OK' });
    await advance(r, 1_000);
    const health = JSON.parse((await call(s.address.port, 'GET', '/health')).body);
    expect(health).toMatchObject({ status: 'ok', records: 1, registered: 0 });
    expect(health.byState.NOT_REGISTERED).toBe(1);
  });

  it('GET /health answers status, records, registered and all ten states', async () => {
    const { s } = await registeredRig();
    const answer = await call(s.address.port, 'GET', '/health');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const body = JSON.parse(answer.body);
    expect(body).toEqual({
      status: 'ok',
      records: 1,
      registered: 1,
      byState: {
        NOT_REGISTERED: 0,
        REGISTERING: 0,
        AUTHENTICATING: 0,
        REGISTERED: 1,
        REGISTER_TIMEOUT: 0,
        INTERNAL_ERROR: 0,
        WRONG_CREDENTIALS: 0,
        REGISTRAR_ERROR: 0,
        UNREGISTERING: 0,
        AUTHENTICATING_UNREGISTER: 0,
      },
    });
  });

  it('GET /health is 503 "stopped" once the manager no longer runs', async () => {
    const { r, s } = await registeredRig();
    const stopping = r.manager.stop();
    await advance(r, 5_000);
    await stopping;
    const answer = await call(s.address.port, 'GET', '/health');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'stopped', registered: 0 });
    expect(healthOf({ stats: () => r.manager.stats() }).status).toBe('ok');
  });

  it('answers 404 for unknown paths and 405 with Allow for a wrong method', async () => {
    const { s } = await registeredRig();
    const port = s.address.port;
    expect((await call(port, 'GET', '/nope')).status).toBe(404);
    expect((await call(port, 'POST', '/metrics/extra', '{}')).status).toBe(404);
    const postMetrics = await call(port, 'POST', '/metrics', '{}');
    expect(postMetrics.status).toBe(405);
    expect(postMetrics.headers.allow).toBe('GET, HEAD');
    const deleteHealth = await call(port, 'DELETE', '/health');
    expect(deleteHealth.status).toBe(405);
    expect(deleteHealth.headers.allow).toBe('GET, HEAD');
    for (const path of ['/mi', '/']) {
      const get = await call(port, 'GET', path);
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
    }
  });

  it('maxBodyBytes bounds MI requests (413)', async () => {
    rig = await makeRig();
    metrics = createRegistrantMetrics(rig.manager, { clock: rig.clock });
    server = await startStatusServer({ manager: rig.manager, metrics, port: 0, maxBodyBytes: 64 });
    const big = rpc('reg_list', { pad: 'x'.repeat(200) });
    expect((await call(server.address.port, 'POST', '/mi', big)).status).toBe(413);
    expect((await call(server.address.port, 'POST', '/mi', rpc('reg_list'))).status).toBe(200);
  });

  it('close() ends keep-alive connections and leaves no TCP handle; a second close is the same promise', async () => {
    rig = await makeRig();
    metrics = createRegistrantMetrics(rig.manager, { clock: rig.clock });
    // Servers of earlier tests close their handle within a loop turn or two after close().
    await handlesBackTo(0);
    const before = serverHandles();
    const s = await startStatusServer({ manager: rig.manager, metrics, port: 0 });
    expect(serverHandles()).toBe(before + 1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(s.address.port, 'GET', '/metrics', undefined, agent)).status).toBe(200);
    expect((await call(s.address.port, 'GET', '/metrics', undefined, agent)).status).toBe(200);
    // The client's socket stays open between requests (keep-alive): the server must cut it.
    const idle = Object.values(agent.freeSockets).flat();
    expect(idle).toHaveLength(1);
    const cut = new Promise<void>((resolve) => idle[0]!.once('close', () => resolve()));
    const closing = s.close();
    expect(s.close()).toBe(closing);
    await closing;
    await cut;
    expect(idle[0]!.destroyed).toBe(true);
    agent.destroy();
    await handlesBackTo(before);
    await expect(call(s.address.port, 'GET', '/health')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a port in use rejects with ERR_STATUS_SERVER_BIND naming host:port and EADDRINUSE', async () => {
    rig = await makeRig();
    metrics = createRegistrantMetrics(rig.manager, { clock: rig.clock });
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await handlesBackTo(1);
    const before = serverHandles();
    try {
      const failure = await startStatusServer({ manager: rig.manager, metrics, port }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SipRegistrantError);
      expect((failure as SipRegistrantError).code).toBe(STATUS_SERVER_BIND_ERROR);
      expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
      expect((failure as Error).message).toContain('EADDRINUSE');
      // Node closes the failed socket itself, within a turn of the event loop.
      await handlesBackTo(before);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('rejects invalid options naming the option', async () => {
    rig = await makeRig();
    metrics = createRegistrantMetrics(rig.manager, { clock: rig.clock });
    const base = { manager: rig.manager, metrics };
    await expect(startStatusServer({ ...base, port: 70_000 })).rejects.toThrow(/option port.*70000/);
    await expect(startStatusServer({ ...base, port: 0, host: '' })).rejects.toThrow(SipInvalidArgumentError);
    await expect(startStatusServer({ ...base, port: 0, maxBodyBytes: 0 })).rejects.toThrow(/maxBodyBytes/);
    await expect(startStatusServer({ ...base, metrics: {} as never, port: 0 })).rejects.toThrow(
      /option metrics/,
    );
  });
});
