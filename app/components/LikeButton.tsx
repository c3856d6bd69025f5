import { useFetcher } from "@remix-run/react";
import { failureFor, failureMessages } from "~/client/optimistic/failure";
import { useOverlay } from "~/client/optimistic/useOverlay";
import { EnhancedMarker } from "./EnhancedMarker";
import { FormErrors } from "./Field";

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The like count and, when signed in, the like button of a post. The button posts the wanted
 * state (`liked=true|false`), never a toggle, so rapid clicks and retries end where the last click
 * said. The count and the button follow the last click at once (the overlay) until the loader data
 * shows it; a failed action rolls them back and says so next to the button.
 */
export function LikeButton({
  postId,
  liked,
  likeCount,
  signedIn,
  action,
  title,
}: {
  postId: number;
  liked: boolean;
  likeCount: number;
  signedIn: boolean;
  /** Where the form posts (the feed posts to its own action with `postId`); the post's page by default. */
  action?: string;
  /** The post's title, read after "Like" where many like buttons share a page (the feed). */
  title?: string;
}) {
  const fetcher = useFetcher({ key: `like-${postId}` });
  const overlay = useOverlay<boolean>(fetcher, (wanted) => wanted === liked);
  const shownLiked = overlay.value ?? liked;
  // Others' likes come in with the loader data; mine is the difference the overlay makes.
  const shownCount = likeCount + (shownLiked === liked ? 0 : shownLiked ? 1 : -1);
  const failure = overlay.pending ? undefined : failureFor(fetcher.data, "like");
  return (
    <div className="row">
      <span data-testid="like-count">{plural(shownCount, "like", "likes")}</span>
      {signedIn ? (
        <fetcher.Form
          method="post"
          action={action}
          className="inline-form"
          onSubmit={(event) => overlay.begin(new FormData(event.currentTarget).get("liked") === "true")}
        >
          <EnhancedMarker />
          {action ? <input type="hidden" name="postId" value={postId} /> : null}
          <input type="hidden" name="liked" value={shownLiked ? "false" : "true"} />
          {/* One name whatever the state ("Like"); the state is aria-pressed, and the heart shows it. */}
          <button
            type="submit"
            name="intent"
            value="like"
            className={shownLiked ? "like-button pressed" : "like-button secondary"}
            aria-pressed={shownLiked}
          >
            <span aria-hidden="true">{shownLiked ? "♥" : "♡"}</span> Like
            {title ? <span className="visually-hidden"> “{title}”</span> : null}
          </button>
        </fetcher.Form>
      ) : null}
      <FormErrors errors={failureMessages(failure)} />
    </div>
  );
}
