#!/bin/bash
# The shared libraries export exactly their public API: every function a
# header marks MEDSEC_API is in the dynamic symbol table, and nothing
# else is (include/medsec/ for libmedsec.so, include/medsec-tools/ for
# libmedsec-tools.so). Run by CTest as: bash abi.sh <test_name>.
set -u
: "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
work=$(mktemp -d /tmp/medsec-abi-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }

# Names of the functions declared MEDSEC_API in the headers given: the
# macro line ("MEDSEC_API", maybe with MEDSEC_MUST_CHECK and the like)
# is followed by the declaration; the name is the identifier before the
# first "(" of the declaration.
declared() {
	awk '
	/^MEDSEC_API([ \t]|$)/ { pending = 1; text = "" }
	pending {
		line = $0
		gsub(/MEDSEC_[A-Z_]+(\([^)]*\))?/, "", line)
		text = text " " line
		if (index(text, "(") > 0) {
			sub(/\(.*/, "", text)
			n = split(text, w, /[^A-Za-z0-9_]+/)
			while (n > 0 && w[n] == "")
				n--
			print w[n]
			pending = 0
		}
	}' "$@" | sort -u
}

# Defined dynamic symbols of a shared library, names only.
exported() {
	nm -D --defined-only "$1" | awk '{ print $NF }' | sort -u
}

# Compares a library with its headers both ways, naming every symbol
# that is in one and not the other.
check_library() {
	local lib=$1 name=$2 bad=0
	shift 2
	[ -e "$lib" ] || die "$lib: not built"
	declared "$@" >"$work/$name.declared"
	exported "$lib" >"$work/$name.exported"
	[ -s "$work/$name.declared" ] || die "no MEDSEC_API declarations found for $name"
	comm -23 "$work/$name.declared" "$work/$name.exported" >"$work/$name.missing"
	comm -13 "$work/$name.declared" "$work/$name.exported" >"$work/$name.extra"
	while read -r sym; do
		echo "$name: $sym is declared MEDSEC_API but not exported" >&2
		bad=1
	done <"$work/$name.missing"
	while read -r sym; do
		echo "$name: $sym is exported but declared in no public header" >&2
		bad=1
	done <"$work/$name.extra"
	[ $bad -eq 0 ] || die "$name does not export exactly its public API"
	echo "$name: $(wc -l <"$work/$name.exported") symbols, all public"
}

test_abi_exports_only_public_api() {
	check_library "$MEDSEC_BINARY_DIR/lib/libmedsec.so" libmedsec \
	    "$MEDSEC_SOURCE_DIR"/include/medsec/*.h
	check_library "$MEDSEC_BINARY_DIR/lib/libmedsec-tools.so" libmedsec-tools \
	    "$MEDSEC_SOURCE_DIR"/include/medsec-tools/*.h
}

# The device library carries no manufacturer tooling: no report writers
# (HTML, Markdown, PDF), no JUnit reader, no credential scanner.
test_abi_device_library_has_no_tools_code() {
	local lib=$MEDSEC_BINARY_DIR/lib/libmedsec.so n
	[ -e "$lib" ] || die "$lib: not built"
	n=$(strings -a "$lib" | grep -ci '<html\|junit\|markdown\|sarif\|testsuite\|credscan')
	[ "$n" -eq 0 ] || die "libmedsec.so holds tools strings: $(strings -a "$lib" | grep -i '<html\|junit\|markdown\|sarif\|testsuite\|credscan' | head -5)"
	if nm "$MEDSEC_BINARY_DIR/lib/libmedsec.a" 2>/dev/null | grep -Eq ' [TDR] medsec_(report|junit|catalog|classify|credscan|profile)_'; then
		die "libmedsec.a defines tools functions: $(nm "$MEDSEC_BINARY_DIR/lib/libmedsec.a" | grep -E ' [TDR] medsec_(report|junit|catalog|classify|credscan|profile)_' | head -5)"
	fi
	strings -a "$MEDSEC_BINARY_DIR/lib/libmedsec-tools.so" | grep -qi 'junit' ||
	    die "libmedsec-tools.so has no JUnit reader: the check above proves nothing"
}

"$1"
