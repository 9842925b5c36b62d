/**
 * A writer for the Prometheus text exposition format, version 0.0.4 (the format every Prometheus
 * server and most agents scrape): one `# HELP` and one `# TYPE` line per metric family, then its
 * samples, `name{label="value",…} number`, lines ended by `\n`.
 *
 * Escaping, as the format requires: in HELP text `\` → `\\` and line feed → `\n`; in label values
 * additionally `"` → `\"`. Metric and label names are fixed by this library and checked against
 * `[a-zA-Z_:][a-zA-Z0-9_:]*` / `[a-zA-Z_][a-zA-Z0-9_]*` when a family is written, so a bad prefix can
 * never produce an unparsable scrape.
 */
import { SipInvalidArgumentError } from '../errors.js';

/** The metric types this writer emits. */
export type PrometheusMetricType = 'counter' | 'gauge' | 'histogram';

/** Label name → value of one sample. Values are any text; they are escaped on output. */
export type PrometheusLabels = Readonly<Record<string, string>>;

/** One sample of a counter or gauge family. */
export interface PrometheusSample {
  readonly labels?: PrometheusLabels;
  readonly value: number;
}

/** A histogram's state: cumulative counts per upper bound (seconds, ascending), sum and count. */
export interface PrometheusHistogramData {
  /** Upper bounds, ascending, without `+Inf` (added on output). */
  readonly bounds: readonly number[];
  /** Cumulative count of observations `<=` each bound (same length as `bounds`). */
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

function isNameStart(c: number, colon: boolean): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (colon && c === 58);
}

function isNameChar(c: number, colon: boolean): boolean {
  return isNameStart(c, colon) || (c >= 48 && c <= 57);
}

function validName(name: string, colon: boolean): boolean {
  if (name.length === 0 || !isNameStart(name.charCodeAt(0), colon)) return false;
  for (let i = 1; i < name.length; i++) if (!isNameChar(name.charCodeAt(i), colon)) return false;
  return true;
}

/** True when `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
export function isValidMetricName(name: string): boolean {
  return validName(name, true);
}

/** True when `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`). */
export function isValidLabelName(name: string): boolean {
  return validName(name, false) && !name.startsWith('__');
}

/** HELP text escaping: backslash and line feed (format 0.0.4). */
export function escapeHelp(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c;
  }
  return out;
}

/** Label value escaping: backslash, double quote and line feed (format 0.0.4). */
export function escapeLabelValue(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c;
  }
  return out;
}

/** A sample value as the format spells it: Go float syntax, `+Inf`, `-Inf`, `NaN`. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: PrometheusLabels | undefined): string {
  if (labels === undefined) return '';
  let out = '';
  for (const name of Object.keys(labels)) {
    if (!isValidLabelName(name))
      throw new SipInvalidArgumentError(
        `Prometheus label name must match [a-zA-Z_][a-zA-Z0-9_]*, received "${name}"`,
      );
    out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

/**
 * Accumulates metric families and returns the exposition text. Each family name may be written once
 * (a repeated HELP/TYPE makes the whole scrape invalid), which the writer enforces.
 */
export class PrometheusTextWriter {
  readonly #parts: string[] = [];
  readonly #names = new Set<string>();

  #header(name: string, type: PrometheusMetricType, help: string): void {
    if (!isValidMetricName(name))
      throw new SipInvalidArgumentError(
        `Prometheus metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*, received "${name}"`,
      );
    if (this.#names.has(name))
      throw new SipInvalidArgumentError(`Prometheus metric family "${name}" written twice`);
    this.#names.add(name);
    this.#parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
  }

  /** A counter or gauge family. Counter names should end in `_total` (the caller's choice of name). */
  family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly PrometheusSample[]): this {
    this.#header(name, type, help);
    let out = '';
    for (const sample of samples)
      out += `${name}${formatLabels(sample.labels)} ${formatSampleValue(sample.value)}\n`;
    this.#parts.push(out);
    return this;
  }

  /** A family of one unlabelled sample. */
  single(name: string, type: 'counter' | 'gauge', help: string, value: number): this {
    return this.family(name, type, help, [{ value }]);
  }

  /** A histogram family: `_bucket{le=…}` (cumulative, ending with `+Inf`), `_sum`, `_count`. */
  histogram(name: string, help: string, data: PrometheusHistogramData): this {
    this.#header(name, 'histogram', help);
    let out = '';
    for (let i = 0; i < data.bounds.length; i++)
      out += `${name}_bucket{le="${formatSampleValue(data.bounds[i]!)}"} ${formatSampleValue(data.cumulative[i]!)}\n`;
    out += `${name}_bucket{le="+Inf"} ${formatSampleValue(data.count)}\n`;
    out += `${name}_sum ${formatSampleValue(data.sum)}\n${name}_count ${formatSampleValue(data.count)}\n`;
    this.#parts.push(out);
    return this;
  }

  /** The exposition text (every line ends with `\n`; empty when nothing was written). */
  text(): string {
    return this.#parts.join('');
  }
}
