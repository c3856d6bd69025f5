import { createHash } from "node:crypto";
import type { AppLoadContext } from "@remix-run/node";
import type { ReadLog } from "~/cache/read-log";
import type { TaggedStore } from "~/cache/tagged-store.server";
import { chooseEncoding, encodeBody, type KeptResponse, packResponse, unpackResponse } from "./kept-response.server";
import { pinScripts } from "./pinned-scripts.server";
import { hashedContentSecurityPolicy } from "./security-headers.server";

/**
 * The response cache (docs/caching.md#the-response-cache): whole responses to anonymous GETs,
 * documents and `.data` alike, kept in Redis under the tag tokens their reads were current under,
 * and served without running a loader or React.
 *
 * It adds no new rule of freshness. A response is stored only when every read it made reported the
 * tokens its value was valid under (a hit, or a miss Redis took), all public, agreeing on each tag;
 * it is stored by the same compare-and-set as an entry, under those tokens; and a hit compares them
 * with the current tokens first. So a response is served only while every value in it could still
 * be served on its own: a purge of any of its tags, from any instance, ends it.
 *
 * A kept document is pinned (docs/decisions/014-pinned-replays.md): its inline scripts are allowed
 * by their hashes instead of the render's nonce, so every replay is the same bytes, kept gzipped
 * too, and sent as Redis returned them.
 */

/** What a request through the app is: Remix's handler, wrapped. */
export type RequestHandler = (request: Request, context: AppLoadContext) => Promise<Response>;

/**
 * What the cache needs of a request to answer it: the HTTP server passes these straight from its
 * own request object, so a hit costs no fetch `Request` (and its headers copy) at all.
 */
export interface CacheableRequest {
  method: string;
  /** Absolute: the origin is part of the key. */
  url: string;
  cookie: string | null;
  ifNoneMatch: string | null;
  acceptEncoding: string | null;
}

/** A kept response as it goes out: written by the HTTP server as is, without a stream. */
export interface Replay {
  status: number;
  headers: [string, string][];
  /** Null for a 304. */
  body: Buffer | null;
}

/** The part of the tagged store the response cache uses. */
export type ResponseStore = Pick<TaggedStore, "rawEntry" | "tokens" | "store">;

export type ResponseOutcome = "hit" | "revalidated" | "stored" | "refused" | "unshareable" | "error";

export interface ResponseCacheOptions {
  /** The store, or undefined while the cache is off or Redis unusable (then every request renders). */
  store(): ResponseStore | undefined;
  /** The build's version: a deploy starts afresh instead of serving another build's markup. */
  version: string;
  /** The build's route ids: the only values a `.data` URL's `_routes` may name. */
  routeIds: ReadonlySet<string>;
  /** Larger bodies are not kept. */
  maxBytes?: number;
  /** How each request went, for the counters. */
  onOutcome?(outcome: ResponseOutcome, error?: unknown): void;
}

/**
 * The query parameters a kept URL may have, and their values; any other parameter, or another
 * value, and the request is rendered and not kept. So the keys anonymous traffic can create are
 * bounded: paths that answer 200, pages 1 to 9999, route ids of this build.
 */
const PARAMS: Record<string, (value: string, routeIds: ReadonlySet<string>) => boolean> = {
  page: (value) => /^[1-9]\d{0,3}$/.test(value),
  _routes: (value, routeIds) => value.split(",").every((id) => routeIds.has(id)),
  index: (value) => value === "",
};

/** Response headers that belong to one response, not to what it shows. */
const NOT_KEPT = new Set([
  "date",
  "content-length",
  "transfer-encoding",
  "connection",
  "content-security-policy",
  "server-timing",
  "x-cache",
  "x-response-cache",
]);

const SESSION_COOKIE = /(?:^|;\s*)__session=/;

export class ResponseCache {
  private readonly maxBytes: number;

  constructor(private readonly options: ResponseCacheOptions) {
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  }

  /**
   * The kept response for this request, when it may be answered from the cache and every tag token
   * the response was stored under is still current; else undefined (render it, through `keeping`).
   */
  async answer(request: CacheableRequest): Promise<Replay | undefined> {
    const key = this.keyOf(request);
    const store = key ? this.options.store() : undefined;
    if (!key || !store) return undefined;
    const started = performance.now();
    try {
      const kept = await this.lookup(store, key);
      return kept ? this.replay(kept, request, performance.now() - started) : undefined;
    } catch (error) {
      this.options.onOutcome?.("error", error);
      return undefined;
    }
  }

  /** `handler`, with the anonymous GETs it renders kept when they may be shared (it answers none). */
  keeping(handler: RequestHandler): RequestHandler {
    return async (request, context) => {
      const response = await handler(request, context);
      const key = this.keyOf(cacheable(request));
      const store = key ? this.options.store() : undefined;
      return key && store ? this.keep(store, key, response, context.reads) : response;
    };
  }

  /** Both, for a caller that has only fetch Requests and Responses (the tests). */
  wrap(handler: RequestHandler): RequestHandler {
    const render = this.keeping(handler);
    return async (request, context) => {
      const replay = await this.answer(cacheable(request));
      if (!replay) return render(request, context);
      return new Response(replay.body && new Uint8Array(replay.body), {
        status: replay.status,
        headers: replay.headers,
      });
    };
  }

  /**
   * The key of a request this cache may answer, or undefined: a GET without a session cookie, for
   * a URL with only the parameters above. The origin is part of it (a page may show its host).
   */
  keyOf(request: CacheableRequest): string | undefined {
    if (request.method !== "GET" || SESSION_COOKIE.test(request.cookie ?? "")) return undefined;
    const url = new URL(request.url);
    const params = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, value] of params) {
      const allowed = PARAMS[name];
      if (!allowed?.(value, this.options.routeIds)) return undefined;
    }
    const search = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
    return `response:${this.options.version}:${url.origin}${url.pathname}${search ? `?${search}` : ""}`;
  }

  /** The kept response for `key` when every tag token it was stored under is still current. */
  private async lookup(store: ResponseStore, key: string): Promise<KeptResponse | undefined> {
    const raw = await store.rawEntry(key);
    const cut = raw?.indexOf(10) ?? -1;
    const kept = raw && cut >= 0 ? unpackResponse(raw.subarray(cut + 1)) : undefined;
    if (!raw || !kept) return undefined;
    const current = await store.tokens(kept.meta.tags);
    if (current.some((token) => token === null) || current.join(",") !== raw.toString("latin1", 0, cut))
      return undefined;
    return kept;
  }

  /** A kept response, as a 304 when the client holds it already, else its bytes in the client's encoding. */
  private replay({ meta, body }: KeptResponse, request: CacheableRequest, cacheMs: number): Replay | undefined {
    const headers: [string, string][] = [
      ...meta.headers,
      ...shareable(meta.tags),
      ["ETag", meta.etag],
      ["X-Cache", "HIT"],
      ["X-Response-Cache", "HIT"],
      ["Server-Timing", `cache;dur=${cacheMs.toFixed(2)}, db;dur=0, response;desc="response cache HIT"`],
    ];
    if (etagMatches(request.ifNoneMatch, meta.etag)) {
      this.options.onOutcome?.("revalidated");
      return { status: 304, headers: headers.filter(([name]) => name !== "content-type"), body: null };
    }
    const encoding = chooseEncoding(
      request.acceptEncoding,
      meta.bodies.map(([kept]) => kept),
    );
    // Nothing kept is acceptable (identity refused): render, and let compression negotiate.
    if (!encoding) return undefined;
    this.options.onOutcome?.("hit");
    const bytes = body(encoding);
    if (encoding !== "identity") headers.push(["Content-Encoding", encoding]);
    headers.push(["Content-Length", String(bytes.length)]);
    return { status: meta.status, headers, body: bytes };
  }

  /**
   * A rendered response, passed on as it streams; when it may be shared, a copy of its body is
   * stored (compare-and-set, under its reads' tokens) once complete.
   */
  private keep(store: ResponseStore, key: string, response: Response, reads: ReadLog): Response {
    const validity = reads.validity();
    const ttlMs = validity ? Math.floor(validity.freshUntil - Date.now()) : 0;
    if (!validity || ttlMs < 1000 || !mayShare(response) || !response.body) {
      this.options.onOutcome?.("unshareable");
      return response;
    }
    const headers = new Headers(response.headers);
    for (const [name, value] of shareable(validity.tags)) headers.set(name, value);
    headers.set("X-Response-Cache", "MISS");
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get("Content-Security-Policy") ?? "")?.[1];
    const kept: [string, string][] = [];
    for (const [name, value] of headers) if (!NOT_KEPT.has(name) && !SHAREABLE.has(name)) kept.push([name, value]);
    const [toClient, toStore] = response.body.tee();
    void new Response(toStore)
      .text()
      .then(async (rendered) => {
        const pinned = nonce ? pinScripts(rendered, nonce) : { html: rendered, hashes: undefined };
        const identity = pinned && Buffer.from(pinned.html);
        if (!pinned || !identity || identity.length > this.maxBytes) return this.options.onOutcome?.("unshareable");
        if (pinned.hashes) kept.push(["Content-Security-Policy", hashedContentSecurityPolicy(pinned.hashes)]);
        const meta = { status: response.status, headers: kept, tags: validity.tags, etag: etagOf(identity) };
        const payload = packResponse(meta, await encodeBody(identity));
        const stored = await store.store(key, validity.tags, validity.tokens, payload, ttlMs);
        this.options.onOutcome?.(stored ? "stored" : "refused");
      })
      .catch((error: unknown) => this.options.onOutcome?.("error", error));
    return new Response(toClient, { status: response.status, statusText: response.statusText, headers });
  }
}

/** A 200 that sets no cookie and that nothing marked private. */
function mayShare(response: Response): boolean {
  if (response.status !== 200 || response.headers.has("Set-Cookie")) return false;
  return !/\b(private|no-store)\b/.test(response.headers.get("Cache-Control") ?? "");
}

/**
 * What a shared response says to caches in front (docs/caching.md#the-response-cache): anyone may
 * keep it but must ask again before each use, it differs by cookie (a signed-in reader gets
 * another) and by encoding, and its tags are named for CDNs that purge by tag (Fastly's `Surrogate-Key`,
 * Cloudflare's `Cache-Tag`).
 */
function shareable(tags: readonly string[]): [string, string][] {
  return [
    ["Cache-Control", "public, max-age=0, must-revalidate"],
    ["Vary", "Cookie, Accept-Encoding"],
    ["Surrogate-Key", tags.join(" ")],
    ["Cache-Tag", tags.join(",")],
  ];
}
/** Set by `shareable` on each answer: not kept with the response (lower case, as Headers names them). */
const SHAREABLE = new Set(["cache-control", "vary", "surrogate-key", "cache-tag"]);

function cacheable(request: Request): CacheableRequest {
  return {
    method: request.method,
    url: request.url,
    cookie: request.headers.get("Cookie"),
    ifNoneMatch: request.headers.get("If-None-Match"),
    acceptEncoding: request.headers.get("Accept-Encoding"),
  };
}

/** Weak: the same content is sent gzipped or not (and rendered afresh with another nonce). */
function etagOf(body: Buffer): string {
  return `W/"${createHash("sha1").update(body).digest("base64url")}"`;
}

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === bare;
  });
}
