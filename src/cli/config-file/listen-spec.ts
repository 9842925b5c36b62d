/**
 * Listen addresses of the daemon: the short form `proto:host:port` (`udp:127.0.0.1:5070`,
 * `tls:[::1]:5061`) and the long form mapping with `advertisedHost` and, for TLS, the key material
 * read from files at load time.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { classifyHost } from '../../sip/host.js';
import type { ConfigMappingNode, ConfigNode } from './config-node.js';
import type { ConfigProblems } from './config-problems.js';
import { DaemonConfigError } from './daemon-config-error.js';
import { unknownKeyProblem } from './did-you-mean.js';
import { describeNode } from './node-text.js';

/** Transport protocols the daemon can listen on. */
export type ListenProtocol = 'udp' | 'tcp' | 'tls';

/** TLS material of a `tls` listen entry: file contents, and the paths they were read from. */
export interface ListenTls {
  /** Trusted CA certificates (PEM), read from `caPath`. */
  readonly ca?: Buffer | undefined;
  /** Our certificate chain (PEM), read from `certPath`. */
  readonly cert?: Buffer | undefined;
  /** The private key of `cert` (PEM), read from `keyPath`. */
  readonly key?: Buffer | undefined;
  /** Verify the peer's certificate. @default true (the transport's default) */
  readonly rejectUnauthorized?: boolean | undefined;
  /** Absolute path `ca` was read from. */
  readonly caPath?: string | undefined;
  /** Absolute path `cert` was read from. */
  readonly certPath?: string | undefined;
  /** Absolute path `key` was read from. */
  readonly keyPath?: string | undefined;
}

/** One address to listen on. */
export interface ListenSpec {
  readonly protocol: ListenProtocol;
  /** IP address literal to bind (IPv6 without brackets). */
  readonly host: string;
  /** Port to bind, 0–65535 (0: any free port). */
  readonly port: number;
  /** Host to write in Via / Contact instead of the bound address (e.g. a public address). */
  readonly advertisedHost?: string | undefined;
  /** TLS material (only for `tls`, only when the long form gives some). */
  readonly tls?: ListenTls | undefined;
  /** `proto:host:port`, IPv6 in brackets, e.g. `udp:127.0.0.1:5070`. */
  readonly text: string;
}

/** Keys of the long form. */
const LISTEN_KEYS = [
  'protocol',
  'host',
  'port',
  'advertisedHost',
  'ca',
  'cert',
  'key',
  'rejectUnauthorized',
] as const;
const TLS_ONLY = new Set(['ca', 'cert', 'key', 'rejectUnauthorized']);

/** Default port of each protocol when the long form gives none (RFC 3261 §19.1.2). */
const DEFAULT_PORTS: Readonly<Record<ListenProtocol, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function protocolOf(text: string): ListenProtocol | string {
  const lower = text.toLowerCase();
  return lower === 'udp' || lower === 'tcp' || lower === 'tls'
    ? lower
    : `protocol must be udp, tcp or tls, received ${show(text)}`;
}

/** A bind address: an IPv4 literal or an IPv6 literal (brackets optional). Problem text otherwise. */
function bindHostOf(text: string): string | { readonly problem: string } {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) !== 0 && (bare === text || isIP(bare) === 6)) return bare;
  return {
    problem: `host must be an IP address to bind (IPv4, or IPv6 in brackets), received ${show(text)}`,
  };
}

function portOf(text: string): number | string {
  let port = 0;
  for (let i = 0; i < text.length && port <= 65535; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return `port must be a number 0..65535, received ${show(text)}`;
    port = port * 10 + code - 0x30;
  }
  return text.length === 0 || port > 65535 ? `port must be a number 0..65535, received ${show(text)}` : port;
}

function textOf(protocol: ListenProtocol, host: string, port: number): string {
  return `${protocol}:${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** The short form `proto:host:port` as a spec, or the problem. */
export function listenSpecOf(text: string): ListenSpec | string {
  const expected = 'expected proto:host:port, e.g. udp:127.0.0.1:5060 or tls:[::1]:5061';
  const firstColon = text.indexOf(':');
  const lastColon = text.lastIndexOf(':');
  if (firstColon === -1 || lastColon === firstColon) return `${expected}, received ${show(text)}`;
  const protocol = protocolOf(text.slice(0, firstColon));
  if (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'tls') return protocol;
  const hostText = text.slice(firstColon + 1, lastColon);
  if (isIP(hostText) === 6) return `${expected} (write an IPv6 address in brackets), received ${show(text)}`;
  const host = bindHostOf(hostText);
  if (typeof host !== 'string') return host.problem;
  const port = portOf(text.slice(lastColon + 1));
  if (typeof port === 'string') return port;
  return Object.freeze({ protocol, host, port, text: textOf(protocol, host, port) });
}

/**
 * Parse a short-form listen spec given outside a file (a `--listen` flag, a built-in default).
 * Throws {@link DaemonConfigError} whose message starts with `source`, e.g.
 * `--listen: port must be a number 0..65535, received "99999"`.
 */
export function parseListenSpec(text: string, source: string, tlsFiles?: ListenTlsFiles): ListenSpec {
  const spec = listenSpecOf(text);
  if (typeof spec === 'string') throw new DaemonConfigError(spec, { file: source, field: 'listen' });
  if (spec.protocol !== 'tls') return spec;
  if (tlsFiles?.cert === undefined || tlsFiles.key === undefined)
    throw new DaemonConfigError(TLS_SHORT_FORM, { file: source, field: 'listen' });
  const tls: Record<string, unknown> = {};
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = tlsFiles[key];
    if (path === undefined) continue;
    const absolute = isAbsolute(path) ? path : resolve(tlsFiles.baseDir, path);
    let bytes: Buffer;
    try {
      bytes = (tlsFiles.readFile ?? readFileSync)(absolute);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new DaemonConfigError(
        `--tls-${key}: cannot read file ${show(absolute)}${typeof code === 'string' ? ` (${code})` : ''}`,
        { file: source, field: 'listen' },
      );
    }
    const problem = pemProblem(key, bytes);
    if (problem !== undefined)
      throw new DaemonConfigError(`--tls-${key}: ${show(absolute)} ${problem}`, {
        file: source,
        field: 'listen',
      });
    tls[key] = bytes;
    tls[`${key}Path`] = absolute;
  }
  return Object.freeze({ ...spec, tls: Object.freeze(tls) as ListenTls });
}

/** In a file, a TLS entry takes the long form, which names its files. */
const TLS_SHORT_FORM_IN_FILE =
  'tls needs a certificate and its key: give it in the config file as a mapping (protocol: tls, host, port, cert: FILE, key: FILE)';

/** The `--tls-cert`, `--tls-key` and `--tls-ca` files a TLS `--listen` serves. */
export interface ListenTlsFiles {
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly ca?: string | undefined;
  /** Directory relative paths are read from. */
  readonly baseDir: string;
  /** @default fs.readFileSync */
  readonly readFile?: ((path: string) => Buffer) | undefined;
}

/** A TLS listener serves a certificate, which the short form alone cannot name. */
const TLS_SHORT_FORM =
  "tls needs a certificate and its key: give --tls-cert FILE and --tls-key FILE, or use the config file's long form (protocol: tls, host, port, cert: FILE, key: FILE)";

/** What reading the `listen` section needs. */
export interface ListenSectionContext {
  readonly problems: ConfigProblems;
  /** Directory relative TLS paths are resolved against (the config file's). */
  readonly baseDir: string;
  /** Reads a TLS file (throws when it cannot). */
  readonly readFile: (path: string) => Buffer;
}

/**
 * Read the `listen` section: a list of short-form strings and long-form mappings (a single string
 * is taken as a list of one). Reports problems and returns the specs that are valid.
 */
export function readListenSection(
  node: ConfigNode,
  keyLine: number,
  ctx: ListenSectionContext,
): ListenSpec[] {
  const items = node.kind === 'sequence' ? node.items : node.kind === 'scalar' ? [node] : undefined;
  if (items === undefined) {
    ctx.problems.add(
      keyLine,
      `listen: expected a list of proto:host:port strings or mappings, received ${describeNode(node)}`,
      {
        field: 'listen',
      },
    );
    return [];
  }
  if (items.length === 0) {
    ctx.problems.add(keyLine, 'listen: expected at least one address (leave the key out for the default)', {
      field: 'listen',
    });
    return [];
  }
  const specs: ListenSpec[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const field = `listen[${index}]`;
    let spec: ListenSpec | undefined;
    if (item.kind === 'scalar' && typeof item.value === 'string') {
      const parsed = listenSpecOf(item.value);
      if (typeof parsed === 'string') ctx.problems.add(item.line, `${field}: ${parsed}`, { field });
      else if (parsed.protocol === 'tls')
        ctx.problems.add(item.line, `${field}: ${TLS_SHORT_FORM_IN_FILE}`, { field });
      else spec = parsed;
    } else if (item.kind === 'mapping') {
      spec = readLongForm(item, field, ctx);
    } else {
      ctx.problems.add(
        item.line,
        `${field}: expected "proto:host:port" or a mapping, received ${describeNode(item)}`,
        {
          field,
        },
      );
    }
    if (spec === undefined) return;
    const earlier = seen.get(spec.text);
    if (earlier !== undefined && spec.port !== 0)
      ctx.problems.add(item.line, `${field}: ${spec.text} is listed twice (first at line ${earlier})`, {
        field,
      });
    seen.set(spec.text, item.line);
    specs.push(spec);
  });
  return specs;
}

function readLongForm(
  node: ConfigMappingNode,
  field: string,
  ctx: ListenSectionContext,
): ListenSpec | undefined {
  const before = ctx.problems.count;
  const values = new Map<string, { readonly node: ConfigNode; readonly line: number }>();
  for (const entry of node.entries) {
    if ((LISTEN_KEYS as readonly string[]).includes(entry.key))
      values.set(entry.key, { node: entry.value, line: entry.keyLine });
    else
      ctx.problems.add(
        entry.keyLine,
        `${field}: ${unknownKeyProblem(entry.key, LISTEN_KEYS, 'listen key')}`,
        { field },
      );
  }
  const text = (key: string): { readonly value: string; readonly line: number } | undefined => {
    const found = values.get(key);
    if (found === undefined || (found.node.kind === 'scalar' && found.node.value === null)) return undefined;
    const scalar = found.node.kind === 'scalar' ? found.node : undefined;
    const value = scalar?.plainText ?? scalar?.value;
    if (typeof value === 'string' || typeof value === 'number')
      return { value: String(value), line: found.line };
    ctx.problems.add(found.line, `${field}.${key}: expected a string, received ${describeNode(found.node)}`, {
      field: `${field}.${key}`,
    });
    return undefined;
  };

  const protocolText = text('protocol');
  let protocol: ListenProtocol | undefined;
  if (protocolText === undefined) {
    if (!values.has('protocol'))
      ctx.problems.add(node.line, `${field}.protocol: is required (udp, tcp or tls)`, {
        field: `${field}.protocol`,
      });
  } else {
    const parsed = protocolOf(protocolText.value);
    if (parsed === 'udp' || parsed === 'tcp' || parsed === 'tls') protocol = parsed;
    else ctx.problems.add(protocolText.line, `${field}.protocol: ${parsed}`, { field: `${field}.protocol` });
  }

  const hostText = text('host');
  let host = '0.0.0.0';
  if (hostText !== undefined) {
    const parsed = bindHostOf(hostText.value);
    if (typeof parsed === 'string') host = parsed;
    else ctx.problems.add(hostText.line, `${field}.host: ${parsed.problem}`, { field: `${field}.host` });
  }

  let port: number | undefined;
  const portEntry = values.get('port');
  if (portEntry !== undefined && !(portEntry.node.kind === 'scalar' && portEntry.node.value === null)) {
    const value = portEntry.node.kind === 'scalar' ? portEntry.node.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) port = value;
    else
      ctx.problems.add(
        portEntry.line,
        `${field}.port: expected an integer 0..65535, received ${describeNode(portEntry.node)}`,
        {
          field: `${field}.port`,
        },
      );
  }

  const advertised = text('advertisedHost');
  let advertisedHost: string | undefined;
  if (advertised !== undefined) {
    const value = advertised.value;
    const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
    if (isIP(bare) !== 0 || classifyHost(value) !== undefined) advertisedHost = bare;
    else
      ctx.problems.add(
        advertised.line,
        `${field}.advertisedHost: expected a host name or IP address, received ${show(advertised.value)}`,
        {
          field: `${field}.advertisedHost`,
        },
      );
  }

  let tls: ListenTls | undefined;
  const tlsKeys = [...values.keys()].filter((key) => TLS_ONLY.has(key));
  if (protocol !== undefined && protocol !== 'tls') {
    for (const key of tlsKeys)
      ctx.problems.add(
        values.get(key)!.line,
        `${field}.${key}: only applies to protocol tls (this entry is ${protocol})`,
        {
          field: `${field}.${key}`,
        },
      );
  } else if (protocol === 'tls') {
    for (const key of ['cert', 'key'] as const)
      if (!values.has(key))
        ctx.problems.add(node.line, `${field}.${key}: is required for protocol tls (a PEM file)`, {
          field: `${field}.${key}`,
        });
    if (tlsKeys.length > 0) tls = readTls(field, values, text, ctx);
  }

  if (protocol === undefined || ctx.problems.count !== before) return undefined;
  const resolvedPort = port ?? DEFAULT_PORTS[protocol];
  return Object.freeze({
    protocol,
    host,
    port: resolvedPort,
    ...(advertisedHost === undefined ? {} : { advertisedHost }),
    ...(tls === undefined ? {} : { tls }),
    text: textOf(protocol, host, resolvedPort),
  });
}

function readTls(
  field: string,
  values: ReadonlyMap<string, { readonly node: ConfigNode; readonly line: number }>,
  text: (key: string) => { readonly value: string; readonly line: number } | undefined,
  ctx: ListenSectionContext,
): ListenTls {
  const out: Record<string, unknown> = {};
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = text(key);
    if (path === undefined) continue;
    const absolute = isAbsolute(path.value) ? path.value : resolve(ctx.baseDir, path.value);
    try {
      const bytes = ctx.readFile(absolute);
      const problem = pemProblem(key, bytes);
      if (problem !== undefined) {
        ctx.problems.add(path.line, `${field}.${key}: ${show(absolute)} ${problem}`, {
          field: `${field}.${key}`,
        });
        continue;
      }
      out[key] = bytes;
      out[`${key}Path`] = absolute;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      ctx.problems.add(
        path.line,
        `${field}.${key}: cannot read file ${show(absolute)}${typeof code === 'string' ? ` (${code})` : ''}`,
        { field: `${field}.${key}` },
      );
    }
  }
  const reject = values.get('rejectUnauthorized');
  if (reject !== undefined) {
    const value = reject.node.kind === 'scalar' ? reject.node.value : undefined;
    if (typeof value === 'boolean') out.rejectUnauthorized = value;
    else if (value !== null)
      ctx.problems.add(
        reject.line,
        `${field}.rejectUnauthorized: expected true or false, received ${describeNode(reject.node)}`,
        {
          field: `${field}.rejectUnauthorized`,
        },
      );
  }
  return Object.freeze(out) as ListenTls;
}

/**
 * Why `bytes` cannot serve as the TLS `ca`/`cert` (a PEM certificate) or `key` (an unencrypted PEM
 * private key), or undefined when they can: checked at load so `check` catches what `run` would
 * fail on.
 */
function pemProblem(key: 'ca' | 'cert' | 'key', bytes: Buffer): string | undefined {
  try {
    if (key === 'key') createPrivateKey(bytes);
    else new X509Certificate(bytes);
    return undefined;
  } catch (error) {
    const reason = (error as { code?: unknown }).code;
    return `is not ${key === 'key' ? 'an unencrypted PEM private key' : 'a PEM certificate'}${typeof reason === 'string' ? ` (${reason})` : ''}`;
  }
}
