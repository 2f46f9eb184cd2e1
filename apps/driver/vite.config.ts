import { defineConfig } from "vite";
import { convoyAppConfig } from "@convoy/ui/vite";

export default defineConfig(convoyAppConfig({ name: "driver", port: 5174, serviceWorker: true }));
