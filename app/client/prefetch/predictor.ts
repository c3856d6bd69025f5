import type { StorageLike } from "../cache/storage-like";

type Transitions = Record<string, Record<string, number>>;

/**
 * Guesses the next page from the transitions this browser made before: for the page we are on,
 * the page most often visited next, once seen at least `minCount` times. Kept small: the oldest
 * pages are forgotten first.
 */
export class NavPredictor {
  constructor(
    private readonly storage: StorageLike | null,
    private readonly key: string,
    private readonly options = { maxPages: 50, maxNext: 8, minCount: 2 },
  ) {}

  private load(): Transitions {
    try {
      const parsed = JSON.parse(this.storage?.getItem(this.key) ?? "{}");
      return parsed && typeof parsed === "object" ? (parsed as Transitions) : {};
    } catch {
      return {};
    }
  }

  private save(transitions: Transitions): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(transitions));
    } catch {
      // A full storage only costs us predictions.
    }
  }

  record(from: string, to: string): void {
    if (from === to) return;
    const transitions = this.load();
    const next = transitions[from] ?? {};
    // Re-inserted last: object key order is insertion order, so the front is the least recent.
    delete transitions[from];
    next[to] = (next[to] ?? 0) + 1;
    const targets = Object.entries(next).sort((a, b) => b[1] - a[1]);
    transitions[from] = Object.fromEntries(targets.slice(0, this.options.maxNext));
    const pages = Object.keys(transitions);
    for (const page of pages.slice(0, Math.max(0, pages.length - this.options.maxPages))) delete transitions[page];
    this.save(transitions);
  }

  predict(from: string): string | undefined {
    const next = this.load()[from];
    if (!next) return undefined;
    const [best] = Object.entries(next).sort((a, b) => b[1] - a[1]);
    return best && best[1] >= this.options.minCount ? best[0] : undefined;
  }
}
