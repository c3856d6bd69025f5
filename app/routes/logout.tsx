import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { signOut, signOutEverywhere } from "~/auth/session.server";
import { readForm } from "~/http/forms.server";

// Logging out changes state, so it is a POST (the nav bar's form); a GET just goes home.
export const loader = () => redirect("/");

/** `intent=everywhere` ends every session of the user (the account page's button); else this one. */
export async function action({ request }: ActionFunctionArgs) {
  const { intent } = await readForm(request);
  return intent === "everywhere" ? signOutEverywhere(request) : signOut(request);
}
