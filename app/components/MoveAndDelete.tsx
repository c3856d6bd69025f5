import { Form, type useFetcher } from "@remix-run/react";
import { type MouseEvent, type RefObject, useEffect, useRef } from "react";
import { announce } from "./Announcer";
import { EnhancedMarker } from "./EnhancedMarker";
import { usePendingForm } from "./SubmitButton";
import { useHydrated } from "./useHydrated";

/** Runs the move forms through a fetcher, telling the list the wanted position at once. */
export interface MoveThroughFetcher {
  fetcher: ReturnType<typeof useFetcher>;
  /** A move is being sent: the next one waits. */
  busy: boolean;
  onMove: (id: number, position: number) => void;
}

/** The row whose move button was pressed last, so that its button gets focus back after the move. */
let lastMove: { kind: string; id: number; direction: "up" | "down" } | null = null;

/**
 * The move up / move down / delete controls of one item in an ordered list (a story's chapters,
 * a chapter's scenes). Moves are plain forms posting `intent=move-<kind>` with the new 1-based
 * `position` and `<kind>Id`; with `move`, through its fetcher (the list reorders at once, the
 * pressed button keeps focus in the row's new place, and the new position is announced). Delete
 * is a GET form to the item's confirmation page (`/studio/<kind>s/:id/delete`), which says what
 * will be lost: with or without JavaScript, nothing is deleted by one click.
 *
 * Names match what is shown ("Move up", then the item's title, hidden but read), and a button
 * that cannot act says so with `aria-disabled` once hydrated, so it keeps focus.
 */
export function MoveAndDelete({
  kind,
  id,
  title,
  index,
  count,
  move,
}: {
  kind: "chapter" | "scene";
  id: number;
  title: string;
  index: number;
  count: number;
  move?: MoveThroughFetcher;
}) {
  const idField = `${kind}Id`;
  const moveIntent = `move-${kind}`;
  const MoveForm = move ? move.fetcher.Form : Form;
  // A move names a position in the order the server has: one at a time, so none is lost to the
  // fetcher aborting the one before.
  const moving = move?.busy ?? false;
  const up = useRef<HTMLButtonElement>(null);
  const down = useRef<HTMLButtonElement>(null);

  // After a move the row is in its new place: the pressed button (or, at an end, its twin) gets
  // focus back, and the new position is said.
  useEffect(() => {
    if (lastMove?.kind !== kind || lastMove.id !== id) return;
    const wanted = lastMove.direction === "up" ? up.current : down.current;
    if (document.activeElement !== wanted) wanted?.focus();
    announce(`“${title}” is now ${kind} ${index + 1} of ${count}.`);
    lastMove = null;
  }, [kind, id, index, count, title]);

  return (
    <span className="row row-controls">
      <MoveForm
        method="post"
        className="inline-form"
        onSubmit={(event) => {
          const button = (event.nativeEvent as SubmitEvent).submitter;
          const position = Number(button?.getAttribute("value"));
          if (button?.getAttribute("aria-disabled") === "true") {
            event.preventDefault();
            return;
          }
          if (move && Number.isInteger(position)) {
            lastMove = { kind, id, direction: position <= index ? "up" : "down" };
            move.onMove(id, position);
          }
        }}
      >
        {move ? <EnhancedMarker /> : null}
        <input type="hidden" name="intent" value={moveIntent} />
        <input type="hidden" name={idField} value={id} />
        <MoveButton
          buttonRef={up}
          position={index}
          cannot={index === 0 || moving}
          pendingWhen={{ intent: moveIntent, [idField]: id, position: index }}
          label="Move up"
          title={title}
        />
        <MoveButton
          buttonRef={down}
          position={index + 2}
          cannot={index === count - 1 || moving}
          pendingWhen={{ intent: moveIntent, [idField]: id, position: index + 2 }}
          label="Move down"
          title={title}
        />
      </MoveForm>
      <Form method="get" action={`/studio/${kind}s/${id}/delete`} className="inline-form">
        <button type="submit" className="danger">
          Delete<span className="visually-hidden"> “{title}”</span>
        </button>
      </Form>
    </span>
  );
}

function MoveButton({
  buttonRef,
  position,
  cannot,
  pendingWhen,
  label,
  title,
}: {
  buttonRef: RefObject<HTMLButtonElement>;
  position: number;
  cannot: boolean;
  pendingWhen: Record<string, string | number>;
  label: string;
  title: string;
}) {
  const hydrated = useHydrated();
  const pending = usePendingForm(pendingWhen);
  const off = cannot || pending;
  return (
    <button
      ref={buttonRef}
      type="submit"
      name="position"
      value={position}
      className="secondary"
      // Before hydration (and without JavaScript) a real `disabled`: nothing else would stop the post.
      disabled={!hydrated && off}
      aria-disabled={hydrated && off ? true : undefined}
      aria-busy={pending || undefined}
      onClick={(event: MouseEvent<HTMLButtonElement>) => {
        if (hydrated && off) event.preventDefault();
      }}
    >
      {label}
      <span className="visually-hidden"> “{title}”</span>
    </button>
  );
}
