import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useNavigation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { getActor } from "~/auth/actor.server";
import { ClientCacheAgent } from "~/client/ClientCacheAgent";
import { rootShouldRevalidate } from "~/client/root-revalidation";
import { Announcer, RouteFocus } from "~/components/Announcer";
import { OperatorKeys } from "~/components/DebugPanel";
import { useNonce } from "~/components/nonce";
import stylesheet from "~/styles/app.css?url";

// An inline icon: browsers stop asking for /favicon.ico (which would be a 404 on every page).
const favicon =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ctext y='13' font-size='13'%3E%E2%9C%92%3C/text%3E%3C/svg%3E";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: favicon },
];

export const meta: MetaFunction = ({ error }) => {
  // Shown when a page failed: the error page's own title, never the home page's.
  if (error) return [{ title: `${errorTitle(error)} — Quill` }];
  return [{ title: "Quill — write, read, talk" }];
};

function errorTitle(error: unknown): string {
  if (!isRouteErrorResponse(error)) return "Something went wrong";
  if (error.status === 404) return "Page not found";
  if (error.status === 403) return "Not allowed";
  return `Error ${error.status}`;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  return { user: actor ? { id: actor.id, name: actor.name, role: actor.role } : null };
}

// Only submissions reload the root: a cached page then shows without a network round trip.
export const shouldRevalidate = rootShouldRevalidate;

/** The signed-in user as the root loader saw it, for any component. */
export function useOptionalUser() {
  return useRouteLoaderData<typeof loader>("root")?.user ?? null;
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <NavBar />
        <main className="page" id="main" tabIndex={-1}>
          {children}
        </main>
        <Announcer />
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function NavBar() {
  const user = useOptionalUser();
  const navigation = useNavigation();
  return (
    <header className="nav">
      <nav aria-label="Main">
        <Link to="/" className="brand">
          Quill
        </Link>
        <NavLink to="/studio">Studio</NavLink>
        <NavLink to="/community">Community</NavLink>
      </nav>
      <div className="nav-user">
        {navigation.state !== "idle" ? (
          <span className="busy" aria-live="polite">
            Loading…
          </span>
        ) : null}
        {user ? (
          <>
            <span data-testid="signed-in-as">
              Signed in as <strong>{user.name}</strong>
              {user.role === "admin" ? " (admin)" : ""}
            </span>
            <NavLink to="/account">Account</NavLink>
            <Form method="post" action="/logout">
              <button type="submit" name="intent" value="logout" className="link-button">
                Log out
              </button>
            </Form>
          </>
        ) : (
          <Link to="/login">Log in</Link>
        )}
      </div>
    </header>
  );
}

export default function App() {
  const user = useOptionalUser();
  return (
    <>
      <Outlet />
      <RouteFocus />
      <ClientCacheAgent userId={user?.id ?? null} />
      <OperatorKeys isAdmin={user?.role === "admin"} />
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  if (isRouteErrorResponse(error)) {
    const said = typeof error.data === "string" && error.status !== 403 ? error.data : null;
    return (
      <section className="error-page">
        <h1>{errorTitle(error)}</h1>
        <p>{said ?? "This page is not yours to see or change."}</p>
        <ErrorLinks />
      </section>
    );
  }
  return (
    <section className="error-page">
      <h1>Something went wrong</h1>
      <p>We could not show this page. Try again in a moment.</p>
      <ErrorLinks />
    </section>
  );
}

/** Every 404 — an unknown URL, an unknown or malformed id, someone else's draft — looks alike. */
function NotFound() {
  return (
    <section className="error-page" data-testid="not-found">
      <h1>Page not found</h1>
      <p>There is nothing here. The address may be mistyped, or what it showed was deleted or unpublished.</p>
      <ErrorLinks />
    </section>
  );
}

function ErrorLinks() {
  return (
    <ul className="error-links">
      <li>
        <Link to="/studio">Go to your Studio</Link>
      </li>
      <li>
        <Link to="/community">Read the Community</Link>
      </li>
      <li>
        <Link to="/">Back to the start</Link>
      </li>
    </ul>
  );
}
