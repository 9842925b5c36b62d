/**
 * Self-signed certificates made at test time with the `openssl` binary, in a temp directory that
 * is removed afterwards. No key material is stored in the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

export class TestCertificates {
  readonly #dir = mkdtempSync(join(tmpdir(), 'sip-registrant-tls-'));

  /** A self-signed P-256 certificate (CA:TRUE, so it can be its own trust anchor). */
  make(name: string, commonName: string, subjectAltName?: string): TestCertificate {
    const keyFile = join(this.#dir, `${name}.key.pem`);
    const certFile = join(this.#dir, `${name}.cert.pem`);
    const args = [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ];
    if (subjectAltName !== undefined) args.push('-addext', `subjectAltName=${subjectAltName}`);
    execFileSync('openssl', args, { stdio: 'pipe', timeout: 15_000 });
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  }

  remove(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
