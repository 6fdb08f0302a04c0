#!/bin/bash
# `make install` to a prefix gives usable libraries: headers under
# include/medsec/ (device) and include/medsec-tools/ (tools), static and
# shared libraries, medsec.pc and medsec-tools.pc, the tool, which runs
# from there.
set -u
: "${MEDSEC_BINARY_DIR:?}"
work=$(mktemp -d /tmp/medsec-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }
install_prefix() {
	cmake --install "$MEDSEC_BINARY_DIR" --prefix "$work/prefix" >/dev/null || die "install failed"
	export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
}
# A sanitizer build's library needs the sanitizer runtime linked first.
sanitizer_flags() {
	if grep -q '^MEDSEC_SANITIZE:BOOL=ON' "$MEDSEC_BINARY_DIR/CMakeCache.txt"; then
		echo "-fsanitize=address,undefined"
	fi
}

test_install_to_prefix_builds_a_program() {
	install_prefix
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
	san=$(sanitizer_flags)
	cc $san -o "$work/prog-shared" "$work/prog.c" $(pkg-config --cflags --libs medsec) || die "build against the shared library failed"
	LD_LIBRARY_PATH="$work/prefix/lib" "$work/prog-shared" >"$work/out" || die "shared program failed"
	grep -q "below the 112-bit minimum" "$work/out" || die "unexpected output: $(cat "$work/out")"
	cc $san -o "$work/prog-static" "$work/prog.c" $(pkg-config --cflags medsec) \
	    "$work/prefix/lib/libmedsec.a" $(pkg-config --libs --static medsec | sed 's/-lmedsec//') || die "static build failed"
	"$work/prog-static" >/dev/null || die "static program failed"
}

# Every public header stands alone, in C11 and in C++ (extern "C").
test_install_every_header_compiles_alone() {
	install_prefix
	n=0
	for h in "$work"/prefix/include/medsec/*.h "$work"/prefix/include/medsec-tools/*.h; do
		name=$(basename "$(dirname "$h")")/$(basename "$h")
		printf '#include <%s>\nint main(void) { return 0; }\n' "$name" >"$work/one.c"
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

# The installed tool finds its libraries beside it ($ORIGIN/../lib), not
# in the build tree and not through LD_LIBRARY_PATH, and provisions a
# device from there.
test_install_cli_runs_from_prefix() {
	install_prefix
	for f in lib/libmedsec-tools.a lib/pkgconfig/medsec-tools.pc \
	    include/medsec-tools/compliance.h include/medsec-tools/credscan.h; do
		[ -e "$work/prefix/$f" ] || die "missing $f"
	done
	ls "$work/prefix"/lib/libmedsec-tools.so.* >/dev/null 2>&1 || die "no shared tools library"
	readelf -d "$work/prefix/bin/medsec" | grep -q 'R.*PATH.*\$ORIGIN/\.\./lib' ||
	    die "installed medsec has no \$ORIGIN run path: $(readelf -d "$work/prefix/bin/medsec" | grep PATH)"
	env -u LD_LIBRARY_PATH ldd "$work/prefix/bin/medsec" >"$work/ldd" || die "ldd failed"
	for lib in libmedsec.so.0 libmedsec-tools.so.0; do
		grep -q "$lib => $work/prefix/\(bin/\.\./\)\?lib/$lib" "$work/ldd" ||
		    die "$lib not taken from the prefix: $(grep medsec "$work/ldd")"
	done
	env -u LD_LIBRARY_PATH "$work/prefix/bin/medsec" init --state "$work/dev" \
	    --device-id install-test-01 >"$work/init.out" 2>&1 || die "installed medsec init failed: $(cat "$work/init.out")"
	env -u LD_LIBRARY_PATH "$work/prefix/bin/medsec" classify \
	    "$MEDSEC_SOURCE_DIR/examples/glucose-meter-app.ini" >"$work/classify.out" 2>&1 ||
	    die "installed medsec classify failed: $(cat "$work/classify.out")"
	grep -q '^level: ' "$work/classify.out" || die "classify said: $(cat "$work/classify.out")"
}

# examples/minimal-device builds from the installed files alone with
# `pkg-config medsec`, links only the device library, and checks a trail:
# intact as provisioned, tampered (named) after one bit flips.
test_install_minimal_device_program_checks_a_trail() {
	install_prefix
	cp -r "$MEDSEC_SOURCE_DIR/examples/minimal-device" "$work/example"
	san=$(sanitizer_flags)
	make -s -C "$work/example" CFLAGS="-O2 -Wall -Wextra -Werror $san" \
	    LDFLAGS="$san" >"$work/make.out" 2>&1 || die "example build failed: $(cat "$work/make.out")"
	prog=$work/example/trail-check
	readelf -d "$prog" | grep NEEDED >"$work/needed"
	grep -q 'libmedsec\.so\.0' "$work/needed" || die "example does not link libmedsec: $(cat "$work/needed")"
	if grep -q 'medsec-tools' "$work/needed"; then die "example links the tools library"; fi
	"$work/prefix/bin/medsec" init --state "$work/dev" --device-id install-test-02 \
	    >"$work/init.out" 2>&1 || die "init failed: $(cat "$work/init.out")"
	LD_LIBRARY_PATH="$work/prefix/lib" "$prog" "$work/dev/audit" "$work/dev/audit-verifier.key" \
	    >"$work/ok.out" 2>&1 || die "an intact trail was refused: $(cat "$work/ok.out")"
	grep -Eq 'intact: [1-9][0-9]* records, [0-9]+ checkpoints, MACs checked' "$work/ok.out" ||
	    die "unexpected verdict: $(cat "$work/ok.out")"
	seg=$(ls "$work/dev/audit"/seg-*.log | head -1)
	python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[-40]^=1; open(p,'wb').write(b)" "$seg"
	LD_LIBRARY_PATH="$work/prefix/lib" "$prog" "$work/dev/audit" "$work/dev/audit-verifier.key" \
	    >"$work/bad.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || die "a tampered trail gave exit $rc: $(cat "$work/bad.out")"
	grep -q 'TAMPERED (.*) at record [0-9]' "$work/bad.out" || die "tampering not named: $(cat "$work/bad.out")"
	LD_LIBRARY_PATH="$work/prefix/lib" "$prog" "$work/dev/audit" "$work/nonexistent.key" \
	    >"$work/nokey.out" 2>&1
	rc=$?
	[ $rc -eq 2 ] || die "a missing verifier key gave exit $rc"
	grep -q "$work/nonexistent.key: cannot read the verifier key" "$work/nokey.out" ||
	    die "missing key not named: $(cat "$work/nokey.out")"
}

# A manufacturer's program uses the tools library through
# `pkg-config medsec-tools`, which brings the device library along.
test_install_tools_program_builds_with_pkg_config() {
	install_prefix
	cat >"$work/tools.c" <<'C'
#include <stdio.h>
#include <medsec-tools/compliance.h>
#include <medsec/err.h>
int main(void)
{
	struct medsec_catalog *cat;
	struct medsec_config_error err;
	const struct medsec_requirement *item;
	if (medsec_catalog_builtin(NULL, &cat, &err) != MEDSEC_OK)
		return 1;
	item = medsec_catalog_find(cat, "2.1");
	if (item == NULL || medsec_catalog_count(cat) < 20)
		return 2;
	printf("%s: %zu items\n", medsec_catalog_name(cat), medsec_catalog_count(cat));
	medsec_catalog_free(cat);
	return 0;
}
C
	san=$(sanitizer_flags)
	cc $san -std=c11 -Wall -Wextra -Werror -o "$work/tools" "$work/tools.c" \
	    $(pkg-config --cflags --libs medsec-tools) || die "build against the tools library failed"
	pkg-config --libs medsec-tools | grep -q -- '-lmedsec-tools.*-lmedsec' ||
	    die "medsec-tools.pc does not bring the device library: $(pkg-config --libs medsec-tools)"
	LD_LIBRARY_PATH="$work/prefix/lib" "$work/tools" >"$work/tools.out" || die "tools program failed"
	grep -Eq '^mfds-[a-z0-9-]+: [0-9]+ items$' "$work/tools.out" || die "unexpected output: $(cat "$work/tools.out")"
	# Statically, the helpers the tools library shares with the device
	# library (INI reader, UTF-8, I/O) come from libmedsec.a.
	cc $san -std=c11 -o "$work/tools-static" "$work/tools.c" $(pkg-config --cflags medsec-tools) \
	    "$work/prefix/lib/libmedsec-tools.a" "$work/prefix/lib/libmedsec.a" \
	    $(pkg-config --libs --static medsec-tools | sed 's/-lmedsec-tools//; s/-lmedsec//') ||
	    die "static build against the tools library failed"
	"$work/tools-static" >"$work/tools-static.out" || die "static tools program failed"
	cmp -s "$work/tools.out" "$work/tools-static.out" || die "static and shared programs disagree"
}

"$1"
