import { beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { latestEventId } from "@convoy/api/server";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { collectFrom } from "./support/subscriptions";
import { loadInput } from "./support/fixtures";

const t = useTestServer();

let dispatcher: LoggedInClient;
let driver: LoggedInClient;
let offerId: number;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  driver = await t.as("driver", 1);
  offerId = (await dispatcher.api.offers.create.mutate(loadInput([driver.userId]))).id;
});

/** An id no event has yet: the log's latest plus 1,000. */
async function beyondTheLog(): Promise<string> {
  return String((await latestEventId(t.db)) + 1_000);
}

/** The error a subscription ends with and how long after subscribing it arrived, in ms. */
async function firstError(subscribe: (handlers: { onError: (error: unknown) => void }) => void): Promise<{ code: unknown; ms: number }> {
  const started = performance.now();
  const error = await new Promise<unknown>((resolve) => subscribe({ onError: resolve }));
  const code = error instanceof TRPCClientError ? (error as TRPCClientError<AppRouter>).data?.code : String(error);
  return { code, ms: performance.now() - started };
}

describe("errors of a merged stream", () => {
  it("chat.events refuses a lastEventId beyond the log as fast as offers.events, with no typing event to carry it", async () => {
    const lastEventId = await beyondTheLog();
    const offers = await firstError((handlers) => dispatcher.api.offers.events.subscribe({ lastEventId }, handlers));
    const chat = await firstError((handlers) => dispatcher.api.chat.events.subscribe({ offerId, lastEventId }, handlers));
    expect(offers.code).toBe("BAD_REQUEST");
    expect(chat.code).toBe("BAD_REQUEST");
    // Nobody types: before the fix the error waited for a typing event, i.e. for ever here.
    expect(chat.ms).toBeLessThan(2_000);
  });

  it("after the error the user's typing half is gone and a fresh subscription works", async () => {
    const refused = await firstError((handlers) => driver.api.chat.events.subscribe({ offerId, lastEventId: "999999999" }, handlers));
    expect(refused.code).toBe("BAD_REQUEST");
    // TypingTracker keeps one listener per live chat.events subscription on this instance.
    const listeners = (t.server.services.typing as unknown as { listeners: Set<unknown> }).listeners;
    expect(listeners.size).toBe(0);

    const live = collectFrom(driver.api.chat.events.subscribe, { offerId });
    await live.started;
    await dispatcher.api.chat.typing.mutate({ offerId, driverId: driver.userId, typing: true });
    await live.until((items) => items.some((item) => "type" in item));
    expect(listeners.size).toBe(1);
    live.stop();
  });
});
