// @ts-check
// Compiles the server for production into dist/, run with plain `node dist/main.js`:
//
//   dist/main.js        one ESM bundle of src/main.ts with @convoy/api and @convoy/db compiled
//                       in from their TypeScript sources (dist/main.js.map maps it back)
//   dist/drizzle/       @convoy/db's committed migrations, found by main.ts beside itself
//
// Every npm package stays an `import`, resolved at run time from node_modules, which
// production installs from the lockfile (`pnpm deploy --prod`, scripts/assembleRuntime.sh).
// So each one the bundle imports must be in this package's `dependencies`; the build fails
// naming any that is not, rather than shipping a server that cannot start.
import { builtinModules } from "node:module";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { URL } from "node:url";
import { build } from "esbuild";

const here = new URL(".", import.meta.url);
const dist = new URL("dist/", here);
/** @type {{ dependencies: Record<string, string> }} */
const manifest = JSON.parse(readFileSync(new URL("package.json", here), "utf8"));
const dependencies = new Set(Object.keys(manifest.dependencies));
const builtins = new Set(builtinModules);

/** "drizzle-orm/mysql2" → "drizzle-orm", "@trpc/server/adapters/ws" → "@trpc/server". */
const packageOf = (/** @type {string} */ specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** @type {import("esbuild").Plugin} */
const dependenciesStayExternal = {
  name: "dependencies-stay-external",
  setup(pluginBuild) {
    // Bare specifiers only: relative and absolute paths are this workspace's own files.
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = packageOf(args.path);
      if (name.startsWith("@convoy/")) return undefined;
      if (args.path.startsWith("node:") || builtins.has(name) || dependencies.has(name)) return { path: args.path, external: true };
      return {
        errors: [
          { text: `"${args.path}" (imported by ${args.importer}) is not a dependency of @convoy/server: add "${name}" to apps/server/package.json` },
        ],
      };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [new URL("src/main.ts", here).pathname],
  outfile: new URL("main.js", dist).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  // The oldest Node that package.json's engines allow.
  target: "node20.10",
  sourcemap: true,
  plugins: [dependenciesStayExternal],
  logLevel: "warning",
});
cpSync(new URL("node_modules/@convoy/db/drizzle", here), new URL("drizzle", dist), { recursive: true, dereference: true });
