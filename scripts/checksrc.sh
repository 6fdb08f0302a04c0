#!/bin/sh
# Mechanical source checks, run by `make check`. Each offence is printed
# as file:line: and the rule it breaks; the exit status is non-zero if
# there is any.
#
# Style: banned functions, memcmp in crypto-sensitive code, trailing
# whitespace.
#
# The dependency map (docs: ARCHITECTURE.md, "Layout"):
#   - each third-party header lives in its home module: OpenSSL and
#     libsodium in src/lib/crypto (libssl's openssl/ssl.h and the error
#     queue's openssl/err.h also in src/lib/channel), SQLite in src/lib/db, inih in src/lib/core/ini.c,
#     libevent in src/lib/channel and src/daemon, jansson only in the
#     files below where JSON is the format itself;
#   - a module's internal header (*_int.h) is included only inside it;
#   - the CLI is a program like any other: public headers (medsec/,
#     medsec-tools/), its own cli*.h, and io/io.h, which it compiles in;
#   - the tools library (src/tools) takes from src/lib only the helpers
#     it compiles into itself (CMakeLists.txt, MEDSEC_TOOLS_HELPERS);
#   - public headers include only public headers, and the device
#     library's never the tools library's;
#   - every function declared in include/ carries MEDSEC_API;
#   - the device library never writes to the terminal (no printf, puts,
#     perror, stdout, stderr in src/lib): it returns errors and logs
#     through the log sink. The tools library writes reports to the FILE
#     it is given.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0

# Files where JSON is the format itself: audit record codec and exports,
# integrity manifests and reports, update manifests and trust files, the
# compliance catalog and reports, and the CLI's SARIF and submission
# manifest. A module that only needs to build an audit record's details
# uses the typed detail builder of include/medsec/audit.h instead.
jansson_files='
src/cli/cmd_report.c
src/daemon/api.c
src/daemon/http.h
src/daemon/monitor_api.c
src/daemon/monitor_ctl.c
src/daemon/ctl_request.c
src/cli/cli_ctl.c
src/daemon/monitor_audit.c
src/daemon/monitor_control.c
src/daemon/monitor_peer.c
src/daemon/monitor_integrity.c
src/daemon/monitor_patients.c
src/daemon/monitor_updates.c
src/daemon/uplink_fhir.c
src/cli/cmd_scan.c
src/lib/audit/audit_codec.c
src/lib/audit/audit_export_json.c
src/lib/integrity/integrity_verify.c
src/lib/update/update_int.h
src/lib/update/update_manifest.c
src/lib/update/update_trust.c
src/tools/compliance/catalog.c
src/tools/compliance/classify.c
src/tools/compliance/report.c
src/tools/compliance/report_checklist.c
src/tools/compliance/report_evidence.c
src/tools/compliance/report_int.h
src/tools/compliance/report_risk.c
src/tools/compliance/report_trace.c
src/tools/compliance/report_admin.c
src/tools/compliance/report_vv.c
src/tools/compliance/report_production.c
src/tools/compliance/report_mds2.c
src/tools/sbom/sbom_json.c
src/tools/vuln/osv.c
src/tools/vuln/vex.c
src/tools/vuln/sbom_read.c
src/tools/incident/incident_notice.c
src/tools/incident/incident_csaf.c
src/tools/decommission/certificate.c
'

# The src/lib sources src/tools compiles into libmedsec-tools, by header.
tools_helpers='core/ini.h core/utf8.h io/io.h'

lib_modules=$(cd src/lib && ls -d */ 2>/dev/null | tr -d / | tr '\n' ' ')
tools_modules=$(cd src/tools 2>/dev/null && ls -d */ 2>/dev/null | tr -d / | tr '\n' ' ' || true)

sources=$(find src include -name '*.[ch]' | LC_ALL=C sort)
lib_sources=$(find src/lib -name '*.[ch]' | LC_ALL=C sort)
headers=$(find include -name '*.h' | LC_ALL=C sort)

banned='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi|atol|gets|sscanf|alloca|rand)[[:space:]]*\('
if grep -nE "$banned" src/lib/*/*.c src/tools/*/*.c src/cli/*.c 2>/dev/null; then
	echo "checksrc: banned function used (see above)" >&2
	status=1
fi
if grep -nE '\bmemcmp[[:space:]]*\(' src/lib/crypto/*.c src/lib/keystore/*.c 2>/dev/null; then
	echo "checksrc: memcmp in a crypto module; use medsec_ct_equal" >&2
	status=1
fi
if grep -nE '[[:space:]]+$' $sources 2>/dev/null; then
	echo "checksrc: trailing whitespace" >&2
	status=1
fi

# Every #include as "file:line:<name>" or "file:line:\"name\"".
includes() {
	awk '/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
		s = $0
		sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
		q = substr(s, 1, 1)
		close_q = (q == "<") ? ">" : "\""
		s = substr(s, 2)
		n = index(s, close_q)
		if (n > 0)
			print FILENAME ":" FNR ":" q substr(s, 1, n - 1)
	}' "$@"
}

# The map, one line per offending include.
check_includes() {
	includes $sources | awk -v jansson="$jansson_files" \
	    -v helpers="$tools_helpers" -v libmods="$lib_modules" \
	    -v toolmods="$tools_modules" '
	BEGIN {
		n = split(jansson, a, /[ \t\n]+/)
		for (i = 1; i <= n; i++)
			if (a[i] != "")
				json_ok[a[i]] = 1
		n = split(helpers, a, / /)
		for (i = 1; i <= n; i++)
			helper[a[i]] = 1
		n = split(libmods, a, / /)
		for (i = 1; i <= n; i++)
			if (a[i] != "")
				libmod[a[i]] = 1
		n = split(toolmods, a, / /)
		for (i = 1; i <= n; i++)
			if (a[i] != "")
				toolmod[a[i]] = 1
	}
	function bad(rule) {
		print file ":" line ": " kind name kclose ": " rule
	}
	function under(prefix) {
		return substr(file, 1, length(prefix)) == prefix
	}
	{
		# file:line:<name>; names have no colon.
		i = index($0, ":")
		file = substr($0, 1, i - 1)
		rest = substr($0, i + 1)
		i = index(rest, ":")
		line = substr(rest, 1, i - 1)
		kind = substr(rest, i + 1, 1)
		name = substr(rest, i + 2)
		kclose = (kind == "<") ? ">" : "\""
		first = name
		sub(/\/.*/, "", first)
		split(file, p, "/")
		module = (p[2] == "lib" || p[2] == "tools") ? p[3] : p[2]

		if (kind == "<") {
			if (first == "openssl" && !under("src/lib/crypto/") &&
			    !(under("src/lib/channel/") && (name == "openssl/ssl.h" ||
			    name == "openssl/err.h")))
				bad("OpenSSL only in src/lib/crypto (libssl: openssl/ssl.h and its errors, openssl/err.h, also in src/lib/channel)")
			if ((name == "sodium.h" || first == "sodium") &&
			    !under("src/lib/crypto/"))
				bad("libsodium only in src/lib/crypto")
			if (name == "sqlite3.h" && !under("src/lib/db/"))
				bad("SQLite only in src/lib/db")
			if (name == "ini.h" && file != "src/lib/core/ini.c")
				bad("inih only in src/lib/core/ini.c")
			if (name == "jansson.h" && !(file in json_ok))
				bad("jansson only where JSON is the format (list in scripts/checksrc.sh)")
			if (first == "event2" && !under("src/lib/channel/") &&
			    !under("src/daemon/"))
				bad("libevent only in src/lib/channel and src/daemon")
		}
		if (name ~ /_int\.h$/ && index(name, "/") > 0 && first != module)
			bad("internal header of module " first " included outside it")
		if (under("src/cli/")) {
			if (kind == "\"" && name !~ /^cli[a-z_]*\.h$/ &&
			    name != "io/io.h" && first != "medsec" &&
			    first != "medsec-tools")
				bad("the CLI includes public headers, cli*.h and io/io.h only")
			if (kind == "<" && (first in libmod || first in toolmod))
				bad("the CLI includes public headers, cli*.h and io/io.h only")
		}
		if (under("src/tools/") && (first in libmod) && !(name in helper))
			bad("src/tools takes from src/lib only the helpers it compiles in (" helpers ")")
		if (under("include/")) {
			if (first != "medsec" && first != "medsec-tools" &&
			    (kind == "\"" || first in libmod || first in toolmod))
				bad("a public header includes public headers only")
			if (under("include/medsec/") && first == "medsec-tools")
				bad("the device library does not depend on the tools library")
		}
	}'
}

# Declarations in include/ without MEDSEC_API: each statement at file
# scope is gathered (comments, preprocessor lines and brace bodies left
# out) and one with a parameter list must start with MEDSEC_API.
check_api_macro() {
	awk '
	function flush() {
		if (stmt ~ /\(/ && stmt !~ /^[ \t]*(typedef|static)[ \t]/ &&
		    stmt !~ /^[ \t]*MEDSEC_API([ \t]|$)/) {
			gsub(/[ \t]+/, " ", stmt)
			print FILENAME ":" start ": declaration without MEDSEC_API: " substr(stmt, 1, 60)
		}
		stmt = ""
		start = 0
	}
	FNR == 1 { stmt = ""; depth = 0; incomment = 0; cont = 0 }
	{
		s = $0
		# Preprocessor lines, with their continuations.
		if (cont || (!incomment && s ~ /^[ \t]*#/)) {
			cont = (s ~ /\\$/)
			next
		}
		out = ""
		while (s != "") {
			if (incomment) {
				i = index(s, "*/")
				if (i == 0) { s = ""; break }
				s = substr(s, i + 2)
				incomment = 0
				continue
			}
			i = index(s, "/*")
			j = index(s, "//")
			if (j > 0 && (i == 0 || j < i)) { out = out substr(s, 1, j - 1); s = ""; break }
			if (i == 0) { out = out s; s = ""; break }
			out = out substr(s, 1, i - 1) " "
			s = substr(s, i + 2)
			incomment = 1
		}
		if (out ~ /^[ \t]*extern[ \t]+"C"[ \t]*\{/)
			next
		for (k = 1; k <= length(out); k++) {
			c = substr(out, k, 1)
			if (c == "{") { depth++; continue }
			if (c == "}") {
				# The lone brace closing extern "C".
				if (depth > 0)
					depth--
				continue
			}
			if (depth > 0)
				continue
			if (c == ";") { flush(); continue }
			if (stmt == "" && c ~ /[ \t]/)
				continue
			if (stmt == "")
				start = FNR
			stmt = stmt c
		}
		if (stmt != "" && depth == 0)
			stmt = stmt " "
	}' "$@"
}

# The device library never writes to the terminal. Comments and string
# literals are blanked first, so a message or a format attribute
# (format(printf, 2, 3)) does not count.
check_no_terminal_output() {
	awk '
	FNR == 1 { incomment = 0 }
	{
		s = $0
		out = ""
		while (s != "") {
			if (incomment) {
				i = index(s, "*/")
				if (i == 0) { s = ""; break }
				s = substr(s, i + 2)
				incomment = 0
				continue
			}
			i = index(s, "/*")
			if (i == 0) { out = out s; break }
			out = out substr(s, 1, i - 1) " "
			s = substr(s, i + 2)
			incomment = 1
		}
		gsub(/\\./, "", out)
		gsub(/"[^"]*"/, "\"\"", out)
		gsub(/\047[^\047]*\047/, "0", out)
		if (out ~ /(^|[^A-Za-z0-9_])(printf|vprintf|fprintf|vfprintf|dprintf|puts|putchar|perror)[ \t]*\(/ ||
		    out ~ /(^|[^A-Za-z0-9_])(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)([^A-Za-z0-9_]|$)/)
			print FILENAME ":" FNR ": the device library writes to the terminal; return an error or log through the log sink"
	}' "$@"
}

report() {
	if [ -s "$1" ]; then
		cat "$1" >&2
		echo "checksrc: $2 (see above)" >&2
		status=1
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_includes >"$tmp/includes"
report "$tmp/includes" "dependency map broken"
check_api_macro $headers >"$tmp/api"
report "$tmp/api" "public declaration without MEDSEC_API"
check_no_terminal_output $lib_sources >"$tmp/terminal"
report "$tmp/terminal" "terminal output in the device library"

# An allow-list entry whose file no longer uses jansson is stale: say so,
# so the list stays exactly the files that need it.
for f in $jansson_files; do
	if [ ! -e "$f" ] || ! grep -q '#[[:space:]]*include[[:space:]]*<jansson\.h>' "$f"; then
		echo "checksrc: note: $f is on the jansson list but does not include it; remove it from the list" >&2
	fi
done

[ $status -eq 0 ] && echo "checksrc: ok"
exit $status
