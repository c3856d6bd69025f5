import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
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
  return (
    <section className="card" style={{ maxWidth: "26rem", margin: "2rem auto" }}>
      <h1>Log in</h1>
      <Form method="post" className="stack" replace>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/studio"} />
        <FormErrors errors={errors?._form} />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={result && "values" in result ? result.values.email : ""}
          errors={errors?.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          errors={errors?.password}
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
