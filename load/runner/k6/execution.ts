// The runner's `k6/execution`: the current scenario, instance, VU and test.
import { currentContext, currentRun } from "../context";

const context = () => {
  const ctx = currentContext();
  if (!ctx) throw new Error("k6/execution: scenario and vu are only available in VU code");
  return ctx;
};

export const scenario = {
  get name() {
    return context().scenario.name;
  },
  get executor() {
    return context().scenario.executor;
  },
  get startTime() {
    return context().scenario.startTime;
  },
  get progress() {
    return context().scenario.progress();
  },
  get iterationInInstance() {
    return context().scenario.iterationInInstance();
  },
  get iterationInTest() {
    return context().scenario.iterationInInstance();
  },
};

export const instance = {
  get iterationsInterrupted() {
    return currentRun().stats.iterationsInterrupted;
  },
  get iterationsCompleted() {
    return currentRun().stats.iterationsCompleted;
  },
  get vusActive() {
    return currentRun().stats.vusActive;
  },
  get vusInitialized() {
    return currentRun().stats.vusInitialized;
  },
  get currentTestRunDuration() {
    return Date.now() - currentRun().startedAt;
  },
};

export const vu = {
  get idInTest() {
    return currentContext()?.vu.idInTest ?? 0;
  },
  get idInInstance() {
    return currentContext()?.vu.idInInstance ?? 0;
  },
  get iterationInInstance() {
    return currentContext()?.vu.iterationInInstance ?? 0;
  },
  get iterationInScenario() {
    return currentContext()?.vu.iterationInScenario ?? 0;
  },
  get tags() {
    return context().vu.tags;
  },
  get metrics() {
    return { tags: context().vu.tags, metadata: {} };
  },
};

export const test = {
  abort(reason = "test aborted from the script") {
    currentRun().abort(`exec.test.abort(): ${reason}`);
    throw new Error(`test aborted: ${reason}`);
  },
  fail(message = "test marked as failed") {
    currentRun().markFailed(message);
  },
  get options() {
    return currentRun().options;
  },
};

export default { scenario, instance, vu, test };
