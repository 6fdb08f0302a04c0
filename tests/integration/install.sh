#!/bin/bash
# `make install` to a prefix gives a usable library: headers under
# include/medsec/, static and shared libraries, medsec.pc, the tool.
set -u
: "${MEDSEC_BINARY_DIR:?}"
work=$(mktemp -d /tmp/medsec-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }

test_install_to_prefix_builds_a_program() {
	cmake --install "$MEDSEC_BINARY_DIR" --prefix "$work/prefix" >/dev/null || die "install failed"
	for f in include/medsec/audit.h include/medsec/crypto.h include/medsec/keystore.h \
	    lib/libmedsec.a bin/medsec lib/pkgconfig/medsec.pc; do
		[ -e "$work/prefix/$f" ] || die "missing $f"
	done
	ls "$work/prefix"/lib/libmedsec.so* >/dev/null 2>&1 || die "no shared library"
	cat >"$work/prog.c" <<'C'
#include <stdio.h>
#include <medsec/crypto.h>
#include <medsec/err.h>
int main(void)
{
	unsigned char h[32];
	char why[200];
	if (medsec_crypto_init() != MEDSEC_OK ||
	    medsec_hash(MEDSEC_ALG_SHA256, "abc", 3, h) != MEDSEC_OK || h[0] != 0xba)
		return 1;
	if (medsec_crypto_alg_check(MEDSEC_ALG_SHA1, why, sizeof(why)) != MEDSEC_ERR_WEAK_ALGORITHM)
		return 2;
	puts(why);
	return 0;
}
C
	export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
	# A sanitizer build's library needs the sanitizer runtime linked first.
	san=""
	if grep -q '^MEDSEC_SANITIZE:BOOL=ON' "$MEDSEC_BINARY_DIR/CMakeCache.txt"; then
		san="-fsanitize=address,undefined"
	fi
	cc $san -o "$work/prog-shared" "$work/prog.c" $(pkg-config --cflags --libs medsec) || die "build against the shared library failed"
	LD_LIBRARY_PATH="$work/prefix/lib" "$work/prog-shared" >"$work/out" || die "shared program failed"
	grep -q "below the 112-bit minimum" "$work/out" || die "unexpected output: $(cat "$work/out")"
	cc $san -o "$work/prog-static" "$work/prog.c" $(pkg-config --cflags medsec) \
	    "$work/prefix/lib/libmedsec.a" $(pkg-config --libs --static medsec | sed 's/-lmedsec//') || die "static build failed"
	"$work/prog-static" >/dev/null || die "static program failed"
}

# Every public header stands alone, in C11 and in C++ (extern "C").
test_install_every_header_compiles_alone() {
	cmake --install "$MEDSEC_BINARY_DIR" --prefix "$work/prefix" >/dev/null || die "install failed"
	n=0
	for h in "$work"/prefix/include/medsec/*.h; do
		name=$(basename "$h")
		printf '#include <medsec/%s>\nint main(void) { return 0; }\n' "$name" >"$work/one.c"
		cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$work/prefix/include" -c "$work/one.c" -o "$work/one.o" ||
		    die "$name does not compile alone in C11"
		if command -v c++ >/dev/null 2>&1; then
			cp "$work/one.c" "$work/one.cc"
			c++ -Wall -Werror -I"$work/prefix/include" -fsyntax-only "$work/one.cc" ||
			    die "$name does not compile in C++"
		fi
		n=$((n + 1))
	done
	[ "$n" -ge 19 ] || die "only $n headers installed"
}

"$1"
