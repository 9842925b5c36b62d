/**
 * Parsing of the text that `kamcmd` prints for Kamailio RPC replies.
 *
 * kamcmd renders a binrpc reply as indented text: a struct is `Name: {` … `}` (or a bare `{` … `}`),
 * a member is `Name: value`, and `stats.get_statistics` prints `group:name = value` lines. An RPC
 * failure is printed as `error: <code> - <text>` while kamcmd still exits with status 0, so the
 * text must be inspected, not the exit status.
 *
 * Limitation: a string member whose value is exactly `{` cannot be told apart from a struct opener;
 * the values this harness reads (addresses, Call-IDs, numbers) never are.
 */

/** One member of a kamcmd reply: a leaf (`Key: value`) or a struct (`Key: { … }`). */
export type KamcmdNode =
  | { readonly kind: 'value'; readonly key: string; readonly value: string }
  | { readonly kind: 'struct'; readonly key: string; readonly members: readonly KamcmdNode[] };

/** An RPC failure reported by Kamailio (`error: 500 - AOR not found in location table`). */
export class KamcmdRpcError extends Error {
  /** The numeric code Kamailio gave, or 0 when the line carried none. */
  readonly code: number;
  /** The text after the code. */
  readonly detail: string;

  constructor(code: number, detail: string, command: string) {
    super(`kamcmd ${command}: Kamailio answered error ${code} - ${detail}`);
    this.name = 'KamcmdRpcError';
    this.code = code;
    this.detail = detail;
  }
}

/** kamcmd output that does not have the expected shape. */
export class KamcmdFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KamcmdFormatError';
  }
}

/**
 * Returns the RPC error carried by `text`, if its first non-blank line is kamcmd's `error:` line.
 */
export function kamcmdRpcError(text: string, command: string): KamcmdRpcError | undefined {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  if (!first.startsWith('error:')) return undefined;
  const rest = first.slice('error:'.length).trim();
  const dash = rest.indexOf(' - ');
  const codeText = dash >= 0 ? rest.slice(0, dash).trim() : '';
  const code = /^[0-9]{1,4}$/.test(codeText) ? Number(codeText) : 0;
  const detail = dash >= 0 ? rest.slice(dash + 3).trim() : rest;
  return new KamcmdRpcError(code, detail, command);
}

/**
 * Parses kamcmd's structured text into a tree of members, in reply order.
 *
 * @throws KamcmdRpcError when the reply is an `error:` line.
 * @throws KamcmdFormatError when braces do not balance.
 */
export function parseKamcmdReply(text: string, command = 'reply'): KamcmdNode[] {
  const failure = kamcmdRpcError(text, command);
  if (failure !== undefined) throw failure;
  const root: KamcmdNode[] = [];
  const stack: { key: string; members: KamcmdNode[] }[] = [];
  let current = root;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line === '}') {
      const done = stack.pop();
      if (done === undefined) throw new KamcmdFormatError(`kamcmd ${command}: unbalanced '}' in reply`);
      const parent = stack.length === 0 ? root : (stack[stack.length - 1]?.members ?? root);
      parent.push({ kind: 'struct', key: done.key, members: done.members });
      current = parent;
      continue;
    }
    const { key, value } = splitMember(line);
    if (value === '{') {
      const frame = { key, members: [] as KamcmdNode[] };
      stack.push(frame);
      current = frame.members;
      continue;
    }
    current.push({ kind: 'value', key, value });
  }
  if (stack.length !== 0) throw new KamcmdFormatError(`kamcmd ${command}: reply ends inside a struct`);
  return root;
}

/** `Key: value` → key and value; `{` → anonymous struct; a line without `:` is an unnamed value. */
function splitMember(line: string): { key: string; value: string } {
  if (line === '{') return { key: '', value: '{' };
  const colon = line.indexOf(': ');
  if (colon > 0) return { key: line.slice(0, colon), value: line.slice(colon + 2).trim() };
  if (line.endsWith(':')) return { key: line.slice(0, -1), value: '' };
  return { key: '', value: line };
}

/**
 * Reads `stats.get_statistics` output (`usrloc:registered_users = 3` lines) into a map keyed by the
 * full `group:name`. Values that are not integers are skipped.
 *
 * @throws KamcmdRpcError when the reply is an `error:` line.
 */
export function parseKamcmdStatistics(text: string, command = 'stats.get_statistics'): Map<string, number> {
  const failure = kamcmdRpcError(text, command);
  if (failure !== undefined) throw failure;
  const stats = new Map<string, number>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    const eq = line.indexOf(' = ');
    if (eq <= 0) continue;
    const valueText = line.slice(eq + 3).trim();
    if (!/^-?[0-9]{1,15}$/.test(valueText)) continue;
    stats.set(line.slice(0, eq).trim(), Number(valueText));
  }
  return stats;
}

/** Every struct named `key`, at any depth, in reply order. */
export function findStructs(nodes: readonly KamcmdNode[], key: string): KamcmdNode[] {
  const found: KamcmdNode[] = [];
  const visit = (list: readonly KamcmdNode[]): void => {
    for (const node of list) {
      if (node.kind !== 'struct') continue;
      if (node.key === key) found.push(node);
      visit(node.members);
    }
  };
  visit(nodes);
  return found;
}

/** The first leaf named `key` directly inside `node`, or undefined. */
export function memberValue(node: KamcmdNode, key: string): string | undefined {
  if (node.kind !== 'struct') return undefined;
  for (const member of node.members) {
    if (member.kind === 'value' && member.key === key) return member.value;
  }
  return undefined;
}

/** One binding held in Kamailio's usrloc `location` table. */
export interface LocationContact {
  /** The binding URI as stored (`Address`). */
  readonly address: string;
  /**
   * Seconds left before the binding lapses; `Infinity` for a permanent binding, 0 once Kamailio
   * marks it expired or deleted.
   */
  readonly expires: number;
  /** The Call-ID of the REGISTER that created or last refreshed the binding. */
  readonly callId: string;
  /** The CSeq number of that REGISTER (NaN if Kamailio printed none). */
  readonly cseq: number;
  /** The q value as Kamailio prints it (-1 when the REGISTER carried none). */
  readonly q: number;
  /** User-Agent of that REGISTER, or undefined when not set. */
  readonly userAgent: string | undefined;
  /** The local socket the REGISTER arrived on, e.g. `udp:127.0.0.1:5060`. */
  readonly socket: string | undefined;
  /** `+sip.instance` of the binding (RFC 5626), or undefined. */
  readonly instance: string | undefined;
  /** `reg-id` of the binding (RFC 5626); 0 when absent. */
  readonly regId: number;
  /** Every member of the Contact struct as printed, for fields not lifted above. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Kamailio prints `[not set]` for empty optional strings. */
function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '[not set]' ? undefined : value;
}

function expiresOf(text: string | undefined): number {
  if (text === 'permanent') return Number.POSITIVE_INFINITY;
  if (text === undefined || !/^-?[0-9]{1,12}$/.test(text)) return 0;
  return Math.max(0, Number(text));
}

/** Converts one `Contact: { … }` struct into a {@link LocationContact}. */
export function locationContactOf(node: KamcmdNode): LocationContact {
  if (node.kind !== 'struct') throw new KamcmdFormatError('a Contact must be a struct');
  const fields: Record<string, string> = {};
  for (const member of node.members) {
    if (member.kind === 'value' && !(member.key in fields)) fields[member.key] = member.value;
  }
  const address = fields.Address;
  if (address === undefined) throw new KamcmdFormatError('a Contact struct has no Address');
  const cseqText = fields.CSeq;
  return {
    address,
    expires: expiresOf(fields.Expires),
    callId: fields['Call-ID'] ?? '',
    cseq: cseqText !== undefined && /^[0-9]{1,10}$/.test(cseqText) ? Number(cseqText) : Number.NaN,
    q: Number(fields.Q ?? '-1'),
    userAgent: optional(fields['User-Agent']),
    socket: optional(fields.Socket),
    instance: optional(fields.Instance),
    regId: Number(fields['Reg-Id'] ?? '0') || 0,
    fields,
  };
}

/** The contacts of a `ul.lookup` reply. */
export function parseLocationLookup(text: string): LocationContact[] {
  return findStructs(parseKamcmdReply(text, 'ul.lookup'), 'Contact').map(locationContactOf);
}

/** A full `ul.dump` reply as AoR → contacts. */
export function parseLocationDump(text: string): Map<string, LocationContact[]> {
  const table = new Map<string, LocationContact[]>();
  for (const info of findStructs(parseKamcmdReply(text, 'ul.dump'), 'Info')) {
    const aor = memberValue(info, 'AoR');
    if (aor === undefined) continue;
    table.set(aor, findStructs([info], 'Contact').map(locationContactOf));
  }
  return table;
}

/** The AoRs of a `ul.dump brief` reply, in Kamailio's (hash) order. */
export function parseLocationAors(text: string): string[] {
  const aors: string[] = [];
  for (const list of findStructs(parseKamcmdReply(text, 'ul.dump brief'), 'AoRs')) {
    if (list.kind !== 'struct') continue;
    for (const member of list.members) {
      if (member.kind === 'value' && member.key === 'AoR') aors.push(member.value);
    }
  }
  return aors;
}
