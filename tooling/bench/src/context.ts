import { join } from "node:path";
import type { UserRole } from "@convoy/db";
import type { BenchDatabase } from "./database";
import type { BenchOptions } from "./options";
import type { Account, RiderProbe } from "./protocol";
import { startServerProcess, type ServerProcess } from "./serverProcess";

/** What every scenario gets: the database, the logged-in accounts and a way to start a server. */
export class BenchContext {
  /** Highest resident memory seen in any server process, KiB. */
  peakRssKiB = 0;
  /** Whether the server has `tracking.onTrip`; riders are measured only if so. */
  riderProbe: RiderProbe = { available: false, reason: "not probed" };
  private serial = 0;

  constructor(
    readonly options: BenchOptions,
    readonly database: BenchDatabase,
    readonly jwtSecret: string,
    /** Where server logs and CPU profiles go. */
    readonly workDir: string,
    readonly accounts: Record<UserRole, Account[]> = { dispatcher: [], driver: [], rider: [] },
  ) {}

  /**
   * Starts a fresh server process on the benchmark database, so each scenario's CPU and
   * memory figures are its own. The caller stops it; its peak RSS is recorded then.
   * @param env settings for this server on top of the benchmark's (e.g. a rate limit).
   */
  async startServer(label: string, env?: Record<string, string>): Promise<ServerProcess> {
    const name = `${String(++this.serial).padStart(2, "0")}-${label}`;
    const server = await startServerProcess({
      databaseUrl: this.database.url,
      jwtSecret: this.jwtSecret,
      logFile: join(this.workDir, `${name}.log`),
      cpuProfileDir: this.options.cpuProfile ? join(this.workDir, `${name}.cpuprofile.d`) : undefined,
      nodeArgs: this.options.serverNodeArgs,
      env,
      serverRoot: this.options.serverRoot ?? undefined,
      fromSource: this.options.fromSource,
    });
    return {
      ...server,
      stop: async (timeoutMs) => {
        this.notePeak(server);
        await server.stop(timeoutMs);
      },
    };
  }

  /** Records the server's resident memory if it is the highest seen. */
  notePeak(server: ServerProcess): void {
    try {
      this.peakRssKiB = Math.max(this.peakRssKiB, server.peakRssKiB());
    } catch {
      // Exited already.
    }
  }

  /** Accounts of a role, failing clearly if fewer were logged in than a scenario needs. */
  take(role: UserRole, count: number): Account[] {
    const accounts = this.accounts[role];
    if (accounts.length < count) throw new Error(`needs ${count} ${role} accounts but only ${accounts.length} are logged in`);
    return accounts.slice(0, count);
  }
}
