import type { ServerBuild } from "@remix-run/node";
import { type AgnosticRouteObject, matchRoutes } from "@remix-run/router";
import type { RequestHandler } from "express";
import { LRUCache } from "lru-cache";

/** What the middleware reports each finished request to (the app's prom-client histogram). */
type Observe = (request: {
  route: string;
  method: string;
  status: number;
  xCache: string | undefined;
  seconds: number;
}) => void;

type RouteTree = AgnosticRouteObject & { id: string; children?: RouteTree[] };

/** The build's flat route manifest as the nested tree react-router's matcher wants. */
export function routeTree(routes: ServerBuild["routes"]): RouteTree[] {
  const byParent = new Map<string | undefined, ServerBuild["routes"][string][]>();
  for (const route of Object.values(routes)) {
    const siblings = byParent.get(route.parentId) ?? [];
    siblings.push(route);
    byParent.set(route.parentId, siblings);
  }
  const grow = (parentId: string | undefined): RouteTree[] =>
    (byParent.get(parentId) ?? []).map((route) =>
      route.index
        ? { id: route.id, index: true, path: route.path }
        : { id: route.id, path: route.path, caseSensitive: route.caseSensitive, children: grow(route.id) },
    );
  return grow(undefined);
}

/**
 * The Remix route id that answers a path (the deepest match), so the HTTP histogram has one
 * series per route, not per URL. Single-fetch data URLs (`/x.data`, `/_root.data`) count as their
 * page. Paths no route matches are "unmatched".
 */
export function routeIdOf(tree: RouteTree[], pathname: string): string {
  let path = pathname;
  if (path.endsWith(".data")) path = path.slice(0, -".data".length);
  if (path === "/_root") path = "/";
  const matches = matchRoutes(tree, path);
  return matches?.at(-1)?.route.id ?? "unmatched";
}

/**
 * Times every request and reports it with its route id, status and X-Cache once it finished.
 * Route ids are remembered per path: react-router's matcher ranks every route on each call, which
 * a profile of response cache replays showed as 5 % of the CPU.
 */
export function httpMetrics(tree: RouteTree[], observe: Observe, fixed: Record<string, string> = {}): RequestHandler {
  const routeIds = new LRUCache<string, string>({ max: 10_000 });
  const routeOf = (pathname: string): string => {
    let id = fixed[pathname] ?? routeIds.get(pathname);
    if (id === undefined) {
      id = routeIdOf(tree, pathname);
      routeIds.set(pathname, id);
    }
    return id;
  };
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      const pathname = req.path;
      const xCache = res.getHeader("x-cache");
      observe({
        route: routeOf(pathname),
        method: req.method,
        status: res.statusCode,
        xCache: typeof xCache === "string" ? xCache : undefined,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
    next();
  };
}
