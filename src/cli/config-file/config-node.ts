/**
 * The located tree both config readers (YAML subset and JSON) produce: plain data where every node
 * and every mapping key remembers its 1-based line, so schema errors can say where the operator
 * wrote the value (`accounts.yaml:12: …`).
 */

/** A scalar: string, number, boolean or null. */
export interface ConfigScalarNode {
  readonly kind: 'scalar';
  /** The resolved value (YAML plain scalars are typed: `3600` → number, `true` → boolean, `~` → null). */
  readonly value: string | number | boolean | null;
  /**
   * For a YAML plain (unquoted) scalar, its source text (`0123` stays `0123`), so fields that hold
   * text (user names, passwords) keep what the operator typed. For everything else, `undefined`.
   */
  readonly plainText: string | undefined;
  /** 1-based line where the scalar starts. */
  readonly line: number;
}

/** A sequence (`- item` lines, `[a, b]`, or a JSON array). */
export interface ConfigSequenceNode {
  readonly kind: 'sequence';
  readonly items: readonly ConfigNode[];
  /** 1-based line where the sequence starts. */
  readonly line: number;
}

/** One `key: value` entry of a mapping. */
export interface ConfigMappingEntry {
  readonly key: string;
  /** 1-based line of the key. */
  readonly keyLine: number;
  readonly value: ConfigNode;
}

/** A mapping (`key: value` lines, `{a: 1}`, or a JSON object). Keys are unique; order is kept. */
export interface ConfigMappingNode {
  readonly kind: 'mapping';
  readonly entries: readonly ConfigMappingEntry[];
  /** 1-based line where the mapping starts. */
  readonly line: number;
}

/** Any node of a parsed config document. */
export type ConfigNode = ConfigScalarNode | ConfigSequenceNode | ConfigMappingNode;

/** Plain JSON-like data, as {@link toPlainValue} returns it. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/**
 * The node as plain data. Objects get their keys as own data properties (a key `__proto__` is a key,
 * never a prototype change).
 */
export function toPlainValue(node: ConfigNode): PlainValue {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'sequence':
      return node.items.map(toPlainValue);
    case 'mapping': {
      const out: { [key: string]: PlainValue } = {};
      for (const entry of node.entries)
        Object.defineProperty(out, entry.key, {
          value: toPlainValue(entry.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
  }
}

/** The entry for `key` in a mapping, if present. */
export function findEntry(node: ConfigMappingNode, key: string): ConfigMappingEntry | undefined {
  for (const entry of node.entries) if (entry.key === key) return entry;
  return undefined;
}
