# SPDX-License-Identifier: Apache-2.0
# bash completion for kimb(1)                                   -*- shell-script -*-
# kimb prints what is offered (kimb --complete=WHAT, see kimb(1)): this file holds none of its
# tables, only how a kimb command line reads. kimb's options and the builder's global flags come
# first, then build, image build or prune, then the build flags and PATH, or the repositories.
# Needs bash-completion (_init_completion, _filedir).

# _kimb_query KIMB WHAT [WORDS...]: kimb's items for WHAT, given WORDS first; nothing on a failure.
_kimb_query()
{
	local kimb=$1 what=$2
	shift 2
	"$kimb" "$@" --complete="$what" </dev/null 2>/dev/null
}

# _kimb_tables KIMB [BUILDER]: every spelling kimb reads, in the order it reads them (its options,
# then the builder's global flags, then its build flags): _kimb_spellings in order, and for each
# _kimb_scope (options, global-flags or build-flags) and _kimb_kind (value or bool).
_kimb_tables()
{
	local kimb=$1 what line spelling
	local -a chosen=()
	[[ ${2-} ]] && chosen=(--builder="$2")
	_kimb_spellings=()
	_kimb_scope=()
	_kimb_kind=()
	for what in options global-flags build-flags; do
		while IFS= read -r line; do
			spelling=${line%=}
			[[ ${_kimb_scope[$spelling]+set} ]] && continue
			_kimb_spellings+=("$spelling")
			_kimb_scope[$spelling]=$what
			if [[ $line == *= ]]; then
				_kimb_kind[$spelling]=value
			else
				_kimb_kind[$spelling]=bool
			fi
		done < <(_kimb_query "$kimb" "$what" "${chosen[@]}")
	done
}

# _kimb_flag WORD HAS_NEXT NEXT: reads the flag WORD (HAS_NEXT not empty when the word NEXT follows
# it before the current one): sets scope to its scope (build-flags for a long one kimb does not
# know), taken to the number of words it takes (1 or 2), expecting to its name when its value is the
# word being completed, and builder to the value of --builder.
_kimb_flag()
{
	local word=$1 name i
	taken=1
	if [[ $word == --* ]]; then
		name=${word%%=*}
		scope=${_kimb_scope[$name]-build-flags}
		if [[ $word != *=* && ${_kimb_kind[$name]-} == value ]]; then
			taken=2
			[[ $2 ]] || expecting=$name
		fi
		if [[ $name == --builder && $word == *=* ]]; then
			builder=${word#*=}
		elif [[ $name == --builder && $taken -eq 2 && $2 ]]; then
			builder=$3
		fi
		return
	fi
	scope=
	for ((i = 1; i < ${#word}; i++)); do
		name=-${word:i:1}
		[[ $scope ]] || scope=${_kimb_scope[$name]-build-flags}
		if [[ ${_kimb_kind[$name]-} == value ]]; then
			if ((i + 1 == ${#word})); then
				taken=2
				[[ $2 ]] || expecting=$name
			fi
			return
		fi
	done
}

# _kimb_scan: reads the words before the current one into command (build or prune; empty while a
# subcommand may still come), image (set after "image"), ended (after --), path_given (set once a
# build's PATH came), builder (the last --builder), globals (the global flags and their values, for
# the builder's calls) and expecting (the flag whose value is being completed).
_kimb_scan()
{
	local i=1 word scope taken has_next
	command='' image='' ended='' path_given='' builder='' expecting=''
	globals=()
	while ((i < cword)); do
		word=${words[i]}
		if [[ $ended || $word != -?* ]]; then
			if [[ $image ]]; then
				image='' command=build
			elif [[ ! $command ]]; then
				case $word in
				image) image=1 ;;
				prune) command=prune ;;
				build) command=build ;;
				*) command=build path_given=1 ;;
				esac
			elif [[ $command == build ]]; then
				path_given=1
			fi
			((i++))
			continue
		fi
		if [[ $word == -- ]]; then
			ended=1
			((i++))
			continue
		fi
		has_next=
		((i + 1 < cword)) && has_next=1
		_kimb_flag "$word" "$has_next" "${words[i + 1]-}"
		case $scope in
		global-flags) globals+=("${words[@]:i:taken}") ;;
		build-flags) [[ $command ]] || command=build ;;
		esac
		((i += taken))
	done
}

_kimb()
{
	local cur prev words cword split
	_init_completion -s -n : || return
	local kimb=${words[0]} command image ended path_given builder expecting spelling candidate
	local -a globals _kimb_spellings candidates
	local -A _kimb_scope _kimb_kind
	_kimb_tables "$kimb"
	_kimb_scan
	# The builder --builder names has flags of its own, which say which words are values.
	if [[ $builder ]]; then
		_kimb_tables "$kimb" "$builder"
		_kimb_scan
	fi
	[[ $split != true ]] || expecting=$prev

	if [[ $expecting ]]; then
		case $expecting in
		--builder) mapfile -t COMPREPLY < <(compgen -W "$(_kimb_query "$kimb" builders)" -- "$cur") ;;
		--scheme) mapfile -t COMPREPLY < <(compgen -W "$(_kimb_query "$kimb" schemes)" -- "$cur") ;;
		--skip-workloads)
			# a comma-separated list: the kinds after the last comma
			mapfile -t COMPREPLY < <(compgen -P "${cur%"${cur##*,}"}" -W "$(_kimb_query "$kimb" workloads)" -- "${cur##*,}")
			;;
		--prune) mapfile -t COMPREPLY < <(compgen -W "now background never" -- "$cur") ;;
		*) _filedir ;;
		esac
		return
	fi
	if [[ ! $ended && $cur == -* ]]; then
		for spelling in "${_kimb_spellings[@]}"; do
			[[ $command != prune || ${_kimb_scope[$spelling]} != build-flags ]] || continue
			if [[ $spelling == --* && ${_kimb_kind[$spelling]} == value ]]; then
				candidates+=("$spelling=")
			else
				candidates+=("$spelling")
			fi
		done
		mapfile -t COMPREPLY < <(compgen -W "${candidates[*]}" -- "$cur")
		[[ ${COMPREPLY-} != *= ]] || compopt -o nospace
		return
	fi
	if [[ $command == prune ]]; then
		[[ ! $builder ]] || globals=(--builder="$builder" "${globals[@]}")
		mapfile -t COMPREPLY < <(compgen -W "$(_kimb_query "$kimb" repositories "${globals[@]}")" -- "$cur")
		__ltrim_colon_completions "$cur"
		return
	fi
	if [[ $image ]]; then
		mapfile -t COMPREPLY < <(compgen -W build -- "$cur")
		return
	fi
	# A build takes one PATH: after it, nothing; and a .git directory is never one.
	[[ ! $path_given ]] || return 0
	_filedir -d
	candidates=()
	for candidate in "${COMPREPLY[@]}"; do
		[[ ${candidate%/} == .git || ${candidate%/} == */.git ]] || candidates+=("$candidate")
	done
	COMPREPLY=("${candidates[@]}")
	[[ $command ]] || mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "build image prune" -- "$cur")
}
complete -F _kimb kimb
