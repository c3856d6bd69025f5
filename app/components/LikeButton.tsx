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
}: {
  postId: number;
  liked: boolean;
  likeCount: number;
  signedIn: boolean;
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
          className="inline-form"
          onSubmit={(event) => overlay.begin(new FormData(event.currentTarget).get("liked") === "true")}
        >
          <EnhancedMarker />
          <input type="hidden" name="liked" value={shownLiked ? "false" : "true"} />
          <button
            type="submit"
            name="intent"
            value="like"
            className={shownLiked ? "secondary" : undefined}
            aria-pressed={shownLiked}
          >
            {shownLiked ? "Unlike" : "Like"}
          </button>
        </fetcher.Form>
      ) : null}
      <FormErrors errors={failureMessages(failure)} />
    </div>
  );
}
