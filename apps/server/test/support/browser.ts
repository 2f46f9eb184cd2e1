import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium by default; any Chromium-based binary works. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, sandbox-free headless run as root in CI: no GPU, no background traffic. */
const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const APPS = ["dispatcher", "driver", "rider"] as const;
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * A directory laid out as the server's STATIC_DIR expects (dispatcher/, driver/, rider/),
 * linking to each app's `dist`. Fails with the command to run when an app is not built;
 * `pnpm test` builds them first (turbo's `@convoy/server#test` depends on the app builds).
 */
export function builtAppsDir(): { dir: string; remove: () => void } {
  const missing = APPS.filter((app) => !existsSync(join(repoRoot, "apps", app, "dist", "index.html")));
  if (missing.length > 0) {
    throw new Error(
      `Browser tests need the built apps; missing ${missing.join(", ")}. ` +
        `Run: pnpm turbo run build ${missing.map((app) => `--filter=@convoy/${app}`).join(" ")}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "convoy-apps-"));
  for (const app of APPS) symlinkSync(join(repoRoot, "apps", app, "dist"), join(dir, app), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Launches headless Chromium, or says how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS, headless: true });
}

export interface TestBrowser {
  /** A page in a fresh context (own localStorage and cookies), phone-sized unless told otherwise. */
  newPage: (options?: { viewport?: { width: number; height: number } }) => Promise<Page>;
  /** Uncaught exceptions thrown in any page during the current test; any left fail the test. */
  pageErrors: Error[];
}

/**
 * One Chromium for the test file; every context made through it is closed after its test,
 * and the browser after the file. A test whose pages threw an uncaught exception fails,
 * since a crash the screen happens to survive is still a bug.
 */
export function useBrowser(): TestBrowser {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  const state: TestBrowser = {
    pageErrors: [],
    async newPage(options = {}) {
      if (!browser) throw new Error("useBrowser: the browser is not running (newPage called outside a test?)");
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 390, height: 760 } });
      // Shorter than Playwright's 30 s so a missing element fails the test well inside its timeout.
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (error) => state.pageErrors.push(error));
      return page;
    },
  };

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
    const errors = state.pageErrors.splice(0);
    if (errors.length > 0) throw new Error(`uncaught errors in the page: ${errors.map((error) => error.message).join("; ")}`);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return state;
}
