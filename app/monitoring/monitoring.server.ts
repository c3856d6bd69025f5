import { z } from "zod";
import { cacheAvailability } from "~/cache/availability.server";
import { cacheRedis } from "~/cache/redis.server";
import { config } from "~/config.server";
import type { SignedIn } from "~/models/actor";
import { ForbiddenError } from "~/models/errors";
import { integerField, textField, validate } from "~/models/validation";
import { evaluateRules, RULES, SettingsPatch } from "./alert-rules";
import {
  acknowledgeAlert,
  activeAlerts,
  alertHistory,
  healthOf,
  loadSettings,
  updateSettings,
  windowFigures,
} from "./alerts.server";
import { percentilesOf } from "./cluster.server";

/**
 * What `GET/POST /studio/api/cache/monitoring` and the dashboard (`/admin/cache`) share: the
 * health summary, active alerts, thresholds and history; acknowledging an alert and changing the
 * thresholds. Admins only.
 */
export function requireAdmin(actor: SignedIn | null | undefined): asserts actor is SignedIn {
  if (actor?.role !== "admin") throw new ForbiddenError("Admins only");
}

export async function monitoringSummary() {
  const settings = await loadSettings();
  const redis = cacheRedis();
  const namespace = cacheAvailability().currentNamespace();
  const figures =
    redis && namespace && redis.status === "ready"
      ? await windowFigures(redis, namespace, settings.windowMs).catch(() => null)
      : null;
  const [active, history] = await Promise.all([activeAlerts(), alertHistory(50)]);
  return {
    health: {
      status: healthOf(active),
      window: figures
        ? {
            minutes: settings.windowMs / 60_000,
            reads: figures.reads,
            hitRate: figures.reads === 0 ? null : figures.hits / figures.reads,
            errors: figures.errors,
            purges: figures.purges,
            staleHits: figures.staleHits,
            warmFailed: figures.warmFailed,
            latency: percentilesOf(figures.latency),
            outboxBacklogAgeS: figures.outboxBacklogAgeS,
          }
        : null,
      rules: figures ? evaluateRules(settings, figures) : [],
    },
    active,
    thresholds: {
      windowMinutes: settings.windowMs / 60_000,
      minReads: settings.minReads,
      rules: Object.fromEntries(
        Object.entries(RULES).map(([name, rule]) => [
          name,
          {
            label: rule.label,
            unit: rule.unit,
            direction: rule.direction,
            levels: settings.thresholds[name as keyof typeof RULES],
          },
        ]),
      ),
    },
    history,
  };
}
export type MonitoringSummary = Awaited<ReturnType<typeof monitoringSummary>>;

const Acknowledge = z.object({
  intent: z.literal("acknowledge"),
  alertId: integerField,
  note: textField("note", 500).optional(),
});

/**
 * A POST: `intent=acknowledge` (`alertId`, `note`) or `intent=thresholds` (`windowMinutes`,
 * `minReads`, `<rule>.<level>`). Field errors are ValidationErrors (400).
 */
export async function monitoringPost(
  body: Record<string, unknown>,
  actor: SignedIn,
  { webhookUrl = config().alertWebhookUrl }: { webhookUrl?: string } = {},
) {
  requireAdmin(actor);
  const { intent } = validate(z.object({ intent: z.enum(["acknowledge", "thresholds"]) }), body);
  if (intent === "acknowledge") {
    const { alertId, note } = validate(Acknowledge, body);
    return { acknowledged: await acknowledgeAlert(alertId, actor.email, note, webhookUrl) };
  }
  const { intent: _intent, _enhanced, ...fields } = body;
  const patch = validate(SettingsPatch, fields);
  return { thresholds: await updateSettings(patch, actor.email) };
}
