import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { guardEnv, refusal } from "./guard.ts";

const env = guardEnv({});
const request = (method: string, headers: Record<string, string>) => ({ method, headers: new Headers(headers) });
const status = (method: string, headers: Record<string, string>, e = env, listening?: string) => refusal(request(method, headers), e, listening)?.status ?? 200;

describe("the request guard", () => {
  it("serves loopback under any name a browser here uses, and refuses other hosts with 421 (DNS rebinding)", () => {
    for (const host of ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "localhost", "app.localhost:3000"]) expect(status("GET", { host })).toBe(200);
    const refused = refusal(request("GET", { host: "evil.example:3000" }), env);
    expect(refused).toEqual({ status: 421, error: expect.stringContaining("does not serve the host 'evil.example:3000'") });
    expect(refused!.error).toContain("GRADTRACE_ALLOWED_HOSTS");
    expect(status("GET", {})).toBe(421);
  });

  it("serves the hosts GRADTRACE_ALLOWED_HOSTS names and the address it listens on, not a wildcard's", () => {
    const lab = guardEnv({ GRADTRACE_ALLOWED_HOSTS: "gradtrace.lab.example, 10.0.0.5:8080" });
    expect(status("GET", { host: "gradtrace.lab.example:3000" }, lab)).toBe(200);
    expect(status("GET", { host: "10.0.0.5:8080" }, lab)).toBe(200);
    expect(status("GET", { host: "10.0.0.5:9999" }, lab)).toBe(421);
    expect(status("GET", { host: "192.168.1.7:3000" }, env, "192.168.1.7")).toBe(200);
    expect(status("GET", { host: "192.168.1.7:3000" }, env, "0.0.0.0")).toBe(421);
    expect(status("GET", { host: "anything:1" }, guardEnv({ GRADTRACE_ALLOWED_HOSTS: "*" }))).toBe(200);
  });

  it("refuses a change from another site (403) whatever its content type, and takes it from this one or from a program", () => {
    const host = "127.0.0.1:3000";
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json"]) {
      expect(status("POST", { host, origin: "http://evil.example", "content-type": type, "content-length": "10" })).toBe(403);
    }
    expect(status("POST", { host, "sec-fetch-site": "cross-site" })).toBe(403);
    expect(status("POST", { host, "sec-fetch-site": "same-site", origin: "http://127.0.0.1:4000" })).toBe(403);
    expect(status("POST", { host, origin: "null" })).toBe(403);
    expect(
      status("POST", { host, origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-origin", "content-type": "application/json", "content-length": "2" }),
    ).toBe(200);
    expect(status("POST", { host, "content-type": "application/json; charset=utf-8", "content-length": "2" })).toBe(200);
    expect(status("POST", { host })).toBe(200);
    expect(status("GET", { host, origin: "http://evil.example" })).toBe(200);
  });

  it("refuses a body that is not JSON (415) or over the limit (413)", () => {
    const host = "localhost:3000";
    expect(status("POST", { host, "content-type": "text/plain", "content-length": "5" })).toBe(415);
    expect(status("POST", { host, "transfer-encoding": "chunked" })).toBe(415);
    expect(status("POST", { host, "content-type": "application/json", "content-length": String(1024 * 1024 + 1) })).toBe(413);
    expect(status("POST", { host, "content-type": "application/json", "content-length": "5000" }, guardEnv({ GRADTRACE_MAX_BODY_BYTES: "4096" }))).toBe(413);
  });

  it("names a bad setting and what is allowed", () => {
    expect(() => guardEnv({ GRADTRACE_MAX_BODY_BYTES: "lots" })).toThrow(/GRADTRACE_MAX_BODY_BYTES/);
    expect(() => guardEnv({ GRADTRACE_MAX_BODY_BYTES: "10" })).toThrow(/GRADTRACE_MAX_BODY_BYTES: must be a whole number from 1024 to 67108864/);
  });

  it("decides any request without throwing", () => {
    const header = fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, ""));
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "DELETE", "HEAD", "post"),
        fc.dictionary(fc.constantFrom("host", "origin", "sec-fetch-site", "content-type", "content-length", "transfer-encoding"), header),
        (method, headers) => {
          let h: Headers;
          try {
            h = new Headers(headers);
          } catch {
            return; // a header no client can send
          }
          const r = refusal({ method, headers: h }, env);
          expect(r === undefined || [403, 413, 415, 421].includes(r.status)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
