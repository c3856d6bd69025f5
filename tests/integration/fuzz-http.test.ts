import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/server-process";

/**
 * Issue 11, item 7: no input gives a 5xx. fast-check sends every page action and API route (and
 * their `.data` twins, case-changed paths, unknown ids) random methods, bodies, content types,
 * cookies and headers — foreign or `null` Origins with any Sec-Fetch-Site, X-Forwarded-Host that
 * differs from Host, redirect targets with %0A %0D %00 U+2028 — through the real HTTP server.
 * FUZZ_RUNS batches of 4 requests in parallel (default 750: 3 000 requests, sized for 2 cores);
 * a failure prints the request, and FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 750);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

let server: RunningServer;
let host: string;
const cookies: Record<"alice" | "bob", string> = { alice: "", bob: "" };
let signIns = 0;

async function signIn(email: string): Promise<string> {
  // From an address of its own: the fuzz's wrong passwords must not block this sign-in.
  const response = await fetch(`${server.url}/login`, {
    method: "POST",
    headers: { "X-Forwarded-For": `192.0.2.${++signIns % 250}` },
    body: new URLSearchParams({ email, password: "password", intent: "login" }),
    redirect: "manual",
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (!cookie.startsWith("__session=")) throw new Error(`signing in as ${email}: ${response.status}`);
  return cookie;
}

/** A fuzzed logout (or sign out everywhere) ends the session: sign in again when it did. */
async function keepSignedIn() {
  for (const [name, email] of [
    ["alice", "alice@example.com"],
    ["bob", "bob@example.com"],
  ] as const) {
    const account = await fetch(`${server.url}/account`, { headers: { Cookie: cookies[name] }, redirect: "manual" });
    await account.arrayBuffer();
    if (account.status !== 200) cookies[name] = await signIn(email);
  }
}

beforeAll(async () => {
  // TRUST_PROXY: sign-ins above come from addresses of their own (X-Forwarded-For from loopback).
  server = await startServer({ TRUST_PROXY: "loopback", LOG_LEVEL: "error" });
  host = new URL(server.url).host;
  cookies.alice = await signIn("alice@example.com");
  cookies.bob = await signIn("bob@example.com");
}, 120_000);
afterAll(async () => {
  await server?.stop("SIGKILL");
});

const nasty = [
  "",
  "%0A",
  "/%0A/evil.example",
  "\n//evil.example",
  "\r\n",
  "\u0000",
  "\u2028",
  "/\t/evil.example",
  "//evil.example",
  "/\\evil.example",
  "https://evil.example/",
  "-1",
  "0",
  "1",
  "1.5",
  "99999999999999999999",
  "true",
  "false",
  "on",
  "published",
  "draft",
  "2026-11-30T00:00:00.000Z",
  "x".repeat(5000),
  "alice@example.com",
  "password",
];
const text = fc.oneof(fc.constantFrom(...nasty), fc.string({ maxLength: 60 }), fc.integer().map(String));
const ids = fc.constantFrom("1", "2", "3", "0", "-1", "abc", "99999999999999999999", "1.5", "%00", "%E2%80%A8", "1e3");
const fields = fc.constantFrom(
  "intent",
  "title",
  "summary",
  "status",
  "body",
  "content",
  "position",
  "updatedAt",
  "liked",
  "chapterId",
  "sceneId",
  "redirectTo",
  "email",
  "password",
  "newPassword",
  "_enhanced",
  "__proto__",
);
const intents = fc.constantFrom(
  "login",
  "logout",
  "everywhere",
  "change-password",
  "create-story",
  "create-post",
  "update-story",
  "add-chapter",
  "rename-chapter",
  "move-chapter",
  "delete-chapter",
  "update-chapter",
  "add-scene",
  "save-scene",
  "move-scene",
  "delete-scene",
  "like",
  "reply",
  "nonsense",
);
const form = fc
  .tuple(intents, fc.dictionary(fields, text, { maxKeys: 6 }))
  .map(([intent, values]) => ({ intent, ...values }));

const pagePaths = fc.oneof(
  fc.constantFrom("/", "/login", "/logout", "/account", "/studio", "/community", "/community?index"),
  ids.map((id) => `/studio/stories/${id}`),
  ids.map((id) => `/studio/chapters/${id}`),
  ids.map((id) => `/studio/scenes/${id}`),
  ids.map((id) => `/community/posts/${id}`),
  ids.map((id) => `/stories/${id}`),
);
const apiPaths = fc.oneof(
  ids.map((id) => `/studio/api/scenes/${id}`),
  ids.map((id) => `/studio/api/chapters/${id}`),
  ids.map((id) => `/studio/api/stories/${id}/write`),
  fc.constant("/community/api/posts"),
  ids.map((id) => `/community/api/posts/${id}/like`),
  ids.map((id) => `/community/api/posts/${id}/replies`),
  fc.constantFrom("/studio/api/cache/metrics", "/studio/api/nothing", "/community/api/x/y"),
);
const path = fc
  .tuple(
    fc.oneof(pagePaths, apiPaths),
    fc.constantFrom("", ".data", "upper"),
    fc.option(
      text.map((t) => `redirectTo=${encodeURIComponent(t)}`),
      { nil: undefined },
    ),
    fc.option(fc.constantFrom("%0A", "%0D", "%00", "%E2%80%A8", "/%09/evil.example"), { nil: undefined }),
  )
  .map(([p, variant, query, raw]) => {
    let out =
      variant === "upper"
        ? p.toUpperCase()
        : variant === ".data" && !p.includes("?")
          ? `${p.replace(/\/$/, "/_root")}.data`
          : p;
    const params = [query, raw === undefined ? undefined : `redirectTo=${raw}`].filter(Boolean);
    if (params.length > 0) out += `${out.includes("?") ? "&" : "?"}${params.join("&")}`;
    return out;
  });

type Body = { contentType?: string; body?: string };
const boundary = "QuillFuzzBoundary";
const multipart = (values: Record<string, string>) =>
  `${Object.entries(values)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join("")}--${boundary}--\r\n`;
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({}),
  form.map((v) => ({ contentType: "application/x-www-form-urlencoded", body: new URLSearchParams(v).toString() })),
  form.map((v) => ({ body: new URLSearchParams(v).toString() })),
  form.map((v) => ({ contentType: "application/json", body: JSON.stringify(v) })),
  form.map((v) => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: multipart(v) })),
  form.map((v) => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: multipart(v).slice(0, -7) })),
  form.map((v) => ({ contentType: "multipart/form-data", body: multipart(v) })),
  fc.json().map((j) => ({ contentType: "application/json", body: j })),
  fc.string({ maxLength: 200 }).map((s) => ({ contentType: "application/json", body: s })),
  fc.string({ maxLength: 200 }).map((s) => ({ contentType: "text/plain", body: s })),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,12}(; ?[a-z]+=[a-z0-9]{0,8})?$/), fc.string({ maxLength: 200 }))
    .map(([contentType, s]) => ({ contentType, body: s })),
  fc.string({ maxLength: 2000 }).map((s) => ({ contentType: "application/x-www-form-urlencoded", body: s })),
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const headers = fc.record(
  {
    // Mostly the page's own origin, so most requests get past the guard to the code behind it.
    origin: fc.oneof(
      { arbitrary: fc.constant("same"), weight: 6 },
      {
        arbitrary: fc.constantFrom("http://evil.example", "null", "http://[", "https://127.0.0.1", "file://"),
        weight: 1,
      },
      { arbitrary: headerValue, weight: 1 },
    ),
    site: fc.oneof(
      { arbitrary: fc.constant("same-origin"), weight: 6 },
      { arbitrary: fc.constantFrom("same-site", "cross-site", "none"), weight: 1 },
      { arbitrary: headerValue, weight: 1 },
    ),
    forwardedHost: fc.oneof(fc.constantFrom("same", "evil.example", "evil.example, same", ""), headerValue),
    forwardedProto: fc.oneof(fc.constantFrom("http", "https", "HTTPS, http", "a b", "javascript"), headerValue),
    forwardedFor: fc.oneof(fc.constantFrom("203.0.113.7", "::1", "garbage", "1.2.3.4, 5.6.7.8"), headerValue),
    accept: fc.constantFrom("text/html", "application/json", "*/*", "text/x-script"),
    dest: fc.constantFrom("document", "empty"),
    cookie: fc.constantFrom("alice", "alice", "alice", "bob", "tampered", "encoded", "garbage", "both"),
  },
  { requiredKeys: [] },
);

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
  path,
  body,
  headers,
});
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function cookieHeader(which: string | undefined): string | undefined {
  switch (which) {
    case undefined:
      return undefined;
    case "alice":
      return cookies.alice;
    case "bob":
      return cookies.bob;
    case "tampered":
      return `${cookies.alice.slice(0, -4)}AAAA`;
    case "encoded":
      return cookies.alice.replace("__session=e", "__session=%65");
    case "both":
      return `${cookies.alice}; ${cookies.bob}`;
    default:
      return "__session=%%%; quill_purge=%E0%A4%A";
  }
}

async function send(r: FuzzRequest): Promise<number> {
  const h: Record<string, string> = {};
  const same = (v: string) => v.replaceAll("same", host);
  if (r.headers.origin !== undefined) h.Origin = r.headers.origin === "same" ? `http://${host}` : r.headers.origin;
  if (r.headers.site !== undefined) h["Sec-Fetch-Site"] = r.headers.site;
  if (r.headers.forwardedHost !== undefined) h["X-Forwarded-Host"] = same(r.headers.forwardedHost);
  if (r.headers.forwardedProto !== undefined) h["X-Forwarded-Proto"] = r.headers.forwardedProto;
  if (r.headers.forwardedFor !== undefined) h["X-Forwarded-For"] = r.headers.forwardedFor;
  if (r.headers.accept !== undefined) h.Accept = r.headers.accept;
  if (r.headers.dest !== undefined) h["Sec-Fetch-Dest"] = r.headers.dest;
  const cookie = cookieHeader(r.headers.cookie);
  if (cookie) h.Cookie = cookie;
  const hasBody = r.method !== "GET" && r.body.body !== undefined;
  if (hasBody && r.body.contentType) h["Content-Type"] = r.body.contentType;
  const response = await fetch(`${server.url}${r.path}`, {
    method: r.method,
    headers: h,
    body: hasBody ? r.body.body : undefined,
    redirect: "manual",
  });
  await response.arrayBuffer();
  return response.status;
}

describe("no 5xx for any input", () => {
  it(`${RUNS} × 4 random requests to every page action and API route: none answers 5xx`, {
    timeout: 900_000,
  }, async () => {
    const statuses = new Map<number, number>();
    let batches = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 4, maxLength: 4 }), async (batch) => {
        if (++batches % 25 === 0) await keepSignedIn();
        const answers = await Promise.all(batch.map(send));
        for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const failed = batch.flatMap((r, i) => ((answers[i] ?? 0) >= 500 ? [{ status: answers[i], ...r }] : []));
        if (failed.length > 0) {
          const errors = server
            .output()
            .split("\n")
            .filter((line) => /"level":50|Error/.test(line));
          throw new Error(`5xx for ${JSON.stringify(failed)}\nserver: ${errors.slice(-6).join("\n")}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const summary = [...statuses.entries()].sort((a, b) => a[0] - b[0]);
    console.log(`fuzz: ${RUNS * 4} requests by status: ${summary.map(([s, n]) => `${s}×${n}`).join(" ")}`);
    expect(summary.filter(([s]) => s >= 500)).toEqual([]);
    // The fuzz reached the code behind the guards: signed-in successes and field errors, not only refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(server.output()).not.toMatch(/"level":50/);
  });
});
