import { describe, expect, it } from "vitest";
import { createTRPCClient, TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@convoy/api";
import { resubscribeLink } from "./resubscribe";

type Step = { data: { id: string; data: unknown } } | { error: string };

/**
 * The end of the chain, answering each subscription attempt with the next script and
 * recording the input it was made with: the part of the transport this link sees.
 */
function scriptedTransport(scripts: Step[][], inputs: unknown[]): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        inputs.push(op.input);
        for (const step of scripts.shift() ?? []) {
          if ("error" in step) {
            observer.error(TRPCClientError.from({ error: { code: -32_000, message: step.error, data: { code: step.error } } }));
            return;
          }
          observer.next({ result: { type: "data", id: step.data.id, data: step.data } });
        }
      });
}

describe("resubscribeLink", () => {
  it("resubscribes from the last delivered id after a retryable error and surfaces only the final one", async () => {
    const inputs: unknown[] = [];
    const retries: string[] = [];
    const client = createTRPCClient<AppRouter>({
      links: [
        resubscribeLink({ delayMs: () => 0, onRetry: ({ error }) => retries.push(String(error.data?.code)) }),
        scriptedTransport(
          [
            [{ error: "SERVICE_UNAVAILABLE" }],
            [{ data: { id: "7", data: "a" } }, { error: "SERVICE_UNAVAILABLE" }],
            [{ data: { id: "8", data: "b" } }, { error: "BAD_REQUEST" }],
          ],
          inputs,
        ),
      ],
    });
    const received: unknown[] = [];
    const finalError = await new Promise<unknown>((resolve) => {
      client.offers.events.subscribe({ lastEventId: "5" }, { onData: (value) => received.push(value), onError: resolve });
    });
    expect((finalError as TRPCClientError<AppRouter>).data?.code).toBe("BAD_REQUEST");
    expect(retries).toEqual(["SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"]);
    expect(inputs).toEqual([{ lastEventId: "5" }, { lastEventId: "5" }, { lastEventId: "7" }]);
    expect(received).toHaveLength(2);
  });
});
