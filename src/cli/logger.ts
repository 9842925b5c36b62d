/**
 * The daemon's log: one line per event, as human text or as JSON lines (for journald, Loki, ELK).
 *
 * Passwords never reach a log line: fields named like a secret (`password`, `ha1`, `authorization`,
 * … at any depth) are replaced before formatting. Message texts are not scanned: the daemon builds
 * them from values that hold no secret (config errors are scrubbed by the loader).
 */

/** Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How lines are written. */
export type LogFormat = 'text' | 'json';

/** Extra structured data of a line; values are JSON-serializable. */
export type LogFields = Readonly<Record<string, unknown>>;

/** What the daemon logs through. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  readonly level?: LogLevel;
  /** @default 'text' */
  readonly format?: LogFormat;
  /** Where a finished line (with its newline) goes. */
  readonly write: (line: string) => void;
  /** Wall clock for the timestamp. @default Date.now */
  readonly now?: () => number;
}

/** Keys whose values are secrets wherever they appear in the fields. */
const SECRET_KEYS = new Set(['password', 'passwd', 'secret', 'ha1', 'authorization', 'proxyauthorization']);
const REDACTED = '[redacted]';

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** A copy of `value` with every secret-named field replaced (depth-limited against cycles). */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    out[key] = isSecretKey(key) ? REDACTED : redactFields(item, depth + 1);
  return out;
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

/** A logger writing `level`-filtered lines in `format`. */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const format = options.format ?? 'text';
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const time = new Date(now()).toISOString();
    const safe = fields === undefined ? undefined : (redactFields(fields) as Record<string, unknown>);
    if (format === 'json') {
      options.write(`${JSON.stringify({ time, level, msg: message, ...safe })}\n`);
      return;
    }
    // Continuation lines (a config error lists one problem per line) are indented, so every line
    // that starts at column 0 is a new entry.
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${message.split('\n').join('\n    ')}`;
    if (safe !== undefined)
      for (const [key, value] of Object.entries(safe))
        if (value !== undefined) line += ` ${key}=${textValue(value)}`;
    options.write(`${line}\n`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
