#!/bin/bash
# End-to-end tests of `medsec manifest` (MFDS 2.2): a manufacturer key,
# a manifest of a staged tree, verification, every kind of tampering and
# the exit codes. Run by CTest as: bash cli_manifest.sh <test_name>.
set -u
: "${MEDSEC:?}"
work=$(mktemp -d /tmp/medsec-manifest-XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

die() { echo "FAIL: $*" >&2; exit 1; }

# Runs a command at a fixed wall time (libfaketime). Under ASan the
# preloaded library comes before the sanitizer runtime, which ASan
# refuses unless told that the order is intended.
at_time() {
	when=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    TZ=UTC faketime -f "$when" "$@"
}

# A key pair (work/rel.key, work/rel.pub), a tree and its manifest.
setup() {
	printf 'correct horse battery\n' >"$work/pass"
	chmod 600 "$work/pass"
	"$MEDSEC" keygen --out "$work/rel" --passphrase-file "$work/pass" >/dev/null ||
	    die "keygen failed"
	mkdir -p "$root/bin" "$root/etc" "$root/lib"
	printf '#!/bin/sh\necho daemon\n' >"$root/bin/medsecd"
	chmod 755 "$root/bin/medsecd"
	printf '[device]\nid = dev-1\n' >"$root/etc/medsec.conf"
	printf 'library\n' >"$root/lib/libx.so"
	ln -s libx.so "$root/lib/libx.so.1"
	"$MEDSEC" manifest create --root "$root" --key "$work/rel.key" \
	    --out "$work/m" --label /opt/medsec --passphrase-file "$work/pass" \
	    >"$work/create.out" 2>&1 || die "create failed: $(cat "$work/create.out")"
}

# Runs verify; sets $rc and leaves the output in $work/v.out.
verify() {
	"$MEDSEC" manifest verify "$work/m" --root "$root" --pub "$work/rel.pub" "$@" \
	    >"$work/v.out" 2>&1
	rc=$?
}

expect_finding() {
	verify
	[ "$rc" = 1 ] || die "$1 $2: exit status $rc, expected 1"
	grep -qE "^$1 +$2( |\$)" "$work/v.out" || die "no '$1 $2' in: $(cat "$work/v.out")"
}

test_cli_manifest_create_then_verify_clean_tree() {
	setup
	grep -q "manifest: $work/m (8 entries, signed by rel" "$work/create.out" ||
	    die "create summary: $(cat "$work/create.out")"
	head -n 1 "$work/m" | grep -qx 'medsec-integrity-manifest 1' || die "magic"
	grep -qx 'root: /opt/medsec' "$work/m" || die "label"
	grep -qE '^signature: [0-9a-f]{128}$' "$work/m" || die "signature line"
	verify
	[ "$rc" = 0 ] || die "clean tree: exit $rc: $(cat "$work/v.out")"
	grep -q 'tree matches the manifest: 8 entries' "$work/v.out" || die "summary"
}

test_cli_manifest_reports_each_kind_of_change() {
	setup
	printf '#!/bin/sh\necho DAEMON\n' >"$root/bin/medsecd"
	expect_finding content-changed bin/medsecd
	chmod 4755 "$root/bin/medsecd"
	expect_finding mode-changed bin/medsecd
	rm "$root/etc/medsec.conf"
	expect_finding missing etc/medsec.conf
	printf 'x' >"$root/etc/extra file"
	expect_finding added 'etc/extra%20file'
	rm "$root/lib/libx.so"
	ln -s /etc/passwd "$root/lib/libx.so"
	expect_finding symlink-swapped lib/libx.so
	grep -q 'symlink-swapped  lib/libx.so (symlink, expected file)' "$work/v.out" ||
	    die "type detail: $(cat "$work/v.out")"
	grep -q 'tree does NOT match the manifest: 5 finding(s)' "$work/v.out" ||
	    die "count: $(cat "$work/v.out")"
}

test_cli_manifest_owner_change_reported() {
	[ "$(id -u)" = 0 ] || { echo "skipped: needs root to chown"; return 77; }
	setup
	chown 4242:4242 "$root/etc/medsec.conf"
	expect_finding owner-changed etc/medsec.conf
	grep -q 'owner 4242:4242, expected 0:0' "$work/v.out" || die "owner detail"
}

test_cli_manifest_json_output() {
	setup
	printf 'evil\n' >"$root/lib/libx.so"
	verify --json
	[ "$rc" = 1 ] || die "exit $rc"
	python3 - "$work/v.out" <<'PY' || die "JSON check failed: $(cat "$work/v.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["entries"] == 8, d
assert [(f["path"], f["finding"]) for f in d["findings"]] == [("lib/libx.so", "content-changed")]
PY
}

test_cli_manifest_tampered_manifest_refused() {
	setup
	# Raise a mode in the manifest itself: the signature no longer holds.
	sed -i 's/^f 0755 /f 0777 /' "$work/m"
	verify
	[ "$rc" = 1 ] || die "exit $rc"
	grep -q 'manifest refused: the signature does not verify with any trusted key' \
	    "$work/v.out" || die "message: $(cat "$work/v.out")"
}

test_cli_manifest_other_key_refused() {
	setup
	"$MEDSEC" keygen --out "$work/other" --passphrase-file "$work/pass" >/dev/null ||
	    die "keygen"
	"$MEDSEC" manifest verify "$work/m" --root "$root" --pub "$work/other.pub" \
	    >"$work/o" 2>&1
	[ $? = 1 ] || die "accepted with another key"
	grep -q 'signature does not verify' "$work/o" || die "message"
	# Trusting both keys finds the one that signed.
	"$MEDSEC" manifest verify "$work/m" --root "$root" --pub "$work/other.pub" \
	    --pub "$work/rel.pub" >"$work/o" 2>&1 || die "two trusted keys: $(cat "$work/o")"
}

test_cli_manifest_wrong_passphrase_and_usage() {
	setup
	printf 'wrong passphrase\n' | "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/m2" --passphrase-stdin >"$work/o" 2>&1
	[ $? = 1 ] || die "wrong passphrase accepted"
	grep -q 'wrong passphrase' "$work/o" || die "message: $(cat "$work/o")"
	[ ! -e "$work/m2" ] || die "manifest written anyway"
	printf 'correct horse battery\n' | "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/m2" --passphrase-stdin >/dev/null 2>&1 ||
	    die "stdin passphrase refused"
	"$MEDSEC" manifest verify "$work/m2" --root "$root" >/dev/null 2>&1
	[ $? = 2 ] || die "missing --pub: not a usage error"
	"$MEDSEC" manifest create --root "$root" >/dev/null 2>&1
	[ $? = 2 ] || die "missing --key: not a usage error"
	"$MEDSEC" manifest frobnicate >/dev/null 2>&1
	[ $? = 2 ] || die "unknown verb: not a usage error"
	"$MEDSEC" manifest verify "$work/m" --root "$work/nonexistent" \
	    --pub "$work/rel.pub" >"$work/o" 2>&1
	[ $? = 1 ] || die "missing root accepted"
	grep -q 'cannot open the root directory' "$work/o" || die "root message"
}

test_cli_manifest_bad_option_values_named() {
	setup
	"$MEDSEC" manifest verify "$work/m" --root "$root" --pub "$work/rel.pub" \
	    --threads 65 >"$work/o" 2>&1
	[ $? = 2 ] || die "--threads 65 accepted"
	grep -q "^medsec: --threads '65': expected 1 to 64" "$work/o" ||
	    die "message: $(cat "$work/o")"
	"$MEDSEC" manifest create --root "$root" --key "$work/rel.key" \
	    --out "$work/m3" --owner $'0:\e[2J' --passphrase-file "$work/pass" \
	    >"$work/o" 2>&1
	[ $? = 2 ] || die "bad --owner accepted"
	grep -qF "medsec: --owner '0:\x1b[2J': expected UID:GID (numbers)" "$work/o" ||
	    die "message: $(cat -v "$work/o")"
}

# TESTING.md I2 on a device: once a newer signed manifest verified there,
# putting the older (validly signed) manifest file back is refused, with
# both creation times named, and audited; the floor is in the device's
# database, so replacing the manifest file cannot lower it.
test_req_2_2_cli_manifest_older_manifest_put_back_refused_on_device() {
	command -v faketime >/dev/null ||
	    { echo "skipped: needs faketime for two creation times"; return 77; }
	setup
	at_time '2026-03-01 00:00:00' "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/old" --passphrase-file "$work/pass" \
	    >/dev/null 2>&1 || die "old manifest"
	at_time '2026-04-01 00:00:00' "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/new" --passphrase-file "$work/pass" \
	    >/dev/null 2>&1 || die "new manifest"
	"$MEDSEC" init --state "$work/st" >/dev/null 2>&1 || die "init"
	cp "$work/new" "$work/installed"
	"$MEDSEC" manifest verify "$work/installed" --root "$root" \
	    --pub "$work/rel.pub" --state "$work/st" >"$work/v.out" 2>&1 ||
	    die "new manifest refused: $(cat "$work/v.out")"
	grep -q 'manifest floor on this device: raised from none to 2026-04-01T00:00:00Z' \
	    "$work/v.out" || die "floor not raised: $(cat "$work/v.out")"
	# The attacker puts the older signed manifest back in its place.
	cp "$work/old" "$work/installed"
	"$MEDSEC" manifest verify "$work/installed" --root "$root" \
	    --pub "$work/rel.pub" --state "$work/st" >"$work/v.out" 2>&1
	[ $? = 1 ] || die "older manifest accepted: $(cat "$work/v.out")"
	grep -q "manifest refused: the manifest was created 2026-03-01T00:00:00Z, before the newest manifest verified on this device for .* (created 2026-04-01T00:00:00Z)" \
	    "$work/v.out" || die "message: $(cat "$work/v.out")"
	grep -q 'tree matches' "$work/v.out" && die "the tree was checked against it"
	"$MEDSEC" audit tail --state "$work/st" -n 50 >"$work/a.out" 2>&1 ||
	    die "audit tail: $(cat "$work/a.out")"
	grep -q 'INTEGRITY_FAILURE failure .*reason=manifest-rollback' "$work/a.out" ||
	    die "refusal not audited: $(cat "$work/a.out")"
	grep -q 'INTEGRITY_OK success .*reason=manifest floor raised .*"floor_us":1775001600000000' \
	    "$work/a.out" || die "raise not audited: $(cat "$work/a.out")"
	"$MEDSEC" audit verify --state "$work/st" >/dev/null 2>&1 || die "trail does not verify"
	# The newer one still verifies, and off the device (no --state) the
	# older manifest is only a statement about the tree, as before.
	cp "$work/new" "$work/installed"
	"$MEDSEC" manifest verify "$work/installed" --root "$root" \
	    --pub "$work/rel.pub" --state "$work/st" >"$work/v.out" 2>&1 ||
	    die "newer manifest refused: $(cat "$work/v.out")"
	grep -q 'manifest floor on this device: 2026-04-01T00:00:00Z (unchanged)' \
	    "$work/v.out" || die "floor line: $(cat "$work/v.out")"
}

# A tree that does not match does not raise the floor.
test_req_2_2_cli_manifest_floor_not_raised_by_mismatching_tree() {
	command -v faketime >/dev/null ||
	    { echo "skipped: needs faketime for two creation times"; return 77; }
	setup
	at_time '2026-03-01 00:00:00' "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/old" --passphrase-file "$work/pass" \
	    >/dev/null 2>&1 || die "old manifest"
	printf 'next release\n' >"$root/lib/libx.so"
	at_time '2026-04-01 00:00:00' "$MEDSEC" manifest create --root "$root" \
	    --key "$work/rel.key" --out "$work/new" --passphrase-file "$work/pass" \
	    >/dev/null 2>&1 || die "new manifest"
	printf 'library\n' >"$root/lib/libx.so"
	"$MEDSEC" init --state "$work/st" >/dev/null 2>&1 || die "init"
	"$MEDSEC" manifest verify "$work/new" --root "$root" \
	    --pub "$work/rel.pub" --state "$work/st" >"$work/v.out" 2>&1
	[ $? = 1 ] || die "mismatching tree accepted"
	grep -q 'manifest floor' "$work/v.out" && die "floor raised: $(cat "$work/v.out")"
	"$MEDSEC" manifest verify "$work/old" --root "$root" \
	    --pub "$work/rel.pub" --state "$work/st" >"$work/v.out" 2>&1 ||
	    die "old manifest of the running tree refused: $(cat "$work/v.out")"
}

"$1"
