/**
 * A deliberately dumb SIP client for driving the registrar double in tests: hand-built REGISTER
 * text over a plain node:dgram socket, and Digest computed here with node:crypto, independently of
 * the library's own authenticator.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

export interface RawResponse {
  readonly text: string;
  readonly status: number;
  /** Header values by lower-case name, every row, in order. */
  header(name: string): string[];
}

function parseRaw(text: string): RawResponse {
  const head = text.split('\r\n\r\n')[0] ?? '';
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1]);
  const rows = lines.slice(1).map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
  });
  return {
    text,
    status,
    header: (name) => rows.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v),
  };
}

/** One UDP socket on loopback that sends requests and queues what comes back. */
export class RawSipClient {
  readonly #socket: dgram.Socket;
  readonly #queue: string[] = [];
  readonly #waiters: ((text: string) => void)[] = [];

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const text = data.toString('utf8');
      const waiter = this.#waiters.shift();
      if (waiter) waiter(text);
      else this.#queue.push(text);
    });
  }

  static async open(host = '127.0.0.1'): Promise<RawSipClient> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind({ address: host, port: 0 }, () => resolve()));
    return new RawSipClient(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  send(text: string | Uint8Array, target: { host: string; port: number }): void {
    this.#socket.send(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, target.port, target.host);
  }

  /** The next datagram received, as text. Bounded so a broken double fails the test instead of hanging it. */
  nextText(timeoutMs = 2000): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(new Error(`no datagram within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (text: string): void => {
        clearTimeout(timer);
        resolve(text);
      };
      this.#waiters.push(waiter);
    });
  }

  async next(timeoutMs?: number): Promise<RawResponse> {
    return parseRaw(await this.nextText(timeoutMs));
  }

  /** Datagrams received and not yet read. */
  get pending(): number {
    return this.#queue.length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

export interface RegisterSpec {
  /** The client's own port, for Via and Contact. */
  readonly port: number;
  readonly user: string;
  readonly domain?: string;
  readonly requestUri?: string;
  readonly callId: string;
  readonly cseq: number;
  readonly branch?: string;
  /** Contact values; default one `<sip:user@127.0.0.1:port>;expires=…`. */
  readonly contacts?: readonly string[];
  readonly contactExpires?: number;
  readonly expiresHeader?: string;
  readonly authorization?: string;
  readonly extraHeaders?: readonly string[];
  readonly method?: string;
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/** REGISTER text, CRLF line ends, `rport` in Via (RFC 3581). */
export function buildRegister(spec: RegisterSpec): string {
  const domain = spec.domain ?? 'example.com';
  const method = spec.method ?? 'REGISTER';
  const contacts = spec.contacts ?? [
    `<sip:${spec.user}@127.0.0.1:${spec.port}>${spec.contactExpires === undefined ? '' : `;expires=${spec.contactExpires}`}`,
  ];
  const lines = [
    `${method} ${spec.requestUri ?? `sip:${domain}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${spec.port};branch=${spec.branch ?? newBranch()};rport`,
    'Max-Forwards: 70',
    `From: <sip:${spec.user}@${domain}>;tag=${spec.user}tag`,
    `To: <sip:${spec.user}@${domain}>`,
    `Call-ID: ${spec.callId}`,
    `CSeq: ${spec.cseq} ${method}`,
    ...contacts.map((c) => `Contact: ${c}`),
    ...(spec.expiresHeader === undefined ? [] : [`Expires: ${spec.expiresHeader}`]),
    ...(spec.authorization === undefined ? [] : [`Authorization: ${spec.authorization}`]),
    ...(spec.extraHeaders ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

/** auth-params of a challenge, quotes removed (test-grade parsing: no escaped quotes expected). */
export function challengeParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = value.replace(/^Digest\s+/i, '');
  for (const match of body.matchAll(/([a-zA-Z-]+)=("[^"]*"|[^,\s]+)/g)) {
    const raw = match[2]!;
    out[match[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

export interface DigestAnswer {
  readonly username: string;
  readonly password: string;
  readonly challenge: string;
  readonly uri: string;
  readonly method?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  /** Override the realm sent back. */
  readonly realm?: string;
}

/** Authorization value for `challenge`, computed from the RFC 2617 / 7616 formulas with node:crypto. */
export function digestAuthorization(answer: DigestAnswer): string {
  const params = challengeParams(answer.challenge);
  const algorithm = params.algorithm ?? 'MD5';
  const hash = HASHES[algorithm.toUpperCase() === 'MD5' ? 'MD5' : algorithm.toUpperCase()];
  if (hash === undefined) throw new Error(`test client does not do ${algorithm}`);
  const h = (text: string) => createHash(hash).update(text, 'utf8').digest('hex');
  const realm = answer.realm ?? params.realm!;
  const nonce = params.nonce!;
  const ha1 = h(`${answer.username}:${params.realm}:${answer.password}`);
  const ha2 = h(`${answer.method ?? 'REGISTER'}:${answer.uri}`);
  const qop = params.qop === undefined ? undefined : 'auth';
  const nc = answer.nc ?? '00000001';
  const cnonce = answer.cnonce ?? randomBytes(8).toString('hex');
  const response =
    qop === undefined ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  let value = `Digest username="${answer.username}", realm="${realm}", nonce="${nonce}", uri="${answer.uri}", response="${response}", algorithm=${algorithm}`;
  if (params.opaque !== undefined) value += `, opaque="${params.opaque}"`;
  if (qop !== undefined) value += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
  return value;
}
