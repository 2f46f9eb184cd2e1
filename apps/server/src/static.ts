import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const APPS = ["dispatcher", "driver", "rider"] as const;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/**
 * Serves the built apps at /dispatcher/, /driver/ and /rider/ from `root/<app>/`.
 * Unknown paths inside an app fall back to its index.html (client-side routing).
 * Returns false when the request is not for an app.
 */
export async function serveStaticApp(root: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
  if (path === "/") {
    response.writeHead(302, { location: "/dispatcher/" }).end();
    return true;
  }
  const app = APPS.find((name) => path === `/${name}` || path.startsWith(`/${name}/`));
  if (!app) return false;
  if (path === `/${app}`) {
    response.writeHead(302, { location: `/${app}/` }).end();
    return true;
  }
  const appRoot = join(root, app);
  const requested = normalize(join(appRoot, path.slice(app.length + 1)));
  if (!requested.startsWith(appRoot + sep) && requested !== appRoot) {
    response.writeHead(400).end();
    return true;
  }
  let file = requested;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) file = join(appRoot, "index.html");
  const isAsset = file.includes(`${sep}assets${sep}`);
  response.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": isAsset ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  });
  createReadStream(file).pipe(response);
  return true;
}
