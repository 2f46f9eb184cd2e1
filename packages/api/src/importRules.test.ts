import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// This package's real ESLint config, run over a scratch copy of the `src/` layout, so a
// rule that stopped firing fails here rather than letting a cycle or a domain import in.
const configFile = join(dirname(fileURLToPath(import.meta.url)), "..", "eslint.config.js");

const fixture: Record<string, string> = {
  "tsconfig.json": JSON.stringify({
    compilerOptions: { strict: true, module: "esnext", moduleResolution: "bundler", noEmit: true },
    include: ["src"],
  }),
  "src/offers/award.ts": "export const award = (): number => 1;\n",
  "src/events/commit.ts": 'import { award } from "../offers/award";\n\nexport const commit = (): number => award();\n',
  "src/lib/money.ts": 'import { award } from "../offers/award";\n\nexport const money = (): number => award();\n',
  "src/lib/plain.ts": 'import { money } from "./money";\n\nexport const plain = (): number => money();\n',
  "src/trips/first.ts": 'import { second } from "./second";\n\nexport const first = (): number => second() + 1;\n',
  "src/trips/second.ts": 'import { third } from "./third";\n\nexport const second = (): number => third() + 1;\n',
  "src/trips/third.ts": 'import { first } from "./first";\n\nexport const third = (): number => (Date.now() > 0 ? 0 : first());\n',
};

let root: string;
let results: Map<string, string[]>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "convoy-import-rules-"));
  for (const [path, text] of Object.entries(fixture)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: configFile,
    ruleFilter: ({ ruleId }) => ruleId === "import-x/no-cycle" || ruleId === "no-restricted-imports",
  });
  const linted = await eslint.lintFiles(["src/**/*.ts"]);
  results = new Map(linted.map((result) => [result.filePath.slice(root.length + 1), result.messages.map((m) => m.ruleId ?? m.message)]));
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("import rules", () => {
  it("refuses a domain import from events/ and lib/", () => {
    expect(results.get("src/events/commit.ts")).toEqual(["no-restricted-imports"]);
    expect(results.get("src/lib/money.ts")).toEqual(["no-restricted-imports"]);
  });

  it("lets lib/ import lib/, and a domain import a domain", () => {
    expect(results.get("src/lib/plain.ts")).toEqual([]);
    expect(results.get("src/offers/award.ts")).toEqual([]);
  });

  it("reports every import of a three-file cycle", () => {
    for (const file of ["first", "second", "third"]) expect(results.get(`src/trips/${file}.ts`)).toEqual(["import-x/no-cycle"]);
  });
});
