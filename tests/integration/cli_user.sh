#!/bin/bash
# End-to-end tests of accounts and sessions through the medsec CLI, from a
# freshly provisioned device. Run by CTest as: bash cli_user.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-user-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev
admin_pw='Adm1n-Pass!word'
nurse_pw='Correct-Horse-7'
initial_pw='Initial-Pass-4u'

die() { echo "FAIL: $*" >&2; exit 1; }

provision() {
	"$MEDSEC" init --state "$state" --device-id user-test-01 "$@" >"$work/init.out" 2>&1 || { cat "$work/init.out"; die "init failed"; }
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	[ -n "$code" ] || die "init printed no setup code"
}

ms() { "$MEDSEC" "$@" --state "$state"; }

setup_admin() {
	provision "$@"
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >"$work/setup.out" 2>&1 || die "setup: $(cat "$work/setup.out")"
}

# An account made by an administrator, whose user then replaces the
# initial password (until then it can do nothing else).
add_user() { # name role
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add "$1" --role "$2" --as chief --password-stdin >"$work/add.out" 2>&1 || die "add: $(cat "$work/add.out")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd "$1" --password-stdin >"$work/first.out" 2>&1 || die "first change: $(cat "$work/first.out")"
}

add_nurse() { add_user nurse01 clinician; }

login() { printf '%s\n' "$2" | ms session login "$1" --password-stdin 2>"$work/login.err"; }

verify_trail() {
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 || die "audit verify: $(cat "$work/verify.out")"
}

test_req_1_10_cli_init_prints_setup_code_and_no_accounts() {
	provision
	ms user list >"$work/list.out" || die "list failed"
	[ "$(wc -l <"$work/list.out")" -eq 1 ] || die "a new device has accounts: $(cat "$work/list.out")"
	# The code is not stored anywhere in clear.
	if grep -rqF "$code" "$state"; then die "setup code stored in clear"; fi
}

test_req_1_10_cli_status_shows_people() {
	provision
	"$MEDSEC" status --state "$state" | grep -q "no accounts yet" || die "status does not say there are no accounts"
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >/dev/null 2>&1 || die "setup"
	add_nurse
	login nurse01 "$nurse_pw" >/dev/null || die "login"
	"$MEDSEC" status --state "$state" | grep -q "accounts: 2 (0 disabled, 0 locked); live sessions: 1" || die "status: $("$MEDSEC" status --state "$state")"
}

# Bad input: a clear error naming what was wrong, and no account made.
test_req_1_1_cli_bad_input_changes_nothing() {
	setup_admin
	# Names, roles and states (chief's last-login time moves as it acts).
	before=$(ms user list | awk '{ print $1, $2, $3 }')
	if printf '%s\n%s\n' "$admin_pw" "$nurse_pw" | ms user add 'Bad Name' --role clinician --as chief --password-stdin >"$work/o1" 2>&1; then die "bad name accepted"; fi
	if printf '%s\n%s\n' "$admin_pw" "$nurse_pw" | ms user add nurse02 --role clinician --expires 2026-13-45 --as chief --password-stdin >"$work/o2" 2>&1; then die "bad date accepted"; fi
	grep -q "invalid date '2026-13-45'" "$work/o2" || die "unclear: $(cat "$work/o2")"
	if printf '%s\n%s\n' "$admin_pw" "$nurse_pw" | ms user add nurse03 --role surgeon --as chief --password-stdin >"$work/o3" 2>&1; then die "unknown role accepted"; fi
	grep -q "unknown role" "$work/o3" || die "unclear: $(cat "$work/o3")"
	if printf '%s\n' "$admin_pw" | ms user disable ghost --as chief --password-stdin >"$work/o4" 2>&1; then die "ghost disabled"; fi
	grep -q "no such account" "$work/o4" || die "unclear: $(cat "$work/o4")"
	[ "$(ms user list | awk '{ print $1, $2, $3 }')" = "$before" ] || die "accounts changed by refused commands"
}

test_req_1_10_cli_setup_code_works_once() {
	setup_admin
	grep -q "setup code no longer works" "$work/setup.out" || die "no confirmation"
	if printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup second --password-stdin >"$work/o" 2>&1; then die "code worked twice"; fi
	grep -q "wrong or already used setup code" "$work/o" || die "unclear error: $(cat "$work/o")"
	if ms user setup-code >"$work/o2" 2>&1; then die "new code issued with accounts present"; fi
	verify_trail
}

test_req_1_1_cli_changes_need_an_administrator() {
	setup_admin
	add_nurse
	# A clinician cannot add accounts.
	if printf '%s\n%s\n' "$nurse_pw" 'Another-Pass-9' | ms user add eve --role administrator --as nurse01 --password-stdin >"$work/o" 2>&1; then die "clinician added a user"; fi
	grep -q "permission denied" "$work/o" || die "unclear error: $(cat "$work/o")"
	# No --as: refused before anything happens.
	if printf '%s\n' "$nurse_pw" | ms user disable nurse01 --password-stdin >"$work/o2" 2>&1; then die "change without --as"; fi
	grep -q -- "--as NAME" "$work/o2" || die "unclear error: $(cat "$work/o2")"
	# Wrong administrator password.
	if printf '%s\n' 'Wrong-Password-1' | ms user disable nurse01 --as chief --password-stdin >"$work/o3" 2>&1; then die "wrong admin password accepted"; fi
	grep -q "wrong name or password" "$work/o3" || die "unclear error: $(cat "$work/o3")"
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/trail.jsonl" >/dev/null 2>&1 || die "export"
	grep -q '"PERMISSION_DENIED"' "$work/trail.jsonl" || die "denial not audited"
	verify_trail
}

test_req_1_11_cli_password_never_from_argv() {
	setup_admin
	if ms user add nurse02 --role clinician --as chief --password "$nurse_pw" >"$work/o" 2>&1; then die "password accepted from argv"; fi
	# Nothing typed ends up in the trail.
	add_nurse
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	if grep -qF "$nurse_pw" "$work/t.jsonl" || grep -qF "$admin_pw" "$work/t.jsonl" || grep -qF "$initial_pw" "$work/t.jsonl"; then die "password in the audit trail"; fi
	if grep -rqF "$nurse_pw" "$state"; then die "password stored in clear"; fi
}

test_req_1_11_cli_password_masked_on_terminal() {
	setup_admin
	add_nurse
	(sleep 0.5; printf '%s\r' "$nurse_pw") | script -qfec "$MEDSEC session login nurse01 --state $state" /dev/null >"$work/tty.out" 2>&1
	grep -q '\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*' "$work/tty.out" || die "no masking stars: $(cat -v "$work/tty.out")"
	if grep -qF "$nurse_pw" "$work/tty.out"; then die "password echoed"; fi
}

test_req_1_2_cli_second_login_ends_first() {
	setup_admin
	add_nurse
	t1=$(login nurse01 "$nurse_pw") || die "login 1: $(cat "$work/login.err")"
	t2=$(login nurse01 "$nurse_pw") || die "login 2"
	if printf '%s\n' "$t1" | ms session check --password-stdin >"$work/c1" 2>&1; then die "first session still live"; fi
	grep -q "ended by a newer login" "$work/c1" || die "unclear error: $(cat "$work/c1")"
	printf '%s\n' "$t2" | ms session check --password-stdin >"$work/c2" 2>&1 || die "second session dead: $(cat "$work/c2")"
	[ "$(ms session list | grep -c live)" -eq 1 ] || die "not exactly one live session"
	verify_trail
}

test_req_1_4_cli_lockout_and_unlock() {
	setup_admin
	add_nurse
	for i in 1 2 3 4 5; do
		if login nurse01 'Wrong-Password-1' >/dev/null; then die "wrong password accepted"; fi
	done
	if login nurse01 "$nurse_pw" >/dev/null; then die "locked account logged in"; fi
	grep -q "account locked" "$work/login.err" || die "unclear error: $(cat "$work/login.err")"
	ms user list | grep nurse01 | grep -q locked || die "list does not show the lock"
	printf '%s\n' "$admin_pw" | ms user unlock nurse01 --as chief --password-stdin >/dev/null 2>&1 || die "unlock"
	login nurse01 "$nurse_pw" >/dev/null || die "login after unlock: $(cat "$work/login.err")"
	verify_trail
}

test_req_1_6_cli_disable_ends_session() {
	setup_admin
	add_nurse
	t=$(login nurse01 "$nurse_pw") || die "login"
	printf '%s\n' "$admin_pw" | ms user disable nurse01 --as chief --password-stdin >/dev/null 2>&1 || die "disable"
	if printf '%s\n' "$t" | ms session check --password-stdin >/dev/null 2>&1; then die "session survived disable"; fi
	if login nurse01 "$nurse_pw" >/dev/null; then die "disabled account logged in"; fi
	verify_trail
}

# D8: tokens and passwords never reach the trail or the state files.
test_req_1_11_cli_tokens_never_logged() {
	setup_admin
	add_nurse
	t=$(login nurse01 "$nurse_pw") || die "login"
	[ ${#t} -eq 43 ] || die "token length ${#t}"
	printf '%s\n' "$t" | ms session check --password-stdin >/dev/null 2>&1 || die "check"
	printf '%s\n' "$t" | ms session logout --password-stdin >/dev/null 2>&1 || die "logout"
	for fmt in jsonl syslog atna fhir; do
		"$MEDSEC" audit export --state "$state" --format "$fmt" --out "$work/t.$fmt" >/dev/null 2>&1 || die "export $fmt"
		if grep -qF "$t" "$work/t.$fmt"; then die "token in the $fmt export"; fi
	done
	if grep -rqF "$t" "$state"; then die "token stored in clear"; fi
	if grep -rqF "$nurse_pw" "$state" "$work"/t.*; then die "password stored or logged"; fi
}

test_req_1_2_cli_admin_kills_session() {
	setup_admin
	add_nurse
	t=$(login nurse01 "$nurse_pw") || die "login"
	id=$(ms session list | awk '$2 == "nurse01" { print $1 }')
	[ -n "$id" ] || die "no session id listed"
	printf '%s\n' "$admin_pw" | ms session kill "$id" --as chief --password-stdin >/dev/null 2>&1 || die "kill"
	if printf '%s\n' "$t" | ms session check --password-stdin >/dev/null 2>&1; then die "killed session still live"; fi
	verify_trail
}

test_req_1_9_cli_passwd_change_and_reset() {
	setup_admin
	add_nurse
	printf '%s\n%s\n' "$nurse_pw" "$nurse_pw" | ms passwd nurse01 --password-stdin >"$work/o" 2>&1 && die "reuse accepted"
	grep -q "password refused" "$work/o" || die "unclear error: $(cat "$work/o")"
	printf '%s\n%s\n' "$nurse_pw" 'Brand-New-Pass-5' | ms passwd nurse01 --password-stdin >/dev/null 2>&1 || die "self change"
	login nurse01 'Brand-New-Pass-5' >/dev/null || die "new password does not work"
	printf '%s\n%s\n' "$admin_pw" 'Reset-By-Admin-8' | ms passwd nurse01 --as chief --password-stdin >/dev/null 2>&1 || die "admin reset"
	ms user list | grep nurse01 | grep -q "must change" || die "reset does not force a change"
	verify_trail
}

test_req_1_7_cli_expire_user() {
	setup_admin
	add_nurse
	printf '%s\n' "$admin_pw" | ms user expire nurse01 --as chief --password-stdin >/dev/null 2>&1 || die "expire"
	if login nurse01 "$nurse_pw" >/dev/null; then die "expired account logged in"; fi
	grep -q "expired" "$work/login.err" || die "unclear error: $(cat "$work/login.err")"
	ms user list | grep nurse01 | grep -q expired || die "list does not show expiry"
}

test_req_1_1_cli_machine_role_no_interactive_login() {
	setup_admin
	printf '%s\n' "$admin_pw" | ms user add hub --role machine --cert-sha256 "$(printf 'hub' | sha256sum | cut -c1-64)" --as chief --password-stdin >/dev/null 2>&1 || die "peer add"
	if login hub "" >/dev/null; then die "machine peer logged in"; fi
	printf '%s\n' "$admin_pw" | ms user disable hub --as chief --password-stdin >/dev/null 2>&1 || die "disable peer"
	ms user revocation-list >"$work/crl" || die "revocation list"
	head -1 "$work/crl" | grep -qx "medsec-revocation-list 1" || die "bad header"
	grep -q " hub peer disabled" "$work/crl" || die "peer certificate not revoked: $(cat "$work/crl")"
}

test_req_1_4_cli_break_glass() {
	cat >"$work/emergency.ini" <<EOF
[auth]
emergency_access = yes
EOF
	setup_admin --config "$work/emergency.ini"
	printf '%s\n' "$admin_pw" | ms user emergency-seal --as chief --password-stdin >"$work/seal.out" 2>&1 || die "seal: $(cat "$work/seal.out")"
	ecode=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/seal.out" | head -1)
	[ -n "$ecode" ] || die "no credential printed"
	printf '%s\n' "$ecode" | ms session emergency --who "Nurse Kim" --password-stdin >"$work/e.out" 2>"$work/e.err" || die "break-glass: $(cat "$work/e.err")"
	grep -q "EMERGENCY session" "$work/e.err" || die "no emergency notice"
	if printf '%s\n' "$ecode" | ms session emergency --who "Nurse Kim" --password-stdin >/dev/null 2>&1; then die "credential used twice"; fi
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	grep -q '"EMERGENCY_ACCESS"' "$work/t.jsonl" || die "not audited"
	grep -q '"INCIDENT"' "$work/t.jsonl" || die "no alert"
	verify_trail
}

test_req_1_4_cli_break_glass_off_by_default() {
	setup_admin
	if printf '%s\n' "$admin_pw" | ms user emergency-seal --as chief --password-stdin >"$work/o" 2>&1; then die "sealed while off"; fi
	grep -q "emergency access is off" "$work/o" || die "unclear error: $(cat "$work/o")"
}

# Finding 1: an administrator made by another must change the initial
# password before it can do anything, on every path.
test_req_1_1_cli_initial_password_opens_nothing() {
	setup_admin
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add chief2 --role administrator --as chief --password-stdin >/dev/null 2>&1 || die "add chief2"
	if printf '%s\n%s\n' "$initial_pw" 'Another-Pass-9' | ms user add eve --role administrator --as chief2 --password-stdin >"$work/o1" 2>&1; then die "initial password added an administrator"; fi
	grep -q "password must be changed" "$work/o1" || die "unclear: $(cat "$work/o1")"
	if printf '%s\n' "$initial_pw" | ms user disable chief --as chief2 --password-stdin >"$work/o2" 2>&1; then die "initial password disabled an administrator"; fi
	if login chief2 "$initial_pw" >/dev/null; then die "initial password got a session"; fi
	grep -q "password must be changed" "$work/login.err" || die "unclear: $(cat "$work/login.err")"
	[ "$(ms session list | grep -c live)" -eq 0 ] || die "a session was started"
	ms user list | grep -q '^eve ' && die "eve was created"
	ms user list | grep '^chief ' | grep -q active || die "chief changed"
	# The one thing it can do; then it is a full administrator.
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd chief2 --password-stdin >/dev/null 2>&1 || die "first change"
	printf '%s\n%s\n' "$nurse_pw" 'Another-Pass-9' | ms user add eve --role clinician --as chief2 --password-stdin >"$work/o3" 2>&1 || die "after the change: $(cat "$work/o3")"
	verify_trail
}

# Finding 5: the last administrator cannot disable, expire or demote itself.
test_req_1_1_cli_last_admin_cannot_remove_itself() {
	setup_admin
	before=$(ms user list | awk '$1 == "chief" { print $1, $2, $3, $4 }')
	for cmd in "disable chief" "expire chief" "expire chief --expires 2099-01-01" "role chief --add technician --remove administrator" "delete chief"; do
		# shellcheck disable=SC2086
		if printf '%s\n' "$admin_pw" | ms user $cmd --as chief --password-stdin >"$work/o" 2>&1; then die "$cmd accepted"; fi
		grep -Eq "administrator who can manage accounts|account it is using" "$work/o" || die "$cmd: unclear: $(cat "$work/o")"
	done
	[ "$(ms user list | awk '$1 == "chief" { print $1, $2, $3, $4 }')" = "$before" ] || die "chief changed: $(ms user list)"
	login chief "$admin_pw" >/dev/null || die "chief cannot log in: $(cat "$work/login.err")"
	verify_trail
}

# Finding 8: names guessed from the CLI (source "local") do not lock out
# the administrator; they stay throttled.
test_req_1_4_cli_guessed_names_do_not_lock_out_admin() {
	setup_admin
	for i in $(seq 1 22); do
		if login "madeup$i" 'Wrong-Password-1' >/dev/null; then die "made-up name logged in"; fi
	done
	grep -q "too many attempts\|throttled\|login refused" "$work/login.err" || die "guessing not throttled: $(cat "$work/login.err")"
	login chief "$admin_pw" >/dev/null || die "administrator locked out: $(cat "$work/login.err")"
	printf '%s\n' "$admin_pw" | ms user unlock chief --as chief --password-stdin >"$work/o" 2>&1 || die "--as chief refused: $(cat "$work/o")"
	verify_trail
}

# Finding 10: an expiry in the past is refused, naming the value.
test_req_1_7_cli_expiry_in_past_refused() {
	setup_admin
	if printf '%s\n%s\n' "$admin_pw" "$nurse_pw" | ms user add locum --role clinician --expires 2020-01-01 --as chief --password-stdin >"$work/o" 2>&1; then die "past expiry accepted"; fi
	grep -q "'2020-01-01' is not in the future" "$work/o" || die "unclear: $(cat "$work/o")"
	ms user list | grep -q '^locum ' && die "expired account created"
	return 0
}

"$1"
