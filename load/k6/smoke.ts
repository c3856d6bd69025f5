// smoke: every page and API route once per kind of user (anonymous, author, admin); every check
// must pass. ≤ 30 s. `npm run load -- smoke` (k6 when installed, else the Node runner), or
// `k6 run -e BASE_URL=http://127.0.0.1:3000 load/k6/smoke.ts`.
import { check } from "k6";
import type { Options } from "k6/options";
import { pause, read, request, sendJson, signIn, TREND_STATS, targets, token } from "./lib/app.ts";
import { type SummaryData, summaryOutputs } from "./lib/summary.ts";

export const options: Options = {
  scenarios: {
    anonymous: { executor: "constant-vus", vus: 1, duration: "1s", exec: "anonymous", gracefulStop: "20s" },
    author: { executor: "constant-vus", vus: 1, duration: "1s", exec: "author", gracefulStop: "20s" },
    admin: { executor: "constant-vus", vus: 1, duration: "1s", exec: "admin", gracefulStop: "20s" },
  },
  thresholds: {
    checks: [{ threshold: "rate==1", abortOnFail: false }],
    http_req_failed: ["rate==0"],
    "http_req_duration{kind:read}": ["p(95)<2000"],
  },
  summaryTrendStats: TREND_STATS,
};

const ok = (status: number) => status >= 200 && status < 300;

/** One pass per VU: the scenarios run one iteration each (1 s is shorter than any pass). */
const done = new Set<string>();
async function once(name: string): Promise<boolean> {
  if (!done.has(name)) {
    done.add(name);
    return true;
  }
  await pause(1000, 0); // the scenario's second (or later) start: wait out its 1 s
  return false;
}

export async function anonymous() {
  if (!(await once("anonymous"))) return;
  const found = await targets(1);
  const story = found.stories[0];
  const post = found.posts[0];
  for (const [path, page] of [
    ["/", "home"],
    ["/community", "community"],
    [`/community/posts/${post}`, "post"],
    [`/stories/${story}`, "story"],
    ["/login", "login_page"],
    ["/healthz", "health"],
  ] as const) {
    const res = await read(path, page);
    check(res, { [`anonymous ${page} is 200`]: (r) => r.status === 200 });
  }
  const studio = await read("/studio", "studio");
  check(studio, { "anonymous studio asks to sign in": (r) => r.url.includes("/login") });
  const denied = await request(
    "POST",
    `/community/api/posts/${post}/like`,
    "api_like",
    "write",
    "{}",
    { "Content-Type": "application/json" },
    401,
  );
  check(denied, { "anonymous like is 401": (r) => r.status === 401 });
}

export async function author() {
  if (!(await once("author"))) return;
  const found = await targets(1);
  if (!(await signIn("alice@example.com"))) return;
  const studio = await read("/studio", "studio");
  check(studio, { "author studio is 200": (r) => r.status === 200 });
  const storyId = /href="\/studio\/stories\/(\d+)"/.exec(studio.body)?.[1];
  const story = await read(`/studio/stories/${storyId}`, "studio_story");
  check(story, { "author story is 200": (r) => r.status === 200 });
  const chapterId = /href="\/studio\/chapters\/(\d+)"/.exec(story.body)?.[1];
  const chapter = await read(`/studio/chapters/${chapterId}`, "studio_chapter");
  check(chapter, { "author chapter is 200": (r) => r.status === 200 });
  const sceneId = /href="\/studio\/scenes\/(\d+)"/.exec(chapter.body)?.[1];
  const scene = await read(`/studio/scenes/${sceneId}`, "scene");
  check(scene, { "author scene is 200": (r) => r.status === 200 });

  const marker = token("smoke-scene");
  const saved = await sendJson("PATCH", `/studio/api/scenes/${sceneId}`, "api_scene", { content: `Smoke ${marker}` });
  check(saved, { "scene autosave is 200": (r) => r.status === 200 });
  const reread = await read(`/studio/scenes/${sceneId}`, "scene", "verify");
  check(reread, { "saved scene shows the new text": (r) => r.body.includes(marker) });

  const chapterSaved = await sendJson("PATCH", `/studio/api/chapters/${chapterId}`, "api_chapter", {
    summary: `Smoke ${marker}`,
  });
  check(chapterSaved, { "chapter patch is 200": (r) => ok(r.status) });
  const storySaved = await sendJson("PATCH", `/studio/api/stories/${storyId}/write`, "api_story", {
    summary: `Smoke ${marker}`,
  });
  check(storySaved, { "story patch is 200": (r) => ok(r.status) });

  const post = found.posts[0];
  const liked = await sendJson("POST", `/community/api/posts/${post}/like`, "api_like", { liked: true });
  check(liked, { "like is 200": (r) => r.status === 200 });
  const title = token("smoke-post");
  const created = await sendJson("POST", "/community/api/posts", "api_post", { title, body: "From the smoke run." });
  check(created, { "post is 201": (r) => r.status === 201 });
  const feed = await read("/community", "community", "verify");
  check(feed, { "new post is listed": (r) => r.body.includes(title) });
  const replyText = token("smoke-reply");
  const reply = await sendJson("POST", `/community/api/posts/${post}/replies`, "api_reply", { body: replyText });
  check(reply, { "reply is 201": (r) => r.status === 201 });
  const thread = await read(`/community/posts/${post}`, "post", "verify");
  check(thread, {
    "reply shows": (r) => r.body.includes(replyText),
    "like shows": (r) => r.body.includes('aria-pressed="true"'),
  });
  const forbidden = await request("GET", "/studio/api/cache/metrics", "api_metrics", "read", undefined, {}, 403);
  check(forbidden, { "metrics API is admins only": (r) => r.status === 403 });
}

export async function admin() {
  if (!(await once("admin"))) return;
  if (!(await signIn("admin@example.com"))) return;
  const metrics = await read("/studio/api/cache/metrics", "api_metrics");
  check(metrics, {
    "admin metrics is 200": (r) => r.status === 200,
    "metrics has queries": (r) => r.body.includes('"queries"'),
  });
}

export function handleSummary(data: SummaryData) {
  return summaryOutputs(data, "smoke");
}
