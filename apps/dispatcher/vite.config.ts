import { defineConfig } from "vite";
import { convoyAppConfig } from "@convoy/ui/vite";

export default defineConfig(convoyAppConfig({ name: "dispatcher", port: 5173, serviceWorker: "entry" }));
