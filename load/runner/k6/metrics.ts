// The runner's `k6/metrics`: custom Counter, Gauge, Rate and Trend (created in the init context).
import { baseTags, currentRun } from "../context";
import type { MetricType } from "../metrics";

class Metric {
  constructor(
    readonly name: string,
    type: MetricType,
    isTime = false,
  ) {
    currentRun().registry.define(name, type, isTime ? "time" : "default");
  }

  add(value: number | boolean, tags?: Record<string, string>): void {
    const numeric = typeof value === "boolean" ? (value ? 1 : 0) : value;
    currentRun().registry.add({
      metric: this.name,
      value: numeric,
      tags: { ...baseTags(), ...tags },
      time: Date.now(),
    });
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, "counter");
  }
}
export class Gauge extends Metric {
  constructor(name: string) {
    super(name, "gauge");
  }
}
export class Rate extends Metric {
  constructor(name: string) {
    super(name, "rate");
  }
}
export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, "trend", isTime);
  }
}

export default { Counter, Gauge, Rate, Trend };
