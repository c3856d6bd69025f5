import { spawn } from "node:child_process";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { invalidate } from "~/cache/invalidate.server";
import { loadCacheNamespace } from "~/cache/namespace.server";
import { disconnectCacheRedis } from "~/cache/redis.server";
import { tags } from "~/cache/tags";
import { type DatabaseHandle, openDatabase, setDatabase } from "~/db/connection.server";
import { seedDemo } from "~/db/seed.server";
import { communityPost } from "~/queries/index.server";
import { closeWarmQueue, openWarmQueue, warmQueue } from "~/warming/queue.server";
import { recentReads } from "~/warming/recent-reads.server";
import { enableCache, waitFor } from "../support/cache";
import { createScratchPostgres } from "../support/databases";
import {
  freePort,
  type RunningServer,
  redisServerAvailable,
  type SpawnedScript,
  spawnScript,
  startServer,
} from "../support/server-process";

/**
 * Warming across real processes: the web server with its inline worker over HTTP, the server with
 * its queue's Redis gone, the eviction-policy check, and `npm run worker` killed or stopped while
 * a job runs (on Postgres: PGlite belongs to one process).
 */

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function signIn(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "password" }),
    redirect: "manual",
  });
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

/** The post page as an anonymous reader sees it: its cache status and like count. */
async function readPost(url: string, postId: number) {
  const response = await fetch(`${url}/community/posts/${postId}`);
  const html = await response.text();
  const likes = Number(/data-testid="like-count">(\d+) like/.exec(html)?.[1]);
  return { cache: response.headers.get("x-cache"), likes };
}

/** Toggles `cookie`'s like of the post, through the JSON API. */
async function like(url: string, cookie: string, postId: number) {
  const started = performance.now();
  const response = await fetch(`${url}/community/api/posts/${postId}/like`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", origin: url },
    body: "{}",
  });
  return {
    status: response.status,
    ms: performance.now() - started,
    body: (await response.json()) as { likeCount: number },
  };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
}

describe("the web server's inline worker", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = undefined;
  });

  it("warms a hot post page after a like through the API: the next read is a HIT, and fresh", async () => {
    server = await startServer({ WARM_INTERVAL: "0", REDIS_URL: redisUrl });
    const cookie = await signIn(server.url, "bob@example.com");
    await readPost(server.url, 2);
    const before = await readPost(server.url, 2);
    expect(before.cache).toBe("HIT");

    const liked = await like(server.url, cookie, 2);
    expect(liked.status).toBe(200);
    // Nobody reads the page until the worker says it warmed it.
    await waitFor(async () => (await metric(server?.url ?? "", "quill_warm_jobs_done_total")) >= 1, 10_000, "warming");
    const after = await readPost(server.url, 2);
    expect(after.cache).toBe("HIT");
    expect(after.likes).toBe(liked.body.likeCount);
    expect(after.likes).not.toBe(before.likes);
  }, 90_000);

  it("saves at once with the queue's Redis down, and the read after the save is fresh", async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    server = await startServer({ WARM_INTERVAL: "0", REDIS_URL: redisUrl, QUEUE_REDIS_URL: nowhere });
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { queue: { state: string } };
    expect(ready.queue.state).not.toBe("ready");
    const cookie = await signIn(server.url, "bob@example.com");
    await readPost(server.url, 3);
    expect((await readPost(server.url, 3)).cache).toBe("HIT");

    const liked = await like(server.url, cookie, 3);
    expect(liked.status).toBe(200);
    // ioredis's defaults would hold it for 10 s or more; a fail-fast producer does not wait at all.
    expect(liked.ms).toBeLessThan(2000);
    const after = await readPost(server.url, 3);
    expect(after).toEqual({ cache: "MISS", likes: liked.body.likeCount });
  }, 90_000);

  it.runIf(redisServerAvailable)(
    "checks the queue Redis's eviction policy: a warning in development, a refusal in production",
    async () => {
      const port = await freePort();
      const lru = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--maxmemory-policy", "allkeys-lru"],
        { stdio: "ignore" },
      );
      try {
        const queueUrl = `redis://127.0.0.1:${port}`;
        await waitFor(
          () =>
            fetch(`http://127.0.0.1:${port}`).then(
              () => true,
              (e: Error) => !/ECONNREFUSED/.test(String(e.cause)),
            ),
          5000,
          "redis-server",
        );
        server = await startServer({ REDIS_URL: redisUrl, QUEUE_REDIS_URL: queueUrl });
        expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
        expect(server.output()).toMatch(/queue Redis has maxmemory-policy allkeys-lru/);
        await server.stop("SIGKILL");

        server = await startServer({
          NODE_ENV: "production",
          SESSION_SECRET: "a-production-secret-of-some-length",
          REDIS_URL: redisUrl,
          QUEUE_REDIS_URL: queueUrl,
        });
        expect(await server.exited).toBe(1);
        expect(server.output()).toMatch(/Refusing to start: the queue Redis has maxmemory-policy allkeys-lru/);
      } finally {
        lru.kill("SIGKILL");
      }
    },
    120_000,
  );
});

describe("npm run worker without a Postgres", () => {
  it("refuses to run on the embedded database, saying why", async () => {
    const refused = spawnScript("workers/main.ts", { DATABASE_URL: "" });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/npm run worker needs DATABASE_URL/);
  });
});

// The worker is a second process, and PGlite belongs to one: these need a Postgres server both share.
const postgresUrl = process.env.DATABASE_URL;
if (!postgresUrl) {
  console.warn(
    "warming-process: SKIPPED the npm run worker SIGKILL/SIGTERM tests: DATABASE_URL is not set " +
      "(they need a Postgres server the test and the worker process share; .ci/run sets it when one answers)",
  );
}

describe.runIf(postgresUrl)("npm run worker, killed or stopped while a job runs (Postgres)", () => {
  let scratch: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  let locker: postgres.Sql;
  let worker: SpawnedScript | undefined;

  async function startWorker(env: Record<string, string> = {}) {
    const started = spawnScript("workers/main.ts", {
      DATABASE_URL: scratch.url,
      REDIS_URL: redisUrl,
      LOG_LEVEL: "info",
      WARM_INTERVAL: "0",
      ...env,
    });
    await waitFor(() => /warming worker and outbox relay running/.test(started.output()), 30_000, "the worker");
    return started;
  }

  /** Holds an exclusive lock on `posts`: a warming job that loads a post waits on it. */
  async function lockPosts() {
    const connection = await locker.reserve();
    await connection`begin`;
    await connection`lock table posts in access exclusive mode`;
    return async () => {
      await connection`rollback`;
      connection.release();
    };
  }

  /** Reads post `postId`, so that a purge warms it (before lockPosts: the read would wait too). */
  async function readRecently(postId: number) {
    await communityPost.read({ postId });
    await recentReads().flush();
  }

  /** Purges post `postId` and waits until its warming job runs (and waits on the lock). */
  async function purgeAndWaitForActiveJob(postId: number) {
    await invalidate([tags.post(postId)], { reason: "test" });
    await waitFor(async () => ((await warmQueue()?.getActiveCount()) ?? 0) >= 1, 15_000, "an active job");
    const [job] = (await warmQueue()?.getJobs(["active"])) ?? [];
    if (!job?.id) throw new Error("no active job");
    return job.id;
  }

  beforeAll(async () => {
    scratch = await createScratchPostgres(postgresUrl as string);
    handle = await openDatabase({ url: scratch.url });
    setDatabase(handle);
    await seedDemo(handle.db);
    await enableCache(handle, redisUrl);
    openWarmQueue(redisUrl, await loadCacheNamespace(handle.db));
    await waitFor(() => warmQueue() !== undefined, 5000, "the queue");
    locker = postgres(scratch.url, { max: 2, onnotice: () => {} });
  });

  afterEach(() => {
    worker?.child.kill("SIGKILL");
    worker = undefined;
  });

  afterAll(async () => {
    await warmQueue()?.obliterate({ force: true });
    await closeWarmQueue();
    await disconnectCacheRedis();
    await locker.end();
    setDatabase(undefined);
    await handle.close();
    await scratch.drop();
  });

  it("runs a job again after its worker was SIGKILLed mid-job (stalled-job recovery): nothing lost", async () => {
    worker = await startWorker();
    await readRecently(1);
    const unlock = await lockPosts();
    const jobId = await purgeAndWaitForActiveJob(1);
    worker.child.kill("SIGKILL");
    await worker.exited;
    await unlock();

    worker = await startWorker();
    await waitFor(async () => (await warmQueue()?.getJobState(jobId)) === "completed", 20_000, "the job to run again");
    const job = await warmQueue()?.getJob(jobId);
    expect(job?.stalledCounter).toBeGreaterThanOrEqual(1);
    expect((await communityPost.read({ postId: 1 })).status).toBe("hit");
  }, 60_000);

  it("finishes the running job on SIGTERM and exits within WORKER_STOP_TIMEOUT", async () => {
    worker = await startWorker({ WORKER_STOP_TIMEOUT: "5s" });
    await readRecently(2);
    const unlock = await lockPosts();
    const jobId = await purgeAndWaitForActiveJob(2);
    const stopping = performance.now();
    worker.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.child.exitCode).toBeNull(); // still finishing its job
    await unlock();
    expect(await worker.exited).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(5000 + 2000);
    expect(await warmQueue()?.getJobState(jobId)).toBe("completed");
    expect(worker.output()).toMatch(/"outcome":"drained"/);
    expect((await communityPost.read({ postId: 2 })).status).toBe("hit");
  }, 60_000);

  it("gives up on a job still running at WORKER_STOP_TIMEOUT, exits, and the job is not lost", async () => {
    worker = await startWorker({ WORKER_STOP_TIMEOUT: "1s" });
    await readRecently(3);
    const unlock = await lockPosts();
    const jobId = await purgeAndWaitForActiveJob(3);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toMatch(/"outcome":"timed out"/);
    await unlock();
    worker = await startWorker();
    await waitFor(async () => (await warmQueue()?.getJobState(jobId)) === "completed", 20_000, "the job to run again");
    expect((await communityPost.read({ postId: 3 })).status).toBe("hit");
  }, 60_000);
});
