import { createDb, ensureDatabase, migrate, seed, type DbHandle } from "@convoy/db";
import { createTestDatabase } from "./harness";
import { spawnServer, type ServerProcess } from "./process";
import { startPrivateRedis, type PrivateRedis } from "./redis";
import { startTcpBalancer, type TcpBalancer } from "./tcpBalancer";

export interface Cluster {
  db: DbHandle;
  redis: PrivateRedis;
  a: ServerProcess;
  b: ServerProcess;
  /** Prefers B, fails over to A. */
  balancer: TcpBalancer;
  /** Starts another instance with the cluster's settings (a replacement in a rolling deploy). */
  spawnInstance: () => Promise<ServerProcess>;
  stop: () => Promise<void>;
}

/**
 * Two real server processes on one fresh MySQL database and a private Redis, behind a TCP
 * balancer that prefers B. `env` adds settings to both instances.
 */
export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const redis = await startPrivateRedis();
  const database = await createTestDatabase();
  await ensureDatabase(database.url);
  const db = createDb(database.url, { connectionLimit: 2 });
  await migrate(db.db);
  await seed(db.db);
  const instanceEnv = { DATABASE_URL: database.url, REDIS_URL: redis.url, ...env };
  const spawnInstance = () => spawnServer(instanceEnv);
  const [a, b] = await Promise.all([spawnInstance(), spawnInstance()]);
  const balancer = await startTcpBalancer([b.port, a.port]);
  const cluster: Cluster = {
    db,
    redis,
    a,
    b,
    balancer,
    spawnInstance,
    async stop() {
      await balancer.close();
      for (const server of [cluster.a, cluster.b]) if (server.child.exitCode === null) server.child.kill("SIGKILL");
      await redis.stop();
      await db.close();
      await database.drop();
    },
  };
  return cluster;
}
