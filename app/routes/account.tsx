import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/actor.server";
import { changePassword } from "~/auth/password-change.server";
import { sessionCookie } from "~/auth/session.server";
import { FormErrors, TextField } from "~/components/Field";
import { PRIVATE_NO_STORE } from "~/http/cache-headers.server";
import { badIntent, handleForm, readForm } from "~/http/forms.server";

export const meta: MetaFunction = () => [{ title: "Account — Quill" }];

export const headers: HeadersFunction = () => PRIVATE_NO_STORE;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return { email: user.email, changed: new URL(request.url).searchParams.has("changed") };
}

/** A password change ends every session of the user (others are signed out) and opens a new one here. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = await readForm(request);
  const intent = values.intent ?? "";
  return handleForm(request, { intent, values: { intent } }, async () => {
    if (intent !== "change-password") badIntent(intent);
    const sid = await changePassword(user.id, values);
    return redirect("/account?changed", { headers: { "Set-Cookie": await sessionCookie(user.id, sid) } });
  });
}

export default function Account() {
  const { email, changed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : undefined;
  return (
    <>
      <h1>Account</h1>
      <p className="muted">Signed in as {email}.</p>
      {changed ? <p role="status">Password changed; every other session was signed out.</p> : null}
      <section className="card stack">
        <h2>Change password</h2>
        <p className="muted">Every other browser signed in to this account is signed out.</p>
        <Form method="post" className="stack">
          <FormErrors errors={errors?._form} />
          <TextField
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            errors={errors?.currentPassword}
          />
          <TextField
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            errors={errors?.newPassword}
          />
          <button type="submit" name="intent" value="change-password">
            Change password
          </button>
        </Form>
      </section>
      <section className="card stack">
        <h2>Sessions</h2>
        <Form method="post" action="/logout">
          <button type="submit" name="intent" value="everywhere">
            Sign out on every device
          </button>
        </Form>
      </section>
    </>
  );
}
