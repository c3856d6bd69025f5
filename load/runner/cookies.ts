/** A per-VU cookie jar: the cookies a response set, sent back on requests to the same site. */
export interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  secure: boolean;
  expires?: number;
}

export class CookieJarState {
  cookies: StoredCookie[] = [];

  /** Takes the Set-Cookie headers of a response to `url`. */
  store(url: URL, headers: string[]) {
    for (const header of headers) {
      const [pair = "", ...attributes] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        domain: url.hostname,
        path: "/",
        secure: false,
      };
      for (const attribute of attributes) {
        const [rawKey = "", ...rest] = attribute.split("=");
        const key = rawKey.trim().toLowerCase();
        const value = rest.join("=").trim();
        if (key === "path" && value.startsWith("/")) cookie.path = value;
        else if (key === "secure") cookie.secure = true;
        else if (key === "max-age") cookie.expires = Date.now() + Number(value) * 1000;
        else if (key === "expires" && cookie.expires === undefined) cookie.expires = Date.parse(value);
      }
      this.set(cookie);
    }
  }

  set(cookie: StoredCookie) {
    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
  }

  forUrl(url: URL): StoredCookie[] {
    const now = Date.now();
    return this.cookies.filter(
      (c) =>
        c.domain === url.hostname &&
        url.pathname.startsWith(c.path) &&
        (!c.secure || url.protocol === "https:") &&
        (c.expires === undefined || c.expires > now),
    );
  }

  header(url: URL): string | undefined {
    const list = this.forUrl(url);
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }
}
