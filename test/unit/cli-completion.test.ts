import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { bashScript } from "../../src/cli/completion/bash-script.js";
import { completionModel } from "../../src/cli/completion/completion-model.js";
import { fishScript } from "../../src/cli/completion/fish-script.js";
import { zshScript } from "../../src/cli/completion/zsh-script.js";

const model = completionModel();

/** Whether `shell -n` is available to check syntax without running anything. */
function syntaxOk(shell: string, script: string): boolean | undefined {
  const probe = spawnSync(shell, ["-c", "true"]);
  if (probe.error || probe.status !== 0) return undefined;
  const flag = shell === "fish" ? "--no-execute" : "-n";
  const r = spawnSync(shell, [flag], { input: script });
  return r.status === 0;
}

describe("cli shell completion", () => {
  it("knows every service, verb, flag and provider from the catalogue and the registry", () => {
    const names = model.groups.map((g) => g.name);
    expect(names).toEqual(
      expect.arrayContaining(["storage", "dns", "compute", "config", "providers", "completion", "demo"]),
    );
    const storage = model.groups.find((g) => g.name === "storage")!;
    expect(storage.verbs.map((v) => v.name)).toEqual([
      "ls",
      "mb",
      "rb",
      "put",
      "get",
      "cp",
      "rm",
      "stat",
      "sign",
    ]);
    expect(model.providers.storage).toEqual(expect.arrayContaining(["s3", "minio", "local"]));
    expect(model.providers.dns).toEqual(expect.arrayContaining(["local", "powerdns"]));
    expect(model.providers.storage).not.toContain("powerdns");
    expect(model.valueFlags).toEqual(
      expect.arrayContaining(["--profile", "--endpoint", "--expires", "--ttl"]),
    );
  });

  for (const [shell, make] of [
    ["bash", bashScript],
    ["zsh", zshScript],
    ["fish", fishScript],
  ] as const) {
    it(`prints a ${shell} script with services, verbs, flags and providers`, () => {
      const script = make(model);
      // fish names long flags "-l name"; bash and zsh complete them as "--name".
      const flag = (name: string): string => (shell === "fish" ? `-l ${name}` : `--${name}`);
      const words = [
        "storage",
        "dns",
        "apply",
        "minio",
        ...["recursive", "limit-rate", "yes", "json"].map(flag),
      ];
      for (const word of words) expect(script).toContain(word);
      const ok = syntaxOk(shell, script);
      if (ok !== undefined) expect(ok).toBe(true);
    });
  }

  it("completes words in bash like a user would see them", () => {
    if (syntaxOk("bash", "true") === undefined) return;
    const complete = (line: string): string[] => {
      const words = line.split(" ");
      const script = `${bashScript(model)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_omnicloud; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync("bash", ["-c", script], { encoding: "utf8" }).stdout.trim().split("\n");
    };
    expect(complete("omnicloud st")).toEqual(["storage"]);
    expect(complete("omnicloud storage c")).toEqual(["cp"]);
    expect(complete("omnicloud dns apply --y")).toEqual(["--yes"]);
    expect(complete("omnicloud storage ls --provider min")).toEqual(["minio"]);
    expect(complete("omnicloud dns zones --provider p")).toEqual(["powerdns"]);
    expect(complete("omnicloud --profile prod dns z")).toEqual(["zones"]);
    expect(complete("omnicloud completion z")).toEqual(["zsh"]);
  });
});
