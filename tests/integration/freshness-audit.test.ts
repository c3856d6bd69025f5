import type { LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cacheEvents } from "~/cache/events";
import { cacheRedis } from "~/cache/redis.server";
import { createLoadContext } from "~/http/load-context.server";
import { setLike } from "~/models/likes.server";
import { createPost } from "~/models/posts.server";
import { updateScene } from "~/models/scenes.server";
import { activeAlerts, startAlertEvaluator } from "~/monitoring/alerts.server";
import { startClusterPublisher } from "~/monitoring/cluster.server";
import { freshnessAudit, type StaleHit } from "~/monitoring/freshness-audit.server";
import { loader as communityLoader } from "~/routes/community._index";
import { loader as postLoader } from "~/routes/community.posts.$postId";
import { loader as readingLoader } from "~/routes/stories.$storyId";
import { type TestApp, testApp } from "../support/test-app";

/**
 * The test-only hook: while `hook.drop` names a tag, every mutation's change leaves that tag out
 * (its outbox row and its purge), as a model that forgot the tag would. Nothing else changes.
 */
const hook = vi.hoisted(() => ({ drop: undefined as string | undefined }));
vi.mock("~/cache/invalidate.server", async (importOriginal) => {
  const real = await importOriginal<typeof import("~/cache/invalidate.server")>();
  const commitChange: typeof real.commitChange = (reason, work) =>
    real.commitChange(reason, async (tx) => {
      const change = await work(tx);
      const drop = hook.drop;
      return drop === undefined ? change : { ...change, tags: change.tags.filter((tag) => tag !== drop) };
    });
  return { ...real, commitChange };
});

type Loader = (args: LoaderFunctionArgs) => Promise<unknown>;

/** Runs a page's loader as an anonymous request would, through the cache. */
async function readPage(loader: Loader, path: string, params: Record<string, string> = {}) {
  await loader({ request: new Request(`http://localhost${path}`), params, context: createLoadContext("127.0.0.1") });
}

/** The cached reads (query and tags) a piece of work makes. */
async function readsOf(work: () => Promise<unknown>) {
  const seen: { query: string; args: unknown; tags: readonly string[] }[] = [];
  const off = cacheEvents().on("read", ({ query, args, tags }) => seen.push({ query, args, tags }));
  try {
    await work();
  } finally {
    off();
  }
  return seen;
}

/** The tags a mutation purged. */
async function purgesOf(work: () => Promise<unknown>) {
  const seen: string[] = [];
  const off = cacheEvents().on("purged", ({ tags }) => seen.push(...tags));
  try {
    await work();
  } finally {
    off();
  }
  return seen;
}

describe("the freshness audit over real pages, mutations and Redis", { timeout: 480_000 }, () => {
  let app: TestApp;
  const audit = freshnessAudit();
  beforeAll(async () => {
    app = await testApp({ story: { title: "Audited", content: "v0" } });
    audit.rate = 1;
  });
  afterAll(async () => {
    await audit.idle();
    await app?.close();
  });
  beforeEach(async () => {
    hook.drop = undefined;
    await audit.idle();
    audit.reset();
  });

  it("reports a stale hit, naming the query and its tags, when a mutation forgot one tag", async () => {
    const { storyId, sceneId } = app.story;
    const page = () => readPage(readingLoader as Loader, `/stories/${storyId}`, { storyId: String(storyId) });
    const reads = await readsOf(page);
    const purged = await purgesOf(() => updateScene(app.users.alice, sceneId, { content: "v1" }));
    // A tag whose omission must leave a read stale: that read has no other tag the write purges.
    const victim = reads.find((read) => read.tags.filter((tag) => purged.includes(tag)).length === 1);
    expect(
      victim,
      `a read of the page with exactly one tag the scene save purges: ${JSON.stringify(reads)}`,
    ).toBeDefined();
    const dropped = victim?.tags.find((tag) => purged.includes(tag)) as string;

    const reported: StaleHit[] = [];
    const off = audit.onStale((hit) => reported.push(hit));
    const cluster = { redis: cacheRedis, namespace: app.namespace, timer: false };
    const publisher = startClusterPublisher({ ...cluster, role: "web" });
    const evaluator = startAlertEvaluator({ ...cluster, webhookUrl: undefined });
    await publisher.publish(); // the alert window's baseline
    await page(); // miss: fills
    await page(); // hit of the current value: fresh
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ stale: 0, fresh: expect.any(Number) });
    expect(audit.snapshot().fresh).toBeGreaterThan(0);

    hook.drop = dropped;
    const change = await updateScene(app.users.alice, sceneId, { content: "v2, never purged" });
    hook.drop = undefined;
    expect(change.tags).not.toContain(dropped);
    await page(); // the old entry is still valid: a stale hit
    await audit.idle();
    off();

    const stats = audit.snapshot();
    expect(stats.stale).toBeGreaterThanOrEqual(1);
    expect(stats.staleByQuery[victim?.query as string]).toBeGreaterThanOrEqual(1);
    const hit = stats.recent.find((h) => h.query === victim?.query);
    expect(hit?.tags).toContain(dropped);
    expect(hit?.args).toEqual(victim?.args);
    expect(JSON.stringify(hit?.current)).toContain("v2, never purged");
    expect(reported.map((h) => h.query)).toContain(victim?.query);

    // The stale hit raises a critical alert through the cluster figures and the evaluator.
    await publisher.publish();
    expect((await evaluator.tick()).evaluated).toBe(true);
    expect(await activeAlerts()).toContainEqual(
      expect.objectContaining({ rule: "stale_hits", level: "critical", state: "firing" }),
    );
    await evaluator.stop();
    await publisher.stop();
  });

  it("finds no stale hit in 10 000 audited hits when every mutation purges all its tags", async () => {
    const { storyId, sceneId } = app.story;
    const { alice, bob } = app.users;
    const postId = (await createPost(alice, { title: "Audited post", body: "body" })).value.id;
    // The entry the first test left stale goes with a write that purges all its tags.
    await updateScene(alice, sceneId, { content: "all tags purged" });
    await audit.idle();
    audit.reset();
    const pages: [Loader, string, Record<string, string>][] = [
      [readingLoader as Loader, `/stories/${storyId}`, { storyId: String(storyId) }],
      [communityLoader as Loader, "/community", {}],
      [postLoader as Loader, `/community/posts/${postId}`, { postId: String(postId) }],
    ];
    let writes = 0;
    for (let round = 0; audit.snapshot().audited < 10_000; round++) {
      // A write every few rounds, while reads go on: its purges must explain every difference.
      if (round % 25 === 0) {
        writes += 1;
        const write =
          writes % 2 === 0
            ? updateScene(alice, sceneId, { content: `v${round}` })
            : setLike(bob, postId, { liked: writes % 4 === 1 });
        await Promise.all([write, ...pages.map(([loader, path, params]) => readPage(loader, path, params))]);
      }
      await Promise.all(pages.map(([loader, path, params]) => readPage(loader, path, params)));
      // Waiting for the audits to catch up also waits out the 1 s grace of any difference a write
      // made (inconclusive): every 100 rounds (≈ 800 hits waiting, under maxPending's 1 000, so
      // none dropped: asserted below), not every 10, where it was most of this test's time.
      if (round % 100 === 0) await audit.idle();
      if (round > 20_000) throw new Error(`too few hits audited: ${JSON.stringify(audit.snapshot())}`);
    }
    await audit.idle();
    const stats = audit.snapshot();
    console.info(
      "freshness audit over 10 000 hits:",
      JSON.stringify({ ...stats, recent: stats.recent.slice(0, 5), writes }, null, 1),
    );
    expect(stats.audited).toBeGreaterThanOrEqual(10_000);
    expect(stats.stale).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.dropped).toBe(0);
    expect(writes).toBeGreaterThan(10);
  });
});
