import { Form, type useFetcher } from "@remix-run/react";
import { EnhancedMarker } from "./EnhancedMarker";
import { SubmitButton } from "./SubmitButton";

/** Runs the move forms through a fetcher, telling the list the wanted position at once. */
export interface MoveThroughFetcher {
  fetcher: ReturnType<typeof useFetcher>;
  /** A move is being sent: the next one waits. */
  busy: boolean;
  onMove: (id: number, position: number) => void;
}

/**
 * The move up / move down / delete controls of one item in an ordered list (a story's chapters,
 * a chapter's scenes): plain forms posting `intent=move-<kind>` with the new 1-based `position`,
 * or `intent=delete-<kind>`, and `<kind>Id`. With `move`, the move form runs through its fetcher
 * (the list reorders at once); without JavaScript it posts and redirects all the same.
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
  const remove = `delete-${kind}`;
  const MoveForm = move ? move.fetcher.Form : Form;
  // A move names a position in the order the server has: one at a time, so none is lost to the
  // fetcher aborting the one before.
  const moving = move?.busy ?? false;
  return (
    <>
      <MoveForm
        method="post"
        className="inline-form"
        onSubmit={(event) => {
          const button = (event.nativeEvent as SubmitEvent).submitter;
          const position = Number(button?.getAttribute("value"));
          if (move && Number.isInteger(position)) move.onMove(id, position);
        }}
      >
        {move ? <EnhancedMarker /> : null}
        <input type="hidden" name="intent" value={moveIntent} />
        <input type="hidden" name={idField} value={id} />
        <SubmitButton
          name="position"
          value={index}
          className="secondary"
          disabled={index === 0 || moving}
          pendingWhen={{ intent: moveIntent, [idField]: id, position: index }}
          aria-label={`Move “${title}” up`}
        >
          Move up
        </SubmitButton>
        <SubmitButton
          name="position"
          value={index + 2}
          className="secondary"
          disabled={index === count - 1 || moving}
          pendingWhen={{ intent: moveIntent, [idField]: id, position: index + 2 }}
          aria-label={`Move “${title}” down`}
        >
          Move down
        </SubmitButton>
      </MoveForm>
      <Form method="post" className="inline-form">
        <input type="hidden" name={idField} value={id} />
        <SubmitButton
          name="intent"
          value={remove}
          className="danger"
          pendingWhen={{ intent: remove, [idField]: id }}
          pendingLabel="Deleting…"
          aria-label={`Delete “${title}”`}
        >
          Delete
        </SubmitButton>
      </Form>
    </>
  );
}
