// @ts-check
/**
 * The Vite config the three apps share, so their dev proxy and production paths cannot
 * drift apart. JavaScript (typed by viteApp.d.ts) because Node loads it while Vite reads the
 * apps' configs, before any TypeScript tooling runs.
 */
import process from "node:process";
import react from "@vitejs/plugin-react";

/** @type {import("./viteApp").convoyAppConfig} */
export function convoyAppConfig({ name, port, serviceWorker = false }) {
  // Read here and only here: the dev servers forward /trpc (HTTP and WebSocket), the
  // drivers' position socket and proof-of-delivery uploads and images to this API.
  const apiUrl = process.env.CONVOY_API_URL ?? "http://localhost:3000";
  const proxy = { "/trpc": { target: apiUrl, ws: true }, "/positions": { target: apiUrl, ws: true }, "/proofs": { target: apiUrl } };
  // The app's service worker, src/sw.ts, is built to sw.js beside index.html (so it controls
  // the whole app), here ("entry") or by a plugin of the app's own ("plugin"); either way the
  // dev server serves the source as a module and lets it claim /<app>/.
  const worker =
    serviceWorker === "entry"
      ? {
          input: { index: "index.html", sw: "src/sw.ts" },
          output: {
            /** @param {{ name: string }} chunk */
            entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
          },
        }
      : {};
  return {
    // The server serves each production build under /<app>/, and the dev server matches it.
    base: `/${name}/`,
    // React's automatic JSX runtime, and Fast Refresh in the dev server: an edited component
    // re-renders in place and keeps its state.
    plugins: [react()],
    server: { port, strictPort: true, proxy, headers: serviceWorker ? { "Service-Worker-Allowed": `/${name}/` } : {} },
    preview: { port, strictPort: true, proxy },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      rollupOptions: {
        ...worker,
        onwarn(warning, warn) {
          // React Query marks its modules "use client" for server components; meaningless in an SPA.
          if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
          // zod places some `@__PURE__` notes where Rollup cannot use them; it drops them, harmlessly.
          if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("/zod/")) return;
          warn(warning);
        },
      },
    },
  };
}
