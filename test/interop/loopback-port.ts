import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Picks a port that is free for both UDP and TCP on `host` right now, by letting the kernel choose
 * one for UDP (bind to port 0) and checking TCP can take the same number. Both sockets are released
 * before returning, so another process can still grab the port before the caller binds it: callers
 * must retry when their bind fails (the Kamailio harness does).
 *
 * @param host loopback address to probe
 * @param attempts how many kernel-chosen ports to try before giving up
 */
export async function pickLoopbackPort(host = '127.0.0.1', attempts = 20): Promise<number> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = await bindUdpEphemeral(host);
    try {
      await probeTcp(host, port);
      return port;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(
    `pickLoopbackPort: no port free for both UDP and TCP on ${host} after ${attempts} attempts (${String(lastError)})`,
  );
}

/** Binds UDP port 0, reads the port the kernel chose, then closes the socket. */
function bindUdpEphemeral(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ port: 0, address: host, exclusive: true }, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Listens on TCP `port` and closes again; rejects when the port is taken. */
function probeTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}
