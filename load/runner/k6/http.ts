// The runner's `k6/http`: http.asyncRequest (and its verbs) over undici, with each VU's cookie
// jar, redirects, k6's timings and tags. The blocking calls (http.get, …) are refused: a Node
// process cannot block one VU without blocking all of them.
import { Agent, request as undiciRequest } from "undici";
import { baseTags, currentContext, currentRun, unsupported } from "../context";
import { CookieJarState } from "../cookies";

const agent = new Agent({ connections: 512, keepAliveTimeout: 30_000, pipelining: 1 });

export interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  redirects?: number;
  timeout?: string | number;
  jar?: CookieJar;
  responseType?: "text" | "none";
  responseCallback?: ExpectedStatuses | null;
  cookies?: Record<string, string>;
}

type Body = string | Record<string, string | number | boolean> | null | undefined;

export class CookieJar {
  /** @internal */ readonly state: CookieJarState;
  constructor(state?: CookieJarState) {
    this.state = state ?? new CookieJarState();
  }
  cookiesForURL(url: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.state.forUrl(new URL(url))) {
      const list = out[c.name] ?? [];
      list.push(c.value);
      out[c.name] = list;
    }
    return out;
  }
  set(url: string, name: string, value: string, options: { path?: string; secure?: boolean } = {}) {
    const u = new URL(url);
    this.state.set({ name, value, domain: u.hostname, path: options.path ?? "/", secure: options.secure ?? false });
  }
  clear(url: string) {
    const host = new URL(url).hostname;
    this.state.cookies = this.state.cookies.filter((c) => c.domain !== host);
  }
  delete(url: string, name: string) {
    const host = new URL(url).hostname;
    this.state.cookies = this.state.cookies.filter((c) => !(c.domain === host && c.name === name));
  }
}

/** The active VU's own cookie jar (k6 gives each VU one). */
export function cookieJar(): CookieJar {
  const ctx = currentContext();
  if (!ctx) unsupported("http.cookieJar() outside VU code");
  return new CookieJar(ctx.vu.jar);
}

function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

export class Response {
  constructor(
    readonly status: number,
    readonly status_text: string,
    readonly headers: Record<string, string>,
    readonly body: string | null,
    readonly url: string,
    readonly timings: Record<string, number>,
    readonly request: { method: string; url: string; headers: Record<string, string[]>; body: string },
    readonly error = "",
    readonly error_code = 0,
  ) {}
  get proto() {
    return "HTTP/1.1";
  }
  json(selector?: string): unknown {
    if (selector !== undefined) unsupported("Response.json(selector)");
    if (this.body === null) throw new Error("the response has no body (responseType none)");
    return JSON.parse(this.body);
  }
  html(): never {
    return unsupported("Response.html()", "read res.body with a regular expression");
  }
  submitForm(): never {
    return unsupported("Response.submitForm()");
  }
  clickLink(): never {
    return unsupported("Response.clickLink()");
  }
}

function encodeBody(body: Body, headers: Record<string, string>): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return body;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  return new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString();
}

function timeoutMs(value: string | number | undefined): number {
  if (value === undefined) return 60_000;
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!m) unsupported(`timeout "${value}"`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as "ms" | "s" | "m"];
}

/** http.expectedStatuses(200, { min: 400, max: 403 }): what counts as success in http_req_failed. */
export class ExpectedStatuses {
  constructor(private readonly list: (number | { min: number; max: number })[]) {}
  matches(status: number): boolean {
    return this.list.some((s) => (typeof s === "number" ? s === status : status >= s.min && status <= s.max));
  }
}

export function expectedStatuses(...list: (number | { min: number; max: number })[]): ExpectedStatuses {
  return new ExpectedStatuses(list);
}

let defaultCallback: ExpectedStatuses | null = expectedStatuses({ min: 200, max: 399 });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function asyncRequest(method: string, url: string, body?: Body, params: Params = {}): Promise<Response> {
  for (const key of Object.keys(params)) {
    if (!["headers", "tags", "redirects", "timeout", "jar", "responseType", "responseCallback"].includes(key)) {
      unsupported(`http request parameter "${key}"`);
    }
  }
  const ctx = currentContext();
  const run = currentRun();
  const jar = params.jar?.state ?? ctx?.vu.jar ?? new CookieJarState();
  const maxRedirects = params.redirects ?? (run.options.maxRedirects as number | undefined) ?? 10;
  let currentMethod = method.toUpperCase();
  let currentUrl = new URL(url);
  const headers: Record<string, string> = { "User-Agent": "quill-k6-runner", ...params.headers };
  let payload = encodeBody(body, headers);
  let redirects = 0;
  for (;;) {
    const sent: Record<string, string> = { ...headers };
    const cookie = jar.header(currentUrl);
    if (cookie) sent.Cookie = cookie;
    const started = performance.now();
    let status = 0;
    let responseHeaders: Record<string, string> = {};
    let text: string | null = "";
    let error = "";
    let errorCode = 0;
    let waiting = 0;
    let setCookies: string[] = [];
    try {
      const res = await undiciRequest(currentUrl, {
        method: currentMethod as "GET",
        headers: sent,
        body: payload,
        dispatcher: agent,
        headersTimeout: timeoutMs(params.timeout),
        bodyTimeout: timeoutMs(params.timeout),
      });
      waiting = performance.now() - started;
      status = res.statusCode;
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        if (name === "set-cookie") setCookies = Array.isArray(value) ? value : [value];
        responseHeaders[canonical(name)] = Array.isArray(value) ? value.join(", ") : value;
      }
      text = await res.body.text();
      if (params.responseType === "none") text = null;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      errorCode = 1000;
      responseHeaders = {};
      text = null;
    }
    const duration = performance.now() - started;
    jar.store(currentUrl, setCookies);
    const callback = params.responseCallback === undefined ? defaultCallback : params.responseCallback;
    const expected = callback === null ? true : callback.matches(status);
    const tags: Record<string, string> = {
      ...baseTags(),
      method: currentMethod,
      url: currentUrl.href,
      name: params.tags?.name ?? currentUrl.href,
      status: String(status),
      expected_response: String(expected),
      ...params.tags,
      ...(errorCode ? { error_code: String(errorCode) } : {}),
    };
    const now = Date.now();
    const registry = run.registry;
    registry.add({ metric: "http_reqs", value: 1, tags, time: now });
    registry.add({ metric: "http_req_duration", value: duration, tags, time: now });
    registry.add({ metric: "http_req_waiting", value: waiting, tags, time: now });
    registry.add({ metric: "http_req_receiving", value: duration - waiting, tags, time: now });
    registry.add({ metric: "http_req_failed", value: expected ? 0 : 1, tags, time: now });
    registry.add({ metric: "data_received", value: Buffer.byteLength(text ?? ""), tags, time: now });
    registry.add({ metric: "data_sent", value: Buffer.byteLength(payload ?? ""), tags, time: now });
    const location = responseHeaders.Location;
    if (REDIRECTS.has(status) && location && redirects < maxRedirects) {
      redirects += 1;
      currentUrl = new URL(location, currentUrl);
      if (status === 303 || ((status === 301 || status === 302) && currentMethod === "POST")) {
        currentMethod = "GET";
        payload = undefined;
        delete headers["Content-Type"];
      }
      continue;
    }
    return new Response(
      status,
      status ? `${status}` : "",
      responseHeaders,
      text,
      currentUrl.href,
      { duration, waiting, receiving: duration - waiting, sending: 0, blocked: 0, connecting: 0, tls_handshaking: 0 },
      {
        method: currentMethod,
        url: currentUrl.href,
        headers: Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, [v]])),
        body: payload ?? "",
      },
      error,
      errorCode,
    );
  }
}

const blocking = (verb: string) => (): never =>
  unsupported(`http.${verb}()`, "use await http.asyncRequest(...), which both k6 and the runner have");

export const get = blocking("get");
export const post = blocking("post");
export const put = blocking("put");
export const patch = blocking("patch");
export const del = blocking("del");
export const head = blocking("head");
export const options = blocking("options");
export const request = blocking("request");
export const batch = blocking("batch");
export const file = (): never => unsupported("http.file()");
export function setResponseCallback(callback: ExpectedStatuses | null): void {
  defaultCallback = callback;
}
export const url = (): never => unsupported("http.url``");

export default {
  asyncRequest,
  cookieJar,
  CookieJar,
  get,
  post,
  put,
  patch,
  del,
  head,
  options,
  request,
  batch,
  file,
  setResponseCallback,
  expectedStatuses,
  url,
};
