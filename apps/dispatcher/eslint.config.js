import config from "@convoy/eslint-config";
export default config;
