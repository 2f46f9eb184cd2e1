import { afterAll, beforeAll } from "vitest";
import { spawnServer, type ServerProcess } from "./process";
import { startPrivateMysql, type PrivateMysql } from "./privateMysql";
import { recordingClients } from "./recordingClients";

export interface ServerOnPrivateMysql {
  mysql: PrivateMysql;
  server: ServerProcess;
  databaseUrl: string;
  clients: ReturnType<typeof recordingClients>;
}

/**
 * A server process of this file's own on a private mariadbd (database `databaseName`), for
 * tests that stop or freeze MySQL; chat and mutation limits are raised. Torn down after the
 * file: clients closed, the server killed, mariadbd thawed if frozen and destroyed.
 */
export function useServerOnPrivateMysql(databaseName: string): ServerOnPrivateMysql {
  const state = { clients: recordingClients() } as ServerOnPrivateMysql;
  beforeAll(async () => {
    state.mysql = await startPrivateMysql();
    state.databaseUrl = `${state.mysql.baseUrl}${databaseName}`;
    state.server = await spawnServer({ DATABASE_URL: state.databaseUrl, CHAT_MESSAGES_PER_10S: "1000", MUTATIONS_PER_10S: "1000" });
  }, 120_000);
  afterAll(async () => {
    await state.clients.closeAll();
    if (state.server.child.exitCode === null) state.server.child.kill("SIGKILL");
    await state.mysql.destroy();
  });
  return state;
}
