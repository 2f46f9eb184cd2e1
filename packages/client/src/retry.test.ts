import { describe, expect, it } from "vitest";
import { isSafeToRetry } from "./retry";

describe("isSafeToRetry", () => {
  it("retries queries and idempotent mutations only", () => {
    expect(isSafeToRetry({ type: "query", path: "offers.list", input: {} })).toBe(true);
    expect(isSafeToRetry({ type: "mutation", path: "tracking.report", input: { points: [] } })).toBe(true);
    expect(isSafeToRetry({ type: "mutation", path: "chat.send", input: { clientMessageId: "x" } })).toBe(true);
    expect(isSafeToRetry({ type: "mutation", path: "offers.create", input: { driverIds: [1] } })).toBe(false);
    expect(isSafeToRetry({ type: "mutation", path: "offers.respond", input: { offerId: 1, action: "accept" } })).toBe(false);
    expect(isSafeToRetry({ type: "subscription", path: "offers.events", input: {} })).toBe(false);
  });
});
