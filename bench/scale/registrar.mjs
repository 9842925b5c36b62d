// The registrar side of the scale benchmark: the package's registrar test double
// (sip-registrant/testing) with Digest auth for generated users, run in its own process
// (child_process.fork) so that its CPU is not charged to the client being measured.
//
// Protocol with the parent (IPC): it sends { port } once listening; on 'stats' it answers
// { stats, bindings, cpu }; on 'stop' it answers the same and exits.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.SR_DIST;
if (dist === undefined) {
  console.error('registrar.mjs: SR_DIST must name the built package directory');
  process.exit(2);
}
const testing = await import(pathToFileURL(join(dist, 'testing/index.js')).href);

const registrar = await testing.createRegistrarDouble({
  host: '127.0.0.1',
  port: 0,
  realm: 'bench.test',
  // Every user<N> exists with password pw<N>: a function, so 100,000 users cost nothing to provision.
  users: (username) => (username.startsWith('user') ? `pw${username.slice(4)}` : undefined),
  recordLimit: 0,
  maxExpires: 3600,
});

const report = () => ({
  stats: registrar.stats(),
  bindings: registrar.bindingCount(),
  cpu: process.cpuUsage(),
});

process.on('message', (message) => {
  if (message === 'stats') process.send?.(report());
  else if (message === 'stop') {
    const last = report();
    registrar.close().finally(() => {
      process.send?.(last, () => process.exit(0));
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ port: registrar.address.port });
