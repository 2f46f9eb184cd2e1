import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
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
});
