import { sql } from "drizzle-orm";
import {
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const id = () => integer("id").primaryKey().generatedAlwaysAsIdentity();

export const users = pgTable(
  "users",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["author", "admin"] })
      .notNull()
      .default("author"),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    check("users_role_check", sql`${t.role} in ('author', 'admin')`),
  ],
);

export const stories = pgTable(
  "stories",
  {
    id: id(),
    authorId: integer("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    status: text("status", { enum: ["draft", "published"] })
      .notNull()
      .default("draft"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("stories_author_idx").on(t.authorId, t.updatedAt),
    check("stories_status_check", sql`${t.status} in ('draft', 'published')`),
  ],
);

export const chapters = pgTable(
  "chapters",
  {
    id: id(),
    storyId: integer("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    updatedAt: updatedAt(),
  },
  (t) => [index("chapters_story_idx").on(t.storyId, t.position)],
);

export const scenes = pgTable(
  "scenes",
  {
    id: id(),
    chapterId: integer("chapter_id")
      .notNull()
      .references(() => chapters.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    content: text("content").notNull().default(""),
    wordCount: integer("word_count").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [index("scenes_chapter_idx").on(t.chapterId, t.position)],
);

export const posts = pgTable(
  "posts",
  {
    id: id(),
    authorId: integer("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("posts_created_idx").on(t.createdAt, t.id)],
);

export const postLikes = pgTable(
  "post_likes",
  {
    postId: integer("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.userId] }), index("post_likes_user_idx").on(t.userId)],
);

export const replies = pgTable(
  "replies",
  {
    id: id(),
    postId: integer("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    authorId: integer("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("replies_post_idx").on(t.postId, t.createdAt)],
);

/** Tags whose purge has not been confirmed yet (docs/decisions/002-purge-outbox.md); written in the mutation's transaction. */
export const cachePurgeOutbox = pgTable("cache_purge_outbox", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  tags: text("tags").array().notNull(),
  createdAt: createdAt(),
  attempts: integer("attempts").notNull().default(0),
});

export type User = typeof users.$inferSelect;
export type Story = typeof stories.$inferSelect;
export type Chapter = typeof chapters.$inferSelect;
export type Scene = typeof scenes.$inferSelect;
export type Post = typeof posts.$inferSelect;
export type Reply = typeof replies.$inferSelect;
export type Role = User["role"];

/**
 * Facts about this database. `cache_namespace` is a random id made once per database: cache keys
 * carry it, so a fresh database (a new DATA_DIR, a test's scratch database) never meets entries
 * cached from another one in a shared Redis.
 */
export const appMeta = pgTable("app_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * Signed-in sessions, one row per sign-in (the cookie carries its `sid`). A session ends when its
 * row is gone: logout, "sign out everywhere" and a password change delete rows (and purge the
 * user's sessions tag), and every request checks the row through the cache, so an old cookie
 * stops working at once on every instance.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * The cache alerts' settings (docs/operations.md#alerts): one row, `key` = "alerts", whose value
 * (thresholds per rule, window, minimum reads) is validated by app/monitoring/alert-rules.ts.
 */
export const cacheAlertSettings = pgTable("cache_alert_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedBy: text("updated_by"),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/**
 * Cache alerts, active and past (firing → acknowledged → resolved); the evaluator keeps the most
 * recent 500.
 */
export const cacheAlerts = pgTable(
  "cache_alerts",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    rule: text("rule").notNull(),
    level: text("level", { enum: ["info", "warning", "error", "critical"] }).notNull(),
    state: text("state", { enum: ["firing", "acknowledged", "resolved"] }).notNull(),
    value: doublePrecision("value").notNull(),
    threshold: doublePrecision("threshold").notNull(),
    message: text("message").notNull(),
    firedAt: timestamp("fired_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    acknowledgedBy: text("acknowledged_by"),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true, mode: "date" }),
    note: text("note"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("cache_alerts_state_idx").on(t.state, t.rule)],
);
