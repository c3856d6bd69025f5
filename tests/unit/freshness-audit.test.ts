import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Query, queryRegistry } from "~/cache/define-query.server";
import { CacheEvents } from "~/cache/events";
import { FreshnessAudit, type StaleHit } from "~/monitoring/freshness-audit.server";

/** A query in the registry whose database value the test sets. */
function fakeQuery(name: string) {
  const database = { value: { title: "a", at: new Date(0) } as unknown };
  const query = {
    name,
    scope: "public",
    tags: ({ id }: { id: number }) => [`thing:${id}`],
    argsSchema: z.object({ id: z.number() }),
    spec: {
      name,
      tags: ({ id }: { id: number }) => [`thing:${id}`],
      freshMs: 1000,
      staleMs: 1000,
      scope: "public",
      schema: z.object({ title: z.string(), at: z.coerce.date() }),
      load: async () => database.value,
    },
    read: async () => {
      throw new Error("the audit never reads through the cache");
    },
  } as unknown as Query<z.ZodType, z.ZodType>;
  queryRegistry.set(name, query);
  return database;
}

function served(events: CacheEvents, query: string, value: unknown, status: "hit" | "miss" = "hit") {
  events.emit("served", { query, status, ms: 1, args: { id: 1 }, value });
}

describe("FreshnessAudit", () => {
  afterEach(() => {
    for (const name of [...queryRegistry.keys()]) if (name.startsWith("audit-test.")) queryRegistry.delete(name);
  });

  it("samples hits at its rate, never misses, and compares as JSON (Dates as ISO strings, key order ignored)", async () => {
    fakeQuery("audit-test.a");
    const events = new CacheEvents();
    const draws = [0.1, 0.9, 0.4, 0.6];
    const audit = new FreshnessAudit({ rate: 0.5, random: () => draws.shift() ?? 1, graceMs: 0 });
    audit.observe(events);
    for (let i = 0; i < 4; i++) served(events, "audit-test.a", { at: new Date(0).toISOString(), title: "a" });
    served(events, "audit-test.a", { title: "old" }, "miss");
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ sampled: 2, audited: 2, fresh: 2, stale: 0 });
  });

  it("samples the pieces of a batch (one page) at the rate divided by its size, and all of them at rate 1", async () => {
    fakeQuery("audit-test.batch");
    const events = new CacheEvents();
    const draws = [0.04, 0.06, 0.01];
    const audit = new FreshnessAudit({ rate: 0.5, random: () => draws.shift() ?? 1, graceMs: 0 });
    audit.observe(events);
    const piece = () =>
      events.emit("served", { query: "audit-test.batch", status: "hit", ms: 1, args: { id: 1 }, value: {}, batch: 10 });
    for (let i = 0; i < 3; i++) piece(); // 0.04 and 0.01 are under 0.5 / 10, 0.06 is not
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ sampled: 2 });

    const everything = new FreshnessAudit({ rate: 1, random: () => 0.99, graceMs: 0 });
    const bus = new CacheEvents();
    everything.observe(bus);
    bus.emit("served", { query: "audit-test.batch", status: "hit", ms: 1, args: { id: 1 }, value: {}, batch: 100 });
    await everything.idle();
    expect(everything.snapshot()).toMatchObject({ sampled: 1 });
  });

  it("reports a difference no purge explains as a stale hit: query, args, tags, path, both values", async () => {
    const database = fakeQuery("audit-test.b");
    const events = new CacheEvents();
    const reported: StaleHit[] = [];
    const audit = new FreshnessAudit({ rate: 1, graceMs: 0, onStale: (hit) => reported.push(hit) });
    audit.observe(events);
    database.value = { title: "new", at: new Date(0) };
    served(events, "audit-test.b", { title: "old", at: new Date(0) });
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 1, stale: 1, staleByQuery: { "audit-test.b": 1 } });
    expect(reported).toEqual([
      expect.objectContaining({
        query: "audit-test.b",
        args: { id: 1 },
        tags: ["thing:1"],
        path: "title",
        served: "old",
        current: "new",
      }),
    ]);
  });

  it("calls a difference inconclusive when one of the query's tags was purged after the read began", async () => {
    const database = fakeQuery("audit-test.c");
    const events = new CacheEvents();
    const audit = new FreshnessAudit({ rate: 1, graceMs: 30 });
    audit.observe(events);
    database.value = { title: "new", at: new Date(0) };
    served(events, "audit-test.c", { title: "old", at: new Date(0) });
    // The write's purge arrives within the grace, after its commit.
    setTimeout(() => events.emit("purged", { tags: ["thing:1"], ms: 1, ok: true, by: "mutation", reason: "t" }), 5);
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 1, stale: 0, inconclusive: 1 });
    // A purge of another tag explains nothing.
    audit.notePurge(["thing:2"]);
    served(events, "audit-test.c", { title: "older", at: new Date(0) });
    await new Promise((r) => setTimeout(r, 1));
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 2, stale: 1, inconclusive: 1 });
  });

  it("calls a difference inconclusive when a tag's token changed since the hit: a purge by another instance", async () => {
    const database = fakeQuery("audit-test.remote");
    const events = new CacheEvents();
    // The cache's Redis as this process sees it: another instance's purge replaces the token, and
    // this process's event bus never hears of it.
    const redisTokens = new Map([["thing:1", "t1"]]);
    const audit = new FreshnessAudit({
      rate: 1,
      graceMs: 5,
      tokens: async (tags) => tags.map((tag) => redisTokens.get(tag) ?? null),
    });
    audit.observe(events);
    database.value = { title: "new", at: new Date(0) };
    served(events, "audit-test.remote", { title: "old", at: new Date(0) });
    redisTokens.set("thing:1", "t2"); // the other instance's write and purge, after the hit was served
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 1, stale: 0, inconclusive: 1 });
    // A purge that deleted the token (none yet since) counts the same.
    served(events, "audit-test.remote", { title: "old", at: new Date(0) });
    redisTokens.delete("thing:1");
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 2, stale: 0, inconclusive: 2 });
    // Tokens unchanged since the hit: nothing explains the difference, a stale hit.
    redisTokens.set("thing:1", "t3");
    served(events, "audit-test.remote", { title: "old", at: new Date(0) });
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 3, stale: 1, inconclusive: 2 });
  });

  it("re-loads the hits of one query sampled together (a page's pieces) in one loadMany", async () => {
    fakeQuery("audit-test.many");
    const query = queryRegistry.get("audit-test.many") as Query<z.ZodType, z.ZodType>;
    const calls: unknown[][] = [];
    query.spec.loadMany = async (args) => {
      calls.push([...args]);
      return args.map((a) => ({ title: `t${(a as { id: number }).id}`, at: new Date(0) }));
    };
    const events = new CacheEvents();
    const audit = new FreshnessAudit({ rate: 1, graceMs: 0 });
    audit.observe(events);
    for (const id of [1, 2, 3]) {
      const value = { title: id === 2 ? "stale" : `t${id}`, at: new Date(0) };
      events.emit("served", { query: "audit-test.many", status: "hit", ms: 1, args: { id }, value, batch: 3 });
    }
    await audit.idle();
    expect(calls).toEqual([[{ id: 1 }, { id: 2 }, { id: 3 }]]);
    expect(audit.snapshot()).toMatchObject({ audited: 3, fresh: 2, stale: 1 });
    expect(audit.snapshot().recent[0]).toMatchObject({ args: { id: 2 }, served: "stale", current: "t2" });
  });

  it("drops hits of queries this build does not know, and audits beyond its bound", async () => {
    fakeQuery("audit-test.d");
    const events = new CacheEvents();
    const audit = new FreshnessAudit({ rate: 1, graceMs: 0, concurrency: 1, maxPending: 2 });
    audit.observe(events);
    served(events, "audit-test.unknown", {});
    for (let i = 0; i < 5; i++) served(events, "audit-test.d", { title: "a", at: new Date(0) });
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ sampled: 6, dropped: 4, audited: 2 });
  });

  it("counts a re-load that throws as an error, not as stale", async () => {
    const database = fakeQuery("audit-test.e");
    const events = new CacheEvents();
    const audit = new FreshnessAudit({ rate: 1, graceMs: 0 });
    audit.observe(events);
    database.value = { title: 5 }; // fails the value schema
    served(events, "audit-test.e", { title: "a", at: new Date(0) });
    await audit.idle();
    expect(audit.snapshot()).toMatchObject({ audited: 0, errors: 1, stale: 0 });
  });
});
