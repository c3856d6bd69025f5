import { Form } from "@remix-run/react";
import { SubmitButton } from "./SubmitButton";

/**
 * The move up / move down / delete controls of one item in an ordered list (a story's chapters,
 * a chapter's scenes): plain forms posting `intent=move-<kind>` with the new 1-based `position`,
 * or `intent=delete-<kind>`, and `<kind>Id`.
 */
export function MoveAndDelete({
  kind,
  id,
  title,
  index,
  count,
}: {
  kind: "chapter" | "scene";
  id: number;
  title: string;
  index: number;
  count: number;
}) {
  const idField = `${kind}Id`;
  const move = `move-${kind}`;
  const remove = `delete-${kind}`;
  return (
    <>
      <Form method="post" className="inline-form">
        <input type="hidden" name="intent" value={move} />
        <input type="hidden" name={idField} value={id} />
        <SubmitButton
          name="position"
          value={index}
          className="secondary"
          disabled={index === 0}
          pendingWhen={{ intent: move, [idField]: id, position: index }}
          aria-label={`Move “${title}” up`}
        >
          Move up
        </SubmitButton>
        <SubmitButton
          name="position"
          value={index + 2}
          className="secondary"
          disabled={index === count - 1}
          pendingWhen={{ intent: move, [idField]: id, position: index + 2 }}
          aria-label={`Move “${title}” down`}
        >
          Move down
        </SubmitButton>
      </Form>
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
