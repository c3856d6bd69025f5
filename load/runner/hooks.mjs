// Module-resolution hook of the Node runner: `k6`, `k6/http`, `k6/metrics`, `k6/execution` and
// `k6/timers` resolve to the runner's own modules (load/runner/k6/); any other k6 module (k6/ws,
// k6/browser, k6/experimental/*, remote jslib URLs…) is refused with a clear message.
const MAPPED = {
  k6: "./k6/k6.ts",
  "k6/http": "./k6/http.ts",
  "k6/metrics": "./k6/metrics.ts",
  "k6/execution": "./k6/execution.ts",
  "k6/timers": "./k6/timers.ts",
};

export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(MAPPED, specifier)) {
    // Through the next hook (tsx's), so that the .ts module is loaded as TypeScript.
    return nextResolve(new URL(MAPPED[specifier], import.meta.url).href, context);
  }
  if (specifier.startsWith("k6/") || /^https?:\/\//.test(specifier)) {
    throw new Error(
      `The Node runner does not support the module "${specifier}" (it has ${Object.keys(MAPPED).join(", ")}). ` +
        "Run this script with k6 instead.",
    );
  }
  return nextResolve(specifier, context);
}
