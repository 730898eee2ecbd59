# bash completion for badio(1); installed as
# share/bash-completion/completions/badio.
#
# The candidates come from the badio being completed (`badio --complete
# WORDS...`, tools/complete.c), so they always match its commands,
# options, faults, verdicts, syscalls and formats.  A line of output is a
# candidate for the whole current word, or a directive: :files, :dirs,
# :commands, or ":exec N" (words N... are a command line: record's PROG).

_badio()
{
	local cur words cword
	if declare -F _init_completion >/dev/null; then
		# keep "--faults=short" one word (-n =)
		_init_completion -n = || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
	fi

	local badio=${words[0]} out
	[[ $badio == */* && -x $badio ]] || badio=badio
	out=$(command "$badio" --complete "${words[@]:0:cword}" "$cur" \
		2>/dev/null) || return

	# "--db=x.d": the file name is what follows "="
	local value=$cur
	[[ $cur == --*=* ]] && value=${cur#*=}
	case $out in
	:files)
		if declare -F _filedir >/dev/null; then
			cur=$value _filedir
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$value")
		fi
		;;
	:dirs)
		if declare -F _filedir >/dev/null; then
			cur=$value _filedir -d
		else
			mapfile -t COMPREPLY < <(compgen -d -- "$value")
		fi
		;;
	:commands)
		if [[ $value == */* ]]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$value")
		else
			mapfile -t COMPREPLY < <(compgen -c -- "$value" | sort -u)
		fi
		;;
	:exec\ *)
		if declare -F _command_offset >/dev/null; then
			COMP_WORDS=("${words[@]}")
			COMP_CWORD=$cword
			_command_offset "${out#:exec }"
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	*)
		[[ -n $out ]] || return
		mapfile -t COMPREPLY <<<"$out"
		# readline replaces only what follows the last "=" of the word
		if [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then
			local pre=${cur%"${cur##*=}"} i
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]=${COMPREPLY[i]#"$pre"}
			done
		fi
		# "syscall=", "short,": more to type
		if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[=,] ]]; then
			compopt -o nospace 2>/dev/null
		fi
		;;
	esac
}
complete -F _badio badio
