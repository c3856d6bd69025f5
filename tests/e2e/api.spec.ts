import type { APIRequestContext, APIResponse } from "@playwright/test";
import { test as base, expect, type Session } from "./fixtures";
import { unique } from "./support";

/**
 * The JSON API (docs/api.md) over HTTP only: every route and method gets malformed, mistyped,
 * missing, oversized and foreign input, and must answer the right 4xx with a JSON `error` —
 * never a 5xx (`send` checks that on every response). Fixtures are made through the same pages
 * and routes a user would use, so nothing here depends on the ids of the demo data.
 */

const MAX_BODY_BYTES = 1024 * 1024;
const UNKNOWN_ID = 999999;

type Body =
  | { json: unknown }
  | { raw: string | Buffer; type: string }
  | { form: Record<string, string> }
  | { multipart: Record<string, string> };

/** Sends one request; whatever it is, the answer is never a server error. */
async function send(
  ctx: APIRequestContext,
  method: string,
  path: string,
  body?: Body,
  headers: Record<string, string> = {},
): Promise<APIResponse> {
  const options: NonNullable<Parameters<APIRequestContext["fetch"]>[1]> = {
    method,
    headers: { ...headers },
    maxRedirects: 0,
    failOnStatusCode: false,
  };
  if (body && "json" in body) {
    options.data = JSON.stringify(body.json);
    options.headers = { ...options.headers, "Content-Type": "application/json" };
  } else if (body && "raw" in body) {
    options.data = body.raw;
    options.headers = { ...options.headers, "Content-Type": body.type };
  } else if (body && "form" in body) {
    options.form = body.form;
  } else if (body && "multipart" in body) {
    options.multipart = body.multipart;
  }
  const response = await ctx.fetch(path, options);
  expect(response.status(), `${method} ${path} must never answer 5xx`).toBeLessThan(500);
  return response;
}

/**
 * The response is the error `status` as JSON with an `error` message (and, for a 400 about a
 * field, `fieldErrors[field]`). Answers of the app are personal: `Cache-Control: private, no-store`
 * (the Express guards in front of it, cross-site 403 and 429, are not cacheable anyway).
 */
async function expectError(
  response: APIResponse,
  status: number,
  options: { field?: string; personal?: boolean } = {},
): Promise<{ error: string; fieldErrors?: Record<string, string[]> }> {
  const where = response.url();
  expect(response.status(), `${where}: ${await response.text()}`).toBe(status);
  expect(response.headers()["content-type"], where).toMatch(/^application\/json/);
  if (options.personal ?? true) expect(response.headers()["cache-control"], where).toBe("private, no-store");
  const body = (await response.json()) as { error?: unknown; fieldErrors?: Record<string, string[]> };
  expect(typeof body.error, `${where}: error message`).toBe("string");
  expect(String(body.error).length, where).toBeGreaterThan(0);
  if (options.field) {
    expect(body.fieldErrors?.[options.field], `${where}: fieldErrors.${options.field}`).toEqual(
      expect.arrayContaining([expect.any(String)]),
    );
  }
  return body as { error: string; fieldErrors?: Record<string, string[]> };
}

/** A successful answer: its status, JSON body, and private caching. */
async function expectOk<T = Record<string, unknown>>(response: APIResponse, status = 200): Promise<T> {
  const where = response.url();
  expect(response.status(), `${where}: ${await response.text()}`).toBe(status);
  expect(response.headers()["content-type"], where).toMatch(/^application\/json/);
  expect(response.headers()["cache-control"], where).toBe("private, no-store");
  return (await response.json()) as T;
}

function invalidated(response: APIResponse): string[] {
  return (response.headers()["x-cache-invalidate"] ?? "").split(",").map((tag) => tag.trim());
}

// ---------------------------------------------------------------------------------------------
// Fixtures, made over HTTP: a story, a chapter and a scene through the studio's form posts, a post
// through the API.

/** The id the redirect of a form post names, or else the newest `/prefix/:id` link on the page. */
async function createdId(ctx: APIRequestContext, response: APIResponse, prefix: string): Promise<number> {
  expect(response.status(), `${response.url()} redirects after the post`).toBeGreaterThanOrEqual(300);
  expect(response.status()).toBeLessThan(400);
  const location = response.headers().location ?? "";
  const direct = new RegExp(`${prefix}/(\\d+)$`).exec(new URL(location, response.url()).pathname);
  if (direct?.[1]) return Number(direct[1]);
  const page = await ctx.get(location);
  expect(page.status()).toBe(200);
  const ids = [...(await page.text()).matchAll(new RegExp(`${prefix}/(\\d+)`, "g"))].map((m) => Number(m[1]));
  expect(ids.length, `a ${prefix} link on ${location}`).toBeGreaterThan(0);
  return Math.max(...ids);
}

interface Tree {
  storyId: number;
  chapterId: number;
  sceneId: number;
  storyTitle: string;
  chapterTitle: string;
  sceneTitle: string;
}

async function createStory(alice: APIRequestContext, title = unique("API story")): Promise<number> {
  const response = await alice.post("/studio", {
    form: { intent: "create-story", title, summary: "Made by the API test" },
    maxRedirects: 0,
  });
  return createdId(alice, response, "/studio/stories");
}

async function addChapter(alice: APIRequestContext, storyId: number, title = unique("API chapter")): Promise<number> {
  const response = await alice.post(`/studio/stories/${storyId}`, {
    form: { intent: "add-chapter", title },
    maxRedirects: 0,
  });
  return createdId(alice, response, "/studio/chapters");
}

async function addScene(alice: APIRequestContext, chapterId: number, title = unique("API scene")): Promise<number> {
  const response = await alice.post(`/studio/chapters/${chapterId}`, {
    form: { intent: "add-scene", title },
    maxRedirects: 0,
  });
  return createdId(alice, response, "/studio/scenes");
}

/** A fresh story of alice's (a draft) with one chapter holding one scene. */
async function createTree(alice: APIRequestContext): Promise<Tree> {
  const storyTitle = unique("API story");
  const chapterTitle = unique("API chapter");
  const sceneTitle = unique("API scene");
  const storyId = await createStory(alice, storyTitle);
  const chapterId = await addChapter(alice, storyId, chapterTitle);
  const sceneId = await addScene(alice, chapterId, sceneTitle);
  return { storyId, chapterId, sceneId, storyTitle, chapterTitle, sceneTitle };
}

async function createPost(ctx: APIRequestContext): Promise<number> {
  const response = await send(ctx, "POST", "/community/api/posts", {
    json: { title: unique("API post"), body: "Made by the API test." },
  });
  return (await expectOk<{ id: number }>(response, 201)).id;
}

interface World extends Tree {
  alice: APIRequestContext;
  bob: APIRequestContext;
  anonymous: APIRequestContext;
  postId: number;
}

/** Per worker: request contexts on alice's and bob's sessions, an anonymous one, and alice's own fixtures. */
const test = base.extend<Record<never, never>, { world: World }>({
  world: [
    async ({ playwright, aliceSession, bobSession }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL;
      const context = (storageState?: Session) => playwright.request.newContext({ baseURL, storageState });
      const [alice, bob, anonymous] = await Promise.all([context(aliceSession), context(bobSession), context()]);
      const tree = await createTree(alice);
      const postId = await createPost(alice);
      await use({ alice, bob, anonymous, postId, ...tree });
      await Promise.all([alice.dispose(), bob.dispose(), anonymous.dispose()]);
    },
    { scope: "worker" },
  ],
});

// ---------------------------------------------------------------------------------------------
// The routes, and the bad input each one must refuse.

interface Target {
  method: "PATCH" | "POST" | "DELETE";
  /** The URL; `id` replaces the route's id (unknown or non-numeric ids). */
  path: (world: World, id?: string | number) => string;
  allow: string;
  /** Whether the route has an id in its path (404 for unknown ones). */
  hasId: boolean;
  /** A body the route accepts: sent only where the request must be refused anyway. */
  valid: Record<string, unknown>;
  wrongTypes: { body: Record<string, unknown>; field: string }[];
  missing: { body: Record<string, unknown>; field: string }[];
}

const targets: Target[] = [
  {
    method: "PATCH",
    path: (w, id = w.sceneId) => `/studio/api/scenes/${id}`,
    allow: "PATCH, DELETE",
    hasId: true,
    valid: { title: "Refused title" },
    wrongTypes: [
      { body: { title: 5 }, field: "title" },
      { body: { position: true }, field: "position" },
      { body: { position: 0 }, field: "position" },
      { body: { position: "2.5" }, field: "position" },
      { body: { content: ["words"] }, field: "content" },
      { body: { title: "x".repeat(201) }, field: "title" },
      { body: { title: "a\u0000b" }, field: "title" },
      { body: { content: "Text with a NUL \u0000 in it" }, field: "content" },
    ],
    missing: [
      { body: {}, field: "_form" },
      { body: { title: "   " }, field: "title" },
    ],
  },
  {
    method: "DELETE",
    path: (w, id = w.sceneId) => `/studio/api/scenes/${id}`,
    allow: "PATCH, DELETE",
    hasId: true,
    valid: {},
    wrongTypes: [],
    missing: [],
  },
  {
    method: "PATCH",
    path: (w, id = w.chapterId) => `/studio/api/chapters/${id}`,
    allow: "PATCH",
    hasId: true,
    valid: { title: "Refused title" },
    wrongTypes: [
      { body: { title: 5 }, field: "title" },
      { body: { position: true }, field: "position" },
      { body: { summary: { text: "no" } }, field: "summary" },
      { body: { summary: "\u0000" }, field: "summary" },
    ],
    missing: [
      { body: {}, field: "_form" },
      { body: { title: "" }, field: "title" },
    ],
  },
  {
    method: "PATCH",
    path: (w, id = w.storyId) => `/studio/api/stories/${id}/write`,
    allow: "PATCH",
    hasId: true,
    valid: { title: "Refused title" },
    wrongTypes: [
      { body: { title: 5 }, field: "title" },
      { body: { status: "archived" }, field: "status" },
      { body: { status: true }, field: "status" },
      { body: { summary: 12 }, field: "summary" },
      { body: { title: "Title\u0000" }, field: "title" },
    ],
    missing: [
      { body: {}, field: "_form" },
      { body: { title: "" }, field: "title" },
    ],
  },
  {
    method: "POST",
    path: () => "/community/api/posts",
    allow: "POST",
    hasId: false,
    valid: { title: "Refused post", body: "Never written." },
    wrongTypes: [
      { body: { title: 5, body: "text" }, field: "title" },
      { body: { title: "A title", body: false }, field: "body" },
      { body: { title: "A title", body: "\u0000" }, field: "body" },
    ],
    missing: [
      { body: {}, field: "title" },
      { body: { title: "A title" }, field: "body" },
      { body: { title: "  ", body: "text" }, field: "title" },
    ],
  },
  {
    method: "POST",
    path: (w, id = w.postId) => `/community/api/posts/${id}/like`,
    allow: "POST",
    hasId: true,
    valid: { liked: true },
    wrongTypes: [
      { body: { liked: "maybe" }, field: "liked" },
      { body: { liked: 1 }, field: "liked" },
    ],
    // Nothing is required: without `liked` the like toggles.
    missing: [],
  },
  {
    method: "POST",
    path: (w, id = w.postId) => `/community/api/posts/${id}/replies`,
    allow: "POST",
    hasId: true,
    valid: { body: "Refused reply" },
    wrongTypes: [
      { body: { body: 5 }, field: "body" },
      { body: { body: "NUL \u0000" }, field: "body" },
    ],
    missing: [
      { body: {}, field: "body" },
      { body: { body: "   " }, field: "body" },
    ],
  },
];

const oversizedJson = JSON.stringify({ title: "x".repeat(MAX_BODY_BYTES + 1024) });

for (const target of targets) {
  const name = `${target.method} ${target.path({ sceneId: ":id", chapterId: ":id", storyId: ":id", postId: ":postId" } as unknown as World)}`;

  test.describe(name, () => {
    test("malformed JSON, a JSON array and a JSON number are 400", async ({ world }) => {
      const path = target.path(world);
      for (const raw of ['{"title": ', "{title: 'x'}", "[1, 2]", "5", '"text"', "null"]) {
        await expectError(await send(world.alice, target.method, path, { raw, type: "application/json" }), 400);
      }
    });

    test("wrong types and missing fields are 400 naming the field", async ({ world }) => {
      const path = target.path(world);
      for (const { body, field } of [...target.wrongTypes, ...target.missing]) {
        await expectError(await send(world.alice, target.method, path, { json: body }), 400, { field });
        // The same from a form, where it can be said as one.
        const values = Object.values(body);
        if (values.every((value) => typeof value === "string")) {
          const form = body as Record<string, string>;
          await expectError(await send(world.alice, target.method, path, { form }), 400, { field });
        }
      }
    });

    test("an oversized body is 413, an unsupported Content-Type 415", async ({ world }) => {
      const path = target.path(world);
      await expectError(
        await send(world.alice, target.method, path, { raw: oversizedJson, type: "application/json" }),
        413,
      );
      await expectError(
        await send(world.alice, target.method, path, {
          raw: `title=${"y".repeat(MAX_BODY_BYTES)}`,
          type: "application/x-www-form-urlencoded",
        }),
        413,
      );
      await expectError(await send(world.alice, target.method, path, { raw: "title: x", type: "text/plain" }), 415);
      await expectError(
        await send(world.alice, target.method, path, { raw: "<title/>", type: "application/xml" }),
        415,
      );
    });

    if (target.hasId) {
      test("an unknown or non-numeric id is 404", async ({ world }) => {
        for (const id of [UNKNOWN_ID, "abc", "0", "-1", "1.5", "12345678901"]) {
          await expectError(
            await send(world.alice, target.method, target.path(world, id), { json: target.valid }),
            404,
          );
        }
      });
    }

    test("anonymous callers get 401, whatever the body", async ({ world }) => {
      const path = target.path(world);
      await expectError(await send(world.anonymous, target.method, path, { json: target.valid }), 401);
      await expectError(
        await send(world.anonymous, target.method, path, { raw: "{oops", type: "application/json" }),
        401,
      );
      await expectError(await send(world.anonymous, target.method, path, { raw: "x", type: "text/plain" }), 401);
      await expectError(
        await send(world.anonymous, target.method, path, { raw: oversizedJson, type: "application/json" }),
        401,
      );
      if (target.hasId) {
        await expectError(await send(world.anonymous, target.method, target.path(world, UNKNOWN_ID)), 401);
      }
    });

    test("other methods are 405 with Allow", async ({ world }) => {
      const path = target.path(world);
      for (const method of [
        "GET",
        "PUT",
        "OPTIONS",
        ...["PATCH", "POST", "DELETE"].filter((m) => !target.allow.includes(m)),
      ]) {
        const response = await send(world.alice, method, path, method === "GET" ? undefined : { json: target.valid });
        await expectError(response, 405);
        expect(response.headers().allow).toBe(target.allow);
      }
      // Also for anonymous callers: the method is checked first.
      const anonymous = await send(world.anonymous, "PUT", path, { json: target.valid });
      await expectError(anonymous, 405);
      const head = await send(world.alice, "HEAD", path);
      expect(head.status()).toBe(405);
      expect(head.headers().allow).toBe(target.allow);
    });

    test("cross-site requests are 403", async ({ world }) => {
      const path = target.path(world);
      const crossSite: Record<string, string>[] = [
        { Origin: "http://evil.example" },
        { "Sec-Fetch-Site": "cross-site" },
        { Origin: "null" },
        { Origin: "http://evil.example", "Sec-Fetch-Site": "same-site" },
      ];
      for (const headers of crossSite) {
        await expectError(await send(world.alice, target.method, path, { json: target.valid }, headers), 403, {
          personal: false,
        });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Other people's work: 403, and nothing changes.

test.describe("bob on alice's story", () => {
  test("cannot change her scene, chapter or story, nor delete her scene", async ({ world }) => {
    const tree = await createTree(world.alice);
    const marker = unique("bob was here");
    const refusals = [
      send(world.bob, "PATCH", `/studio/api/scenes/${tree.sceneId}`, {
        json: { title: marker, content: marker, position: 1 },
      }),
      send(world.bob, "PATCH", `/studio/api/scenes/${tree.sceneId}`, { form: { title: marker } }),
      send(world.bob, "DELETE", `/studio/api/scenes/${tree.sceneId}`),
      send(world.bob, "PATCH", `/studio/api/chapters/${tree.chapterId}`, { json: { title: marker, summary: marker } }),
      send(world.bob, "PATCH", `/studio/api/stories/${tree.storyId}/write`, {
        json: { title: marker, summary: marker, status: "published" },
      }),
    ];
    for (const response of await Promise.all(refusals)) {
      const { error } = await expectError(response, 403);
      expect(error).not.toContain(marker);
    }
    // Invalid input from bob is still a 403: he learns nothing about alice's work.
    await expectError(await send(world.bob, "PATCH", `/studio/api/scenes/${tree.sceneId}`, { json: {} }), 403);

    // Read it back as alice: the studio pages and the rows (a no-op change answers with the row).
    const chapterPage = await world.alice.get(`/studio/chapters/${tree.chapterId}`);
    expect(chapterPage.status()).toBe(200);
    const chapterHtml = await chapterPage.text();
    expect(chapterHtml).toContain(tree.sceneTitle);
    expect(chapterHtml).not.toContain(marker);
    const storyPage = await world.alice.get(`/studio/stories/${tree.storyId}`);
    expect(storyPage.status()).toBe(200);
    expect(await storyPage.text()).not.toContain(marker);

    const scene = await expectOk<{ id: number; title: string; content: string }>(
      await send(world.alice, "PATCH", `/studio/api/scenes/${tree.sceneId}`, { json: { position: 1 } }),
    );
    expect(scene).toMatchObject({ id: tree.sceneId, title: tree.sceneTitle, content: "" });
    const chapter = await expectOk<{ title: string; summary: string }>(
      await send(world.alice, "PATCH", `/studio/api/chapters/${tree.chapterId}`, { json: { position: 1 } }),
    );
    expect(chapter.title).toBe(tree.chapterTitle);
    expect(chapter.summary).not.toContain(marker);
    const story = await expectOk<{ title: string; status: string }>(
      await send(world.alice, "PATCH", `/studio/api/stories/${tree.storyId}/write`, {
        json: { summary: "Made by the API test" },
      }),
    );
    expect(story).toMatchObject({ title: tree.storyTitle, status: "draft" });
  });
});

// ---------------------------------------------------------------------------------------------
// Unknown API paths.

test.describe("unknown API paths", () => {
  test("are 404 JSON for every method, signed in or not", async ({ world }) => {
    const paths = [
      "/studio/api/nothing",
      "/studio/api/scenes",
      "/studio/api/stories/1",
      "/studio/api/stories/1/write/more",
      "/community/api/nothing",
      "/community/api/posts/1/unknown",
      "/community/api/replies",
      "/community/api/replies/1/more",
      "/community/api/posts/1/like/again",
    ];
    for (const path of paths) {
      for (const ctx of [world.alice, world.anonymous]) {
        for (const method of ["GET", "POST", "PATCH", "DELETE"]) {
          await expectError(await send(ctx, method, path, method === "GET" ? undefined : { json: {} }), 404);
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// What works.

test.describe("happy paths", () => {
  test("PATCH a scene: the new title, content and word count, and the tags it purged", async ({ world }) => {
    const tree = await createTree(world.alice);
    const title = unique("Renamed scene");
    const response = await send(world.alice, "PATCH", `/studio/api/scenes/${tree.sceneId}`, {
      json: { title, content: "The tide came in  at\n dusk." },
    });
    const scene = await expectOk<{ id: number; title: string; content: string; wordCount: number }>(response);
    expect(scene).toMatchObject({ id: tree.sceneId, title, content: "The tide came in  at\n dusk.", wordCount: 6 });
    // A rename: the scene, its chapter's list, the studio's word counts; not the reading outline.
    expect(invalidated(response)).toEqual(
      expect.arrayContaining([`scene:${tree.sceneId}`, `chapter:${tree.chapterId}`, `story:${tree.storyId}:words`]),
    );
    expect(invalidated(response)).not.toContain(`story:${tree.storyId}`);

    // A form body works too, and "2" is a position just as 2 is.
    const second = await addScene(world.alice, tree.chapterId);
    const moved = await expectOk<{ id: number; position: number }>(
      await send(world.alice, "PATCH", `/studio/api/scenes/${second}`, { form: { position: "1" } }),
    );
    expect(moved).toMatchObject({ id: second, position: 1 });
    const back = await expectOk<{ position: number }>(
      await send(world.alice, "PATCH", `/studio/api/scenes/${second}`, { json: { position: 2 } }),
    );
    expect(back.position).toBe(2);
  });

  test("PATCH a scene with updatedAt: 409 with the current scene when someone saved since", async ({ world }) => {
    const tree = await createTree(world.alice);
    const path = `/studio/api/scenes/${tree.sceneId}`;
    type Scene = { id: number; title: string; content: string; updatedAt: string };
    // The version both "tabs" start from.
    const start = await expectOk<Scene>(await send(world.alice, "PATCH", path, { json: { content: "Start." } }));

    const first = await expectOk<Scene>(
      await send(world.alice, "PATCH", path, { json: { content: "Tab one wrote this.", updatedAt: start.updatedAt } }),
    );
    expect(first.content).toBe("Tab one wrote this.");
    expect(new Date(first.updatedAt).getTime()).toBeGreaterThan(new Date(start.updatedAt).getTime());

    // Tab two still has the start version: refused, and told what is there now.
    const conflict = await send(world.alice, "PATCH", path, {
      json: { content: "Tab two would overwrite it.", updatedAt: start.updatedAt },
    });
    const body = await expectError(conflict, 409);
    expect((body as unknown as { scene: Scene }).scene).toMatchObject({
      id: tree.sceneId,
      content: "Tab one wrote this.",
      updatedAt: first.updatedAt,
    });
    expect(conflict.headers()["x-cache-invalidate"], "a refused write purges nothing").toBeUndefined();

    // A form body carries it the same way; based on the current version it goes through.
    const second = await expectOk<Scene>(
      await send(world.alice, "PATCH", path, { form: { content: "Tab two, merged.", updatedAt: first.updatedAt } }),
    );
    expect(second.content).toBe("Tab two, merged.");
    // Without updatedAt a PATCH overwrites, as it always did.
    const blind = await expectOk<Scene>(await send(world.alice, "PATCH", path, { json: { content: "Blind." } }));
    expect(blind.content).toBe("Blind.");
  });

  test("PATCH a scene with a malformed updatedAt, or only updatedAt: 400", async ({ world }) => {
    const tree = await createTree(world.alice);
    const path = `/studio/api/scenes/${tree.sceneId}`;
    await expectError(await send(world.alice, "PATCH", path, { json: { content: "x", updatedAt: "yesterday" } }), 400, {
      field: "updatedAt",
    });
    await expectError(await send(world.alice, "PATCH", path, { json: { content: "x", updatedAt: 12 } }), 400, {
      field: "updatedAt",
    });
    await expectError(await send(world.alice, "PATCH", path, { json: { updatedAt: new Date().toISOString() } }), 400);
  });

  test("DELETE a scene: 200, then 404", async ({ world }) => {
    const tree = await createTree(world.alice);
    const response = await send(world.alice, "DELETE", `/studio/api/scenes/${tree.sceneId}`);
    expect(await expectOk(response)).toMatchObject({ id: tree.sceneId, deleted: true, chapterId: tree.chapterId });
    expect(invalidated(response)).toEqual(
      expect.arrayContaining([`scene:${tree.sceneId}`, `chapter:${tree.chapterId}`]),
    );
    await expectError(await send(world.alice, "DELETE", `/studio/api/scenes/${tree.sceneId}`), 404);
    await expectError(
      await send(world.alice, "PATCH", `/studio/api/scenes/${tree.sceneId}`, { json: { title: "Gone" } }),
      404,
    );
  });

  test("PATCH a chapter, JSON and form", async ({ world }) => {
    const tree = await createTree(world.alice);
    const title = unique("Renamed chapter");
    const response = await send(world.alice, "PATCH", `/studio/api/chapters/${tree.chapterId}`, {
      json: { title, summary: "What happens" },
    });
    expect(await expectOk(response)).toMatchObject({ id: tree.chapterId, title, summary: "What happens" });
    expect(invalidated(response)).toEqual(
      expect.arrayContaining([`chapter:${tree.chapterId}`, `story:${tree.storyId}`]),
    );
    const viaForm = await send(world.alice, "PATCH", `/studio/api/chapters/${tree.chapterId}`, {
      form: { summary: "Changed by a form" },
    });
    expect(await expectOk(viaForm)).toMatchObject({ title, summary: "Changed by a form" });
  });

  test("PATCH a story: title, summary and status", async ({ world }) => {
    const tree = await createTree(world.alice);
    const title = unique("Renamed story");
    const response = await send(world.alice, "PATCH", `/studio/api/stories/${tree.storyId}/write`, {
      json: { title, summary: "New summary", status: "published" },
    });
    expect(await expectOk(response)).toMatchObject({
      id: tree.storyId,
      title,
      summary: "New summary",
      status: "published",
    });
    expect(invalidated(response)).toContain(`story:${tree.storyId}`);
    const viaForm = await send(world.alice, "PATCH", `/studio/api/stories/${tree.storyId}/write`, {
      form: { status: "draft" },
    });
    expect(await expectOk(viaForm)).toMatchObject({ title, status: "draft" });
  });

  test("POST a post: 201 and its Location, JSON, form and multipart", async ({ world }) => {
    for (const encode of ["json", "form", "multipart"] as const) {
      const title = unique(`API post (${encode})`);
      const fields = { title, body: `Posted as ${encode}.` };
      const body: Body =
        encode === "json" ? { json: fields } : encode === "form" ? { form: fields } : { multipart: fields };
      const response = await send(world.alice, "POST", "/community/api/posts", body);
      const post = await expectOk<{ id: number; title: string; body: string }>(response, 201);
      expect(post).toMatchObject({ title, body: `Posted as ${encode}.` });
      expect(response.headers().location).toBe(`/community/posts/${post.id}`);
      expect(invalidated(response)).toEqual(expect.arrayContaining(["community:feed", `post:${post.id}`]));
    }
  });

  test("like: liked=true twice counts once, liked=false, and a toggle without liked", async ({ world }) => {
    const postId = await createPost(world.alice);
    const like = (ctx: APIRequestContext, body?: Body) =>
      send(ctx, "POST", `/community/api/posts/${postId}/like`, body).then((r) =>
        expectOk<{ liked: boolean; likeCount: number }>(r),
      );
    expect(await like(world.alice, { json: { liked: true } })).toEqual({ liked: true, likeCount: 1 });
    expect(await like(world.alice, { json: { liked: true } })).toEqual({ liked: true, likeCount: 1 });
    expect(await like(world.bob, { form: { liked: "true" } })).toEqual({ liked: true, likeCount: 2 });
    expect(await like(world.alice, { json: { liked: false } })).toEqual({ liked: false, likeCount: 1 });
    expect(await like(world.alice, { form: { liked: "false" } })).toEqual({ liked: false, likeCount: 1 });
    expect(await like(world.alice)).toEqual({ liked: true, likeCount: 2 });
    expect(await like(world.alice, { json: {} })).toEqual({ liked: false, likeCount: 1 });
    expect(await like(world.bob, { form: {} })).toEqual({ liked: false, likeCount: 0 });

    const response = await send(world.alice, "POST", `/community/api/posts/${postId}/like`, { json: { liked: true } });
    await expectOk(response);
    // The post's own tag only: the feed's list entry holds ids, not counts.
    expect(invalidated(response)).toEqual([`post:${postId}`]);
  });

  test("reply: 201, JSON, form and multipart", async ({ world }) => {
    const ids = new Set<number>();
    for (const body of [
      { json: { body: "A reply in JSON" } },
      { form: { body: "A reply from a form" } },
      { multipart: { body: "A reply from a multipart form" } },
    ] satisfies Body[]) {
      const response = await send(world.bob, "POST", `/community/api/posts/${world.postId}/replies`, body);
      const reply = await expectOk<{ id: number; postId: number }>(response, 201);
      expect(reply.postId).toBe(world.postId);
      ids.add(reply.id);
      expect(invalidated(response)).toContain(`post:${world.postId}`);
    }
    expect(ids.size).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------
// The write budget (app/http/api-write-limit.server.ts): 600 API writes a minute per signed-in user
// (tests/integration/hardening-http.test.ts spends a user's), or per address when anonymous.

test.describe("rate limit", () => {
  test("a client that writes too fast gets 429 JSON with Retry-After", async ({ playwright, baseURL }) => {
    test.setTimeout(120_000);
    // An address of its own (the e2e server believes X-Forwarded-For from loopback, TRUST_PROXY):
    // the budget it spends is nobody else's.
    const address = `198.51.100.${Math.floor(Math.random() * 200) + 20}`;
    const client = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { "X-Forwarded-For": address } });
    try {
      // Asked without X-Forwarded-For: /readyz shows its details to loopback callers only.
      const ready = (await (await fetch(`${baseURL}/readyz`)).json()) as { redis?: { ok?: boolean } };
      test.skip(!ready.redis?.ok, "no Redis: the write limit fails open");
      // Anonymous: each write is a 401 once counted; beyond the budget, 429 before the 401.
      const write = () => send(client, "POST", "/community/api/posts", { json: { title: "" } });
      let allowed = 0;
      let limited: APIResponse | undefined;
      for (let round = 0; round < 70 && !limited; round++) {
        for (const response of await Promise.all(Array.from({ length: 10 }, write))) {
          if (response.status() === 429) limited ??= response;
          else {
            await expectError(response, 401);
            allowed++;
          }
        }
      }
      expect(limited, "a 429 within 700 writes").toBeDefined();
      if (!limited) return;
      expect(allowed).toBeGreaterThan(0);
      expect(allowed).toBeLessThanOrEqual(600);
      const body = await expectError(limited, 429);
      expect(body.error).toMatch(/too many/i);
      expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
      expect(Number(limited.headers()["retry-after"])).toBeLessThanOrEqual(60);
      // Reads are not writes: the limited client still reads.
      expect((await client.get("/community")).status()).toBe(200);
    } finally {
      await client.dispose();
    }
  });
});
