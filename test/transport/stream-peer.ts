/**
 * A registrar double for the TCP/TLS transport tests: a raw node:net or node:tls server on
 * loopback that records what each accepted connection received and lets the test write to it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { until } from './loopback.js';

export interface PeerConnection {
  readonly socket: net.Socket;
  /** Everything received on this connection, as latin1 text (byte-exact for ASCII SIP). */
  received: string;
  closed: boolean;
}

export class StreamPeer {
  readonly connections: PeerConnection[] = [];
  readonly #server: net.Server;

  private constructor(server: net.Server) {
    this.#server = server;
    const event = server instanceof tls.Server ? 'secureConnection' : 'connection';
    server.on(event, (socket: net.Socket) => {
      const connection: PeerConnection = { socket, received: '', closed: false };
      socket.on('data', (chunk: Buffer) => {
        connection.received += chunk.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        connection.closed = true;
      });
      this.connections.push(connection);
    });
    server.on('tlsClientError', () => {});
  }

  static async tcp(host = '127.0.0.1'): Promise<StreamPeer> {
    return StreamPeer.#listen(net.createServer(), host);
  }

  static async tls(options: tls.TlsOptions, host = '127.0.0.1'): Promise<StreamPeer> {
    return StreamPeer.#listen(tls.createServer(options), host);
  }

  static async #listen(server: net.Server, host: string): Promise<StreamPeer> {
    const peer = new StreamPeer(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return peer;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Waits (loop turns, no sleeping) until `count` connections were accepted. */
  async connection(index: number): Promise<PeerConnection> {
    if (!(await until(() => this.connections.length > index))) throw new Error(`no connection #${index}`);
    return this.connections[index]!;
  }

  /** Waits until connection `index` received `text` (in total). */
  async received(index: number, text: string): Promise<PeerConnection> {
    const connection = await this.connection(index);
    if (!(await until(() => connection.received.includes(text))))
      throw new Error(
        `connection #${index} never received ${JSON.stringify(text)}; got ${JSON.stringify(connection.received)}`,
      );
    return connection;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
