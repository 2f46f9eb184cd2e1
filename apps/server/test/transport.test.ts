import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { createConvoyClient } from "@convoy/client";
import { useTestServer } from "./support/harness";
import { TEST_ALLOWED_ORIGIN } from "./support/config";

const t = useTestServer({ rateLimits: { mutationPoints: 5, mutationWindowSeconds: 60 } });
const wsUrl = () => `${t.url.replace("http", "ws")}/trpc`;

describe("transport", () => {
  it("answers /healthz for the process alone, and /readyz after pinging MySQL and the bus", async () => {
    const live = await fetch(`${t.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, mysql: "up", bus: "up", draining: false });
  });

  it("refuses a WebSocket upgrade from a disallowed Origin", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(), { origin: "http://evil.test" });
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.once("open", () => reject(new Error("upgrade was accepted")));
    });
    expect(status).toBe(403);
  });

  it("accepts an allowed Origin", async () => {
    const socket = new WebSocket(wsUrl(), { origin: TEST_ALLOWED_ORIGIN });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    socket.close();
  });

  it("closes the socket on a frame over 64 KiB", async () => {
    const socket = new WebSocket(wsUrl());
    await new Promise((resolve) => socket.once("open", resolve));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send("x".repeat(64 * 1024 + 1));
    expect(await closed).toBe(1009);
  });

  it("answers TOO_MANY_REQUESTS past the per-user mutation limit", async () => {
    const driver = await t.as("driver", 5);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => driver.api.drivers.setAvailability.mutate({ availability: "available" })),
    );
    const codes = results.map((result) => (result.status === "fulfilled" ? "OK" : (result.reason as TRPCClientError<AppRouter>).data?.code));
    expect(codes.filter((code) => code === "OK")).toHaveLength(5);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(3);
    // Another user's budget is untouched.
    const other = await t.as("driver", 6);
    await expect(other.api.drivers.setAvailability.mutate({ availability: "available" })).resolves.toBeTruthy();
  });

  describe("HTTP batching in @convoy/client", () => {
    const realFetch = globalThis.fetch;
    afterEach(() => {
      globalThis.fetch = realFetch;
    });

    /** The tRPC URLs the client requests while `calls` run; requests still go to the real server. */
    async function requestedUrls(batch: boolean | undefined): Promise<string[]> {
      const { token } = await t.as("dispatcher");
      const client = createConvoyClient({ url: t.url, token, WebSocket, batch });
      const urls: string[] = [];
      globalThis.fetch = (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input).replace(t.url, ""));
        return realFetch(input, init);
      };
      const [me, drivers] = await Promise.all([client.api.auth.me.query(), client.api.drivers.list.query({ limit: 5 })]);
      expect(me.role).toBe("dispatcher");
      expect(drivers.length).toBeGreaterThan(0);
      await client.close();
      return urls;
    }

    it("joins calls made in the same tick into one request by default", async () => {
      const urls = await requestedUrls(undefined);
      expect(urls).toHaveLength(1);
      expect(urls[0]).toMatch(/^\/trpc\/auth\.me,drivers\.list\?batch=1/);
    });

    it("sends each call as its own request with batch: false", async () => {
      const urls = await requestedUrls(false);
      expect(urls.sort()).toEqual([expect.stringMatching(/^\/trpc\/auth\.me(\?|$)/), expect.stringMatching(/^\/trpc\/drivers\.list\?/)]);
      expect(urls.some((url) => url.includes("batch="))).toBe(false);
    });
  });
});
