# Sourced by the daemon tests (daemon_lib.sh, daemon_attacks.sh): a device
# provisioned once per test file and configuration, copied for each test.
# Not a test by itself.
#
# Provisioning a device for a daemon test (medsec init, the users, the
# peers, a PKI, update trust) costs seconds of Argon2id and key generation,
# and is the same for every test of a file. The first test to need it
# provisions as before, in its own work directory, then publishes what it
# made into a template under the build directory; later tests copy the
# template into their own work directory instead. Each test still has its
# own copy, configuration, ports and daemon, so tests stay independent,
# and a test that changes its device changes only its copy.
#
# A template is named by a digest of all that provisioning depends on: the
# test file, this library and daemon_lib.sh, the configuration file (the
# work directory and port numbers taken out: they differ per test and
# provisioning does not depend on them), the extra inputs the caller
# names, and the medsec programs and libraries (size and time), so a
# rebuild or an edit provisions afresh. MEDSEC_FRESH_DEVICE=1 provisions
# every test afresh.
#
# Needs: $work, $conf, $MEDSEC, $MEDSEC_BINARY_DIR, die().

# The template's digest: the configuration and the files provisioning
# depends on, then the caller's extra inputs ($@).
template_digest() {
	local here lib
	here=$(dirname "${BASH_SOURCE[0]}")
	{
		sed -e "s|$work|@WORK@|g" -e 's/\(127\.0\.0\.1:\)[0-9][0-9]*/\1@PORT@/g' "$conf"
		cat "$0" "$here/provision_once.sh" "$here/daemon_lib.sh"
		for lib in "$MEDSEC" "$MEDSEC_BINARY_DIR"/bin/medsecd \
		    "$MEDSEC_BINARY_DIR"/lib/libmedsec.so.0 \
		    "$MEDSEC_BINARY_DIR"/lib/libmedsec-tools.so.0; do
			[ -e "$lib" ] && stat -L -c '%n %s %Y' "$lib"
		done
		printf '%s\n' "$@"
	} | sha256sum | cut -c1-32
}

# provision_once "ITEM..." FUNCTION [INPUT...]: the ITEMs (paths relative
# to $work that FUNCTION makes) copied from the template, or FUNCTION run
# and the ITEMs it made published as the template. INPUTs are what
# FUNCTION depends on besides the configuration and the files above (a
# device id, say).
provision_once() {
	local items=$1 fn=$2 root tpl tmp item
	shift 2
	if [ -n "${MEDSEC_FRESH_DEVICE:-}" ]; then
		"$fn"
		return
	fi
	root=$MEDSEC_BINARY_DIR/test-devices
	mkdir -p "$root" || die "cannot make $root"
	tpl=$root/$(basename "$0" .sh)-$(template_digest "$@")
	if [ -f "$tpl/.complete" ]; then
		for item in $items; do
			cp -a "$tpl/$item" "$work/$item" || die "cannot copy $tpl/$item"
		done
		return
	fi
	"$fn"
	# Published whole or not at all: a copy in a directory of its own,
	# renamed into place; a test that loses the race to another keeps
	# its own device and drops its copy.
	tmp=$(mktemp -d "$root/.new-XXXXXX") || die "cannot make a directory in $root"
	for item in $items; do
		cp -a "$work/$item" "$tmp/$item" || die "cannot copy $work/$item"
	done
	: >"$tmp/.complete"
	chmod 755 "$tmp"
	mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp"
}
