# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# What the stand-ins tests/kim and tests/nerdctl both do, sourced by each from its own directory:
# the call log, cobra/pflag command-line parsing, Docker's reference grammar (distribution/
# reference), the files a test creates to steer a stand-in (fail-COMMAND and the like), the lock
# and replacement of a stand-in's store, and small helpers. Each stand-in keeps what is its own:
# its commands, flags and arguments, the form of its errors, its store and its output.
#
# A stand-in calls standin_init first, and defines:
#   report_error MESSAGE [STATUS]  says MESSAGE on stderr as the program it stands in for says an
#                                  error, and exits STATUS (default 1)
#   store_file NAMESPACE           prints the path of a namespace's store; dies on a name it refuses
#   PARSE_AWK                      the awk functions CLI_AWK calls: define_flags(), find_command()
#                                  and check_arguments(positional) (see CLI_AWK)
#   STORE_AWK                      the awk program of its store operations (REFERENCE_AWK first)
#   STORE_READ_ONLY                the store operations that never change the store ("list ...")
#   STORE_KEEPS_PARTIAL            those whose changes stay even when they fail ("rm": what rmi
#                                  removed before an error stays removed)
# and may redefine run_store (below).

die()
{
	printf '%s\n' "$*" >&2
	exit 1
}

# standin_init NAME DIR_VARIABLE INSPECT_VARIABLE: the stand-in NAME (kim, nerdctl), its state in
# the directory $DIR_VARIABLE (required; STUB_DIR here), a test's own look at its store marked by
# $INSPECT_VARIABLE (STUB_INSPECT here): such a call is not logged, and the files that steer the
# stand-in (fail-*, garble-*, block-*) are ignored.
standin_init()
{
	STUB_NAME=$1
	eval "STUB_DIR=\${$2:-}"
	eval "STUB_INSPECT=\${$3:-}"
	[ -n "$STUB_DIR" ] || die "$1 stub: $2 is not set"
	[ -d "$STUB_DIR" ] || die "$1 stub: $2 $STUB_DIR is not a directory"
}

# shq(s): s in single quotes, for the call log and for the parser's eval'd answer.
# shellcheck disable=SC1003 # awk's backslash, between shell quotes
SHQ_AWK='
function shq(s,    out, i) {
	out = ""
	while ((i = index(s, "'"'"'")) > 0) {
		out = out substr(s, 1, i - 1) "'"'"'\\'"'"''"'"'"
		s = substr(s, i + 1)
	}
	return "'"'"'" out s "'"'"'"
}
'

# call_line(): the call's arguments (not argv[0]) on one line, each in single quotes ('it'\''s'; a
# newline inside an argument is written \n).
CALL_LINE_AWK=$SHQ_AWK'
function call_line(    line, i, a) {
	line = ""
	for (i = 1; i < ARGC; i++) {
		a = ARGV[i]
		gsub(/\n/, "\\n", a)
		line = line (i > 1 ? " " : "") shq(a)
	}
	return line
}
'

# Logs the call (when $STUB_LOG names the log), and parses its command line as cobra and pflag do
# and answers with shell assignments: stub_cmd (the scope find_command chose, or help), stub_error
# (when the command line is wrong: pflag's or cobra's message), opt_NAME for each flag given (NAME
# its canonical long name, - as _; repeated values of array and slice flags joined by newlines,
# booleans true or false), and `set --` with the positional arguments.
#
# The stand-in's PARSE_AWK defines:
#   define_flags()       the flags, with def(SCOPE, LONG, SHORTS, KIND) and alias(SCOPE, OTHER,
#                        LONG); SCOPE is "global" (the root command's flags, which every command
#                        takes) or a command's scope. SHORTS: the one-letter spellings, comma-
#                        separated, or "". KIND: b (bool), i (int, last wins), v (string, last
#                        wins), a (string array: every value), s (string slice: every comma-
#                        separated value). OTHER is another long spelling of LONG. It sets
#                        traverse_children when the root command has cobra's TraverseChildren.
#   find_command()       the command: the command word is arg[first] (first: 0 when there is
#                        none), the next one, for a command of a group, arg[next_word(first + 1)];
#                        sets scope (the command's flags, or "help"), and second to the position
#                        of a second command word if it read one; calls fail for an unknown one.
#   check_arguments(positional)
#                        calls fail when the command (scope) does not take the positional
#                        arguments args[1..positional].
CLI_AWK=$CALL_LINE_AWK'
function def(scope, long, shorts, kind,    n, list, i) {
	kind_of[scope, long] = kind
	n = split(shorts, list, ",")
	for (i = 1; i <= n; i++)
		long_of[scope, list[i]] = long
}

function alias(scope, other, long) {
	canonical[scope, other] = long
	kind_of[scope, other] = kind_of[scope, long]
}

function kind(scope, long) {
	if ((scope, long) in kind_of)
		return kind_of[scope, long]
	if (("global", long) in kind_of)
		return kind_of["global", long]
	return ""
}

function canonical_name(scope, long) {
	if ((scope, long) in canonical)
		return canonical[scope, long]
	if (("global", long) in canonical)
		return canonical["global", long]
	return long
}

function long_name(scope, short) {
	if ((scope, short) in long_of)
		return long_of[scope, short]
	if (("global", short) in long_of)
		return long_of["global", short]
	return ""
}

function fail(message) {
	print "stub_error=" shq(message)
	exit 0
}

function parse_bool(value) {
	if (value ~ /^(1|t|T|TRUE|true|True)$/)
		return "true"
	if (value ~ /^(0|f|F|FALSE|false|False)$/)
		return "false"
	return ""
}

function set_flag(name, value, shown,    k, n, parts, i, raw) {
	k = kind(scope, name)
	name = canonical_name(scope, name)
	if (k == "b") {
		raw = value
		value = parse_bool(raw)
		if (value == "")
			fail("invalid argument \"" raw "\" for \"" shown "\" flag: strconv.ParseBool: parsing \"" raw "\": invalid syntax")
	}
	if (k == "i" && value !~ /^[+-]?[0-9]+$/)
		fail("invalid argument \"" value "\" for \"" shown "\" flag: strconv.ParseInt: parsing \"" value "\": invalid syntax (stub: decimal only)")
	if (k == "s") {
		n = split(value, parts, ",")
		value = ""
		for (i = 1; i <= n; i++)
			value = value (i > 1 ? "\n" : "") parts[i]
	}
	if ((k == "a" || k == "s") && name in value_of)
		value_of[name] = value_of[name] "\n" value
	else
		value_of[name] = value
}

# The position of the next command word at or after FROM, 0 when there is none. With
# TraverseChildren, cobra skips the flags of the root command it knows, and their values (Traverse).
# Without, it skips every flag, taking every flag it does not know as a boolean to be one that takes
# a value, and an empty word is no command word (stripFlags).
function next_word(from,    i, s, name) {
	for (i = from; i <= argc; i++) {
		s = arg[i]
		if (s == "--")
			return 0
		if (traverse_children) {
			if (s ~ /^--/) {
				name = substr(s, 3)
				if (index(name, "=") == 0 && kind("global", name) != "b" && kind("global", name) != "")
					i++
				continue
			}
			if (s ~ /^-./) {
				name = long_name("global", substr(s, length(s), 1))
				if (length(s) == 2 && name != "" && kind("global", name) != "b")
					i++
				continue
			}
			return i
		}
		if (s ~ /^--/ && index(s, "=") == 0 && kind("global", substr(s, 3)) != "b") {
			i++
			continue
		}
		if (s ~ /^-/ && index(s, "=") == 0 && length(s) == 2 && kind("global", long_name("global", substr(s, 2, 1))) != "b") {
			i++
			continue
		}
		if (s != "" && s !~ /^-/)
			return i
	}
	return 0
}

BEGIN {
	if (ENVIRON["STUB_LOG"] != "") {
		print call_line() >>ENVIRON["STUB_LOG"]
		if (close(ENVIRON["STUB_LOG"]) != 0)
			exit 1
	}
	traverse_children = 0
	define_flags()
	argc = ARGC - 1
	for (i = 1; i <= argc; i++)
		arg[i] = ARGV[i]

	scope = ""
	first = next_word(1)
	second = 0
	find_command()

	# With TraverseChildren, flags before the command word are the root command'"'"'s (so that
	# nerdctl -a there is --address, not images'"'"' --all).
	command_scope = scope
	last_word = second ? second : first
	positional = 0
	for (i = 1; i <= argc; i++) {
		if (i == first || i == second)
			continue
		scope = traverse_children && i < last_word ? "global" : command_scope
		s = arg[i]
		if (only_args) {
			args[++positional] = s
			continue
		}
		if (s == "--") {
			only_args = 1
			continue
		}
		if (s ~ /^--/) {
			name = substr(s, 3)
			eq = index(name, "=")
			if (eq) {
				value = substr(name, eq + 1)
				name = substr(name, 1, eq - 1)
			}
			k = kind(scope, name)
			if (k == "")
				fail("unknown flag: --" name)
			if (k != "b" && !eq) {
				if (i == argc)
					fail("flag needs an argument: --" name)
				value = arg[++i]
			} else if (!eq)
				value = "true"
			set_flag(name, value, "--" name)
			continue
		}
		if (s ~ /^-./) {
			shorts = substr(s, 2)
			while (shorts != "") {
				c = substr(shorts, 1, 1)
				name = long_name(scope, c)
				if (name == "")
					fail("unknown shorthand flag: '"'"'" c "'"'"' in " s)
				if (length(shorts) > 2 && substr(shorts, 2, 1) == "=") {
					value = substr(shorts, 3)
					shorts = ""
				} else if (kind(scope, name) == "b") {
					value = "true"
					shorts = substr(shorts, 2)
				} else if (length(shorts) > 1) {
					value = substr(shorts, 2)
					shorts = ""
				} else if (i < argc) {
					value = arg[++i]
					shorts = ""
				} else
					fail("flag needs an argument: '"'"'" c "'"'"' in " s)
				set_flag(name, value, "-" c)
			}
			continue
		}
		args[++positional] = s
	}

	scope = command_scope
	if (value_of["help"] == "true")
		scope = "help"
	check_arguments(positional)

	print "stub_cmd=" shq(scope)
	for (name in value_of) {
		var = name
		gsub(/-/, "_", var)
		print "opt_" var "=" shq(value_of[name])
	}
	line = "set --"
	for (i = 1; i <= positional; i++)
		line = line " " shq(args[i])
	print line
}
'

# parse_command_line ARGUMENTS...: the assignments CLI_AWK answers, for the stand-in to eval; logs
# the call in $STUB_DIR/calls first, unless it is a test's own look or $1 is --unlogged (which is
# not an argument). One awk for both: the stand-ins are called thousands of times a run.
parse_command_line()
{
	call_log=$STUB_DIR/calls
	[ -z "$STUB_INSPECT" ] || call_log=
	if [ "${1:-}" = --unlogged ]; then
		call_log=
		shift
	fi
	STUB_LOG=$call_log awk "$CLI_AWK$PARSE_AWK" "$@"
}

# Docker's reference grammar and the helpers of the stores' awk programs, for the stand-ins'
# STORE_AWK.
# shellcheck disable=SC2016,SC2034 # awk's fields ($1), not the shell's; used by the stand-ins
REFERENCE_AWK='
function last_index(s, c,    i, at) {
	at = 0
	while ((i = index(s, c)) > 0) {
		at += i
		s = substr(s, i + 1)
	}
	return at
}

function valid_tag(tag) {
	return tag ~ /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/ && length(tag) <= 128
}

function bad_name(why) {
	ref_error = why
	return 0
}

# Reads TEXT, a name without a digest, [DOMAIN/]PATH[:TAG], as distribution/reference does: sets
# ref_name (the normalized DOMAIN/PATH: docker.io, and library/ for a single component, added) and
# ref_tag ("" when there is none), and returns 1; or returns 0 with ref_error set, and
# ref_uppercase set to PATH when that is the reason.
function parse_named(text,    colon, tag, slash, first, domain, rest, n, parts, i) {
	ref_name = ""
	ref_tag = ""
	ref_error = ""
	ref_uppercase = ""
	tag = ""
	colon = last_index(text, ":")
	if (colon && index(substr(text, colon + 1), "/") == 0) {
		tag = substr(text, colon + 1)
		text = substr(text, 1, colon - 1)
		if (!valid_tag(tag))
			return bad_name("invalid reference format")
	}
	domain = ""
	rest = text
	slash = index(text, "/")
	if (slash) {
		first = substr(text, 1, slash - 1)
		if (first ~ /[.:A-Z]/ || first == "localhost") {
			domain = first
			rest = substr(text, slash + 1)
		}
	}
	if (domain == "" || domain == "index.docker.io")
		domain = "docker.io"
	if (domain == "docker.io" && index(rest, "/") == 0)
		rest = "library/" rest
	if (domain !~ /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]+)?$/)
		return bad_name("invalid reference format")
	if (rest ~ /[A-Z]/) {
		ref_uppercase = rest
		return bad_name("invalid reference format: repository name must be lowercase")
	}
	n = split(rest, parts, "/")
	if (rest == "" || substr(rest, length(rest)) == "/")
		return bad_name("invalid reference format")
	for (i = 1; i <= n; i++)
		if (parts[i] !~ /^[a-z0-9]+(([.]|_|__|-+)[a-z0-9]+)*$/)
			return bad_name("invalid reference format")
	if (length(domain "/" rest) > 255)
		return bad_name("invalid reference format: repository name must not be more than 255 characters")
	ref_name = domain "/" rest
	ref_tag = tag
	return 1
}

# Docker familiar form: docker.io/library/app:v1 is shown as app:v1, docker.io/foo/bar as foo/bar.
function familiar(name,    rest) {
	if (substr(name, 1, 10) != "docker.io/")
		return name
	name = substr(name, 11)
	rest = substr(name, 9)
	if (substr(name, 1, 8) == "library/" && index(rest, "/") == 0)
		return rest
	return name
}

# The lines of TEXT into INTO[1..N]; returns N, 0 for an empty TEXT.
function split_lines(text, into) {
	if (text == "")
		return 0
	return split(text, into, "\n")
}
'

# The exit status a fail-* file asks for: the number in it, else 1.
failure_status()
{
	status=$(sed -n '1s/^[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$1")
	[ -n "$status" ] || status=1
	printf '%s\n' "$status"
}

# on_demand FILE: whether the test made $STUB_DIR/FILE to steer this call (never for its own look).
on_demand()
{
	[ -z "$STUB_INSPECT" ] && [ -e "$STUB_DIR/$1" ]
}

# fail_on_demand COMMAND: with the file fail-COMMAND, COMMAND fails: "stub: COMMAND failed on
# demand", as the stand-in reports an error, with the status the file asks for.
fail_on_demand()
{
	! on_demand "fail-$1" || report_error "stub: $1 failed on demand" "$(failure_status "$STUB_DIR/fail-$1")"
}

# Serializes changes to the stores, for tests that run several calls at once: flock(1) on the store
# directory, which the call keeps open (fd 9, read-only: any user's call can) until it exits;
# waiters queue in the kernel instead of polling.
lock_store()
{
	[ -d "$STUB_DIR/store" ] || mkdir -p "$STUB_DIR/store" || die "$STUB_NAME stub: cannot make $STUB_DIR/store"
	exec 9<"$STUB_DIR/store" || die "$STUB_NAME stub: cannot open $STUB_DIR/store"
	flock 9 || die "$STUB_NAME stub: cannot lock $STUB_DIR/store"
}

# run_store NAMESPACE INPUT: runs STORE_AWK on the store INPUT of NAMESPACE, STUB_OP and STUB_OUT
# (and the operation's STUB_* variables) in the environment. A stand-in whose store program needs
# more redefines it.
run_store()
{
	awk "$STORE_AWK" "$2"
}

# store_op OP NAMESPACE: runs the store program (run_store) on the namespace's store, under the
# store lock, with STUB_* in the environment; the store it writes to STUB_OUT replaces the old one
# when the operation succeeded (or is one of STORE_KEEPS_PARTIAL), and an operation that succeeded
# without writing one, but for STORE_READ_ONLY ones, leaves the store empty.
store_op()
{
	store=$(store_file "$2") || exit 1
	lock_store
	input=$store
	[ -e "$input" ] || input=/dev/null
	STUB_OP=$1 STUB_OUT=$store.new run_store "$2" "$input"
	status=$?
	if [ -e "$store.new" ] && { [ "$status" -eq 0 ] || listed "$1" "$STORE_KEEPS_PARTIAL"; }; then
		mv "$store.new" "$store" || die "$STUB_NAME stub: cannot replace $store"
	elif ! listed "$1" "$STORE_READ_ONLY" && [ "$status" -eq 0 ]; then
		: >"$store" || die "$STUB_NAME stub: cannot write $store"
	fi
	[ ! -e "$store.new" ] || rm -f "$store.new"
	return "$status"
}

# listed WORD LIST: whether WORD is one of the words of LIST.
listed()
{
	case " $2 " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# count_build: the number of this build (1, 2, ...), kept in $STUB_DIR/counter, in $count.
count_build()
{
	count=0
	[ ! -e "$STUB_DIR/counter" ] || count=$(cat "$STUB_DIR/counter")
	count=$((count + 1))
	printf '%s\n' "$count" >"$STUB_DIR/counter" || die "$STUB_NAME stub: cannot count builds"
}

hash_of()
{
	hash=$(printf '%s' "$1" | sha256sum) || die "$STUB_NAME stub: sha256sum failed"
	printf '%s\n' "${hash%% *}"
}

# The arguments as lines, for a STUB_* variable.
lines_of()
{
	text=
	for line; do
		text=$text$line'
'
	done
	printf '%s' "${text%?}"
}
