import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { getActor } from "~/auth/actor.server";
import { beginLoginAttempt } from "~/auth/login-limit.server";
import { safeRedirect, signIn } from "~/auth/session.server";
import { FormErrors, TextField } from "~/components/Field";
import { handleForm, readForm } from "~/http/forms.server";
import { type FieldErrors, ValidationError } from "~/models/errors";
import { authenticate } from "~/models/users.server";

export const meta: MetaFunction = () => [{ title: "Log in — Quill" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
  if (await getActor(request, context)) throw redirect(redirectTo);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = await readForm(request);
  const email = values.email ?? "";
  const client = context.clientAddress;
  return handleForm(request, { intent: "login", values }, async () => {
    // The point is taken before the password is checked: parallel guesses cannot outrun the count.
    const attempt = await beginLoginAttempt(email, client);
    if (!attempt.allowed) {
      const wait = attempt.retryAfter;
      return data(
        {
          intent: "login",
          fieldErrors: {
            _form: [`Too many failed attempts. Try again in ${Math.ceil(wait / 60)} min.`],
          } as FieldErrors,
          values: { email },
        },
        { status: 429, headers: { "Retry-After": String(wait) } },
      );
    }
    let user: Awaited<ReturnType<typeof authenticate>>;
    try {
      user = await authenticate(values);
    } catch (error) {
      // A form without an email or a password checked nothing: it costs nothing.
      if (error instanceof ValidationError) await attempt.notChecked();
      throw error;
    }
    if (!user) throw new ValidationError({ _form: ["That email and password do not match an account."] });
    await attempt.succeeded();
    return signIn(request, user.id, values.redirectTo ?? "/studio");
  });
}

export default function Login() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : undefined;
  const busy = navigation.state === "submitting";
  // Refused: the password goes (never kept in the page), both fields say they are in question,
  // and focus goes back to the password so the next try is typed at once.
  const refused = Boolean(errors?._form?.length) && !errors?.email && !errors?.password;
  useEffect(() => {
    if (!result) return;
    const password = document.getElementById("password") as HTMLInputElement | null;
    if (!password) return;
    password.value = "";
    if (refused) password.focus();
  }, [result, refused]);
  return (
    <section className="card" style={{ maxWidth: "26rem", margin: "2rem auto" }}>
      <h1>Log in</h1>
      <Form method="post" className="stack" replace>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/studio"} />
        <FormErrors errors={errors?._form} id="login-error" />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={result && "values" in result ? result.values.email : ""}
          errors={errors?.email}
          aria-invalid={refused || errors?.email ? true : undefined}
          aria-describedby={refused ? "login-error" : undefined}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          errors={errors?.password}
          aria-invalid={refused || errors?.password ? true : undefined}
          aria-describedby={refused ? "login-error" : undefined}
        />
        <button type="submit" name="intent" value="login" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </Form>
      <p className="muted">
        Demo accounts: alice@example.com, bob@example.com, admin@example.com — password “password”.
      </p>
    </section>
  );
}
