/**
 * How a config value is shown in a message. Only for sections that hold no secrets (listen,
 * status, log, manager); account fields are described by the library's own validator, which never
 * shows a password.
 */
import type { ConfigNode } from './config-node.js';

/** `a mapping`, `a list`, `null`, `number 5`, `string "abc"` (long strings cut). */
export function describeNode(node: ConfigNode): string {
  if (node.kind === 'mapping') return 'a mapping';
  if (node.kind === 'sequence') return 'a list';
  const value = node.value;
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
