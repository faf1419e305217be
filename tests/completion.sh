#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tests of the shell completions (completions/kimb.bash, completions/_kimb) with the built kimb,
# which prints what they offer, and the kim stand-in (tests/kim), whose listing gives the
# repositories to prune. bash: the completion is sourced after bash-completion, and its function
# driven as readline would (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD); what it leaves in
# COMPREPLY is checked. zsh: `zsh -n`; the function run with the words zsh would give it and
# stand-ins for compadd, compset and _files that print what would be offered; and lines typed with a
# tab into an interactive zsh in a pseudo-terminal (zsh/zpty), with compinit.
# Usage: tests/completion.sh ./kimb [PATTERN]   (PATTERN: an extended regular expression; only the
# tests whose names match it run)

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

suite_arguments "$@"
COMPLETIONS=$(dirname "$TESTS")/completions
STUB=$TESTS/kim
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
CASE_LOGS='stdout stderr kim/calls'

# --- bash -------------------------------------------------------------------------------------

# bash_complete LINE: completes LINE (kimb's path first, the cursor at its end) as bash would, with
# COMP_WORDS split at blanks and at COMP_WORDBREAKS' = and :; what COMPREPLY holds goes to
# $CASE/stdout, a line each, and `nospace` last when the completion asked for no space after it.
bash_complete()
{
	run bash --norc --noprofile -c '
		. "$1" || exit 1
		. "$2" || exit 1
		compopt() { [ "$*" != "-o nospace" ] || nospace=1; }
		line=$3
		COMP_LINE=$line
		COMP_POINT=${#line}
		read -ra COMP_WORDS <<<"$(printf "%s" "$line" | sed "s/[=:]/ & /g")"
		[[ $line != *" " ]] || COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		nospace=
		_kimb kimb "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 1
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
		[ -z "$nospace" ] || echo nospace
	' bash "$BASH_COMPLETION" "$COMPLETIONS/kimb.bash" "$KIMB $1"
	[ "$status" -eq 0 ] || fail "bash completion of \"$1\" failed: $(cat "$CASE/stderr")"
	[ ! -s "$CASE/stderr" ] || fail "bash completion of \"$1\" said: $(cat "$CASE/stderr")"
}

needs_bash_completion()
{
	[ -r "$BASH_COMPLETION" ] || skip "bash-completion is not installed ($BASH_COMPLETION)"
}

test_bash_offers_kimbs_options()
{
	needs_bash_completion
	bash_complete "--bu"
	assert_stdout_has_lines --builder= --build-arg= nospace
	bash_complete "--js"
	assert_stdout --json
	bash_complete "--kubec"
	assert_stdout --kubeconfig= nospace
	bash_complete "-t app --dry"
	assert_stdout --dry-run
}

test_bash_offers_builders_and_schemes()
{
	needs_bash_completion
	bash_complete "--builder="
	assert_stdout auto kim nerdctl podman docker buildah
	bash_complete "--builder po"
	assert_stdout podman
	bash_complete "-t app --scheme="
	assert_stdout auto time git describe tree
	bash_complete "--scheme d"
	assert_stdout describe
	bash_complete "--scheme t"
	assert_stdout time tree
	bash_complete "--skip-workloads="
	assert_stdout replicationcontrollers replicasets deployments statefulsets daemonsets jobs cronjobs
	bash_complete "--skip-workloads=jobs,cr"
	assert_stdout jobs,cronjobs
}

# The flags are those of the builder --builder (else KIMB_BUILDER) names, which also say which words
# are values; prune takes no build flag.
test_bash_offers_the_builders_flags()
{
	needs_bash_completion
	bash_complete "-t app --fi"
	assert_stdout --file= nospace
	bash_complete "--builder=podman -t app --lay"
	assert_stdout --layer-label= --layers nospace
	bash_complete "--lay"
	assert_stdout
	bash_complete "--builder podman --roo"
	assert_stdout --root= nospace
	bash_complete "-n ns prune --"
	assert_stdout_has_lines --json --namespace=
	assert_stdout_lacks_lines --file= --tag=
}

test_bash_offers_subcommands_and_directories()
{
	needs_bash_completion
	: >file
	mkdir build-dir
	bash_complete ""
	assert_stdout_has_lines build image prune ctx build-dir
	assert_stdout_lacks_lines file
	bash_complete "-n ns --json "
	assert_stdout_has_lines build image prune ctx
	bash_complete "image "
	assert_stdout build
	bash_complete "-t app "
	assert_stdout_has_lines ctx build-dir
	assert_stdout_lacks_lines build prune file
	bash_complete "-t app -f "
	assert_stdout_has_lines file ctx
}

# Issue 19, 6: a build takes one PATH: after it nothing is offered (but kimb's options), and a .git
# directory is never offered as one.
test_bash_offers_nothing_after_path_and_no_git()
{
	needs_bash_completion
	mkdir .git .github
	bash_complete "-t app ."
	assert_stdout_has_lines .github
	assert_stdout_lacks_lines .git
	bash_complete "-t app ./"
	assert_stdout_has_lines ./.github
	assert_stdout_lacks_lines ./.git
	for line in "-t app ctx " "build ctx " "image build ctx " "ctx -t app " "-t app -- ctx "; do
		bash_complete "$line"
		assert_stdout
	done
	bash_complete "-t app ctx --js"
	assert_stdout --json
}

# The repositories of the builder's listing, made with the global flags typed; none when it fails.
test_bash_offers_the_repositories_to_prune()
{
	needs_bash_completion
	seed_repositories
	bash_complete "prune "
	assert_stdout localhost/a registry.local:5000/team/api
	bash_complete "--builder=kim -n ns prune "
	assert_stdout localhost/b
	bash_complete "prune registry.local:"
	assert_stdout 5000/team/api
	bash_complete "prune localhost/a "
	assert_stdout_has_lines localhost/a
	assert_call "$(q -n ns image ls -a --no-trunc --digests)"
	: >"$KIM_STUB_DIR/fail-list"
	bash_complete "prune "
	assert_stdout
}

# --- zsh --------------------------------------------------------------------------------------

needs_zsh()
{
	command -v zsh >/dev/null || skip "zsh is not installed"
}

test_zsh_completion_parses()
{
	needs_zsh
	run zsh -n "$COMPLETIONS/_kimb"
	assert_status 0
	head -n 1 "$COMPLETIONS/_kimb" | grep -qx '#compdef kimb' || fail "_kimb does not begin with #compdef kimb"
}

# zsh_complete LINE: runs _kimb, autoloaded as compinit would, with the words and PREFIX zsh gives it
# for LINE (kimb's path first, the cursor at its end); what it would offer goes to $CASE/stdout, a
# line each (its words, with the part compset took off first), `_files ARGS` for a file completion.
zsh_complete()
{
	run zsh -f -c '
		fpath=("$1" $fpath)
		autoload -Uz _kimb
		compadd() {
			local suffix=
			while [[ $1 == -* && $1 != -- ]]; do
				[[ $1 == -S ]] && { suffix=$2; shift; }
				shift
			done
			[[ $1 == -- ]] && shift
			local word
			for word; do
				[[ $word == ${PREFIX}* ]] && print -r -- "$IPREFIX$word$suffix"
			done
			return 0
		}
		compset() {
			if [[ $1 == -P && $2 == "*=" && $PREFIX == *=* ]]; then
				IPREFIX=${PREFIX%%=*}=
				PREFIX=${PREFIX#*=}
			elif [[ $1 == -P && $2 == "*," && $PREFIX == *,* ]]; then
				IPREFIX=$IPREFIX${PREFIX%,*},
				PREFIX=${PREFIX##*,}
			fi
		}
		_files() { print -r -- "_files $*"; }
		words=(${(z)2})
		[[ $2 == *" " ]] && words+=("")
		CURRENT=$#words
		PREFIX=$words[CURRENT] IPREFIX= SUFFIX=
		_kimb
	' zsh "$COMPLETIONS" "$KIMB $1"
	[ "$status" -eq 0 ] || fail "zsh completion of \"$1\" failed: $(cat "$CASE/stderr")"
	[ ! -s "$CASE/stderr" ] || fail "zsh completion of \"$1\" said: $(cat "$CASE/stderr")"
}

test_zsh_offers_options_builders_and_flags()
{
	needs_zsh
	zsh_complete "--bu"
	assert_stdout_has_lines --builder= --build-arg=
	zsh_complete "--builder=po"
	assert_stdout --builder=podman
	zsh_complete "--builder "
	assert_stdout auto kim nerdctl podman docker buildah
	zsh_complete "--scheme="
	assert_stdout --scheme=auto --scheme=time --scheme=git --scheme=describe --scheme=tree
	zsh_complete "--skip-workloads=jobs,d"
	assert_stdout --skip-workloads=jobs,deployments --skip-workloads=jobs,daemonsets
	zsh_complete "--builder=podman -t app --lay"
	assert_stdout --layer-label= --layers
	zsh_complete "-n ns prune --"
	assert_stdout_has_lines --json --namespace=
	assert_stdout_lacks_lines --file= --tag=
}

test_zsh_offers_subcommands_directories_and_repositories()
{
	needs_zsh
	seed_repositories
	zsh_complete ""
	assert_stdout "_files -/ -F (.git */.git)" build image prune
	zsh_complete "image "
	assert_stdout build
	zsh_complete "-t app -f "
	assert_stdout "_files "
	zsh_complete "-t app "
	assert_stdout "_files -/ -F (.git */.git)"
	# Issue 19, 6: after PATH, nothing more; kimb's options still.
	zsh_complete "-t app ctx "
	assert_stdout
	zsh_complete "build ctx "
	assert_stdout
	zsh_complete "image build ctx "
	assert_stdout
	zsh_complete "ctx -t app "
	assert_stdout
	zsh_complete "-t app ctx --js"
	assert_stdout --json
	zsh_complete "prune "
	assert_stdout localhost/a registry.local:5000/team/api
	zsh_complete "-n ns prune "
	assert_stdout localhost/b
}

# zsh_type LINE: types LINE (kimb's path first) and a tab into an interactive zsh whose compinit
# found _kimb in its fpath, in a pseudo-terminal (zsh/zpty); the line as completion left it goes to
# $CASE/stdout, written by a key bound to do so after the tab.
zsh_type()
{
	rm -f "$CASE/buffer"
	run zsh -f -c '
		zmodload zsh/zpty || exit 1
		zpty shell zsh -f -i || exit 1
		zpty -w shell "PS1=\"> \"; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
		zpty -w shell "show() { print -r -- \"\$BUFFER\" >${(q)2}; }; zle -N show; bindkey \"^X\" show"
		zpty -w -n shell "$3"$'"'"'\t\x18'"'"'
		for i in {1..100}; do
			[[ -s $2 ]] && break
			sleep 0.1
		done
		zpty -d shell
		cat -- $2
	' zsh "$COMPLETIONS" "$CASE/buffer" "$KIMB $1"
	[ "$status" -eq 0 ] || fail "zsh did not complete \"$1\": $(cat "$CASE/stderr")"
}

test_zsh_completes_in_a_real_shell()
{
	needs_zsh
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zsh/zpty module"
	seed_repositories
	zsh_type "--builder=po"
	assert_stdout "$KIMB --builder=podman "
	zsh_type "-t app --fil"
	assert_stdout "$KIMB -t app --file="
	zsh_type "--sch"
	assert_stdout "$KIMB --scheme="
	zsh_type "image b"
	assert_stdout "$KIMB image build "
	zsh_type "-n ns prune loc"
	assert_stdout "$KIMB -n ns prune localhost/b "
	zsh_type "prune reg"
	assert_stdout "$KIMB prune registry.local:5000/team/api "
}

# --- the runner ------------------------------------------------------------------------------

calls_file()
{
	printf '%s/calls\n' "$KIM_STUB_DIR"
}

assert_call()
{
	grep -qxF -e "$1" "$(calls_file)" 2>/dev/null || fail "no call $1"
}

# Only listings: the completions never build or remove.
assert_no_calls()
{
	! grep -qvF "'image' 'ls'" "$(calls_file)" 2>/dev/null || fail "kim was run: $(cat "$(calls_file)")"
}

# Among them an image named as podman names a build stage's while the build runs
# (localhost/<hex>-tmp), which completion never offers (issue 19, 6).
seed_repositories()
{
	if ! "$STUB" --stub-seed "$(id_of a)" localhost/a:latest localhost/a:v1 ||
		! "$STUB" --stub-seed --digest-name registry.local:5000/team/api:v1 "$(id_of api)" ||
		! "$STUB" --stub-seed -n ns "$(id_of b)" localhost/b:latest ||
		! "$STUB" --stub-seed "$(id_of stage)" "localhost/$(id_of stage-name)-tmp:latest"; then
		fail "could not seed"
	fi
}

# Each test with a kim state of its own, kim the builder.
with_stub()
{
	mkdir "$CASE/kim" || exit 1
	KIM_STUB_DIR=$CASE/kim
	KIMB_KIM=$STUB
	KIMB_BUILDER=kim
	export KIM_STUB_DIR KIMB_KIM KIMB_BUILDER
	"$1"
	assert_no_calls
	# run_test's KIMB_LOCK_DIR and KIMB_STATE_DIR
	[ -z "$(ls -A "$CASE/locks")" ] || fail "a completion took a lock: $(ls -A "$CASE/locks")"
	[ ! -e "$CASE/state" ] || fail "a completion wrote $CASE/state"
}

for name in $(functions_named test | grep -E -e "$PATTERN"); do
	run_test "$name" with_stub "$name"
done

summary
