import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/harness";
import { spawnServer, type ServerProcess } from "../support/process";
import { useServerOnPrivateMysql } from "../support/privateMysqlServer";
import { untilReady, waitFor } from "../support/recordingClients";
import { startPrivateRedis, type PrivateRedis } from "../support/redis";

/**
 * Liveness (`/healthz`) asks nothing outside the process; readiness (`/readyz`) is green only
 * while MySQL and the bus answer and the instance is not draining, and says which is not.
 */

interface Probe {
  status: number;
  body: unknown;
}

async function probe(url: string): Promise<Probe> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const onPrivateMysql = useServerOnPrivateMysql("convoy_readiness");

let redis: PrivateRedis;
let withRedis: ServerProcess;
let dropDatabase: () => Promise<void>;

beforeAll(async () => {
  redis = await startPrivateRedis();
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  withRedis = await spawnServer({ DATABASE_URL: database.url, REDIS_URL: redis.url, SHUTDOWN_DELAY_MS: "3000" });
}, 60_000);

afterAll(async () => {
  if (withRedis.child.exitCode === null) withRedis.child.kill("SIGKILL");
  await redis.stop();
  await dropDatabase();
});

describe("/readyz and /healthz", () => {
  it("are both green on a server whose MySQL and Redis answer", async () => {
    expect(await probe(`${withRedis.url}/readyz`)).toEqual({ status: 200, body: { ok: true, mysql: "up", bus: "up", draining: false } });
    expect(await probe(`${withRedis.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
  });

  it("turns /readyz red with mysql down while MySQL is stopped, keeps /healthz green, and recovers", async () => {
    const { server, mysql } = onPrivateMysql;
    expect((await probe(`${server.url}/readyz`)).status).toBe(200);
    await mysql.stop();
    try {
      expect(await probe(`${server.url}/readyz`)).toEqual({ status: 503, body: { ok: false, mysql: "down", bus: "up", draining: false } });
      expect(await probe(`${server.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    } finally {
      await mysql.start();
    }
    await untilReady(server.url, "readiness once MySQL is back");
  });

  it("turns /readyz red with bus down while Redis is stopped, and recovers", async () => {
    await redis.stop();
    try {
      await waitFor(async () => (await probe(`${withRedis.url}/readyz`)).status === 503, "readiness to notice Redis is gone");
      const red = await probe(`${withRedis.url}/readyz`);
      expect(red.body).toMatchObject({ ok: false, mysql: "up", draining: false });
      expect(["down", "timeout"]).toContain((red.body as { bus: string }).bus);
      expect((await probe(`${withRedis.url}/healthz`)).status).toBe(200);
    } finally {
      await redis.start();
    }
    await untilReady(withRedis.url, "readiness once Redis is back");
  });

  it("turns /readyz red with draining during SHUTDOWN_DELAY_MS after SIGTERM, while /healthz stays green", async () => {
    withRedis.child.kill("SIGTERM");
    const seen: Probe[] = [];
    await waitFor(async () => {
      seen.push(await probe(`${withRedis.url}/readyz`));
      return seen.at(-1)!.status === 503;
    }, "readiness to turn red once the signal lands");
    const red = seen.at(-1);
    expect(red).toEqual({ status: 503, body: { ok: false, mysql: "up", bus: "up", draining: true } });
    expect(await probe(`${withRedis.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect(await withRedis.exited).toBe(0);
  });
});
