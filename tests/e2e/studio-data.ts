import { type APIRequestContext, type APIResponse, expect } from "@playwright/test";
import { unique } from "./support";

/** The id a form post's redirect names, or the newest `prefix/:id` link of the page it goes to. */
async function createdId(request: APIRequestContext, response: APIResponse, prefix: string): Promise<number> {
  expect(response.status()).toBe(302);
  const location = response.headers().location ?? "";
  const direct = new RegExp(`${prefix}/(\\d+)$`).exec(location);
  if (direct?.[1]) return Number(direct[1]);
  const html = await (await request.get(location)).text();
  return Math.max(...[...html.matchAll(new RegExp(`${prefix}/(\\d+)`, "g"))].map((m) => Number(m[1])));
}

const post = (request: APIRequestContext, path: string, form: Record<string, string>) =>
  request.post(path, { form, maxRedirects: 0 });

/** A story of the signed-in author, made through the studio's forms; returns its id. */
export async function newStory(request: APIRequestContext): Promise<number> {
  const response = await post(request, "/studio", { intent: "create-story", title: unique("Story"), summary: "" });
  return createdId(request, response, "/studio/stories");
}

export async function newChapter(request: APIRequestContext, storyId: number, title = unique("Chapter")) {
  const response = await post(request, `/studio/stories/${storyId}`, { intent: "add-chapter", title });
  return createdId(request, response, "/studio/chapters");
}

export async function newScene(request: APIRequestContext, chapterId?: number, title = unique("Scene")) {
  const chapter = chapterId ?? (await newChapter(request, await newStory(request)));
  const response = await post(request, `/studio/chapters/${chapter}`, { intent: "add-scene", title });
  return createdId(request, response, "/studio/scenes");
}
