import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { NextFunction, Request, Response, Router } from "express";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";

/**
 * The warming queue's dashboard (bull-board) for admins only: 403 to anyone else signed in, the
 * login page (or 401 for non-GETs) to the signed out. `whoIs` reads the app's session cookie.
 */
export function queueDashboard(
  queue: Queue,
  whoIs: (cookie: string | undefined) => Promise<{ role: string } | null>,
): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter });
  const router = adapter.getRouter() as Router;
  const guard = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const actor = await whoIs(req.headers.cookie);
      res.set("Cache-Control", "private, no-store");
      if (actor?.role === "admin") return next();
      if (actor) return res.status(403).type("text/plain").send("Admins only");
      if (req.method === "GET") {
        return res.redirect(`/login?${new URLSearchParams({ redirectTo: req.originalUrl })}`);
      }
      return res.status(401).type("text/plain").send("Sign in first");
    } catch (error) {
      next(error);
    }
  };
  return [guard, router] as unknown as Router;
}
