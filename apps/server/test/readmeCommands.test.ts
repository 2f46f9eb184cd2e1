import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The README's run and test commands need only Node and npm: they fetch the pinned pnpm with
// npx. CI runs exactly the README's test command, and the image builds with the same pnpm.

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");
const { packageManager } = JSON.parse(read("package.json")) as { packageManager: string };
const pnpm = `npx --yes ${packageManager}`;

/** The first sh block under a README heading. */
function commandUnder(heading: string): string {
  const readme = read("README.md");
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```sh\n([^\n]*)\n/.exec(section);
  if (!block?.[1]) throw new Error(`no sh block under "${heading}"`);
  return block[1];
}

describe("the README's commands", () => {
  it("run and test with the pnpm of package.json's packageManager, through npx", () => {
    expect(packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
    expect(commandUnder("## Run it")).toBe(`${pnpm} install && ${pnpm} dev`);
    expect(commandUnder("## Test it")).toBe(`${pnpm} install && ${pnpm} test`);
  });

  it("are what CI runs last, and the image builds with the same pnpm", () => {
    const ciLines = read(".ci/run").trimEnd().split("\n");
    expect(ciLines.at(-1)).toBe(commandUnder("## Test it"));
    expect(ciLines.filter((line) => /\bpnpm\b/.test(line) && !line.trimStart().startsWith("#") && !line.includes(pnpm))).toEqual([]);
    expect(read("Dockerfile")).toContain(`RUN npm install -g ${packageManager}\n`);
  });
});
