import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter, createContext, parseCookies } from "@convoy/api/server";
import { useTestServer } from "./support/harness";

// Budgets are not under test here; every request is sent twice.
const t = useTestServer({ callBudgets: { callsPerSecond: 10_000, burst: 10_000 } });

/**
 * tRPC's own standalone adapter over the same services, router and context: the answer the
 * fast path must reproduce byte for byte.
 */
let reference: Server;
let referenceUrl = "";
beforeAll(async () => {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    createContext: ({ req, res }) => {
      const header = req.headers.authorization;
      return createContext(t.server.services, header?.startsWith("Bearer ") ? header.slice(7) : null, {
        http: {
          cookies: parseCookies(req.headers.cookie),
          setCookie: (cookie) => void res.appendHeader("set-cookie", cookie),
          isLocalhost: true,
        },
      });
    },
  });
  reference = createServer(handler);
  await new Promise<void>((resolve) => reference.listen(0, "127.0.0.1", resolve));
  referenceUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => reference.close(resolve));
});

interface Answer {
  status: number;
  contentType: string | null;
  vary: string | null;
  setCookie: string | null;
  body: string;
}

async function get(origin: string, pathAndQuery: string, token: string | null): Promise<Answer & { sizedBody: boolean }> {
  const response = await fetch(`${origin}/trpc/${pathAndQuery}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    vary: response.headers.get("vary"),
    setCookie: response.headers.get("set-cookie"),
    body: await response.text(),
    sizedBody: response.headers.get("content-length") !== null,
  };
}

/** The same GET to Convoy and to the reference; their answers must be identical. */
async function compare(pathAndQuery: string, token: string | null) {
  const [convoy, trpc] = await Promise.all([get(t.url, pathAndQuery, token), get(referenceUrl, pathAndQuery, token)]);
  const { sizedBody, ...answer } = convoy;
  const { sizedBody: _, ...expected } = trpc;
  expect(answer, pathAndQuery).toEqual(expected);
  // tRPC streams its body (chunked); the fast path sends it whole, with a length.
  return { answer, servedByFastPath: sizedBody };
}

const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;

describe("GET queries answered without tRPC's Fetch adapter", () => {
  it("answers single calls exactly as tRPC's adapter does: data, 401 without or with a bad token, 403 for the wrong role", async () => {
    const driver = await t.as("driver", 1);
    const dispatcher = await t.as("dispatcher");
    const me = await compare("auth.me", driver.token);
    expect(me.answer.status).toBe(200);
    expect(JSON.parse(me.answer.body)).toMatchObject({ result: { data: { id: driver.userId } } });
    expect(me.servedByFastPath).toBe(true);

    for (const token of [null, "not-a-token", `${driver.token}x`]) {
      const refused = await compare("auth.me", token);
      expect(refused.answer.status).toBe(401);
      expect(refused.servedByFastPath).toBe(true);
    }
    const forbidden = await compare(`drivers.list?${input({})}`, driver.token);
    expect(forbidden.answer.status).toBe(403);
    expect(forbidden.servedByFastPath).toBe(true);

    const listed = await compare(`drivers.list?${input({})}`, dispatcher.token);
    expect(listed.answer.status).toBe(200);
    expect(listed.servedByFastPath).toBe(true);
    const noInput = await compare("drivers.list", dispatcher.token);
    expect(noInput.servedByFastPath).toBe(true);
  });

  it("answers a procedure's NOT_FOUND and a zod input error with tRPC's status and error shape", async () => {
    const dispatcher = await t.as("dispatcher");
    const missing = await compare(`drivers.byId?${input({ driverId: 987_654 })}`, dispatcher.token);
    expect(missing.answer.status).toBe(404);
    expect(missing.servedByFastPath).toBe(true);

    const invalid = await compare(`drivers.byId?${input({ driverId: "seven" })}`, dispatcher.token);
    expect(invalid.answer.status).toBe(400);
    expect(JSON.parse(invalid.answer.body)).toMatchObject({ error: { data: { code: "BAD_REQUEST" } } });
    expect(invalid.servedByFastPath).toBe(true);
  });

  it("answers batches exactly as tRPC does: an array of envelopes, 207 when statuses differ, one status when they agree", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 2);
    const mixed = await compare(
      `auth.me,drivers.byId,drivers.byId,drivers.list?batch=1&${input({ 1: { driverId: 987_654 }, 2: { driverId: -1 }, 3: {} })}`,
      dispatcher.token,
    );
    expect(mixed.answer.status).toBe(207);
    expect(JSON.parse(mixed.answer.body)).toHaveLength(4);
    expect(mixed.servedByFastPath).toBe(true);

    const allRefused = await compare(`drivers.list,presence.online?batch=1`, driver.token);
    expect(allRefused.answer.status).toBe(403);
    expect(allRefused.servedByFastPath).toBe(true);

    const anonymous = await compare(`auth.me,chat.unreadCount?batch=1`, null);
    expect(anonymous.answer.status).toBe(401);
    expect(anonymous.servedByFastPath).toBe(true);

    const ok = await compare(`auth.me,auth.me?batch=1`, driver.token);
    expect(ok.answer.status).toBe(200);
    expect(ok.servedByFastPath).toBe(true);
  });

  it("leaves to tRPC's adapter, with its own errors, what it does not serve", async () => {
    const dispatcher = await t.as("dispatcher");
    const fallThrough = [
      "no.suchProcedure",
      "auth.me,no.such?batch=1",
      "auth.me,auth.me",
      "auth.logout",
      "auth.me,auth.logout?batch=1",
      "drivers.byId?input=%7Bnot-json",
      "auth.me,auth.me?batch=1&input=%5B1%5D",
      "auth.me?batch=2",
      "auth.me?methodOverride=POST",
      "auth.me?input=1&input=2",
      "auth.%6De",
    ];
    for (const pathAndQuery of fallThrough) {
      const { answer, servedByFastPath } = await compare(pathAndQuery, dispatcher.token);
      expect(servedByFastPath, pathAndQuery).toBe(false);
      expect(answer.status, pathAndQuery).toBeGreaterThanOrEqual(200);
    }
  });
});
