/**
 * An in-memory stand-in for RegistrantManager's management verbs (the contract the MI handler codes
 * against): validates configs like the real one, records every call, throws ERR_REGISTRANT_NOT_FOUND.
 */
import type { RegistrantConfig } from '../../src/config/registrant-config.js';
import { registrantKey } from '../../src/config/registrant-config.js';
import { validateRegistrantConfig } from '../../src/config/validate-registrant-config.js';
import { SipRegistrantError } from '../../src/errors.js';
import type { MiRegistrantManager } from '../../src/management/mi-manager.js';
import type { RegistrantInfo } from '../../src/registrant/registrant-info.js';

export class FakeManager implements MiRegistrantManager {
  readonly records = new Map<string, RegistrantInfo>();
  readonly calls: string[] = [];

  add(config: RegistrantConfig, extra: Partial<RegistrantInfo> = {}): string {
    const n = validateRegistrantConfig(config);
    const key = registrantKey(n);
    this.records.set(key, {
      key,
      aor: n.aor,
      expires: 0,
      requestedExpires: n.expiry,
      state: 0,
      stateName: 'NOT_REGISTERED',
      enabled: n.enabled,
      lastRegisterSent: undefined,
      registrationTimeout: undefined,
      nextAttemptAt: undefined,
      registrar: n.registrar,
      binding: n.contact,
      bindingParams: n.contactParams,
      thirdPartyRegistrant: n.thirdPartyRegistrant,
      socket: n.socket?.text,
      proxy: n.proxy,
      pinnedDestination: undefined,
      lastCode: 0,
      lastReason: '',
      failureCount: 0,
      callId: '',
      username: n.credentials?.username,
      ...extra,
    } as RegistrantInfo);
    return key;
  }

  #need(key: string): RegistrantInfo {
    const info = this.records.get(key);
    if (info === undefined) throw new SipRegistrantError('ERR_REGISTRANT_NOT_FOUND', `no registrant ${key}`);
    return info;
  }

  find(aor: string, contact: string, registrar: string): RegistrantInfo | undefined {
    return this.records.get(registrantKey({ aor, contact, registrar }));
  }

  list(): RegistrantInfo[] {
    return [...this.records.values()];
  }

  upsert(config: RegistrantConfig): { key: string; action: 'inserted' | 'updated' } {
    const key = registrantKey(validateRegistrantConfig(config));
    const action = this.records.has(key) ? 'updated' : 'inserted';
    this.calls.push(`upsert ${key}`);
    this.add(config);
    return { key, action };
  }

  delete(key: string): void {
    this.#need(key);
    this.calls.push(`delete ${key}`);
    this.records.delete(key);
  }

  enable(key: string): void {
    const info = this.#need(key);
    this.calls.push(`enable ${key}`);
    this.records.set(key, { ...info, enabled: true });
  }

  disable(key: string): void {
    const info = this.#need(key);
    this.calls.push(`disable ${key}`);
    this.records.set(key, { ...info, enabled: false });
  }

  forceRegister(key: string): { result: 'sent' } {
    this.#need(key);
    this.calls.push(`forceRegister ${key}`);
    return { result: 'sent' };
  }

  reload(configs: RegistrantConfig[]): { added: string[]; removed: string[] } {
    const normalized = configs.map((c) => validateRegistrantConfig(c)); // throws before any change
    const keys = new Set(normalized.map((n) => registrantKey(n)));
    const removed = [...this.records.keys()].filter((k) => !keys.has(k));
    for (const key of removed) this.records.delete(key);
    const added: string[] = [];
    for (const config of configs) {
      const key = registrantKey(config);
      if (!this.records.has(key)) added.push(key);
      this.add(config);
    }
    this.calls.push(`reload +${added.length} -${removed.length}`);
    return { added, removed };
  }
}
