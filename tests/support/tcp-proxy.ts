import net from "node:net";

/**
 * A TCP proxy on loopback between the app and a Redis, for fault tests that must see the
 * mechanism. It plays the network faults a real outage is made of:
 * - `mode = "blackhole"`: a partition in which packets are lost (accepted, swallowed, never
 *   answered), which a paused Redis cannot play: a SIGSTOPped Redis still receives what was sent
 *   and runs it on SIGCONT;
 * - `freeze()` / `thaw()`: a Redis that hangs, then answers everything it was sent;
 * - `stop()` / `start()`: the connection lost and new ones refused, then Redis back on the same port;
 * - `dropConnections()`: every open connection closed (clients see "close").
 * It counts what clients send, so a test can prove that no command left the process.
 */
export interface TcpProxy {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** `pass` forwards both ways; `blackhole` accepts and swallows everything, answering nothing. */
  mode: "pass" | "blackhole";
  /** Bytes clients sent through the proxy (set it to 0 to start counting). */
  sentBytes: number;
  /** Stalls every connection, open or new: nothing is forwarded until `thaw()`, nothing is lost. */
  freeze(): void;
  thaw(): void;
  dropConnections(): void;
  /** Drops every connection and stops listening (new connections are refused). */
  stop(): Promise<void>;
  /** Listens again, on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let frozen = false;
  let server: net.Server | undefined;

  const accept = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    open.add(client).add(upstream);
    if (frozen) for (const socket of [client, upstream]) socket.pause();
    client.on("data", (chunk) => {
      proxy.sentBytes += chunk.length;
      if (proxy.mode === "pass") upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (proxy.mode === "pass") client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  };

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const listening = net.createServer(accept);
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => {
        server = listening;
        resolve((listening.address() as net.AddressInfo).port);
      });
    });

  const proxy: TcpProxy = {
    port: await listen(0),
    get url() {
      return `redis://127.0.0.1:${proxy.port}`;
    },
    mode: "pass",
    sentBytes: 0,
    freeze() {
      frozen = true;
      for (const socket of open) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of open) socket.resume();
    },
    dropConnections() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    async stop() {
      const listening = server;
      server = undefined;
      proxy.dropConnections();
      await new Promise<void>((resolve) => (listening ? listening.close(() => resolve()) : resolve()));
    },
    async start() {
      if (!server) await listen(proxy.port);
    },
    close() {
      return proxy.stop();
    },
  };
  return proxy;
}
