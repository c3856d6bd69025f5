import net from "node:net";

/**
 * A TCP proxy on loopback between the app and a Redis, for fault tests that must see the
 * mechanism: it counts what clients send (so a test can prove no command left the process), and it
 * can swallow traffic both ways — a partition in which packets are lost, which a paused Redis
 * cannot play: a SIGSTOPped Redis still receives what was sent and runs it on SIGCONT.
 */
export interface TcpProxy {
  port: number;
  /** `pass` forwards both ways; `blackhole` accepts and swallows everything, answering nothing. */
  mode: "pass" | "blackhole";
  /** Bytes clients sent through the proxy (set it to 0 to start counting). */
  sentBytes: number;
  /** Closes every open connection, as a partition does in the end (clients see "close"). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
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
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: TcpProxy = {
    port: (server.address() as net.AddressInfo).port,
    mode: "pass",
    sentBytes: 0,
    dropConnections() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    close() {
      proxy.dropConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
