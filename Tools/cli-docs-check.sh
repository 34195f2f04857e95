#!/usr/bin/env bash
# Generates what swift-argument-parser makes of the `vigil` CLI and checks each with its real
# consumer: the bash, zsh and fish completion scripts (`vigil --generate-completion-script`)
# loaded in those shells, with the values of the enum options offered; the man page (the
# package's GenerateManual plugin) rendered by groff and man without a warning; and
# `vigil --version` against the one version constant. Output in .build/cli-docs/ (not kept).
#   Tools/cli-docs-check.sh            (VIGIL=path/to/vigil to check another build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
for tool in bash zsh fish groff man; do
  command -v "$tool" >/dev/null || { echo "cli-docs-check: $tool is missing: run Tools/setup.sh" >&2; exit 1; }
done
if [[ -z "${VIGIL:-}" ]]; then
  swift build --product vigil >&2
  VIGIL="$(swift build --show-bin-path)/vigil"
fi
out=.build/cli-docs
rm -rf "$out" && mkdir -p "$out"
fail() { echo "cli-docs-check: FAIL: $*" >&2; exit 1; }

# --version is the constant of Sources/VigilCore/Version.swift.
want=$(sed -n 's/^ *public static let string = "\(.*\)"$/\1/p' Sources/VigilCore/Version.swift)
[[ -n "$want" ]] || fail "no version constant in Sources/VigilCore/Version.swift"
got=$("$VIGIL" --version)
[[ "$got" == "vigil $want" ]] || fail "vigil --version printed '$got', want 'vigil $want'"
echo "version: $got"

for shell in bash zsh fish; do
  "$VIGIL" --generate-completion-script "$shell" > "$out/vigil.$shell"
  [[ -s "$out/vigil.$shell" ]] || fail "empty $shell completion script"
done

# bash: the script loads, registers a completion for vigil, and offers the enum values.
bash --norc --noprofile -c "
  set -e
  source '$out/vigil.bash'
  spec=\$(complete -p vigil)
  [[ \"\$spec\" == *'-F _vigil vigil'* ]] || { echo \"complete -p vigil: \$spec\" >&2; exit 1; }
  offers() {   # offers WORD... -- EXPECTED: completes the line 'vigil WORD... <empty>'
    local words=() w
    while [[ \$1 != -- ]]; do words+=(\"\$1\"); shift; done; shift
    COMP_WORDS=(vigil \"\${words[@]}\" '')
    COMP_CWORD=\${#words[@]}; COMP_CWORD=\$((COMP_CWORD + 1))
    COMP_LINE=\"vigil \${words[*]} \"; COMP_POINT=\${#COMP_LINE}
    COMPREPLY=()
    _vigil vigil '' \"\${words[-1]}\"
    for w in \"\$@\"; do
      [[ \" \${COMPREPLY[*]} \" == *\" \$w \"* ]] || { echo \"bash: 'vigil \${words[*]} ' offers '\${COMPREPLY[*]}', not \$w\" >&2; exit 1; }
    done
  }
  offers quantize --method -- minmax percentile entropy mse
  offers eval --isa -- auto scalar avx2 avx512vnni neon neondot
  offers classify --variant -- ti s m b
  offers '' -- classify quantize inspect bench eval serve
" || fail "bash completion"
echo "bash: complete -p vigil registered; --method, --isa, --variant values and subcommands offered"

# zsh: the script parses and defines _vigil once compinit has run.
zsh -n "$out/vigil.zsh" || fail "zsh -n: syntax error in the zsh completion script"
zsh -f -c "autoload -Uz compinit && compinit -u -D && source '$out/vigil.zsh' && (( \$+functions[_vigil] ))" \
  || fail "zsh: the completion script does not define _vigil"
echo "zsh: script parses, _vigil defined"

# fish: the script parses, and fish's own completer offers the enum values.
fish --no-execute "$out/vigil.fish" || fail "fish -n: syntax error in the fish completion script"
for line in "vigil quantize --method =minmax" "vigil eval --isa =avx2" "vigil serve --format =nv12" \
            "vigil =classify"; do
  cmd=${line%%=*} want=${line##*=}
  got=$(fish --no-config -c "source '$out/vigil.fish'; complete -C '$cmd'" | cut -f1)
  grep -qx -- "$want" <<<"$got" || fail "fish: '$cmd' offers $(tr '\n' ' ' <<<"$got"), not $want"
done
echo "fish: script parses; --method, --isa, --format values and subcommands offered"

# The man page: the GenerateManual plugin of swift-argument-parser, dated by the last commit.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
swift package generate-manual --configuration debug --date "$date" >&2
page=.build/plugins/GenerateManual/outputs/vigil/vigil.1
[[ -s "$page" ]] || fail "generate-manual wrote no $page"
cp "$page" "$out/vigil.1"
warnings=$(groff -mandoc -ww -z -Tutf8 "$out/vigil.1" 2>&1) || fail "groff failed: $warnings"
[[ -z "$warnings" ]] || fail "groff warns on the man page: $warnings"
rendered=$(MANWIDTH=80 man --warnings=w -l "$out/vigil.1" 2>"$out/man.err") || fail "man -l failed: $(cat "$out/man.err")"
[[ ! -s "$out/man.err" ]] || fail "man -l warns: $(cat "$out/man.err")"
for word in classify quantize inspect bench eval serve --version --compare --recursive "Exit status"; do
  grep -qF -- "$word" <<<"$rendered" || fail "the man page lacks '$word'"
done
echo "man page: $(wc -l < "$out/vigil.1") lines of mdoc, rendered by groff and man -l without a warning"
