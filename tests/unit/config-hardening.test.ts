import { describe, expect, it } from "vitest";
import { parseConfig } from "~/config.server";

/** TRUST_PROXY and BODY_LIMIT (issue 11): validated at start, a bad value names the variable. */
describe("TRUST_PROXY", () => {
  it("trusts nobody by default, a hop count, or named proxies", () => {
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: "0" }).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(parseConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8,::1" }).trustProxy).toEqual([
      "loopback",
      "10.0.0.0/8",
      "::1",
    ]);
  });

  it("refuses `true` (any client could pick its address) and what is not an address", () => {
    for (const bad of ["true", "11", "10.0.0.0/33", "proxy.example", "1.2.3.4,"]) {
      expect(() => parseConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });
});

describe("BODY_LIMIT", () => {
  it("is 1 MiB unless set; takes bytes or kb/mb/gb", () => {
    expect(parseConfig({}).bodyLimitBytes).toBe(1024 * 1024);
    expect(parseConfig({ BODY_LIMIT: "64kb" }).bodyLimitBytes).toBe(64 * 1024);
    expect(parseConfig({ BODY_LIMIT: "2MB" }).bodyLimitBytes).toBe(2 * 1024 * 1024);
    expect(parseConfig({ BODY_LIMIT: "5000" }).bodyLimitBytes).toBe(5000);
  });

  it("refuses sizes it cannot read, and absurd ones", () => {
    for (const bad of ["lots", "-1", "10", "2gb", "1 tb"]) {
      expect(() => parseConfig({ BODY_LIMIT: bad }), bad).toThrow(/BODY_LIMIT/);
    }
  });
});
