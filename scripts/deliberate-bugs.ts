// `npm run test:bugs [-- --runs 20] [--only name,name] [--list]`: breaks the code on purpose, one known
// bug at a time, and runs the tests that must catch it, `runs` times each. Prints, per bug, how many
// runs failed (caught) — the detection rate of docs/testing.md. Each bug is applied to a copy of
// the working tree under a temp dir, never to the tree itself.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

interface Bug {
  name: string;
  what: string;
  file: string;
  /** Exact text to replace (must occur once) and its broken replacement. */
  find: string;
  replace: string;
  /** The test files that must catch it, and (optionally) the one test in them that must. */
  tests: string[];
  only?: string;
}

/** The tag-coverage test's model-level check (its route-level one would need a build of each copy). */
const TAG_COVERAGE = "shows every mutation on every page";

export const bugs: Bug[] = [
  {
    name: "lookup-no-compare",
    what: "lookup serves an entry without comparing its tokens",
    file: "app/cache/tagged-store.server.ts",
    find: "return valid ? { payload: entry.payload, tokens, purged: false } : { payload: null, tokens, purged: true };",
    replace: "return { payload: entry.payload, tokens, purged: !valid };",
    tests: ["tests/integration/cache-race.property.test.ts"],
  },
  {
    name: "tokens-after-load",
    what: "tokens captured after the load instead of before",
    file: "app/cache/query-cache.server.ts",
    find: "      const loaded = await this.load(spec, args, context);\n      const validity = await this.storeLoaded(",
    replace:
      "      const loaded = await this.load(spec, args, context);\n      tokens = (await store.lookup(key, tags)).tokens;\n      const validity = await this.storeLoaded(",
    tests: ["tests/integration/cache-race.property.test.ts"],
  },
  {
    name: "batch-tokens-after-load",
    what: "a batch (readMany) stores its misses under tokens looked up after the load",
    file: "app/cache/query-cache.server.ts",
    find: "          own.map(({ item, tokens }, m) =>\n            this.storeLoaded(spec, store, item.key, item.tags, tokens, loaded.values[m] as V),",
    replace:
      "          own.map(async ({ item }, m) =>\n            this.storeLoaded(spec, store, item.key, item.tags, (await store.lookup(item.key, item.tags)).tokens, loaded.values[m] as V),",
    tests: ["tests/integration/cache-race.property.test.ts"],
  },
  {
    name: "batch-l1-no-check",
    what: "a batch serves its L1 items without comparing their tokens with the current ones",
    file: "app/cache/query-cache.server.ts",
    find: 'if (entry && tokens.every((token) => token !== null) && tokens.join(",") === entry.tokens) {',
    replace: "if (entry) {",
    tests: ["tests/integration/cache-race.property.test.ts"],
    only: "holds with an in-process L1",
  },
  {
    name: "response-tokens-at-store",
    what: "the response cache stores a response under the tokens current when its body is complete, not those its reads saw",
    file: "app/http/response-cache.server.ts",
    find: "store.store(key, validity.tags, validity.tokens, payload, ttlMs)",
    replace: "store.store(key, validity.tags, (await store.tokens(validity.tags)).map(String), payload, ttlMs)",
    tests: ["tests/integration/response-cache.test.ts"],
  },
  {
    name: "response-lookup-no-compare",
    what: "the response cache serves a kept response without comparing its tokens with the current ones",
    file: "app/http/response-cache.server.ts",
    find: 'if (current.some((token) => token === null) || current.join(",") !== raw.toString("latin1", 0, cut))',
    replace: "if (current.length < 0)",
    tests: ["tests/integration/response-cache.test.ts"],
  },
  {
    name: "replay-pins-foreign-script",
    what: "a kept document's policy also allows an inline script the render's nonce did not",
    file: "app/http/pinned-scripts.server.ts",
    find: "if (!attributes.includes(attribute)) return undefined;",
    replace: "",
    tests: ["tests/integration/response-cache.test.ts"],
  },
  {
    name: "logout-no-purge",
    what: "a logout deletes the session's row but purges nothing (the cached session stays live)",
    file: "app/auth/session-store.server.ts",
    find: "return { value: undefined, tags: [tags.sessions(userId)] };",
    replace: "return { value: undefined, tags: [] };",
    tests: ["tests/integration/sessions.test.ts"],
  },
  {
    name: "response-shares-user-reads",
    what: "a response that read one user's data counts as shareable",
    file: "app/cache/read-log.ts",
    find: 'if (read.scope !== "public" || !read.validity) return undefined;',
    replace: "if (!read.validity) return undefined;",
    tests: ["tests/integration/response-cache.test.ts"],
  },
  {
    name: "autosave-no-scene-tag",
    what: "a scene autosave no longer purges scene:ID (the reading view's scene entry)",
    file: "app/models/scenes.server.ts",
    find: "const own = [tags.scene(sceneId), tags.chapter(chapter.id), tags.storyWordCounts(chapter.storyId)];",
    replace: "const own = [tags.chapter(chapter.id), tags.storyWordCounts(chapter.storyId)];",
    tests: ["tests/integration/tag-coverage.test.ts"],
    only: TAG_COVERAGE,
  },
  {
    name: "no-outbox-row",
    what: "no outbox row written",
    file: "app/cache/invalidate.server.ts",
    find: "    const [row] = await tx\n      .insert(cachePurgeOutbox)\n      .values({ tags: [...new Set(change.tags)] })\n      .returning({ id: cachePurgeOutbox.id });",
    replace: "    const row = undefined as { id: number } | undefined;",
    tests: ["tests/integration/cache-faults.test.ts"],
  },
  {
    name: "like-no-post-tag",
    what: "a like no longer purges post:ID",
    file: "app/models/likes.server.ts",
    find: "tags: [tags.post(postId)] };",
    replace: "tags: [] };",
    tests: ["tests/integration/tag-coverage.test.ts"],
    only: TAG_COVERAGE,
  },
  {
    name: "publish-no-published-tag",
    what: "publishing no longer purges stories:published",
    file: "app/models/stories.server.ts",
    find: "tags.userStories(story.authorId), tags.publishedStories()],",
    replace: "tags.userStories(story.authorId)],",
    tests: ["tests/integration/tag-coverage.test.ts"],
    only: TAG_COVERAGE,
  },
  {
    name: "post-no-feed-tag",
    what: "a new post no longer purges community:feed",
    file: "app/models/posts.server.ts",
    find: "tags: [tags.communityFeed(), tags.post(row.id)]",
    replace: "tags: [tags.post(row.id)]",
    tests: ["tests/integration/tag-coverage.test.ts"],
    only: TAG_COVERAGE,
  },
  {
    name: "breaker-never-opens",
    what: "the circuit breaker never opens",
    file: "app/cache/circuit-breaker.ts",
    find: '  trip(): void {\n    this.state = "open";',
    replace: "  trip(): void {",
    tests: ["tests/integration/cache-faults.test.ts"],
  },
  {
    name: "liked-key-without-user",
    what: "community.post.liked keys without the user id",
    file: "app/queries/index.server.ts",
    find: '  scope: "user",\n  value: z.boolean(),',
    replace: '  scope: "public",\n  value: z.boolean(),',
    tests: ["tests/integration/tag-coverage.test.ts"],
    only: TAG_COVERAGE,
  },
  {
    name: "trylock-always-wins",
    what: "tryLock always wins (no cross-instance lock)",
    file: "app/cache/tagged-store.server.ts",
    find: '    return (await this.redis.set(this.keys.lock(key), token, "PX", ttlMs, "NX")) === "OK" ? token : null;',
    replace: '    await this.redis.set(this.keys.lock(key), token, "PX", ttlMs);\n    return token;',
    tests: ["tests/integration/cache-instances.test.ts"],
  },
];

const root = path.resolve(import.meta.dirname, "..");

/** A copy of the working tree (tracked and new files), sharing node_modules. */
function copyTree(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "deliberate-bug-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((f) => f && existsSync(path.join(root, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function apply(dir: string, bug: Bug) {
  const file = path.join(dir, bug.file);
  const source = readFileSync(file, "utf8");
  const at = source.indexOf(bug.find);
  if (at < 0 || source.indexOf(bug.find, at + 1) >= 0) {
    throw new Error(`${bug.name}: the text to break was not found exactly once in ${bug.file}; update this script`);
  }
  writeFileSync(file, source.replace(bug.find, bug.replace));
}

function runTests(dir: string, tests: string[], only?: string): { ok: boolean; output: string } {
  const result = spawnSync("npx", ["vitest", "run", ...tests, ...(only ? ["-t", only] : [])], {
    cwd: dir,
    encoding: "utf8",
    // No test run here starts the built server.
    env: { ...process.env, LOG_LEVEL: "silent", VITEST_BUILD: "0" },
    timeout: 10 * 60_000,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const { values } = parseArgs({
  options: { runs: { type: "string", default: "20" }, only: { type: "string" }, list: { type: "boolean" } },
});
if (values.list) {
  for (const bug of bugs) console.log(`${bug.name.padEnd(26)} ${bug.what}`);
  process.exit(0);
}
const runs = Number(values.runs);
const chosen = values.only ? bugs.filter((b) => values.only?.split(",").includes(b.name)) : bugs;
if (chosen.length === 0) throw new Error(`no bug named ${values.only}; --list shows them`);

// The same tests must pass on the unbroken code, or "caught" would mean nothing.
const baseline = copyTree();
try {
  for (const { tests, only } of new Map(chosen.map((b) => [`${b.tests}|${b.only}`, b])).values()) {
    const clean = runTests(baseline, tests, only);
    if (!clean.ok) {
      console.error(clean.output);
      throw new Error(`${tests.join(", ")} fail on the unbroken code: fix them first`);
    }
    console.log(`unbroken code: ${tests.join(", ")}${only ? ` (${only})` : ""} pass`);
  }
} finally {
  rmSync(baseline, { recursive: true, force: true });
}
console.log("");

const rows: string[] = [];
let missed = 0;
for (const bug of chosen) {
  const dir = copyTree();
  try {
    apply(dir, bug);
    let caught = 0;
    for (let i = 1; i <= runs; i++) {
      const { ok, output } = runTests(dir, bug.tests, bug.only);
      if (!ok) caught += 1;
      else if (i === 1) console.log(output.split("\n").slice(-12).join("\n"));
      process.stdout.write(`\r${bug.name}: run ${i}/${runs}, caught ${caught}   `);
    }
    process.stdout.write("\n");
    if (caught < runs) missed += 1;
    rows.push(`| ${bug.what} | ${bug.tests.map((t) => path.basename(t)).join(", ")} | ${caught}/${runs} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log("\n| deliberate bug | caught by | runs caught / runs |\n| --- | --- | --- |");
for (const row of rows) console.log(row);
process.exit(missed > 0 ? 1 : 0);
