import { describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import { errorCode, errorMessage, isUnauthorized, wrongRoleMessage } from "./errors";

/** A client error shaped like one the server answered with `code`. */
function serverError(code: string, message: string) {
  return TRPCClientError.from({ error: { code: -32001, message, data: { code, httpStatus: 401 } } });
}

describe("errorMessage", () => {
  it("passes the server's own wording through", () => {
    const error = serverError("UNAUTHORIZED", "Wrong email or password");
    expect(errorMessage(error)).toBe("Wrong email or password");
    expect(errorCode(error)).toBe("UNAUTHORIZED");
    expect(isUnauthorized(error)).toBe(true);
  });

  it("says the server is unreachable when the request never got an answer", () => {
    const error = TRPCClientError.from(new TypeError("Failed to fetch"));
    expect(errorMessage(error)).toBe("Can't reach the Convoy server. Check your connection and try again.");
    expect(isUnauthorized(error)).toBe(false);
  });

  it("uses a plain Error's message, and a fallback for anything else", () => {
    expect(errorMessage(new Error("Still starting up"))).toBe("Still starting up");
    expect(errorMessage("boom")).toBe("Something went wrong; try again.");
  });
});

describe("wrongRoleMessage", () => {
  it("names the app's audience and the account's role", () => {
    expect(wrongRoleMessage("driver", "dispatcher")).toBe("This app is for drivers; you signed in as a dispatcher.");
    expect(wrongRoleMessage("dispatcher", "rider")).toBe("This app is for dispatchers; you signed in as a rider.");
  });
});
