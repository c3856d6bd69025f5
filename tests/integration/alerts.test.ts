import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheRedis } from "~/cache/redis.server";
import { createLoadContext } from "~/http/load-context.server";
import { ForbiddenError, ValidationError } from "~/models/errors";
import { type AlertEvaluator, activeAlerts, alertHistory, startAlertEvaluator } from "~/monitoring/alerts.server";
import { type ClusterPublisher, startClusterPublisher } from "~/monitoring/cluster.server";
import { monitoringPost, monitoringSummary } from "~/monitoring/monitoring.server";
import { loader as communityLoader } from "~/routes/community._index";
import { type TestApp, testApp } from "../support/test-app";

/** A loopback receiver for ALERT_WEBHOOK_URL: every JSON body it got. */
async function webhookReceiver() {
  const received: { change: string; alert: { rule: string; level: string; state: string } }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

async function readFeed(times: number) {
  for (let i = 0; i < times; i++) {
    await communityLoader({
      request: new Request("http://localhost/community"),
      params: {},
      context: createLoadContext("127.0.0.1"),
    });
  }
}

describe("cache alerts: rules over the cluster window, one evaluator, Postgres, the webhook", () => {
  let app: TestApp;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let publisher: ClusterPublisher;
  let evaluator: AlertEvaluator;
  const round = async () => {
    await publisher.publish();
    return evaluator.tick();
  };

  beforeAll(async () => {
    app = await testApp();
    hook = await webhookReceiver();
    publisher = startClusterPublisher({ redis: cacheRedis, namespace: app.namespace, role: "web", timer: false });
    evaluator = startAlertEvaluator({
      redis: cacheRedis,
      namespace: app.namespace,
      webhookUrl: hook.url,
      timer: false,
    });
    await publisher.publish(); // the baseline: the window counts what happens from here
  });
  afterAll(async () => {
    await evaluator?.stop();
    await publisher?.stop();
    await hook?.close();
    await app?.close();
  });

  it("fires on a forced breach, is acknowledged with who and a note, resolves when the value recovers; the webhook gets each change", async () => {
    const { admin } = app.users;
    await monitoringPost({ intent: "thresholds", minReads: "10" }, admin);
    await readFeed(30); // one miss, then hits: a hit rate near 97 %
    let outcome = await round();
    expect(outcome.evaluated).toBe(true);
    expect(await activeAlerts()).toEqual([]);

    // Forced breach: the critical hit-rate threshold above the live value.
    await monitoringPost({ intent: "thresholds", "hit_rate.critical": "0.999" }, admin);
    outcome = await round();
    const hitRate = outcome.outcomes?.find((o) => o.rule === "hit_rate");
    expect(hitRate).toMatchObject({ level: "critical", threshold: 0.999, idle: false });
    const [fired] = await activeAlerts();
    expect(fired).toMatchObject({ rule: "hit_rate", level: "critical", state: "firing" });
    expect((await monitoringSummary()).health.status).toBe("critical");

    const { acknowledged } = (await monitoringPost(
      { intent: "acknowledge", alertId: String(fired?.id), note: "looking into it" },
      admin,
      { webhookUrl: hook.url },
    )) as { acknowledged: { state: string; acknowledgedBy: string; note: string; acknowledgedAt: Date } };
    expect(acknowledged).toMatchObject({ state: "acknowledged", acknowledgedBy: admin.email, note: "looking into it" });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    // An acknowledged alert is not acknowledged twice.
    await expect(monitoringPost({ intent: "acknowledge", alertId: String(fired?.id) }, admin)).rejects.toThrow(
      /Firing alert/,
    );

    // The value recovers (the threshold goes back under it): resolved, and kept in the history.
    await monitoringPost({ intent: "thresholds", "hit_rate.critical": "0.5" }, admin);
    await round();
    expect(await activeAlerts()).toEqual([]);
    const [last] = await alertHistory(1);
    expect(last).toMatchObject({ id: fired?.id, state: "resolved", acknowledgedBy: admin.email });
    expect(last?.resolvedAt).toBeInstanceOf(Date);

    expect(
      hook.received.map((r) => [r.change, r.alert.rule, r.alert.state]),
      JSON.stringify(hook.received),
    ).toEqual([
      ["fired", "hit_rate", "firing"],
      ["acknowledged", "hit_rate", "acknowledged"],
      ["resolved", "hit_rate", "resolved"],
    ]);
  });

  it("judges no rate on an idle window (fewer reads than minReads)", async () => {
    await monitoringPost({ intent: "thresholds", minReads: "1000000", "hit_rate.critical": "0.999" }, app.users.admin);
    const outcome = await round();
    expect(outcome.outcomes?.find((o) => o.rule === "hit_rate")).toMatchObject({ level: null, idle: true });
    expect(await activeAlerts()).toEqual([]);
    await monitoringPost({ intent: "thresholds", minReads: "100", "hit_rate.critical": "0.5" }, app.users.admin);
  });

  it("lets one evaluator in the cluster evaluate at a time (a Redis lock)", async () => {
    const other = startAlertEvaluator({
      redis: cacheRedis,
      namespace: app.namespace,
      webhookUrl: undefined,
      timer: false,
    });
    try {
      expect((await evaluator.tick()).evaluated).toBe(true);
      expect((await other.tick()).evaluated).toBe(false);
      await evaluator.stop(); // releases the lock
      expect((await other.tick()).evaluated).toBe(true);
      expect((await evaluator.tick()).evaluated).toBe(false);
    } finally {
      await other.stop();
    }
  });

  it("persists thresholds, refuses bad ones with field errors, and refuses non-admins", async () => {
    const { admin, alice } = app.users;
    await monitoringPost({ intent: "thresholds", windowMinutes: "10", "p95_latency_ms.warning": "150" }, admin);
    const { thresholds } = await monitoringSummary();
    expect(thresholds.windowMinutes).toBe(10);
    expect(thresholds.rules.p95_latency_ms?.levels).toEqual({ warning: 150, critical: 500 });
    // An empty field turns that level off.
    await monitoringPost({ intent: "thresholds", "p95_latency_ms.warning": "" }, admin);
    expect((await monitoringSummary()).thresholds.rules.p95_latency_ms?.levels).toEqual({ critical: 500 });

    const refused = await monitoringPost(
      { intent: "thresholds", windowMinutes: "0", "hit_rate.warning": "lots", "no_such.rule": "1" },
      admin,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(Object.keys((refused as ValidationError).fieldErrors).sort()).toEqual(
      ["_form", "hit_rate.warning", "windowMinutes"].sort(),
    );
    await expect(monitoringPost({ intent: "shout" }, admin)).rejects.toBeInstanceOf(ValidationError);
    await expect(monitoringPost({ intent: "thresholds", minReads: "5" }, alice)).rejects.toBeInstanceOf(ForbiddenError);
    await monitoringPost({ intent: "thresholds", windowMinutes: "5", "p95_latency_ms.warning": "200" }, admin);
  });
});
