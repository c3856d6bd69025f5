import { PURGE_CHANNEL } from "./config";

/**
 * Tells other tabs of this origin which tags were purged: BroadcastChannel where there is one,
 * else a localStorage write, which fires `storage` events in the other tabs.
 */
export interface PurgeBroadcast {
  post(tags: readonly string[]): void;
  close(): void;
}

export function openPurgeBroadcast(onRemote: (tags: string[]) => void): PurgeBroadcast {
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(PURGE_CHANNEL);
    channel.onmessage = (event: MessageEvent) => {
      const tags = (event.data as { tags?: unknown })?.tags;
      if (Array.isArray(tags)) onRemote(tags.filter((t): t is string => typeof t === "string"));
    };
    return { post: (tags) => channel.postMessage({ tags: [...tags] }), close: () => channel.close() };
  }
  const listener = (event: StorageEvent) => {
    if (event.key !== PURGE_CHANNEL || !event.newValue) return;
    try {
      const { tags } = JSON.parse(event.newValue) as { tags?: unknown };
      if (Array.isArray(tags)) onRemote(tags.filter((t): t is string => typeof t === "string"));
    } catch {
      // Not ours.
    }
  };
  window.addEventListener("storage", listener);
  return {
    post(tags) {
      try {
        // A nonce: writing the same value twice fires no event.
        localStorage.setItem(PURGE_CHANNEL, JSON.stringify({ tags, nonce: Math.random() }));
      } catch {
        // Storage full or off: the other tabs still expire entries by TTL.
      }
    },
    close: () => window.removeEventListener("storage", listener),
  };
}
