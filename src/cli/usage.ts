/** Help texts of the `sip-registrant` command. */

const MAIN = `sip-registrant: keep many SIP accounts registered on remote registrars

Usage:
  sip-registrant run   --config FILE [options]   run the daemon
  sip-registrant check --config FILE             validate a config file and summarize it
  sip-registrant demo  [options]                 register 1,000 accounts on a built-in test registrar
  sip-registrant --help | --version
  sip-registrant help <command>                  options of one command

Exit codes: 0 ok · 1 run-time failure · 2 bad flag or config file · 130 interrupted twice
Docs: docs/cli.md
`;

const RUN = `Usage: sip-registrant run --config FILE [options]

Keeps the accounts of FILE registered until SIGINT/SIGTERM, then un-REGISTERs them.
SIGHUP re-reads FILE and reloads the accounts (unchanged ones keep their registration);
a bad file on SIGHUP keeps the running set and logs why.

  -c, --config FILE        YAML (.yaml/.yml), JSON (.json) or OpenSIPS uac lines (any other name)
      --format F           yaml | json | uac: overrides the file name's extension
      --listen P:H:PORT    transport to open, e.g. udp:0.0.0.0:5060, tcp:[::1]:5060 (repeatable;
                           replaces the file's "listen"; default udp:0.0.0.0:5060)
      --tls-cert FILE, --tls-key FILE, --tls-ca FILE
                           PEM files served by a tls:H:PORT --listen (file entries name their own)
      --status-port N      serve /metrics (Prometheus), /mi (JSON-RPC MI) and /health on port N
      --status-host H      address of the status port (default 127.0.0.1)
      --stop-timeout S     longest graceful stop in seconds (default: what the un-REGISTER pacing needs)
      --log-format F       text | json (default text)
      --log-level L        debug | info | warn | error (default info)
      --no-progress        no live progress line on a terminal
`;

const CHECK = `Usage: sip-registrant check --config FILE [--format yaml|json|uac] [--listen P:H:PORT]...

Loads and validates FILE as "run" would, prints what it holds (accounts, transports, status port),
and exits 0; a bad file prints file:line, the account and the field at fault, and exits 2.
--listen takes the same values as for "run" (forced sockets are checked against them).
`;

const DEMO = `Usage: sip-registrant demo [options]     (npm run demo -- [options])

Starts a registrar test double on loopback UDP and registers N accounts with digest authentication
through the real UDP transport and manager, shows a live progress line, prints the reg_list table,
then stops with un-REGISTER.

  -n, --count N            accounts (default 1000)
      --registrar URI      use this registrar instead of the test double, e.g. sip:127.0.0.1:5060
                           (accounts are <user-prefix>N / <password-prefix>N, N from 1)
      --user-prefix P      default "user"
      --password-prefix P  default "pass"
      --domain D           domain of the AORs (default: the registrar's host)
      --listen H:PORT      local UDP address (default 127.0.0.1:0)
      --timer-interval S   seconds for one sweep of all buckets (default 4)
      --rate N             cap on new registration attempts per second; challenge answers are
                           not counted (default none)
      --expiry S           requested expiry (default 3600)
      --table-rows N|all   rows of the final table (default 20)
      --status-port N      also serve /metrics, /mi, /health on 127.0.0.1:N while it runs
      --log-format F, --log-level L, --no-progress   as for "run"
`;

/** The help text for `topic` (a command), or the general one. */
export function usageText(topic?: string): string {
  if (topic === 'run') return RUN;
  if (topic === 'check') return CHECK;
  if (topic === 'demo') return DEMO;
  return MAIN;
}
