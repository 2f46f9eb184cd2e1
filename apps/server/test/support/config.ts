import { DEFAULT_DATABASE_URL, serverUrl } from "@convoy/db";

/** Server-level URL (no database) of the MySQL the tests create their databases in. */
export function testMysqlBaseUrl(): string {
  return serverUrl(process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL);
}

export const TEST_JWT_SECRET = "convoy-test-secret-0123456789-abcdefghijklmnop";
/** The one Origin the test servers accept besides none at all. */
export const TEST_ALLOWED_ORIGIN = "http://allowed.test";
