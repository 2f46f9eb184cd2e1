/** The MySQL the server, migrations and the seed use when `DATABASE_URL` is not set. */
export const DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/convoy";

/** `url` without its database name (e.g. mysql://root@127.0.0.1:3306/), for creating and dropping databases. */
export function serverUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = "/";
  return parsed.toString();
}
