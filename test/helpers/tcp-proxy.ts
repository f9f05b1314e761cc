// A TCP proxy of a test's own between the registry and a backend (PostgreSQL, s3rver ...), so a test can make the
// backend unreachable without touching the shared server: `cut()` destroys every open connection (RST) and from
// then on resets each new one as soon as it is accepted, which a client sees at once as a failed connection, never
// as a hang; `restore()` forwards again. The proxy listens on 127.0.0.1 and a free port for its whole life, so the
// address the registry was given stays valid across cuts.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** Connections accepted so far (forwarded or reset). */
  accepted(): number;
  /** Connections currently open through the proxy. */
  open(): number;
  /** Destroys every open connection and resets new ones until `restore()`. */
  cut(): void;
  /**
   * Cuts (as `cut()`) as soon as `bytes` more bytes have gone from clients to the backend: a cut in the middle of a
   * request body (an upload), wherever the request happens to be, at a moment the test chose.
   */
  cutAfter(bytes: number): Promise<void>;
  /**
   * A network partition: nothing is forwarded any more, in either direction, but no connection is closed or reset
   * either (open ones go silent, new ones are accepted and then hear nothing), so a client only notices by its own
   * timeouts. `restore()` resumes the open connections and resets the ones accepted meanwhile.
   */
  freeze(): void;
  /** Forwards new connections again. */
  restore(): void;
  readonly isCut: boolean;
  close(): Promise<void>;
}

function reset(socket: Socket): void {
  // resetAndDestroy sends an RST (the peer sees ECONNRESET) rather than a graceful FIN.
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;
  let accepted = 0;
  let trigger: { left: number; fired: () => void } | undefined;
  let frozen = false;
  const held = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted++;
    if (cut) {
      client.on('error', () => {});
      reset(client);
      return;
    }
    if (frozen) {
      client.on('error', () => {});
      client.pause();
      held.add(client);
      return;
    }
    const upstream = connect({ host: target.host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (trigger === undefined) return;
      trigger.left -= chunk.length;
      if (trigger.left <= 0) {
        const fired = trigger.fired;
        trigger = undefined;
        cutNow();
        fired();
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const cutNow = () => {
    cut = true;
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      for (const socket of pair) reset(socket);
    }
  };
  return {
    port,
    accepted: () => accepted,
    open: () => pairs.size,
    cut: cutNow,
    freeze: () => {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    cutAfter: (bytes) => new Promise<void>((fired) => (trigger = { left: bytes, fired })),
    restore: () => {
      cut = false;
      if (frozen) {
        frozen = false;
        for (const socket of held) reset(socket);
        held.clear();
        for (const [client, upstream] of pairs) {
          client.pipe(upstream);
          upstream.pipe(client);
        }
      }
    },
    get isCut() {
      return cut;
    },
    close: async () => {
      cut = true;
      for (const pair of [...pairs]) for (const socket of pair) reset(socket);
      pairs.clear();
      for (const socket of held) reset(socket);
      held.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
