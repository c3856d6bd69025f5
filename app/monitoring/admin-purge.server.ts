import { z } from "zod";
import { invalidate } from "~/cache/invalidate.server";
import type { SignedIn } from "~/models/actor";
import { validate } from "~/models/validation";
import { requireAdmin } from "./monitoring.server";

const Tag = z
  .string()
  .trim()
  .regex(/^[a-z]+(:[A-Za-z0-9_-]+)*$/, "each tag looks like story:1 or community:feed");

/** `tags`: a list, or one string of tags separated by spaces or commas (a form field). */
const PurgeInput = z.object({
  tags: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))])
    .pipe(z.array(Tag).min(1, "name at least one tag").max(50, "at most 50 tags")),
});

/**
 * An admin's purge from the debug panel ("purge this page's tags"): through invalidate(), the one
 * way to purge, so warming refills the keys and the other instances' readers miss.
 */
export async function adminPurge(actor: SignedIn, body: Record<string, unknown>) {
  requireAdmin(actor);
  const { tags } = validate(PurgeInput, body);
  const purged = await invalidate(tags, { reason: `admin.debug-panel:${actor.email}` });
  return { tags, purged };
}
