#!/bin/sh
# test_complete.sh BADIO SRCDIR: shell completion.
#
#   1. `badio --complete WORDS...` (tools/complete.c), the candidates for
#      the last word, case by case against exact expected output;
#   2. the bash completion (tools/completion/badio.bash) as bash-completion
#      loads it, with COMP_WORDS split as readline splits them ("=" is a
#      word break), including record's PROG handed to PROG's completion;
#   3. the zsh completion (tools/completion/_badio) with its completion
#      builtins replaced by functions that print what they are given.
set -u

badio=${1:?usage: test_complete.sh BADIO SRCDIR}
src=${2:?usage: test_complete.sh BADIO SRCDIR}
case $badio in /*) ;; *) badio=$PWD/$badio ;; esac
case $src in /*) ;; *) src=$PWD/$src ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-complete-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0
mkdir "$work/bin" "$work/files" "$work/files/sub"
ln -s "$badio" "$work/bin/badio"
touch "$work/files/x.db"
PATH=$work/bin:$PATH
export PATH

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# --- 1. the helper: WORDS (the last one is being completed) | expected ---
while IFS='|' read -r words want; do
	[ -n "$words" ] || continue
	eval "set -- $words"
	got=$(badio --complete badio "$@" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || fail "badio --complete badio $words: '$got', want '$want'"
done <<'CASES'
rec|record
''|record sites explore report merge help
-|--help --version
help r|record report
explore --fa|--faults --fail-on
explore --faults short,t|short,torn
explore --faults=short,t|--faults=short,torn
explore --faults short,torn,|short,torn,eio short,torn,enospc short,torn,crash short,torn,eio+ short,torn,enospc+ short,torn,power short,torn,lost-sync
explore --faults crash,|crash,short crash,torn crash,eio crash,enospc crash,eio+ crash,enospc+ crash,power crash,lost-sync
explore --fail-on ok,s|ok,silent-corruption
explore --fail-on=h|--fail-on=hang
report --fail-on b|bugs
explore --fail-on ok,|ok,reported ok,silent-corruption ok,corruption ok,crashed ok,hang ok,unreached ok,oracle-error ok,bugs ok,inconclusive
report --fail-on bugs,i|bugs,inconclusive
explore --sites ''|id= syscall= family= path=
explore --sites id=3,syscall=pw|id=3,syscall=pwrite64 id=3,syscall=pwritev id=3,syscall=pwritev2
explore --sites family=n|family=namespace
report --sites family=n|family=namespace
explore --sites syscall=write,|syscall=write,id= syscall=write,family= syscall=write,path=
report --format ''|table csv json html junit sarif
sites -F c|csv
sites --format=j|--format=json
record -o ''|:files
record --output=x|:files
record --init ''|:dirs
explore --oracle ''|:commands
explore -j ''|
explore -d x.db --keep ''|:dirs
explore -qd ''|:files
record ''|:commands
record -fk ls -l|:exec 3
record -o x.db -- ls ''|:exec 5
record -- ''|:commands
report ''|--db --format --output --all --fail-on --columns --sites --help
frob ''|
merge -o all.db ''|:files
merge -o all.db a.db ''|:files
merge -|--output --quiet --help
explore --shard ''|
CASES

# --- 2. bash, through bash-completion -------------------------------------
# LINE | COMPREPLY, one "|"-separated list (run in $work/files)
bashcomp=/usr/share/bash-completion/bash_completion
if [ ! -f "$bashcomp" ]; then
	fail "bash-completion is not installed (tools/setup.sh installs it)"
elif ! command -v bash >/dev/null; then
	fail "bash is not installed"
else
	cat >"$work/comp.bash" <<'BASH'
. "$1"
. "$2"
# comp LINE: COMP_WORDS as readline splits LINE (spaces; "=" alone),
# then the completion of its last word
comp() {
	local line=$1 w=() word= i c
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == ' ' ]]; then
			[[ -n $word ]] && w+=("$word")
			word=
		elif [[ $c == '=' ]]; then
			[[ -n $word ]] && w+=("$word")
			w+=("=")
			word=
		else
			word+=$c
		fi
	done
	w+=("$word")
	COMP_WORDS=("${w[@]}")
	COMP_CWORD=$((${#w[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_badio badio "${w[-1]}" "${w[-2]}"
	local IFS='|'
	printf '%s\n' "${COMPREPLY[*]}"
}
while IFS= read -r line; do
	comp "$line"
done
BASH
	cat >"$work/bash.cases" <<'CASES'
badio ex|explore
badio explore --faults=short,t|short,torn
badio explore --faults=|short|torn|eio|enospc|crash|eio+|enospc+|power|lost-sync
badio explore --sites syscall=pwritev|pwritev|pwritev2
badio explore --sites id=1,f|1,family=
badio record --output=x|x.db
badio record -o x|x.db
badio record --init s|sub
badio report --format=c|csv
badio record -- badio exp|explore
badio record -q badio explore --fai|--fail-on
CASES
	sed 's/|.*//' "$work/bash.cases" >"$work/bash.in"
	sed 's/^[^|]*|//' "$work/bash.cases" >"$work/bash.want"
	(cd "$work/files" && bash "$work/comp.bash" "$bashcomp" \
	    "$src/tools/completion/badio.bash" <"$work/bash.in") >"$work/bash.got" 2>&1
	if ! diff -u "$work/bash.want" "$work/bash.got" >"$work/bash.diff"; then
		fail "bash completion (- want, + got; lines of $work/bash.in):"
		sed 's/^/    /' "$work/bash.diff"
	fi
fi

# --- 3. zsh, its completion builtins replaced by printing functions -------
if ! command -v zsh >/dev/null; then
	fail "zsh is not installed (tools/setup.sh installs it)"
else
	cat >"$work/comp.zsh" <<'ZSH'
fpath=($1 $fpath)
autoload -Uz _badio
compadd() { print -r -- "compadd $*" }
compset() {
	if [[ $1 == -P && $PREFIX == ${~2}* ]]; then
		local p=${(M)PREFIX##${~2}}
		IPREFIX+=$p
		PREFIX=${PREFIX#$p}
	fi
}
_files() { print -r -- "_files $* [$PREFIX]" }
_command_names() { print -r -- "_command_names $*" }
_normal() { print -r -- "_normal (${words[*]}) $CURRENT" }
# comp LINE: the completion of LINE's last word ("" after a space)
comp() {
	local -a words
	words=(${=1})
	[[ $1 == *' ' ]] && words+=('')
	local CURRENT=$#words PREFIX=$words[-1] IPREFIX=
	_badio
}
while IFS= read -r line; do
	comp "$line"
done
ZSH
	cat >"$work/zsh.cases" <<'CASES'
badio ex
compadd -- explore
badio explore --faults=short,t
compadd -- --faults=short,torn
badio explore --sites 
compadd -S  -- id= syscall= family= path=
badio explore --sites family=w
compadd -- family=write
badio record --output=x
_files  [x]
badio record --init 
_files -/ []
badio record -- ls -l
_normal (ls -l) 2
badio explore --oracle ./c
_files  [./c]
badio explore --oracle c
_command_names -e
CASES
	awk 'NR % 2 == 1' "$work/zsh.cases" >"$work/zsh.in"
	awk 'NR % 2 == 0' "$work/zsh.cases" >"$work/zsh.want"
	zsh -f "$work/comp.zsh" "$src/tools/completion" <"$work/zsh.in" \
	    >"$work/zsh.got" 2>&1
	if ! diff -u "$work/zsh.want" "$work/zsh.got" >"$work/zsh.diff"; then
		fail "zsh completion (- want, + got):"
		sed 's/^/    /' "$work/zsh.diff"
	fi
fi

if [ "$failures" -ne 0 ]; then
	echo "test_complete: $failures failure(s)"
	exit 1
fi
echo "test_complete: all passed"
