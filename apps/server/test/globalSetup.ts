import { createConnection } from "mysql2/promise";
import { testMysqlBaseUrl } from "./support/config";

/** Fails fast, with the fix, when the test MySQL is not there. */
export default async function checkMysql() {
  try {
    const connection = await createConnection({ uri: testMysqlBaseUrl(), connectTimeout: 3_000 });
    await connection.end();
  } catch (error) {
    throw new Error(
      `Tests need MySQL at ${testMysqlBaseUrl()} (set TEST_DATABASE_URL). ` +
        `Start MariaDB with "bash .ci/run" or "docker compose up -d mysql". Cause: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
