import { type CompletionModel, quoted } from "./completion-model.js";

/** "name:description" for zsh's _describe, colons in the name escaped. */
function described(name: string, summary: string): string {
  return quoted(`${name.replace(/:/g, "\\:")}:${summary}`);
}

/** The zsh script: save as _omnicloud on $fpath, or `source <(omnicloud completion zsh)`. */
export function zshScript(m: CompletionModel): string {
  const groups = m.groups.map((g) => described(g.name, g.summary)).join(" ");
  const cases = m.groups
    .map((g) => {
      const single = g.verbs.length === 1 && g.verbs[0]!.name === "";
      if (single) {
        const flags = g.verbs[0]!.flags.map((f) => described(`--${f.name}`, f.help)).join(" ");
        const extra =
          g.name === "completion"
            ? ` ${m.values.completion!.join(" ")}`
            : g.name === "providers"
              ? ` ${m.values["--service"]!.join(" ")}`
              : "";
        return `    (${g.name}) items=(${flags}); compadd -- ${extra.trim() || "''"} ;;`;
      }
      const verbs = g.verbs.map((v) => described(v.name, v.summary)).join(" ");
      const perVerb = g.verbs
        .map(
          (v) =>
            `        (${v.name}) items=(${v.flags.map((f) => described(`--${f.name}`, f.help)).join(" ")}) ;;`,
        )
        .join("\n");
      return `    (${g.name})
      if (( n == 1 )); then items=(${verbs}); _describe 'verb' items; return; fi
      case $verb in
${perVerb}
      esac ;;`;
    })
    .join("\n");
  return `#compdef omnicloud
# omnicloud zsh completion: omnicloud completion zsh > "\${fpath[1]}/_omnicloud" (or source it)
_omnicloud() {
  local service="" verb="" w
  local -i n=0 i
  local -a items
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    case $w in
      (${m.valueFlags.join("|")}) (( i++ )); continue ;;
      (-*) continue ;;
    esac
    if (( n == 0 )); then service=$w; elif (( n == 1 )); then verb=$w; fi
    (( n++ ))
  done
  case \${words[CURRENT-1]} in
    (--provider)
      case $service in
${Object.entries(m.providers)
  .map(([service, names]) => `        (${service}) compadd -- ${names.join(" ")} ;;`)
  .join("\n")}
      esac
      return ;;
    (--service) compadd -- ${m.values["--service"]!.join(" ")}; return ;;
    (--method) compadd -- ${m.values["--method"]!.join(" ")}; return ;;
    (--root) _directories; return ;;
    (--ssh-key|--user-data) _files; return ;;
  esac
  if (( n == 0 )); then
    items=(${groups}); _describe 'command' items
    compadd -- ${m.globalFlags.join(" ")}
    return
  fi
  case $service in
${cases}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe 'option' items
    compadd -- ${m.globalFlags.join(" ")}
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _omnicloud "$@"; else compdef _omnicloud omnicloud; fi
`;
}
