/**
 * OpenSIPS 1.7 `uac` module parameter strings: one registrant per string, ten comma-separated fields
 * (reference: OpenSIPS uac_registrant 1.7 manual, `uac` parameter):
 *
 *     registrar,proxy,aor,third_party_registrant,username,password,binding_URI,binding_params,expiry,forced_socket
 *
 * Optional fields may be empty; an empty expiry means 3600 (OpenSIPS `default_expires`). Each field is
 * trimmed; a comma inside a quoted string (e.g. in binding params) does not split (OpenSIPS allowed no
 * comma at all, so every string it accepted reads the same here). The result is then validated like
 * any config; errors name the field by number and OpenSIPS name and never echo the string (it holds
 * the password).
 */
import type { RegistrantConfigIssue } from '../errors.js';
import { RegistrantConfigError } from '../errors.js';
import { splitOutside } from '../sip/lexer.js';
import type { RegistrantConfig } from './registrant-config.js';
import { checkRegistrantConfig, describeRecord } from './validate-registrant-config.js';

/** The ten fields of a `uac` string, in order, with the config field each one fills. */
export const UAC_PARAM_FIELDS: readonly {
  readonly name: string;
  readonly field: keyof RegistrantConfig;
  readonly required: boolean;
}[] = [
  { name: 'registrar', field: 'registrar', required: true },
  { name: 'proxy', field: 'proxy', required: false },
  { name: 'AOR', field: 'aor', required: true },
  { name: 'third party registrant', field: 'thirdPartyRegistrant', required: false },
  { name: 'username', field: 'username', required: false },
  { name: 'password', field: 'password', required: false },
  { name: 'binding URI', field: 'contact', required: true },
  { name: 'binding params', field: 'contactParams', required: false },
  { name: 'expiry', field: 'expiry', required: false },
  { name: 'forced socket', field: 'socket', required: false },
];

function label(index: number): string {
  return `uac field ${index + 1} (${UAC_PARAM_FIELDS[index]!.name})`;
}

function issue(field: string, labelText: string, problem: string): RegistrantConfigIssue {
  return { field, problem, message: `${labelText}: ${problem}` };
}

/**
 * Read an OpenSIPS 1.7 `uac` string into a {@link RegistrantConfig}, validated (so `manager.add` will
 * accept it). Throws {@link RegistrantConfigError} (`ERR_INVALID_CONFIG`) whose messages name each
 * bad field as `uac field <n> (<name>)`.
 *
 * @example parseUacParam('sip:registrar.com,,sip:user@domain.com,,user,password,sip:user@localhost,,,')
 */
export function parseUacParam(csv: string): RegistrantConfig {
  if (typeof csv !== 'string')
    throw new RegistrantConfigError('', [
      issue('(uac)', 'uac', `expected a string of ten comma-separated fields, received ${typeof csv}`),
    ]);
  const parts = splitOutside(csv, ',');
  if (parts === undefined)
    throw new RegistrantConfigError('', [issue('(uac)', 'uac', 'has an unterminated quoted string or <…>')]);
  if (parts.length !== UAC_PARAM_FIELDS.length)
    throw new RegistrantConfigError('', [
      issue(
        '(uac)',
        'uac',
        `expected ${UAC_PARAM_FIELDS.length} comma-separated fields (empty optional fields allowed), found ${parts.length}`,
      ),
    ]);

  const config: Record<string, unknown> = {};
  const issues: RegistrantConfigIssue[] = [];
  parts.forEach((text, index) => {
    const { field, required } = UAC_PARAM_FIELDS[index]!;
    if (text === '') {
      if (required) issues.push(issue(field, label(index), 'is required'));
      return;
    }
    if (field === 'expiry') {
      let digitsOnly = text.length <= 16;
      for (let i = 0; digitsOnly && i < text.length; i++) {
        const code = text.charCodeAt(i);
        digitsOnly = code >= 0x30 && code <= 0x39;
      }
      if (!digitsOnly) {
        issues.push(issue(field, label(index), 'expected digits only (seconds), or empty for 3600'));
        return;
      }
      config.expiry = Number(text);
      return;
    }
    config[field] = text;
  });

  const record = describeRecord(config);
  const check = checkRegistrantConfig(config);
  if (!check.ok) {
    for (const found of check.errors) {
      // A field already reported above (empty required field, non-digit expiry) is not reported
      // twice: the validator sees it missing too.
      if (issues.some((known) => known.field === found.field)) continue;
      const index = UAC_PARAM_FIELDS.findIndex((f) => f.field === found.field);
      const problem = withoutEchoedValue(found.problem);
      issues.push(index === -1 ? { ...found, problem } : issue(found.field, label(index), problem));
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field));
    throw new RegistrantConfigError(record, issues);
  }
  return config as unknown as RegistrantConfig;
}

function fieldOrder(field: string): number {
  const index = UAC_PARAM_FIELDS.findIndex((f) => f.field === field);
  return index === -1 ? UAC_PARAM_FIELDS.length : index;
}

/**
 * A problem without the value it quotes. In a uac string a missing field shifts every later one,
 * so the password can land in a field whose problem would quote it ("binding params: must start
 * with ";", received <password>"); the field number and the rule are enough to fix the line.
 */
function withoutEchoedValue(problem: string): string {
  const received = problem.indexOf(', received ');
  if (received !== -1) return problem.slice(0, received);
  const user = problem.indexOf(' (received user ');
  return user === -1 ? problem : problem.slice(0, user);
}
