import { describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { apiKeyScopes } from "@convoy/db";
import { appRouter } from "../root";
import { KEY_REFUSED_PROCEDURES, PROCEDURE_SCOPES, requireKeyScope } from "./procedureScopes";

const procedures = Object.keys(appRouter._def.procedures).sort();

describe("procedure scopes", () => {
  it("place every procedure of the router: a scope, any key, or refused to keys", () => {
    const placed = [...Object.keys(PROCEDURE_SCOPES), ...KEY_REFUSED_PROCEDURES].sort();
    expect(placed).toEqual(procedures);
  });

  it("use every scope a key can be given", () => {
    expect(new Set(Object.values(PROCEDURE_SCOPES).filter((scope) => scope !== "any"))).toEqual(new Set(apiKeyScopes));
  });

  it("refuse with FORBIDDEN naming the missing scope, or saying that no key may call it", () => {
    expect(() => requireKeyScope(new Set(["trips:read"]), "trips.events")).not.toThrow();
    expect(() => requireKeyScope(new Set(), "auth.me")).not.toThrow();
    const missing = (() => {
      try {
        requireKeyScope(new Set(["trips:read"]), "offers.create");
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(TRPCError);
    expect(missing).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining('"offers:write"') });
    expect(() => requireKeyScope(new Set(apiKeyScopes), "apiKeys.create")).toThrow(/cannot be called with an API key/);
    expect(() => requireKeyScope(new Set(apiKeyScopes), "no.such")).toThrow(/cannot be called with an API key/);
  });
});
