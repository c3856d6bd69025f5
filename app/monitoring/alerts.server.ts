import { and, desc, eq, lt, min, ne } from "drizzle-orm";
import type { Redis } from "ioredis";
import { db } from "~/db/connection.server";
import { cacheAlertSettings, cacheAlerts, cachePurgeOutbox } from "~/db/schema";
import { logger } from "~/lib/logger.server";
import { NotFoundError } from "~/models/errors";
import {
  type AlertSettings,
  applyPatch,
  evaluateRules,
  type Level,
  levelRank,
  RULES,
  type RuleOutcome,
  type SettingsChange,
  settingsFrom,
  type WindowFigures,
} from "./alert-rules";
import { windowPoint } from "./cluster.server";

/**
 * Cache alerts (docs/operations.md#alerts): every 5 s one evaluator in the cluster (whoever holds a
 * Redis lock) measures the rules over the sliding window of the cluster's figures and moves each
 * rule's alert firing → acknowledged (by an admin, with a note) → resolved. Alerts and settings
 * live in Postgres (the history keeps the latest 500); each change is POSTed as JSON to
 * ALERT_WEBHOOK_URL when set.
 */
export type Alert = typeof cacheAlerts.$inferSelect;
export type AlertChange = "fired" | "escalated" | "acknowledged" | "resolved";

export const EVALUATE_INTERVAL_MS = 5_000;
const LOCK_TTL_MS = 15_000;
const HISTORY_KEPT = 500;
const SETTINGS_KEY = "alerts";

export async function loadSettings(): Promise<AlertSettings> {
  const [row] = await db().select().from(cacheAlertSettings).where(eq(cacheAlertSettings.key, SETTINGS_KEY));
  return settingsFrom(row?.value);
}

export async function updateSettings(patch: SettingsChange, by: string): Promise<AlertSettings> {
  const next = applyPatch(await loadSettings(), patch);
  await db()
    .insert(cacheAlertSettings)
    .values({ key: SETTINGS_KEY, value: next, updatedBy: by })
    .onConflictDoUpdate({ target: cacheAlertSettings.key, set: { value: next, updatedBy: by, updatedAt: new Date() } });
  return next;
}

export async function activeAlerts(): Promise<Alert[]> {
  return db().select().from(cacheAlerts).where(ne(cacheAlerts.state, "resolved")).orderBy(desc(cacheAlerts.id));
}

export async function alertHistory(limit = 50): Promise<Alert[]> {
  return db().select().from(cacheAlerts).orderBy(desc(cacheAlerts.id)).limit(limit);
}

/** Seconds since the oldest purge the outbox still holds (0 when it is empty). */
export async function outboxBacklogAgeS(now = Date.now()): Promise<number> {
  const [row] = await db()
    .select({ oldest: min(cachePurgeOutbox.createdAt) })
    .from(cachePurgeOutbox);
  return row?.oldest ? Math.max(0, (now - new Date(row.oldest).getTime()) / 1000) : 0;
}

/** Sends one change to the webhook (2 s at most; a failure is logged, never retried). */
export async function notifyWebhook(url: string | undefined, change: AlertChange, alert: Alert): Promise<void> {
  if (!url) return;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ change, alert, at: new Date().toISOString() }),
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    if (!response.ok) logger.warn({ status: response.status, change, rule: alert.rule }, "alert webhook refused");
  } catch (error) {
    logger.warn({ err: error, change, rule: alert.rule }, "alert webhook unreachable");
  }
}

export async function acknowledgeAlert(
  id: number,
  by: string,
  note: string | undefined,
  webhookUrl: string | undefined,
): Promise<Alert> {
  const [alert] = await db()
    .update(cacheAlerts)
    .set({ state: "acknowledged", acknowledgedBy: by, acknowledgedAt: new Date(), note: note || null })
    .where(and(eq(cacheAlerts.id, id), eq(cacheAlerts.state, "firing")))
    .returning();
  if (!alert) throw new NotFoundError("Firing alert");
  logger.info({ alert: alert.id, rule: alert.rule, by }, "alert acknowledged");
  await notifyWebhook(webhookUrl, "acknowledged", alert);
  return alert;
}

function messageOf(outcome: RuleOutcome): string {
  const rule = RULES[outcome.rule];
  const shown = (v: number) =>
    rule.unit === "ratio" ? `${(v * 100).toFixed(1)} %` : `${Math.round(v * 100) / 100} ${rule.unit}`;
  const comparison = rule.direction === "above" ? ">" : "<";
  return `${rule.label} ${shown(outcome.value)} ${comparison} ${shown(outcome.threshold ?? 0)}`;
}

/**
 * One evaluation: moves each rule's alert to what the outcomes say. A rule newly crossing fires; a
 * higher level escalates (and fires again if it was acknowledged); back under every threshold
 * resolves. Returns the changes made.
 */
export async function applyOutcomes(
  outcomes: RuleOutcome[],
  webhookUrl: string | undefined,
): Promise<{ change: AlertChange; alert: Alert }[]> {
  const active = new Map((await activeAlerts()).map((a) => [a.rule, a]));
  const changes: { change: AlertChange; alert: Alert }[] = [];
  for (const outcome of outcomes) {
    const current = active.get(outcome.rule);
    if (outcome.level !== null && !current) {
      const [alert] = await db()
        .insert(cacheAlerts)
        .values({
          rule: outcome.rule,
          level: outcome.level,
          state: "firing",
          value: outcome.value,
          threshold: outcome.threshold ?? 0,
          message: messageOf(outcome),
        })
        .returning();
      if (alert) changes.push({ change: "fired", alert });
    } else if (outcome.level !== null && current && levelRank(outcome.level) > levelRank(current.level as Level)) {
      const [alert] = await db()
        .update(cacheAlerts)
        .set({
          level: outcome.level,
          state: "firing",
          value: outcome.value,
          threshold: outcome.threshold ?? 0,
          message: messageOf(outcome),
        })
        .where(eq(cacheAlerts.id, current.id))
        .returning();
      if (alert) changes.push({ change: "escalated", alert });
    } else if (outcome.level !== null && current) {
      await db().update(cacheAlerts).set({ value: outcome.value }).where(eq(cacheAlerts.id, current.id));
    } else if (outcome.level === null && current && !outcome.idle) {
      const [alert] = await db()
        .update(cacheAlerts)
        .set({ state: "resolved", resolvedAt: new Date(), value: outcome.value })
        .where(eq(cacheAlerts.id, current.id))
        .returning();
      if (alert) changes.push({ change: "resolved", alert });
    }
  }
  for (const { change, alert } of changes) {
    const log = change === "resolved" ? logger.info.bind(logger) : logger.warn.bind(logger);
    log(
      { alert: alert.id, rule: alert.rule, level: alert.level, value: alert.value },
      `alert ${change}: ${alert.message}`,
    );
    await notifyWebhook(webhookUrl, change, alert);
  }
  if (changes.length > 0) await pruneHistory();
  return changes;
}

/** Keeps the latest HISTORY_KEPT resolved alerts (active ones are never dropped). */
async function pruneHistory() {
  const [cutoff] = await db()
    .select({ id: cacheAlerts.id })
    .from(cacheAlerts)
    .orderBy(desc(cacheAlerts.id))
    .offset(HISTORY_KEPT)
    .limit(1);
  if (cutoff) {
    await db()
      .delete(cacheAlerts)
      .where(and(lt(cacheAlerts.id, cutoff.id + 1), eq(cacheAlerts.state, "resolved")));
  }
}

/** The window's figures for the rules: the cluster's series, and the outbox's age. */
export async function windowFigures(redis: Redis, namespace: string, windowMs: number): Promise<WindowFigures> {
  const { window } = await windowPoint(redis, namespace, windowMs);
  const reads = window.reads.hit + window.reads.miss + window.reads.stale + window.reads.bypass;
  return {
    reads,
    hits: window.reads.hit,
    errors: window.errors,
    purges: window.purges,
    staleHits: window.staleHits,
    warmFailed: window.warmFailed,
    latency: window.latency,
    outboxBacklogAgeS: await outboxBacklogAgeS(),
  };
}

/** Compare-and-extend: only the holder renews its lock. */
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;

export interface AlertEvaluator {
  /** One round: takes or renews the lock, and evaluates if this process holds it. */
  tick(): Promise<{ evaluated: boolean; outcomes?: RuleOutcome[] }>;
  stop(): Promise<void>;
  readonly owner: string;
}

/** Starts this process's evaluator; only the holder of the cluster's lock evaluates. */
export function startAlertEvaluator({
  redis,
  namespace,
  webhookUrl,
  intervalMs = EVALUATE_INTERVAL_MS,
  timer = true,
}: {
  redis: () => Redis | undefined;
  namespace: string;
  webhookUrl: string | undefined;
  intervalMs?: number;
  timer?: boolean;
}): AlertEvaluator {
  const owner = `${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const lockKey = `quill:alerts:${namespace}:evaluator`;
  let running = false;

  async function holdLock(client: Redis): Promise<boolean> {
    if ((await client.set(lockKey, owner, "PX", LOCK_TTL_MS, "NX")) === "OK") return true;
    return (await client.eval(RENEW, 1, lockKey, owner, String(LOCK_TTL_MS))) === 1;
  }

  async function tick() {
    const client = redis();
    if (running || !client || client.status !== "ready") return { evaluated: false };
    running = true;
    try {
      if (!(await holdLock(client))) return { evaluated: false };
      const settings = await loadSettings();
      const outcomes = evaluateRules(settings, await windowFigures(client, namespace, settings.windowMs));
      await applyOutcomes(outcomes, webhookUrl);
      return { evaluated: true, outcomes };
    } finally {
      running = false;
    }
  }

  const handle = timer
    ? setInterval(() => {
        tick().catch((error: unknown) => logger.warn({ err: error }, "alert evaluation failed; next round retries"));
      }, intervalMs)
    : undefined;
  handle?.unref();

  return {
    owner,
    tick,
    async stop() {
      if (handle) clearInterval(handle);
      const client = redis();
      if (client?.status === "ready") {
        await client
          .eval(
            `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`,
            1,
            lockKey,
            owner,
          )
          .catch(() => {});
      }
    },
  };
}

/** The health summary: the worst active level, or ok. */
export function healthOf(active: Alert[]): "ok" | Level {
  let worst: Level | null = null;
  for (const alert of active) if (levelRank(alert.level as Level) > levelRank(worst)) worst = alert.level as Level;
  return worst ?? "ok";
}
