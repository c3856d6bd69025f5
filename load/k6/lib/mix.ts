// The seed's model of use, shared by `mix` and `soak`: anonymous readers, signed-in readers and
// writers. VU n is a writer when n % 5 == 0, a signed-in reader when n % 5 is 3 or 4, else
// anonymous; a writer writes in half of its iterations (likes, replies, posts, scene autosaves),
// so about one iteration in ten writes: the 90/10 read/write mix. Every write is followed by a
// read of a page that shows it, and a check that it does (`stale_reads`).
import { check } from "k6";
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import { accountFor, ownScenes, pause, pick, read, sendJson, signIn, skewed, type Targets, token } from "./app.ts";

export const staleReads = new Rate("stale_reads");
export const writes = new Counter("writes");
export const writeToVisible = new Trend("write_to_visible", true);

interface VuState {
  signedIn: boolean;
  storyId: number;
  sceneIds: number[];
}

/** Per VU (k6 gives each VU its own module; the runner shares one, hence the map). */
const states = new Map<number, VuState>();

export type Role = "anonymous" | "reader" | "writer";

export function roleOf(vu: number): Role {
  const r = vu % 5;
  return r === 0 ? "writer" : r >= 3 ? "reader" : "anonymous";
}

const THINK_MS = Number(__ENV.THINK_MS || 1000);

async function stateOf(vu: number, targets: Targets, role: Role): Promise<VuState> {
  let state = states.get(vu);
  if (state) return state;
  state = { signedIn: false, storyId: 0, sceneIds: [] };
  states.set(vu, state);
  if (role !== "anonymous") {
    state.signedIn = await signIn(accountFor(vu, targets));
    if (state.signedIn && role === "writer") Object.assign(state, await ownScenes());
  }
  return state;
}

async function readSomething(targets: Targets, state: VuState) {
  const roll = Math.random();
  if (roll < 0.25) await read("/", "home");
  else if (roll < 0.45)
    await read(
      Math.random() < 0.7 ? "/community" : `/community?page=${1 + Math.floor(Math.random() * 5)}`,
      "community",
    );
  else if (roll < 0.75) await read(`/community/posts/${skewed(targets.posts)}`, "post");
  else if (roll < 0.95 || !state.signedIn) await read(`/stories/${skewed(targets.stories)}`, "story");
  else await read("/studio", "studio");
}

/** Records whether the page read after a write shows it. */
function verify(ok: boolean, what: string, startedAt: number) {
  staleReads.add(!ok, { write: what });
  check(ok, { [`${what} shows after the write`]: (v) => v });
  if (ok) writeToVisible.add(Date.now() - startedAt, { write: what });
}

async function writeSomething(targets: Targets, state: VuState) {
  const roll = Math.random();
  const started = Date.now();
  if (roll < 0.4) {
    const post = pick(targets.posts);
    const liked = Math.random() < 0.5;
    const res = await sendJson("POST", `/community/api/posts/${post}/like`, "api_like", { liked });
    if (!check(res, { "like is 200": (r) => r.status === 200 })) return;
    writes.add(1, { write: "like" });
    const page = await read(`/community/posts/${post}`, "post", "verify");
    verify(page.body.includes(`aria-pressed="${liked}"`), "like", started);
  } else if (roll < 0.7) {
    const post = skewed(targets.posts);
    const text = token("reply");
    const res = await sendJson("POST", `/community/api/posts/${post}/replies`, "api_reply", { body: text });
    if (!check(res, { "reply is 201": (r) => r.status === 201 })) return;
    writes.add(1, { write: "reply" });
    const page = await read(`/community/posts/${post}`, "post", "verify");
    verify(page.body.includes(text), "reply", started);
  } else if (roll < 0.8) {
    const title = token("post");
    const res = await sendJson("POST", "/community/api/posts", "api_post", { title, body: "Written by the load run." });
    if (!check(res, { "post is 201": (r) => r.status === 201 })) return;
    writes.add(1, { write: "post" });
    const page = await read("/community", "community", "verify");
    verify(page.body.includes(title), "post", started);
  } else if (state.sceneIds.length > 0) {
    const scene = pick(state.sceneIds);
    const text = token("scene");
    const res = await sendJson("PATCH", `/studio/api/scenes/${scene}`, "api_scene", {
      content: `An autosave from the load run. ${text}`,
    });
    if (!check(res, { "scene autosave is 200": (r) => r.status === 200 })) return;
    writes.add(1, { write: "scene" });
    const page = await read(`/studio/scenes/${scene}`, "scene", "verify");
    verify(page.body.includes(text), "scene", started);
  }
}

/** One iteration of the mix for the current VU. */
export async function mixIteration(targets: Targets) {
  const vu = exec.vu.idInTest;
  const role = roleOf(vu);
  const state = await stateOf(vu, targets, role);
  if (role === "writer" && state.signedIn && Math.random() < 0.5) await writeSomething(targets, state);
  else await readSomething(targets, state);
  await pause(THINK_MS);
}

/** The pages a threshold is set on, one p95 and one p99 each (milliseconds). */
export const PAGE_GROUPS: Record<string, [number, number]> = {
  home: [500, 1500],
  community: [500, 1500],
  post: [500, 1500],
  story: [1000, 2500],
  studio: [800, 2000],
  scene: [800, 2000],
  api_like: [800, 2000],
  api_reply: [800, 2000],
  api_post: [800, 2000],
  api_scene: [800, 2000],
};

/** LATENCY_THRESHOLDS=off drops them (CI: on a shared 2-core machine only correctness must hold). */
export function pageThresholds(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (__ENV.LATENCY_THRESHOLDS === "off") return out;
  for (const [page, [p95, p99]] of Object.entries(PAGE_GROUPS)) {
    out[`http_req_duration{page:${page}}`] = [`p(95)<${p95}`, `p(99)<${p99}`];
  }
  return out;
}
