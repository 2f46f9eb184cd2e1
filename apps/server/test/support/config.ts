/** Server-level URL (no database) of the MySQL the tests create their databases in. */
export function testMysqlBaseUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306/");
  url.pathname = "/";
  return url.toString();
}

export const TEST_JWT_SECRET = "convoy-test-secret-0123456789-abcdefghijklmnop";
/** The one Origin the test servers accept besides none at all. */
export const TEST_ALLOWED_ORIGIN = "http://allowed.test";
