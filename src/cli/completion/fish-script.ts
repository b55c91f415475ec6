import { type CompletionModel, quoted } from "./completion-model.js";

/** The fish script: omnicloud completion fish > ~/.config/fish/completions/omnicloud.fish */
export function fishScript(m: CompletionModel): string {
  const lines = [
    "# omnicloud fish completion: omnicloud completion fish > ~/.config/fish/completions/omnicloud.fish",
    "complete -c omnicloud -f",
  ];
  const groupNames = m.groups.map((g) => g.name).join(" ");
  for (const g of m.groups) {
    lines.push(
      `complete -c omnicloud -n "not __fish_seen_subcommand_from ${groupNames}" -a ${g.name} -d ${quoted(g.summary)}`,
    );
  }
  lines.push(
    "complete -c omnicloud -l json -d 'one JSON document on stdout'",
    "complete -c omnicloud -l jsonl -d 'one JSON object per line'",
    "complete -c omnicloud -l debug -d 'redacted HTTP trace on stderr'",
    "complete -c omnicloud -l no-progress -d 'no progress bars'",
    "complete -c omnicloud -l profile -x -d 'profile from the config file'",
    "complete -c omnicloud -s h -l help -d 'show help'",
    "complete -c omnicloud -s v -l version -d 'print the version'",
  );
  for (const g of m.groups) {
    const single = g.verbs.length === 1 && g.verbs[0]!.name === "";
    const verbNames = g.verbs.map((v) => v.name).join(" ");
    if (!single) {
      for (const v of g.verbs) {
        lines.push(
          `complete -c omnicloud -n "__fish_seen_subcommand_from ${g.name}; and not __fish_seen_subcommand_from ${verbNames}" -a ${v.name} -d ${quoted(v.summary)}`,
        );
      }
    } else if (g.name === "completion") {
      lines.push(
        `complete -c omnicloud -n "__fish_seen_subcommand_from completion" -a ${quoted(m.values.completion!.join(" "))}`,
      );
    } else if (g.name === "providers") {
      lines.push(
        `complete -c omnicloud -n "__fish_seen_subcommand_from providers" -a ${quoted(m.values["--service"]!.join(" "))}`,
      );
    }
    for (const v of g.verbs) {
      const when = single
        ? `__fish_seen_subcommand_from ${g.name}`
        : `__fish_seen_subcommand_from ${g.name}; and __fish_seen_subcommand_from ${v.name}`;
      for (const f of v.flags) {
        const short = f.short ? ` -s ${f.short}` : "";
        const fixed = f.name === "provider" ? m.providers[g.name] : m.values[`--${f.name}`];
        const value =
          f.type === "string"
            ? fixed
              ? ` -x -a ${quoted(fixed.join(" "))}`
              : f.name === "root"
                ? " -r -a '(__fish_complete_directories)'"
                : " -r -F"
            : "";
        lines.push(
          `complete -c omnicloud -n ${quoted(when)} -l ${f.name}${short}${value} -d ${quoted(f.help)}`,
        );
      }
      // Paths and URLs are free text: files are offered for the verbs that read or write them.
      if (["put", "get", "cp", "import", "apply"].includes(v.name))
        lines.push(`complete -c omnicloud -n ${quoted(when)} -F`);
    }
  }
  return `${lines.join("\n")}\n`;
}
