#!/bin/bash
# The whole update flow through the CLI: keygen, root and signing key
# sets, pack, two signatures, stage, approve, install, trial, commit, and
# a second update rolled back by a failing health check.
# Run by CTest as: bash cli_update.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-update-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass='correct horse battery'
admin_pw='Adm1n-Pass!word'
state=$work/dev

die() { echo "FAIL: $*" >&2; exit 1; }
ms() { "$MEDSEC" "$@"; }

manufacturer() {
	for k in root1 rel1 rel2; do
		echo "$pass" | ms keygen --out "$k" --passphrase-stdin >/dev/null || die "keygen $k"
	done
	mkdir -p trust fw
	ms update root --key root1.pub --threshold 1 --out trust/root.json >/dev/null || die "root"
	echo "$pass" | ms update keyset --root-key root1.key --key rel1.pub --key rel2.pub \
	    --threshold 2 --version 1 --expires 2099-01-01 --out trust/keyset.json --passphrase-stdin >/dev/null || die "keyset"
}

# release NAME VERSION COUNTER: a package signed by both release keys.
release() {
	echo "app $2" >fw/app
	echo "setting=$2" >fw/app.conf
	ms update pack --product carelink --version "$2" --security-counter "$3" --hardware clg-200 \
	    --expires 2099-01-01 --distributor Example-Medical --signer rel1.pub --out "$1.msu" \
	    fw/app=bin/app fw/app.conf=etc/app.conf >/dev/null || die "pack $1"
	for k in rel1 rel2; do
		echo "$pass" | ms update sign "$1.msu" --key "$k.key" --passphrase-stdin >/dev/null || die "sign $1 $k"
	done
}

device() {
	out=$(ms init --state "$state" 2>&1) || die "init: $out"
	code=$(echo "$out" | grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --state "$state" --password-stdin >/dev/null || die "admin"
	echo "$admin_pw" | ms update setup --state "$state" --hardware clg-200 --product carelink \
	    --root trust/root.json --keyset trust/keyset.json --as chief --password-stdin >/dev/null || die "update setup"
}

digest() { ms update inspect "$1" | awk '/manifest sha256/ { print $3 }'; }

# stage_approve_install PKG: prints the update id.
stage_approve_install() {
	ms update stage "$1" --state "$state" >"$work/stage.out" 2>&1 || die "stage $1: $(cat "$work/stage.out")"
	id=$(grep -Eo 'update [0-9]+' "$work/stage.out" | awk '{ print $2 }')
	echo "$admin_pw" | ms update approve "$id" --digest "$(digest "$1")" --as chief --state "$state" --password-stdin >/dev/null 2>&1 || die "approve $1"
	ms update install "$id" --state "$state" >/dev/null 2>&1 || die "install $1"
	echo "$id"
}

test_req_1_12_cli_update_flow_with_rollback() {
	manufacturer
	release v1 1.1.0 2
	release v2 1.2.0 3
	device
	ms update verify v1.msu --trust trust --hardware clg-200 >/dev/null || die "verify v1"
	id1=$(stage_approve_install v1.msu)
	ms update boot --state "$state" | grep -q "slot b in TRIAL" || die "no trial after install"
	grep -q "app 1.1.0" "$state/slots/b/bin/app" || die "slot b content"
	echo "$admin_pw" | ms update commit --as chief --state "$state" --password-stdin >/dev/null 2>&1 || die "commit"
	ms update status --state "$state" | grep -q "^$id1 *committed" || die "v1 not committed"
	id2=$(stage_approve_install v2.msu)
	ms update boot --state "$state" | grep -q "slot a in TRIAL" || die "v2 not in trial"
	ms update health-failed --reason "pump self-test failed" --state "$state" >/dev/null || die "health-failed"
	ms update boot --state "$state" | grep -q "running slot b$" && true
	ms update status --state "$state" >"$work/status"
	grep -q "^slot b, security counter 2" "$work/status" || die "not back on v1: $(cat "$work/status")"
	grep -q "^$id2 *rolled-back" "$work/status" || die "v2 not rolled back"
	ms audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	for ev in UPDATE_RECEIVED UPDATE_VERIFIED UPDATE_APPROVED UPDATE_INSTALLED UPDATE_COMMITTED UPDATE_ROLLED_BACK; do
		grep -q "\"$ev\"" "$work/t.jsonl" || die "no $ev record"
	done
	ms audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >/dev/null || die "audit verify"
}

test_req_1_14_cli_one_signature_of_two_refused() {
	manufacturer
	echo x >fw/app
	ms update pack --product carelink --version 1.0.0 --security-counter 1 --hardware clg-200 \
	    --expires 2099-01-01 --distributor Example-Medical --signer rel1.pub --out half.msu fw/app=bin/app >/dev/null || die "pack"
	echo "$pass" | ms update sign half.msu --key rel1.key --passphrase-stdin >/dev/null || die "sign"
	device
	if ms update stage half.msu --state "$state" >"$work/o" 2>&1; then die "half-signed package staged"; fi
	grep -q "1 valid signature(s)" "$work/o" || die "unclear error: $(cat "$work/o")"
	ms update status --state "$state" | grep -q "rejected" || die "refusal not recorded"
	[ ! -e "$state/slots/b" ] || die "something was installed"
}

test_req_1_12_cli_approve_needs_digest_and_admin() {
	manufacturer
	release v1 1.1.0 2
	device
	ms update stage v1.msu --state "$state" >/dev/null 2>&1 || die "stage"
	if echo "$admin_pw" | ms update approve 1 --digest 0000 --as chief --state "$state" --password-stdin >"$work/o" 2>&1; then die "wrong digest approved"; fi
	grep -q "digest mismatch" "$work/o" || die "unclear: $(cat "$work/o")"
	if echo "Wrong-Password-1" | ms update approve 1 --digest "$(digest v1.msu)" --as chief --state "$state" --password-stdin >"$work/o2" 2>&1; then die "wrong password approved"; fi
	if ms update install 1 --state "$state" >"$work/o3" 2>&1; then die "installed unapproved"; fi
}

# Bad input: clear errors, nothing staged or installed.
test_cli_update_bad_input_changes_nothing() {
	manufacturer
	device
	for id in abc 0 12x 99999999999999999999; do
		if ms update install "$id" --state "$state" >"$work/o" 2>&1; then die "id $id accepted"; fi
		grep -q "invalid update id '$id'" "$work/o" || die "unclear for $id: $(cat "$work/o")"
	done
	if ms update approve 1 --as chief --state "$state" >"$work/o" 2>&1; then die "approve without digest"; fi
	grep -q -- "--digest SHA256" "$work/o" || die "unclear: $(cat "$work/o")"
	printf 'not a package, not a header, not anything at all' >junk.msu
	if ms update stage junk.msu --state "$state" >"$work/o" 2>&1; then die "junk staged"; fi
	grep -q "bad magic" "$work/o" || die "unclear: $(cat "$work/o")"
	if echo "$pass" | ms keygen --out k2 --alg rsa-1024 --passphrase-stdin >"$work/o" 2>&1; then die "weak alg accepted"; fi
	grep -q "expected ed25519 or ecdsa-p256-sha256" "$work/o" || die "unclear: $(cat "$work/o")"
	[ ! -e k2.key ] || die "key written"
	[ ! -e "$state/slots/b" ] || die "something installed"
	[ -z "$(ls "$state/updates" | grep -v '^$' | grep -v '\.msu$')" ] || die "leftovers in updates/"
	[ -z "$(ls "$state/updates")" ] || die "package kept: $(ls "$state/updates")"
}

test_cli_keygen_passphrase_never_in_argv() {
	if ms keygen --out k --passphrase "$pass" >/dev/null 2>&1; then die "passphrase accepted from argv"; fi
	echo "$pass" | ms keygen --out k --passphrase-stdin >/dev/null || die "keygen"
	[ "$(stat -c %a k.key)" = 600 ] || die "secret key mode"
	if grep -qF "$pass" k.key k.pub; then die "passphrase stored"; fi
	chmod 644 k.key
	echo x >f
	ms update pack --product p --version 1.0.0 --security-counter 1 --hardware h --expires 2099-01-01 \
	    --distributor d --signer k.pub --out p.msu f=f >/dev/null || die "pack"
	if echo "$pass" | ms update sign p.msu --key k.key --passphrase-stdin >"$work/o" 2>&1; then die "world-readable key used"; fi
	grep -q "must be private" "$work/o" || die "unclear: $(cat "$work/o")"
}

# keyset_v VERSION OUT [--revoke ID] [--root-key K]: a signing key set.
keyset_v() {
	v=$1 out=$2
	shift 2
	root=root1.key
	[ "${1:-}" = --root-key ] && { root=$2; shift 2; }
	echo "$pass" | ms update keyset --root-key "$root" --key rel1.pub --key rel2.pub \
	    --threshold 1 --version "$v" --expires 2099-01-01 --out "$out" --passphrase-stdin "$@" >/dev/null || die "keyset v$v"
}

setup_keyset() {
	echo "$admin_pw" | ms update setup --state "$state" --hardware clg-200 --product carelink \
	    --root trust/root.json --keyset "$1" --as chief --password-stdin
}

# U9: a key set installed raises the floor in the database; setup with an
# older one is refused naming both versions, and the older file put back
# by hand is refused at the next stage (the revoked key never signs again).
test_attack_u9_cli_setup_older_keyset_refused() {
	manufacturer
	release v1 1.1.0 2
	device
	rel1=$(awk '/^key-id:/ { print $2 }' rel1.pub)
	keyset_v 2 ks2.json --revoke "$rel1"
	setup_keyset ks2.json >/dev/null 2>&1 || die "setup with key set 2"
	cmp -s ks2.json "$state/trust/keyset.json" || die "key set 2 not installed"
	if setup_keyset trust/keyset.json >"$work/o" 2>&1; then die "older key set installed"; fi
	grep -q "version 1 is older than version 2" "$work/o" || die "unclear: $(cat "$work/o")"
	cmp -s ks2.json "$state/trust/keyset.json" || die "refused key set still written"
	cp trust/keyset.json "$state/trust/keyset.json"
	if ms update stage v1.msu --state "$state" >"$work/o" 2>&1; then die "package staged under a rolled-back key set"; fi
	grep -q "rollback" "$work/o" || die "unclear: $(cat "$work/o")"
	ms audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	grep '"CONFIG_CHANGED"' "$work/t.jsonl" | grep -q 'version 1 is older' || die "refusal not audited"
}

# setup verifies before it writes: a key set signed by a release key
# instead of root is refused, the installed one stays, updates go on.
test_attack_u9_cli_setup_broken_keyset_not_installed() {
	manufacturer
	release v1 1.1.0 2
	device
	cp "$state/trust/keyset.json" before.json
	keyset_v 2 forged.json --root-key rel1.key
	if setup_keyset forged.json >"$work/o" 2>&1; then die "forged key set installed"; fi
	grep -q "valid root signature" "$work/o" || die "unclear: $(cat "$work/o")"
	cmp -s before.json "$state/trust/keyset.json" || die "forged key set written"
	ms update stage v1.msu --state "$state" >"$work/o" 2>&1 || die "stage after refusal: $(cat "$work/o")"
	ms audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	grep '"CONFIG_CHANGED"' "$work/t.jsonl" | grep -q 'valid root signature' || die "refusal not audited"
}

# L5: operator-supplied text (a file name, a reason) reaches the terminal
# escaped: no escape sequence from an offer or a record is interpreted.
test_attack_l5_cli_update_text_escaped() {
	manufacturer
	release v1 1.1.0 2
	device
	esc=$(printf '\033')
	evil="evil${esc}[2J.msu"
	printf 'junk' >"$evil"
	if ms update stage "$evil" --state "$state" >"$work/o" 2>&1; then die "junk staged"; fi
	grep -qF 'evil\x1b[2J.msu' "$work/o" || die "name not shown escaped: $(cat -v "$work/o")"
	if grep -q "$esc" "$work/o"; then die "raw escape printed"; fi
	ms update stage v1.msu --state "$state" >/dev/null 2>&1 || die "stage"
	id=$(ms update status --state "$state" | awk '/awaiting-approval/ { print $1 }')
	echo "$admin_pw" | ms update reject "$id" --reason "bad${esc}]0;owned${esc}\\" --as chief --state "$state" \
	    --password-stdin >/dev/null 2>&1 || die "reject"
	ms update status --state "$state" >"$work/s" 2>&1 || die "status"
	grep -qF 'bad\x1b]0;owned\x1b\x5c' "$work/s" || die "reason not shown escaped: $(cat -v "$work/s")"
	if grep -q "$esc" "$work/s"; then die "raw escape in status"; fi
}

"$1"
