#!/bin/bash
# The account rules of MFDS 1.7, 1.9, 1.10 and 1.11 as the running
# gateway applies them over its HTTPS API, the way an administrator meets
# them: an account given an expiry date stops working at that date, a
# password the policy refuses never makes an account, no password is
# built into what the gateway runs, and a password never comes back in an
# answer, the log, the audit trail or the database.
# Run by CTest as: bash daemon_accounts.sh <test_name>. Skips (77) unless
# root, since the worker's privilege drop is part of what runs.
daemon_test=accounts
device_id=daemon-accounts-01
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

now_us() { echo $(($(date +%s%N) / 1000)); }

admin_login() {
	login chief "$admin_pw"
	[ "$st" = 201 ] || die "administrator login: $st $(cat "$work/body")"
	admin=$token
}

user_state() { # name -> state in GET /v1/users
	[ "$(req GET /v1/users "$admin")" = 200 ] || die "GET /v1/users: $(cat "$work/body")"
	jq -r --arg n "$1" '.users[] | select(.name == $n) | .state' "$work/body"
}

test_req_1_7_daemon_account_expires_at_its_date() {
	local expires code
	start
	admin_login
	# Three seconds from now: long enough to log in once, short enough to wait for.
	expires=$(($(now_us) + 3000000))
	code=$(req POST /v1/users "$admin" \
	    "{\"name\":\"temp01\",\"roles\":\"clinician\",\"password\":\"$initial_pw\",\"expires_us\":$expires}")
	[ "$code" = 201 ] || die "POST /v1/users with an expiry: $code $(cat "$work/body")"
	[ "$(user_state temp01)" = active ] || die "the new account is not active"
	# Before the date the password is accepted: a new account's first
	# login answers that the password must be changed.
	login temp01 "$initial_pw"
	[ "$st" = 403 ] && grep -q password_change_required "$work/body" ||
	    die "login before the expiry: $st $(cat "$work/body")"
	while [ "$(now_us)" -le $((expires + 200000)) ]; do sleep 0.2; done
	login temp01 "$initial_pw"
	case $st in 401 | 403) ;; *) die "login after the expiry answered $st: $(cat "$work/body")" ;; esac
	grep -q password_change_required "$work/body" && die "the expired account's password was still accepted"
	grep -q '"token"' "$work/body" && die "a token was issued after the expiry"
	[ "$(user_state temp01)" = expired ] || die "GET /v1/users does not say expired: $(cat "$work/body")"
	# An account given a date already past is refused when it is made.
	code=$(req POST /v1/users "$admin" \
	    "{\"name\":\"temp02\",\"roles\":\"clinician\",\"password\":\"$initial_pw\",\"expires_us\":$(($(now_us) - 1000000))}")
	case $code in 4??) ;; *) die "an account expiring in the past was made: $code $(cat "$work/body")" ;; esac
	stop
	trail_has LOGIN_FAILURE temp01
	grep '"LOGIN_FAILURE"' "$work/trail.jsonl" | grep temp01 | grep -qi expir ||
	    die "the refused login's record does not say the account expired"
}

test_req_1_9_daemon_password_policy_refuses_weak_passwords() {
	local pw code
	start
	admin_login
	# Too short, one of the common-password list (10 characters, two kinds:
	# the composition rule alone would pass it), the account's own name, one
	# kind only; then common words dressed up with look-alikes, digits and
	# symbols, the product's name, and the account's name in look-alikes,
	# each of which the composition rule alone would pass.
	for pw in 'Ab1!' 'charlie123' 'weak01weak01' 'aaaaaaaaaaaaaaaa' \
	    'P@ssw0rd2024' 'Password123!' 'Welcome1!' 'Medsec2026!' 'W3ak01!!'; do
		code=$(req POST /v1/users "$admin" \
		    "{\"name\":\"weak01\",\"roles\":\"clinician\",\"password\":\"$pw\"}")
		[ "$code" = 422 ] || die "password '$pw' answered $code: $(cat "$work/body")"
		body_has password_policy
		jq -e '.error.message | length > 10' "$work/body" >/dev/null || die "no reason given for '$pw': $(cat "$work/body")"
		grep -qF -- "$pw" "$work/body" && die "the refusal repeats the password '$pw'"
	done
	[ -z "$(user_state weak01)" ] || die "a refused password still made the account"
	code=$(req POST /v1/users "$admin" \
	    "{\"name\":\"weak01\",\"roles\":\"clinician\",\"password\":\"$initial_pw\"}")
	[ "$code" = 201 ] || die "a password the policy accepts was refused: $code $(cat "$work/body")"
	stop
}

test_req_1_10_daemon_software_holds_no_hardcoded_password() {
	local target
	provision
	# What the gateway runs and reads: the daemon, the device library it
	# links (the tools library, which carries the scanner's own list of
	# default credentials, is the manufacturer's and never on the device)
	# and its configuration as provisioned.
	local lib
	lib=$(readlink -f "$MEDSEC_BINARY_DIR/lib/libmedsec.so")
	for target in "$MEDSECD" "$lib" "$conf"; do
		[ -f "$target" ] || die "nothing to scan at $target"
	done
	"$MEDSEC" scan-secrets "$MEDSECD" "$lib" "$conf" \
	    --sarif "$work/scan.sarif" >"$work/scan.out" 2>&1 ||
	    die "hard-coded credentials found: $(cat "$work/scan.out")"
	jq -e '.runs[0].results | length == 0' "$work/scan.sarif" >/dev/null ||
	    die "the SARIF report lists findings: $(cat "$work/scan.sarif")"
	# The scan finds one when there is one: a configuration with a password in it.
	cp "$conf" "$work/planted.conf"
	printf '[uplink]\npassword = "Clinic-Secret-2024!"\n' >>"$work/planted.conf"
	if "$MEDSEC" scan-secrets "$work/planted.conf" >"$work/planted.out" 2>&1; then
		die "a planted password was not found: $(cat "$work/planted.out")"
	fi
}

test_req_1_11_daemon_password_never_exposed() {
	local secret='Unseen-Secret-8472' f
	start
	admin_login
	[ "$(req POST /v1/users "$admin" \
	    "{\"name\":\"nurse07\",\"roles\":\"clinician\",\"password\":\"$secret\"}")" = 201 ] ||
	    die "POST /v1/users: $(cat "$work/body")"
	cp "$work/body" "$work/answer.create"
	login nurse07 "$secret"; cp "$work/body" "$work/answer.login"
	login nurse07 'Wrong-Guess-1234'; cp "$work/body" "$work/answer.wrong"
	[ "$(req GET /v1/users "$admin")" = 200 ] || die "GET /v1/users"
	cp "$work/body" "$work/answer.users"
	jq -e '[.users[] | keys[]] | map(select(test("^(password|pass|passwd|hash|password_hash|secret|salt)$"))) | length == 0' \
	    "$work/answer.users" >/dev/null || die "the user list carries a password field: $(cat "$work/answer.users")"
	stop
	for f in "$work"/answer.* "$work/d.log" "$work/trail.jsonl"; do
		grep -qF -- "$secret" "$f" && die "the password is in $(basename "$f")"
		grep -qF -- 'Wrong-Guess-1234' "$f" && die "the wrong guess is in $(basename "$f")"
	done
	# Nor in clear anywhere in the state directory (database, WAL, trail).
	grep -rqaF -- "$secret" "$state" && die "the password is in clear under the state directory"
	grep -rqaF -- "$admin_pw" "$state" && die "the administrator's password is in clear under the state directory"
	trail_has LOGIN_FAILURE nurse07
}

"$1"
