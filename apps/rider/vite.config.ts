import { defineConfig } from "vite";
import { convoyAppConfig } from "@convoy/ui/vite";

export default defineConfig(convoyAppConfig({ name: "rider", port: 5175 }));
