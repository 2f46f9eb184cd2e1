import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { useTestServer } from "./support/harness";
import { loadInput } from "./support/fixtures";

const t = useTestServer();

describe("chat rate limit", () => {
  it("answers the 11th message within 10 s with TOO_MANY_REQUESTS", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 1);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        driver.api.chat.send.mutate({ offerId: offer.id, body: `m${i}`, clientMessageId: randomUUID() }),
      ),
    );
    const codes = results.map((result) =>
      result.status === "fulfilled" ? "OK" : (result.reason as TRPCClientError<AppRouter>).data?.code,
    );
    expect(codes.filter((code) => code === "OK")).toHaveLength(10);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(2);
  });
});
