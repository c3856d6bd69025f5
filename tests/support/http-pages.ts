import { parseTagHeader } from "~/cache/tags";

/**
 * Reading the app's pages over HTTP as a signed-in user or anonymously: documents and their
 * single-fetch `.data` twins, with the cache headers, and the few facts tests read from the HTML.
 */
export interface Session {
  name: string;
  cookie?: string;
}

export const anonymous: Session = { name: "anonymous" };

export async function signIn(baseUrl: string, email: string, name: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/login`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "password" }),
    redirect: "manual",
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (!cookie.startsWith("__session=")) throw new Error(`signing in as ${email} failed (${response.status})`);
  return { name, cookie };
}

export interface Page {
  status: number;
  cache: string | null;
  body: string;
}

export async function get(baseUrl: string, path: string, session: Session): Promise<Page> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: session.cookie ? { Cookie: session.cookie } : {},
    redirect: "manual",
  });
  return { status: response.status, cache: response.headers.get("x-cache"), body: await response.text() };
}

/** The single-fetch data URL of a page: `/community?page=2` → `/community.data?page=2`, `/` → `/_root.data`. */
export function dataUrl(path: string): string {
  const url = new URL(path, "http://x");
  const pathname = url.pathname === "/" ? "/_root" : url.pathname.replace(/\/$/, "");
  return `${pathname}.data${url.search}`;
}

export interface Write {
  status: number;
  /** The tags the response says it purged (`X-Cache-Invalidate`). */
  tags: string[];
  json: unknown;
}

/** A write: JSON to the API, or a form to a page action (answered by a redirect). */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  session: Session,
  body?: { json: Record<string, unknown> } | { form: Record<string, string> },
): Promise<Write> {
  const headers: Record<string, string> = session.cookie ? { Cookie: session.cookie } : {};
  let payload: string | undefined;
  if (body && "json" in body) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    payload = new URLSearchParams(body.form).toString();
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload, redirect: "manual" });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, tags: parseTagHeader(response.headers.get("x-cache-invalidate")), json };
}

/** The ids of `kind` links (`/studio/scenes/12`) in the HTML, in order, each once. */
export function linkedIds(html: string, prefix: string): number[] {
  const pattern = new RegExp(`href="${prefix.replace(/\//g, "\\/")}(\\d+)"`, "g");
  return [...new Set([...html.matchAll(pattern)].map((m) => Number(m[1])))];
}

/** The id of the first `prefix` link whose text (up to its `</a>`) holds `text`. */
export function linkedIdNear(html: string, prefix: string, text: string): number {
  for (const match of html.matchAll(new RegExp(`href="${prefix.replace(/\//g, "\\/")}(\\d+)"[^>]*>`, "g"))) {
    const start = (match.index ?? 0) + match[0].length;
    if (html.slice(start, html.indexOf("</a>", start)).includes(text)) return Number(match[1]);
  }
  throw new Error(`no ${prefix} link near "${text}"`);
}

/** The like and reply counts a page shows for a post (the feed's item for it, or the post page). */
export function postCounts(html: string, postId?: number): { likes?: number; replies?: number } {
  let scope = html;
  if (postId !== undefined) {
    const item = html
      .split('data-testid="feed-item"')
      .find((chunk) => chunk.includes(`href="/community/posts/${postId}"`));
    scope = item ?? "";
  }
  const count = (testId: string) => {
    const match = new RegExp(`data-testid="${testId}"[^>]*>(\\d+) `).exec(scope);
    return match ? Number(match[1]) : undefined;
  };
  return { likes: count("like-count"), replies: count("reply-count") };
}
