/**
 * Self-check of the Kamailio interop harness, with hand-built SIP over node:dgram (the library's own
 * parser is deliberately not used here, so the harness can be trusted independently of it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithKamailio,
  type KamailioRegistrar,
  kamailioAvailability,
  kamailioTestPolicy,
  kamailioUsers,
  startKamailioRegistrar,
} from './kamailio-harness.js';
import {
  KamcmdFormatError,
  KamcmdRpcError,
  parseKamcmdReply,
  parseKamcmdStatistics,
  parseLocationAors,
  parseLocationDump,
  parseLocationLookup,
} from './kamcmd-reply.js';

// ---------------------------------------------------------------------------------------------
// A minimal raw SIP/UDP client, for this self-check only
// ---------------------------------------------------------------------------------------------

interface RawResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

function header(response: RawResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return response.headers.find(([key]) => key.toLowerCase() === wanted)?.[1];
}

function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  const lines = (end >= 0 ? text.slice(0, end) : text).split('\r\n');
  const statusLine = lines[0] ?? '';
  if (!statusLine.startsWith('SIP/2.0 ')) return undefined;
  const status = Number(statusLine.slice(8, 11));
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { status, reason: statusLine.slice(12), headers };
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const token = (): string => randomBytes(8).toString('hex');

class RawUdpClient {
  readonly #socket: Socket;
  readonly #waiters = new Set<(response: RawResponse) => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (bytes) => {
      const response = parseResponse(bytes.toString('utf8'));
      if (response === undefined) return;
      for (const waiter of this.#waiters) waiter(response);
    });
  }

  static open(): Promise<RawUdpClient> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve(new RawUdpClient(socket)));
    });
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /**
   * Sends `request` and resolves with the first final response carrying its Call-ID and CSeq, or
   * undefined when none comes within `timeoutMs` (a bounded socket round trip, not a sleep).
   */
  send(request: string, target: number, timeoutMs = 2_000): Promise<RawResponse | undefined> {
    const callId = /\r\nCall-ID: ([^\r]+)/.exec(request)?.[1];
    const cseq = /\r\nCSeq: ([^\r]+)/.exec(request)?.[1];
    return new Promise((resolve, reject) => {
      const done = (response: RawResponse | undefined): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(response);
      };
      const waiter = (response: RawResponse): void => {
        if (response.status < 200) return;
        if (header(response, 'Call-ID') !== callId || header(response, 'CSeq') !== cseq) return;
        done(response);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#waiters.add(waiter);
      this.#socket.send(request, target, '127.0.0.1', (error) => {
        if (error) {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(error);
        }
      });
    });
  }

  close(): void {
    this.#socket.close();
  }
}

interface Dialog {
  readonly user: string;
  readonly callId: string;
  readonly fromTag: string;
  cseq: number;
}

function newDialog(user: string): Dialog {
  return { user, callId: `${token()}@127.0.0.1`, fromTag: token(), cseq: 0 };
}

function registerRequest(
  registrar: KamailioRegistrar,
  client: RawUdpClient,
  dialog: Dialog,
  expires: number,
  authorization?: string,
): string {
  dialog.cseq += 1;
  const aor = `sip:${dialog.user}@127.0.0.1`;
  return [
    `REGISTER ${registrar.uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${client.port};rport;branch=z9hG4bK${token()}`,
    'Max-Forwards: 70',
    `From: <${aor}>;tag=${dialog.fromTag}`,
    `To: <${aor}>`,
    `Call-ID: ${dialog.callId}`,
    `CSeq: ${dialog.cseq} REGISTER`,
    `Contact: <sip:${dialog.user}@127.0.0.1:${client.port}>;expires=${expires}`,
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
    'User-Agent: harness-self-check',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Digest parameters of a `WWW-Authenticate: Digest …` value. */
function challengeParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const body = value.startsWith('Digest ') ? value.slice(7) : value;
  for (const match of body.matchAll(/([A-Za-z]+)=("[^"]*"|[^,\s]*)/g)) {
    const raw = match[2] ?? '';
    params.set((match[1] ?? '').toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1) : raw);
  }
  return params;
}

/** RFC 2617 §3.2.2 response with qop=auth, MD5. */
function digestAuthorization(challenge: string, user: string, password: string, uri: string): string {
  const params = challengeParams(challenge);
  const realm = params.get('realm') ?? '';
  const nonce = params.get('nonce') ?? '';
  const cnonce = token();
  const nc = '00000001';
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const opaque = params.get('opaque');
  return (
    `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", ` +
    `response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"` +
    (opaque === undefined ? '' : `, opaque="${opaque}"`)
  );
}

/** REGISTER, answer the 401, return both final responses. */
async function registerWithAuth(
  registrar: KamailioRegistrar,
  client: RawUdpClient,
  dialog: Dialog,
  expires: number,
  password: string,
): Promise<{ challenge: RawResponse; answer: RawResponse }> {
  const challenge = await client.send(registerRequest(registrar, client, dialog, expires), registrar.port);
  if (challenge === undefined) throw new Error(`no answer to the first REGISTER of ${dialog.user}`);
  const wwwAuthenticate = header(challenge, 'WWW-Authenticate');
  if (challenge.status !== 401 || wwwAuthenticate === undefined) {
    throw new Error(`expected 401 for ${dialog.user}, got ${challenge.status}`);
  }
  const authorization = digestAuthorization(wwwAuthenticate, dialog.user, password, registrar.uri);
  const answer = await client.send(
    registerRequest(registrar, client, dialog, expires, authorization),
    registrar.port,
  );
  if (answer === undefined) throw new Error(`no answer to the authenticated REGISTER of ${dialog.user}`);
  return { challenge, answer };
}

/**
 * Processes of process group `pgid` that are still running (zombies excluded: an orphan killed by
 * SIGKILL stays a zombie until init reaps it, and holds no socket). Linux /proc; [] elsewhere.
 */
function livingGroupMembers(pgid: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const living: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) living.push(Number(entry));
  }
  return living;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// Against a real Kamailio
// ---------------------------------------------------------------------------------------------

describeWithKamailio('Kamailio interop harness (real registrar)', () => {
  let registrar: KamailioRegistrar | undefined;
  let client: RawUdpClient | undefined;
  const settings = { realm: 'interop.test', minExpires: 40, retryAfter: 7, shortExpires: 45 };

  const live = (): { registrar: KamailioRegistrar; client: RawUdpClient } => {
    if (registrar === undefined || client === undefined)
      throw new Error('beforeAll did not start the registrar');
    return { registrar, client };
  };

  beforeAll(async () => {
    registrar = await startKamailioRegistrar(settings);
    client = await RawUdpClient.open();
    console.info(`[interop] kamailio up on ${registrar.uri} in ${registrar.startupMs.toFixed(0)} ms`);
  });

  afterAll(async () => {
    client?.close();
    await registrar?.stop();
  });

  it('starts on a free loopback port, in its own temp dir, answering on its ctl socket', async () => {
    const { registrar } = live();
    expect(registrar.host).toBe('127.0.0.1');
    expect(registrar.port).toBeGreaterThan(0);
    expect(registrar.uri).toBe(`sip:127.0.0.1:${registrar.port}`);
    expect(registrar.realm).toBe('interop.test');
    expect(registrar.isRunning()).toBe(true);
    expect(processExists(registrar.pid)).toBe(true);
    expect(existsSync(join(registrar.rundir, 'registrar.cfg'))).toBe(true);
    expect(registrar.logTail(200)).toContain(`udp: 127.0.0.1 [127.0.0.1]:${registrar.port}`);
    expect(await registrar.rpc('core.version')).toContain('kamailio');
    expect(await registrar.registeredCount()).toBe(0);
    expect(await registrar.locationContacts('user1')).toEqual([]);
  });

  it('answers REGISTER with a 401 (MD5, qop=auth, configured realm), then 200; usrloc holds the binding', async () => {
    const { registrar, client } = live();
    const dialog = newDialog('user1');
    const { challenge, answer } = await registerWithAuth(
      registrar,
      client,
      dialog,
      600,
      registrar.users.password(1),
    );
    const params = challengeParams(header(challenge, 'WWW-Authenticate') ?? '');
    expect(params.get('realm')).toBe('interop.test');
    expect(params.get('qop')?.split(',')).toContain('auth');
    expect(params.get('algorithm') ?? 'MD5').toBe('MD5');
    expect(answer.status).toBe(200);
    expect(header(answer, 'Contact')).toContain(`sip:user1@127.0.0.1:${client.port}`);

    const contacts = await registrar.locationContacts('user1');
    expect(contacts).toHaveLength(1);
    const [binding] = contacts;
    expect(binding?.address).toBe(`sip:user1@127.0.0.1:${client.port}`);
    expect(binding?.callId).toBe(dialog.callId);
    expect(binding?.cseq).toBe(2);
    expect(binding?.expires).toBeGreaterThan(590);
    expect(binding?.expires).toBeLessThanOrEqual(600);
    expect(binding?.userAgent).toBe('harness-self-check');
    expect(await registrar.locationContacts('sip:user1@127.0.0.1')).toHaveLength(1);
    expect(await registrar.registeredCount()).toBe(1);
    expect(await registrar.contactCount()).toBe(1);
    expect(await registrar.locationAors()).toEqual(['user1']);
    const table = await registrar.dumpLocation();
    expect([...table.keys()]).toEqual(['user1']);
    expect(table.get('user1')?.[0]?.callId).toBe(dialog.callId);
  });

  it('removes the binding on Expires 0', async () => {
    const { registrar, client } = live();
    const { answer } = await registerWithAuth(
      registrar,
      client,
      newDialog('user1'),
      0,
      registrar.users.password(1),
    );
    expect(answer.status).toBe(200);
    expect(await registrar.locationContacts('user1')).toEqual([]);
    expect(await registrar.registeredCount()).toBe(0);
  });

  it('answers OPTIONS with 200', async () => {
    const { registrar, client } = live();
    const callId = `${token()}@127.0.0.1`;
    const options = [
      `OPTIONS ${registrar.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${client.port};rport;branch=z9hG4bK${token()}`,
      'Max-Forwards: 70',
      `From: <sip:probe@127.0.0.1>;tag=${token()}`,
      `To: <${registrar.uri}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    expect((await client.send(options, registrar.port))?.status).toBe(200);
  });

  it('answers OPTIONS over TCP on the same port', async () => {
    const { registrar } = live();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: registrar.port });
      let received = '';
      const finish = (value: number | undefined): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(value);
      };
      const timer = setTimeout(() => finish(undefined), 2_000);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('data', (chunk) => {
        received += chunk.toString('utf8');
        if (received.includes('\r\n\r\n')) finish(parseResponse(received)?.status);
      });
      socket.once('connect', () => {
        const { port } = socket.address() as AddressInfo;
        socket.write(
          [
            `OPTIONS ${registrar.uri};transport=tcp SIP/2.0`,
            `Via: SIP/2.0/TCP 127.0.0.1:${port};branch=z9hG4bK${token()}`,
            'Max-Forwards: 70',
            `From: <sip:probe@127.0.0.1>;tag=${token()}`,
            `To: <${registrar.uri}>`,
            `Call-ID: ${token()}@127.0.0.1`,
            'CSeq: 1 OPTIONS',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      });
    });
    expect(status).toBe(200);
  });

  it('challenges a wrong password again, without stale', async () => {
    const { registrar, client } = live();
    const { answer } = await registerWithAuth(registrar, client, newDialog('user2'), 600, 'not-the-password');
    expect(answer.status).toBe(401);
    expect(challengeParams(header(answer, 'WWW-Authenticate') ?? '').get('stale')).toBeUndefined();
    expect(await registrar.registeredCount()).toBe(0);
  });

  it('answers an expiry below MIN_EXPIRES with 423 and the configured Min-Expires', async () => {
    const { registrar, client } = live();
    const { answer } = await registerWithAuth(
      registrar,
      client,
      newDialog('user3'),
      20,
      registrar.users.password(3),
    );
    expect(answer.status).toBe(423);
    expect(header(answer, 'Min-Expires')).toBe('40');
  });

  it('grants SHORT_EXPIRES to short* users and answers bad* with 403, busy* with 503 + Retry-After', async () => {
    const { registrar, client } = live();
    const short = newDialog('short4');
    const { answer } = await registerWithAuth(registrar, client, short, 600, kamailioUsers.password(4));
    expect(answer.status).toBe(200);
    expect(header(answer, 'Contact')).toContain('expires=45');
    expect((await registrar.locationContacts('short4'))[0]?.expires).toBeLessThanOrEqual(45);
    const unregister = await registerWithAuth(registrar, client, short, 0, kamailioUsers.password(4));
    expect(unregister.answer.status).toBe(200);
    expect(await registrar.locationContacts('short4')).toEqual([]);

    const bad = await client.send(registerRequest(registrar, client, newDialog('bad1'), 600), registrar.port);
    expect(bad?.status).toBe(403);
    const busy = await client.send(
      registerRequest(registrar, client, newDialog('busy1'), 600),
      registrar.port,
    );
    expect(busy?.status).toBe(503);
    expect(header(busy ?? { status: 0, reason: '', headers: [] }, 'Retry-After')).toBe('7');
  });

  it('never answers mute* users (bounded 300 ms socket wait)', async () => {
    const { registrar, client } = live();
    const silence = await client.send(
      registerRequest(registrar, client, newDialog('mute1'), 600),
      registrar.port,
      300,
    );
    expect(silence).toBeUndefined();
    // The registrar is still alive and answering: the silence was the config's, not a dead process.
    const alive = await client.send(
      registerRequest(registrar, client, newDialog('bad2'), 600),
      registrar.port,
    );
    expect(alive?.status).toBe(403);
  });

  it('stop() ends every Kamailio process, removes the temp dir and keeps the log tail', async () => {
    const { registrar } = live();
    const { pid, rundir } = registrar;
    // Main process plus its workers (UDP, TCP, timers, ctl) all share its process group.
    expect(livingGroupMembers(pid).length).toBeGreaterThan(4);
    const started = performance.now();
    await registrar.stop();
    console.info(`[interop] kamailio stopped in ${(performance.now() - started).toFixed(0)} ms`);
    expect(registrar.isRunning()).toBe(false);
    expect(processExists(pid)).toBe(false);
    // No process of its group is left either (its workers).
    expect(livingGroupMembers(pid)).toEqual([]);
    expect(existsSync(rundir)).toBe(false);
    expect(registrar.logTail(500)).toContain('auth failed');
    await expect(registrar.stop()).resolves.toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Harness logic that needs no Kamailio
// ---------------------------------------------------------------------------------------------

describe('Kamailio harness policy and parsing', () => {
  it('fails instead of skipping when CI=true and Kamailio is missing', () => {
    expect(kamailioTestPolicy({ available: false }, { CI: 'true' })).toBe('fail');
    expect(kamailioTestPolicy({ available: false }, {})).toBe('skip');
    expect(kamailioTestPolicy({ available: false }, { CI: 'false' })).toBe('skip');
    expect(kamailioTestPolicy({ available: true }, { CI: 'true' })).toBe('run');
  });

  it('requires Kamailio when CI=true', () => {
    if (process.env.CI === 'true') expect(kamailioAvailability().reason).toMatch(/^kamailio \d/);
    expect(kamailioAvailability({ kamailioPath: '/nonexistent/kamailio' }).available).toBe(false);
  });

  it('derives passwords as the config does', () => {
    expect(kamailioUsers.name(12)).toBe('user12');
    expect(kamailioUsers.password(12)).toBe('pass12');
    expect(kamailioUsers.passwordFor('user12')).toBe('pass12');
    expect(kamailioUsers.passwordFor('short7')).toBe('pass7');
    expect(kamailioUsers.passwordFor('user')).toBeUndefined();
    expect(kamailioUsers.passwordFor('user1x')).toBeUndefined();
    expect(kamailioUsers.passwordFor('busy1')).toBeUndefined();
    expect(() => kamailioUsers.name(-1)).toThrow(/non-negative integer/);
  });

  it('rejects bad options before starting anything, naming the option', async () => {
    await expect(startKamailioRegistrar({ minExpires: -1 })).rejects.toThrow(
      /option minExpires .* received -1/,
    );
    await expect(startKamailioRegistrar({ realm: 'a"b' })).rejects.toThrow(/option realm/);
    await expect(startKamailioRegistrar({ minExpires: 100, maxExpires: 50 })).rejects.toThrow(/maxExpires/);
    await expect(startKamailioRegistrar({ minExpires: 100, shortExpires: 50 })).rejects.toThrow(
      /shortExpires/,
    );
    await expect(startKamailioRegistrar({ kamailioPath: '/nonexistent/kamailio' })).rejects.toThrow(
      /not available/,
    );
  });

  it('parses a ul.lookup reply and reports RPC errors printed with exit status 0', () => {
    const reply = [
      '{',
      '\tAoR: user1',
      '\tContacts: {',
      '\t\tContact: {',
      '\t\t\tAddress: sip:user1@127.0.0.1:5099;transport=udp',
      '\t\t\tExpires: 3599',
      '\t\t\tQ: -1',
      '\t\t\tCall-ID: a84b4c76e66710@127.0.0.1',
      '\t\t\tCSeq: 2',
      '\t\t\tUser-Agent: [not set]',
      '\t\t\tSocket: udp:127.0.0.1:5060',
      '\t\t\tReg-Id: 0',
      '\t\t}',
      '\t\tContact: {',
      '\t\t\tAddress: sip:user1@192.0.2.4',
      '\t\t\tExpires: permanent',
      '\t\t\tCall-ID: x',
      '\t\t}',
      '\t}',
      '}',
      '',
    ].join('\n');
    const [first, second] = parseLocationLookup(reply);
    expect(first?.address).toBe('sip:user1@127.0.0.1:5099;transport=udp');
    expect(first?.expires).toBe(3599);
    expect(first?.callId).toBe('a84b4c76e66710@127.0.0.1');
    expect(first?.cseq).toBe(2);
    expect(first?.userAgent).toBeUndefined();
    expect(first?.socket).toBe('udp:127.0.0.1:5060');
    expect(second?.expires).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(second?.cseq)).toBe(true);

    const error = (() => {
      try {
        parseLocationLookup('error: 500 - AOR not found in location table\n');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(KamcmdRpcError);
    expect((error as KamcmdRpcError).code).toBe(500);
    expect((error as KamcmdRpcError).detail).toBe('AOR not found in location table');
    expect(() => parseKamcmdReply('{\n\tA: {\n}\n')).toThrow(KamcmdFormatError);
    expect(() => parseKamcmdReply('}\n')).toThrow(KamcmdFormatError);
  });

  it('parses ul.dump and statistics replies', () => {
    const dump = [
      '{',
      '\tDomains: {',
      '\t\tDomain: {',
      '\t\t\tDomain: location',
      '\t\t\tAoRs: {',
      '\t\t\t\tInfo: {',
      '\t\t\t\t\tAoR: user3',
      '\t\t\t\t\tContacts: {',
      '\t\t\t\t\t\tContact: {',
      '\t\t\t\t\t\t\tAddress: sip:user3@127.0.0.1:4000',
      '\t\t\t\t\t\t\tExpires: 10',
      '\t\t\t\t\t\t\tCall-ID: c3',
      '\t\t\t\t\t\t}',
      '\t\t\t\t\t}',
      '\t\t\t\t}',
      '\t\t\t\tInfo: {',
      '\t\t\t\t\tAoR: user4',
      '\t\t\t\t\tContacts: {',
      '\t\t\t\t\t}',
      '\t\t\t\t}',
      '\t\t\t}',
      '\t\t}',
      '\t}',
      '}',
    ].join('\n');
    const table = parseLocationDump(dump);
    expect([...table.keys()]).toEqual(['user3', 'user4']);
    expect(table.get('user3')?.map((c) => c.callId)).toEqual(['c3']);
    expect(table.get('user4')).toEqual([]);

    const brief =
      '{\n\tDomains: {\n\t\tDomain: {\n\t\t\tDomain: location\n\t\t\tAoRs: {\n' +
      '\t\t\t\tAoR: user9\n\t\t\t\tAoR: user10\n\t\t\t}\n\t\t\tStats: {\n\t\t\t\tRecords: 2\n\t\t\t}\n\t\t}\n\t}\n}\n';
    expect(parseLocationAors(brief)).toEqual(['user9', 'user10']);

    const stats = parseKamcmdStatistics(
      'usrloc:location_contacts = 3\nusrloc:registered_users = 1000\nnoise\n',
    );
    expect(stats.get('usrloc:registered_users')).toBe(1000);
    expect(stats.get('usrloc:location_contacts')).toBe(3);
    expect(stats.size).toBe(2);
  });
});

describe('Kamailio harness start-up failures (fake binaries, no Kamailio needed)', () => {
  let dir: string | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sip-registrant-fake-kamailio-'));
  });

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function fakeKamailio(name: string, body: string): Promise<string> {
    if (dir === undefined) throw new Error('no temp dir');
    const path = join(dir, name);
    await writeFile(
      path,
      `#!/bin/sh\nif [ "$1" = "-v" ]; then echo "version: kamailio 0.0.0-fake"; exit 0; fi\n${body}\n`,
    );
    await chmod(path, 0o755);
    return path;
  }

  it('gives up after startTimeoutMs with the log tail, and kills what it started', async () => {
    const kamailioPath = await fakeKamailio(
      'hangs',
      'echo "fake kamailio never opens its ctl socket" >&2\nexec sleep 30',
    );
    const failure = await startKamailioRegistrar({
      kamailioPath,
      kamcmdPath: '/bin/false',
      startTimeoutMs: 400,
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/did not answer .* within 400 ms/);
    expect(failure?.message).toContain('fake kamailio never opens its ctl socket');
    const pid = Number(/kamailio pid (\d+)/.exec(failure?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(processExists(pid)).toBe(false);
  });

  it('stop() falls back to SIGKILL of the whole process group when SIGTERM is ignored', async () => {
    const kamailioPath = await fakeKamailio(
      'stubborn',
      "trap '' TERM\nsleep 30 &\nwhile :; do sleep 0.05; done",
    );
    const kamcmdPath = await fakeKamailio('kamcmd-ok', 'echo "kamailio 0.0.0-fake"');
    const registrar = await startKamailioRegistrar({ kamailioPath, kamcmdPath, stopTimeoutMs: 200 });
    expect(registrar.isRunning()).toBe(true);
    if (existsSync('/proc/self/stat')) {
      // The fake forks its `sleep 30` after it starts: wait (bounded) until the group has both.
      const deadline = performance.now() + 3_000;
      while (livingGroupMembers(registrar.pid).length < 2 && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(livingGroupMembers(registrar.pid).length).toBeGreaterThanOrEqual(2);
    }
    const started = performance.now();
    await registrar.stop();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(processExists(registrar.pid)).toBe(false);
    // The background `sleep 30` was in the same group and is gone too.
    expect(livingGroupMembers(registrar.pid)).toEqual([]);
    expect(existsSync(registrar.rundir)).toBe(false);
  });

  it('retries on another port when the chosen one is taken, then reports the collision', async () => {
    const kamailioPath = await fakeKamailio(
      'collides',
      'echo "ERROR: <core> tcp_init(): bind(6) on 127.0.0.1 : Address already in use" >&2\nexit 255',
    );
    await expect(
      startKamailioRegistrar({ kamailioPath, kamcmdPath: '/bin/false', portAttempts: 2 }),
    ).rejects.toThrow(/taken before Kamailio bound it, 2 times/);
  });

  it('reports a start-up crash with the log tail', async () => {
    const kamailioPath = await fakeKamailio(
      'crashes',
      'echo "ERROR: bad config file (3 errors)" >&2\nexit 255',
    );
    await expect(startKamailioRegistrar({ kamailioPath, kamcmdPath: '/bin/false' })).rejects.toThrow(
      /exited during start-up \(code 255.*\n[\s\S]*bad config file/,
    );
  });
});
