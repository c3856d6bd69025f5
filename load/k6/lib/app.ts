// What every Quill load script shares: the target, signing in, tagged page reads, the ids to
// read, awaited pauses. Written once for both engines: k6 itself and the Node runner
// (load/runner), so only http.asyncRequest and k6/timers (awaited), never http.get or sleep.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import { setTimeout } from "k6/timers";

export const BASE_URL = (__ENV.BASE_URL || "http://127.0.0.1:3000").replace(/\/$/, "");

/** k6's own duration stats plus p(99), which our thresholds and the analysis read. */
export const TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

export type Kind = "read" | "write" | "verify" | "auth" | "setup";

export interface Page {
  status: number;
  body: string;
  headers: Record<string, string>;
  url: string;
}

/** What the app's cache headers say (docs/caching.md): X-Cache on reads, the tags read, the tags purged. */
const cacheHit = new Rate("cache_hit");
const tagsRead = new Counter("tags_read");
const tagsPurged = new Counter("tags_purged");
const purgeWidth = new Trend("purge_width");

/** `post:12` → `post`; `community:feed` → `community:feed` (a tag without an id is its own family). */
export function tagFamily(tag: string): string {
  return /:\d+$/.test(tag) ? tag.replace(/:\d+$/, "") : tag;
}

function recordCacheHeaders(res: { headers: Record<string, string> }, page: string, method: string) {
  const xCache = res.headers["X-Cache"];
  if (method === "GET" && xCache) {
    cacheHit.add(xCache === "HIT", { page });
    for (const tag of (res.headers["X-Cache-Tags"] || "").split(",")) {
      if (tag.trim()) tagsRead.add(1, { family: tagFamily(tag.trim()) });
    }
  }
  const purged = (res.headers["X-Cache-Invalidate"] || "").split(",").filter((t) => t.trim());
  if (method !== "GET" && purged.length > 0) {
    purgeWidth.add(purged.length, { page });
    for (const tag of purged) tagsPurged.add(1, { family: tagFamily(tag.trim()) });
  }
}

/** An awaited pause (k6/timers), `ms` ± half of it. */
export function pause(ms: number, jitter = 0.5): Promise<void> {
  const wait = Math.max(0, ms * (1 - jitter + 2 * jitter * Math.random()));
  return new Promise((resolve) => setTimeout(resolve, wait));
}

/** A request tagged with its page group (`page`) and its kind; the VU's cookie jar goes along. */
export async function request(
  method: string,
  path: string,
  page: string,
  kind: Kind,
  body?: string | Record<string, string>,
  headers: Record<string, string> = {},
  expect?: number,
): Promise<Page> {
  const res = await http.asyncRequest(method, `${BASE_URL}${path}`, body ?? null, {
    headers,
    tags: { name: page, page, kind },
    // A request whose point is a refusal (401, 403) counts as failed only when it is not refused.
    ...(expect ? { responseCallback: http.expectedStatuses(expect) } : {}),
  });
  recordCacheHeaders(res, page, method);
  return {
    status: res.status,
    body: typeof res.body === "string" ? res.body : "",
    headers: res.headers,
    url: res.url,
  };
}

export const read = (path: string, page: string, kind: Kind = "read") => request("GET", path, page, kind);

export function sendJson(method: string, path: string, page: string, json: Record<string, unknown>) {
  return request(method, path, page, "write", JSON.stringify(json), { "Content-Type": "application/json" });
}

/** Signs the current VU in (its cookie jar keeps the session); true when it worked. */
export async function signIn(email: string): Promise<boolean> {
  const res = await request("POST", "/login", "login", "auth", { email, password: "password" });
  return check(res, { "signed in": (r) => r.status === 200 && !r.url.includes("/login") });
}

/** Every id in links `prefix<id>` of an HTML page, in order, without repeats. */
export function idsIn(html: string, prefix: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`href="${prefix.replace(/[/?]/g, "\\$&")}(\\d+)"`, "g");
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const id = Number(m[1]);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** A random item, the first ones far more often (a few hot items, a long tail). */
export function skewed<T>(items: T[]): T {
  const index = Math.floor(items.length * Math.random() ** 3);
  const item = items[Math.min(index, items.length - 1)];
  if (item === undefined) throw new Error("skewed(): no items");
  return item;
}

export function pick<T>(items: T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error("pick(): no items");
  return item;
}

/** A marker no page contains by chance: what a write puts in and its read-back looks for. */
export function token(label: string): string {
  return `${label}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export interface Targets {
  stories: number[];
  posts: number[];
  /** The large seed's writers (writerN@example.com) exist; else only the demo accounts. */
  largeSeed: boolean;
}

let discovered: Promise<Targets> | undefined;

/**
 * The story and post ids to read, found on first use: once per VU under k6 (each VU has its own
 * module), once per run in the runner. Not in setup(): k6 does not wait for an async setup()'s
 * promise (grafana/k6#2935), and the blocking http.get is what the runner cannot have.
 * Its requests are tagged page "discover", kind "setup", apart from the measured ones.
 */
export function targets(pages = 5): Promise<Targets> {
  discovered ??= discover(pages);
  return discovered;
}

async function discover(pages: number): Promise<Targets> {
  const home = await read("/", "discover", "setup");
  const stories = idsIn(home.body, "/stories/");
  const posts: number[] = [];
  for (let page = 1; page <= pages; page++) {
    const list = await read(page === 1 ? "/community" : `/community?page=${page}`, "discover", "setup");
    const found = idsIn(list.body, "/community/posts/");
    if (found.length === 0) break;
    for (const id of found) if (!posts.includes(id)) posts.push(id);
  }
  const probe = await http.asyncRequest(
    "POST",
    `${BASE_URL}/login`,
    { email: "writer1@example.com", password: "password" },
    {
      tags: { name: "login", page: "login", kind: "auth" },
      jar: new http.CookieJar(),
      // On the small seed there is no writer1: the login page answers 400, which is no failure here.
      responseCallback: http.expectedStatuses({ min: 200, max: 399 }, 400),
    },
  );
  const largeSeed = probe.status === 200 && !probe.url.includes("/login");
  if (stories.length === 0 || posts.length === 0) {
    throw new Error(`nothing to read at ${BASE_URL}: ${stories.length} stories, ${posts.length} posts`);
  }
  return { stories, posts, largeSeed };
}

/** The account a VU signs in as: its own writerN on the large seed, else alice or bob. */
export function accountFor(vu: number, targets: Targets): string {
  if (targets.largeSeed) return `writer${((vu - 1) % 200) + 1}@example.com`;
  return vu % 2 === 0 ? "bob@example.com" : "alice@example.com";
}

/** The scenes the signed-in VU may edit: its first story → chapter → scenes (studio pages). */
export async function ownScenes(): Promise<{ storyId: number; sceneIds: number[] }> {
  const studio = await read("/studio", "studio");
  const storyId = idsIn(studio.body, "/studio/stories/")[0];
  if (storyId === undefined) return { storyId: 0, sceneIds: [] };
  const story = await read(`/studio/stories/${storyId}`, "studio_story");
  const chapterId = idsIn(story.body, "/studio/chapters/")[0];
  if (chapterId === undefined) return { storyId, sceneIds: [] };
  const chapter = await read(`/studio/chapters/${chapterId}`, "studio_chapter");
  return { storyId, sceneIds: idsIn(chapter.body, "/studio/scenes/") };
}
