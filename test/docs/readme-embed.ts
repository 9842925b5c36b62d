import { createUdpTransport, RegistrantManager } from '../../src/index.js';

// One UDP socket carries every registration; replies come back to it.
const transport = await createUdpTransport({ host: '0.0.0.0', port: 5060, advertisedHost: '203.0.113.5' });
const manager = new RegistrantManager({ transport, hashSize: 4, maxRegistersPerSecond: 200 });

manager.on('stateChange', (e) => {
  console.log(`${e.aor}: ${e.fromName} -> ${e.toName}`, e.code ?? '', e.reason ?? '');
});

manager.add({
  registrar: 'sip:sip.example.com',
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@203.0.113.5:5060',
  username: 'alice',
  password: 'alice-secret', // never shown by list(), events, errors or logs
  expiry: 3600,
});
manager.start();

// The reg_list view: plain data, safe to log or serve as JSON.
setInterval(() => console.table(manager.list(), ['aor', 'stateName', 'expires', 'lastCode']), 60_000).unref();

process.once('SIGTERM', async () => {
  const { unregistered, failed, timedOut } = await manager.stop(); // paced un-REGISTERs, bounded
  console.log({ unregistered, failed, timedOut });
  await transport.close();
});
