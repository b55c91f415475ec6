import type { CompletionModel } from "./completion-model.js";

/** The bash script: `source <(omnicloud completion bash)`. */
export function bashScript(m: CompletionModel): string {
  const groupNames = m.groups.map((g) => g.name).join(" ");
  const cases = m.groups
    .map((g) => {
      const single = g.verbs.length === 1 && g.verbs[0]!.name === "";
      if (single) {
        const flags = g.verbs[0]!.flags.map((f) => `--${f.name}`).join(" ");
        const extra =
          g.name === "completion"
            ? ` ${m.values.completion!.join(" ")}`
            : g.name === "providers"
              ? ` ${m.values["--service"]!.join(" ")}`
              : "";
        return `    ${g.name}) words_="${flags}${extra}" ;;`;
      }
      const verbs = g.verbs.map((v) => v.name).join(" ");
      const perVerb = g.verbs
        .map((v) => `        ${v.name}) words_="${v.flags.map((f) => `--${f.name}`).join(" ")}" ;;`)
        .join("\n");
      return `    ${g.name})
      if [ "$n" -eq 1 ]; then words_="${verbs}"; else
      case "$verb" in
${perVerb}
      esac; fi ;;`;
    })
    .join("\n");
  return `# omnicloud bash completion. Load it with: source <(omnicloud completion bash)
_omnicloud() {
  local cur prev service="" verb="" n=0 i w words_=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      ${m.valueFlags.join("|")}) i=$((i + 1)); continue ;;
      -*) continue ;;
    esac
    if [ "$n" -eq 0 ]; then service="$w"; elif [ "$n" -eq 1 ]; then verb="$w"; fi
    n=$((n + 1))
  done
  case "$prev" in
    --provider)
      case "$service" in
${Object.entries(m.providers)
  .map(
    ([service, names]) => `        ${service}) COMPREPLY=($(compgen -W "${names.join(" ")}" -- "$cur")) ;;`,
  )
  .join("\n")}
      esac
      return ;;
    --service) COMPREPLY=($(compgen -W "${m.values["--service"]!.join(" ")}" -- "$cur")); return ;;
    --method) COMPREPLY=($(compgen -W "${m.values["--method"]!.join(" ")}" -- "$cur")); return ;;
    --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --ssh-key|--user-data) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [ "$n" -eq 0 ]; then
    COMPREPLY=($(compgen -W "${groupNames} ${m.globalFlags.join(" ")}" -- "$cur"))
    return
  fi
  case "$service" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$words_ ${m.globalFlags.join(" ")}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words_" -- "$cur"))
  fi
}
complete -o default -F _omnicloud omnicloud
`;
}
