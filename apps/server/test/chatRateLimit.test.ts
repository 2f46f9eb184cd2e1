import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { useTestServer } from "./support/harness";
import { loadInput } from "./support/fixtures";
import { addUsers, failure } from "./support/offerFixtures";

/** Budgets small enough to exhaust in a test, windows long enough that none refills during it. */
const MUTATIONS = 30;
const CHAT_MESSAGES = 10;
const t = useTestServer({
  rateLimits: { mutationPoints: MUTATIONS, mutationWindowSeconds: 60, chatPoints: CHAT_MESSAGES, chatWindowSeconds: 60 },
});

const codeOf = (result: PromiseSettledResult<unknown>) =>
  result.status === "fulfilled" ? "OK" : (result.reason as TRPCClientError<AppRouter>).data?.code;

describe("chat rate limit", () => {
  it("answers the 11th message within the window with TOO_MANY_REQUESTS", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 1);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => driver.api.chat.send.mutate({ offerId: offer.id, body: `m${i}`, clientMessageId: randomUUID() })),
    );
    const codes = results.map(codeOf);
    expect(codes.filter((code) => code === "OK")).toHaveLength(CHAT_MESSAGES);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(2);
  });
});

describe("keyed retries and rate limits", () => {
  it("answers a burst of chat.send retries of a stored message without spending budget; a new message is still refused", async () => {
    const [dispatcher] = await addUsers(t, "dispatcher", 1);
    const driver = await t.as("driver", 2);
    const offer = await dispatcher!.api.offers.create.mutate(loadInput([driver.userId]));
    const keys = Array.from({ length: CHAT_MESSAGES }, () => randomUUID());
    const sent = [];
    for (const [i, key] of keys.entries()) sent.push(await driver.api.chat.send.mutate({ offerId: offer.id, body: `m${i}`, clientMessageId: key }));
    expect((await failure(driver.api.chat.send.mutate({ offerId: offer.id, body: "one more", clientMessageId: randomUUID() }))).code).toBe(
      "TOO_MANY_REQUESTS",
    );

    // More retries than both the chat budget (10) and what is left of the mutation budget (30 − 11).
    const retries = await Promise.allSettled(
      Array.from({ length: 25 }, () => driver.api.chat.send.mutate({ offerId: offer.id, body: "m0", clientMessageId: keys[0]! })),
    );
    expect(retries.map(codeOf)).toEqual(Array.from({ length: 25 }, () => "OK"));
    for (const retry of retries) expect((retry as PromiseFulfilledResult<unknown>).value).toEqual(sent[0]);

    const history = await driver.api.chat.history.query({ offerId: offer.id, limit: 100 });
    expect(history.messages.map((message) => message.id).sort((a, b) => a - b)).toEqual(sent.map((message) => message.id));
    const refused = await failure(driver.api.chat.send.mutate({ offerId: offer.id, body: "still new", clientMessageId: randomUUID() }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
  });

  it("answers a burst of offers.create retries of a stored key without spending budget; a new offer is still refused", async () => {
    const [dispatcher] = await addUsers(t, "dispatcher", 1);
    const driver = await t.as("driver", 3);
    const key = randomUUID();
    const first = await dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: key }));
    for (let i = 1; i < MUTATIONS; i++) await dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: randomUUID() }));
    const over = await failure(dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: randomUUID() })));
    expect(over.code).toBe("TOO_MANY_REQUESTS");

    const retries = await Promise.allSettled(
      Array.from({ length: 25 }, () => dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: key }))),
    );
    expect(retries.map(codeOf)).toEqual(Array.from({ length: 25 }, () => "OK"));
    for (const retry of retries) expect((retry as PromiseFulfilledResult<{ id: number }>).value.id).toBe(first.id);
    expect((await failure(dispatcher!.api.offers.create.mutate(loadInput([driver.userId])))).code).toBe("TOO_MANY_REQUESTS");
  });

  it("gives back the point a retry of a stored offers.create spent: retries below the limit leave the budget whole", async () => {
    const [dispatcher] = await addUsers(t, "dispatcher", 1);
    const driver = await t.as("driver", 4);
    const key = randomUUID();
    const first = await dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: key }));
    // More retries than the budget (30) holds, each spending a point before it finds the offer stored.
    for (let i = 0; i < MUTATIONS + 5; i++) {
      expect((await dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: key }))).id).toBe(first.id);
    }
    for (let i = 1; i < MUTATIONS; i++) await dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: randomUUID() }));
    expect((await failure(dispatcher!.api.offers.create.mutate(loadInput([driver.userId], { idempotencyKey: randomUUID() })))).code).toBe(
      "TOO_MANY_REQUESTS",
    );
  });
});
