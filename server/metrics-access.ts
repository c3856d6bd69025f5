import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { isIP } from "node:net";

/**
 * Who may read /metrics (docs/operations.md#scraping-metrics): a caller on loopback, or one that
 * sends `Authorization: Bearer <METRICS_TOKEN>`. A loopback request that came through a proxy
 * (it carries X-Forwarded-For or Forwarded) is not trusted as local: behind a reverse proxy on
 * the same host every request would otherwise look local.
 */
export function metricsAllowed(
  remoteAddress: string | undefined,
  headers: IncomingHttpHeaders,
  token: string | undefined,
): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim();
  if (token && bearer && sameSecret(bearer, token)) return true;
  const proxied = headers["x-forwarded-for"] !== undefined || headers.forwarded !== undefined;
  return !proxied && isLoopback(remoteAddress);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  if (isIP(plain) === 4) return plain.startsWith("127.");
  return plain === "::1";
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `npm run worker`'s own /metrics on METRICS_PORT (it has no web server): the same registry text
 * and the same access rule as the web server's.
 */
export function serveMetrics({
  port,
  host,
  token,
  text,
  contentType,
}: {
  port: number;
  host: string;
  token: string | undefined;
  text: () => Promise<string>;
  contentType: string;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (!metricsAllowed(req.socket.remoteAddress, req.headers, token)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("forbidden: loopback or METRICS_TOKEN only\n");
      return;
    }
    text().then(
      (body) => res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(body),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n"),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
