import { apiRoute, changed } from "~/http/api-route.server";
import { createPost, getPost } from "~/models/posts.server";

/** POST /community/api/posts (title, body): 201, the new post, and its page in `Location`. */
export const action = apiRoute({
  POST: async ({ actor, body }) => {
    const result = await createPost(actor, body);
    const { post } = await getPost(result.value.id);
    return changed({ ...result, value: post }, { status: 201, headers: { Location: `/community/posts/${post.id}` } });
  },
});
export const loader = action;
