import { VitePWA } from "vite-plugin-pwa";
import { convoyAppConfig } from "@convoy/ui/vite";

const app = convoyAppConfig({ name: "driver", port: 5174, serviceWorker: "plugin" });

/**
 * The shared app config plus what makes the driver app installable and able to open with no
 * network: a web app manifest and a service worker (`src/sw.ts`) that precaches the built shell.
 * Not wrapped in `defineConfig`: the plugin's Vite types resolve to another copy of Vite (one
 * with terser) than the shared config's, which TypeScript will not unify; Vite reads both.
 */
export default {
  ...app,
  plugins: [
    ...(app.plugins ?? []),
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      // Registered by a script the plugin adds to index.html; the worker itself takes over at once.
      injectRegister: "script-defer",
      registerType: "autoUpdate",
      injectManifest: { globPatterns: ["**/*.{js,css,html,png,svg,woff2}"] },
      manifest: {
        name: "Convoy Driver",
        short_name: "Convoy",
        description: "Offers, trips and chat with dispatch, for Convoy's drivers; opens without a network.",
        start_url: "/driver/",
        scope: "/driver/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#2457d6",
        background_color: "#ffffff",
        icons: [
          { src: "icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icons/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
  ],
};
