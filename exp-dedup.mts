import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";

const conn = new Redis("redis://127.0.0.1:6379/9", {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 500,
});
await new Promise((r) => conn.once("ready", r));
await conn.flushdb();
const q = new Queue("warm-abc_D", { connection: conn });
const ids = [];
for (let i = 0; i < 5; i++) {
  const id = randomUUID();
  const job = await q.add("warm", { i }, { jobId: id, deduplication: { id: "k1", keepLastIfActive: true } });
  ids.push([id === job.id, job.id]);
}
console.log(ids);
const bulk = await q.addBulk(
  [1, 2, 3].map((i) => ({
    name: "warm",
    data: { i },
    opts: { jobId: randomUUID(), deduplication: { id: "k2", keepLastIfActive: true } },
  })),
);
console.log(bulk.map((j) => j.id));
console.log(await q.getJobCounts());
let runs = 0;
const w = new Worker(
  "warm-abc_D",
  async (job) => {
    runs++;
    await new Promise((r) => setTimeout(r, 300));
    return job.data;
  },
  { connection: new Redis("redis://127.0.0.1:6379/9", { maxRetriesPerRequest: null }), concurrency: 2 },
);
await new Promise((r) => setTimeout(r, 100));
for (let i = 0; i < 50; i++) {
  const id = randomUUID();
  const j = await q.add("warm", { i: 100 + i }, { jobId: id, deduplication: { id: "k1", keepLastIfActive: true } });
  if (i % 10 === 0) console.log("during", id === j.id, j.id);
}
await new Promise((r) => setTimeout(r, 1500));
console.log("runs", runs, await q.getJobCounts());
try {
  new Queue("a:b", { connection: conn });
} catch (e) {
  console.log("colon:", (e as Error).message);
}
await w.close();
await q.close();
conn.disconnect();
