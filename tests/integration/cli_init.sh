#!/bin/bash
# End-to-end tests of `medsec init` and the top-level command line: values
# that do not fit are refused by name, never cut; a state directory or a
# configuration file that cannot be used is refused with what is wrong.
# Run by CTest as: bash cli_init.sh <test_name>.
set -u
: "${MEDSEC:?}"
work=$(mktemp -d /tmp/medsec-init-XXXXXX)
trap 'rm -rf "$work"' EXIT

die() { echo "FAIL: $*" >&2; exit 1; }

# Runs medsec, leaving stdout and stderr in $work/o and the status in $rc.
run() {
	"$MEDSEC" "$@" >"$work/o" 2>&1
	rc=$?
}

test_cli_init_long_device_id_refused_not_truncated() {
	local id63 id64
	id63=$(printf 'a%.0s' $(seq 63))
	id64=${id63}b
	run init --state "$work/s64" --device-id "$id64"
	[ "$rc" = 1 ] || die "64-character id: exit $rc: $(cat "$work/o")"
	grep -q "^medsec: --device-id '${id64:0:40}\.\.\.': 64 characters; a device id has 1 to 63$" \
	    "$work/o" || die "message: $(cat "$work/o")"
	[ ! -e "$work/s64" ] || die "a device was provisioned anyway"
	run init --state "$work/s63" --device-id "$id63"
	[ "$rc" = 0 ] || die "63-character id refused: $(cat "$work/o")"
	run status --state "$work/s63"
	grep -qx "device: $id63" "$work/o" || die "id not kept whole: $(cat "$work/o")"
}

test_cli_init_device_id_with_control_bytes_shown_escaped() {
	run init --state "$work/s" --device-id $'gw\e[31m1'
	[ "$rc" = 1 ] || die "exit $rc"
	grep -qF "medsec: --device-id 'gw\\x1b[31m1': invalid character at position 3" \
	    "$work/o" || die "message: $(cat -v "$work/o")"
	! grep -q $'\e' "$work/o" || die "escape byte reached the terminal"
	[ ! -e "$work/s" ] || die "provisioned anyway"
}

test_cli_init_non_empty_state_directory_named() {
	mkdir "$work/s"
	printf 'notes\n' >"$work/s/README"
	run init --state "$work/s"
	[ "$rc" = 1 ] || die "exit $rc"
	grep -q "^medsec: $work/s: the state directory is not empty (it holds 'README')" \
	    "$work/o" || die "message: $(cat "$work/o")"
	grep -q 'input/output error' "$work/o" && die "misleading: $(cat "$work/o")"
	[ "$(ls -A "$work/s")" = README ] || die "directory changed"
	ls -a "$work" | grep -q medsec-init && die "staging directory left behind"
	# An empty directory is fine.
	rm "$work/s/README"
	run init --state "$work/s"
	[ "$rc" = 0 ] || die "empty directory refused: $(cat "$work/o")"
}

test_cli_init_state_path_that_is_a_file_named() {
	printf 'x' >"$work/f"
	run init --state "$work/f"
	[ "$rc" = 1 ] || die "exit $rc"
	grep -q "^medsec: $work/f: exists and is not a directory" "$work/o" ||
	    die "message: $(cat "$work/o")"
}

test_cli_init_config_writable_by_others_refused() {
	printf '[device]\nid = gw-7\n' >"$work/c.conf"
	chmod 666 "$work/c.conf"
	run init --state "$work/s" --config "$work/c.conf"
	[ "$rc" = 1 ] || die "world-writable config accepted"
	grep -q "^medsec: $work/c.conf: mode 0666 (owner uid $(id -u)" "$work/o" ||
	    die "message: $(cat "$work/o")"
	grep -q 'lets any user write it' "$work/o" || die "reason: $(cat "$work/o")"
	[ ! -e "$work/s" ] || die "provisioned anyway"
	chmod 644 "$work/c.conf"
	run init --state "$work/s" --config "$work/c.conf"
	[ "$rc" = 0 ] || die "644 config refused: $(cat "$work/o")"
	run status --state "$work/s"
	grep -qx 'device: gw-7' "$work/o" || die "config not applied"
}

test_cli_init_config_of_another_user_refused() {
	[ "$(id -u)" = 0 ] || { echo "skipped: needs root to chown"; return 77; }
	printf '[device]\nid = gw-7\n' >"$work/c.conf"
	chown 4242:4242 "$work/c.conf"
	run init --state "$work/s" --config "$work/c.conf"
	[ "$rc" = 1 ] || die "config of uid 4242 accepted"
	grep -q "^medsec: $work/c.conf: owner uid 4242 is not root, the service user (mode 0644)" \
	    "$work/o" || die "message: $(cat "$work/o")"
}

test_cli_init_cp949_config_diagnosed() {
	# "서울" in CP949, as a Korean Windows editor saves it.
	printf '[device]\nid = gw-7\nsite = \xbc\xad\xbf\xef\n' >"$work/c.conf"
	run init --state "$work/s" --config "$work/c.conf"
	[ "$rc" = 1 ] || die "exit $rc"
	grep -q "^medsec: $work/c.conf:3: not UTF-8 (CP949/EUC-KR?) at line 3 byte 8" \
	    "$work/o" || die "message: $(cat "$work/o")"
}

test_cli_init_unknown_profile_shown_escaped() {
	run init --state "$work/s" --profile $'legacy\e[31m'
	[ "$rc" = 1 ] || die "exit $rc"
	grep -qF "medsec: unknown crypto profile 'legacy\x1b[31m' (approved, kcmvp)" \
	    "$work/o" || die "message: $(cat -v "$work/o")"
}

test_cli_unknown_command_named_once() {
	run frobnicate
	[ "$rc" = 2 ] || die "exit $rc"
	[ "$(head -n 1 "$work/o")" = "medsec: unknown command 'frobnicate'" ] ||
	    die "first line: $(cat "$work/o")"
	[ "$(grep -c 'unknown command' "$work/o")" = 1 ] || die "said twice"
	grep -q 'medsec: medsec:' "$work/o" && die "doubled prefix: $(cat "$work/o")"
	grep -q "'medsec --help' lists the commands" "$work/o" || die "no usage hint"
	run $'\e]0;owned\a'
	[ "$rc" = 2 ] || die "exit $rc"
	! grep -q $'\e' "$work/o" || die "escape byte reached the terminal"
	grep -qF "unknown command '\\x1b]0;owned\\x07'" "$work/o" ||
	    die "not escaped: $(cat -v "$work/o")"
	run --help
	[ "$rc" = 0 ] || die "--help: exit $rc"
	grep -q 'manifest' "$work/o" || die "--help lists no commands"
}

"$1"
