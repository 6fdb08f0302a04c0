# Attacks against an HTTPS daemon on loopback, one function per row of the
# T (TLS) and H (flood) catalog in TESTING.md, plus F3 (smuggling) and the
# hydra login attack. Source this file from bash:
#
#   . tests/attacks/daemon/lib.sh
#   attack_t1_downgrade 127.0.0.1 8443 pki/ca.pem || die
#
# Each function is bounded in time, writes the tool's raw output under
# $MEDSEC_ATTACK_RESULTS/<tool>/ (default $MEDSEC_BINARY_DIR/attack-results,
# else build/attack-results), prints one line "PASS <row>: ..." or
# "FAIL <row>: <what was checked and why it failed>" and returns 0 or 1.
# $MEDSEC_ATTACK_TAG, when set, is added to the result file names so two
# runs of one attack (say against two servers) do not overwrite each other.
#
# Knobs (environment):
#   MEDSEC_ATTACK_SNI      name the server certificate is checked against (localhost)
#   MEDSEC_ATTACK_CA       CA file for curl-based probes (else they skip verification)
#   MEDSEC_ATTACK_PIDS     PIDs whose RSS and descriptors must stay bounded (space-separated)
#   MEDSEC_ATTACK_PATH     path requested over an accepted connection (/v1/health)
#   MEDSEC_ATTACK_WRK_SECONDS, MEDSEC_ATTACK_WRK_CONNECTIONS   H1 load (20, 200)
#   MEDSEC_ATTACK_SLOW_SECONDS, MEDSEC_ATTACK_SLOW_CONNECTIONS slowhttptest (60, 500)
#   MEDSEC_ATTACK_RSS_SLACK_KIB  allowed RSS growth during a flood (65536)
#   MEDSEC_ATTACK_FD_SLACK       allowed descriptor growth once a flood ended (8)
#   MEDSEC_ATTACK_TESTSSL_CHECKS testssl's checks for T8 (-p -S -U)

MEDSEC_ATTACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MEDSEC_ATTACK_RESULTS:=${MEDSEC_BINARY_DIR:-build}/attack-results}"
: "${MEDSEC_ATTACK_SNI:=localhost}"
: "${MEDSEC_ATTACK_PATH:=/v1/health}"
# Debian's interpreter when there is one: a version manager's shim can take
# seconds to start, which would distort the timing-sensitive helpers.
if [ -z "${MEDSEC_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then MEDSEC_PYTHON=/usr/bin/python3; else MEDSEC_PYTHON=python3; fi
fi

# ---- plumbing ----

# The path prefix of one attack's raw output: $MEDSEC_ATTACK_RESULTS/TOOL/NAME[-TAG]
_ma_out() {
	mkdir -p "$MEDSEC_ATTACK_RESULTS/$1" || return 1
	echo "$MEDSEC_ATTACK_RESULTS/$1/$2${MEDSEC_ATTACK_TAG:+-$MEDSEC_ATTACK_TAG}"
}

_ma_pass() { echo "PASS $1: $2"; return 0; }
_ma_fail() { echo "FAIL $1: $2"; return 1; }

_ma_need() { # tool...
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "attack harness: $t not installed" >&2; return 1; }
	done
}

_ma_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
_ma_fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# Sum of RSS (KiB) and of open descriptors over $MEDSEC_ATTACK_PIDS: "rss fds"
_ma_usage() {
	local p rss=0 fds=0
	for p in ${MEDSEC_ATTACK_PIDS:-}; do
		rss=$((rss + $(_ma_rss_kib "$p")))
		fds=$((fds + $(_ma_fds "$p")))
	done
	echo "$rss $fds"
}

_ma_alive() { # true when every PID of $MEDSEC_ATTACK_PIDS still runs
	local p
	for p in ${MEDSEC_ATTACK_PIDS:-}; do
		kill -0 "$p" 2>/dev/null || return 1
	done
}

# A sampler in the background: one "epoch_ms rss fds" line per 200 ms into $1
# until the returned PID is killed.
_ma_sampler_start() {
	(
		while :; do
			echo "$(date +%s%3N) $(_ma_usage)"
			sleep 0.2
		done
	) >"$1" 2>/dev/null &
	echo $!
}

_ma_sampler_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }

# "peak_rss peak_fds" of a sample file
_ma_peaks() { awk 'BEGIN{r=0;f=0} {if ($2>r) r=$2; if ($3>f) f=$3} END{print r, f}' "$1"; }

# The resource part shared by the flood attacks: RSS peak within the slack of
# the baseline, descriptors back within their slack once the flood is over,
# every watched process alive. Prints the reason and returns 1 when not.
_ma_check_usage() { # base_rss base_fds samples
	local slack_rss=${MEDSEC_ATTACK_RSS_SLACK_KIB:-65536} slack_fd=${MEDSEC_ATTACK_FD_SLACK:-8}
	local peak_rss peak_fds now_fds
	[ -n "${MEDSEC_ATTACK_PIDS:-}" ] || { echo "no PID watched"; return 0; }
	_ma_alive || { echo "a watched process (${MEDSEC_ATTACK_PIDS}) died"; return 1; }
	read -r peak_rss peak_fds < <(_ma_peaks "$3")
	# Give the server its timeouts to let go of what the attack left behind.
	for _ in $(seq 1 20); do
		read -r _ now_fds < <(_ma_usage)
		[ "$now_fds" -le $(($2 + slack_fd)) ] && break
		sleep 0.5
	done
	echo "RSS ${1}->${peak_rss} KiB peak, fds ${2}->${peak_fds} peak->${now_fds} after"
	if [ "$peak_rss" -gt $(($1 + slack_rss)) ]; then
		echo "RSS grew by $((peak_rss - $1)) KiB (> ${slack_rss})"
		return 1
	fi
	if [ "$now_fds" -gt $(($2 + slack_fd)) ]; then
		echo "descriptors still ${now_fds} after the flood (baseline $2, slack ${slack_fd})"
		return 1
	fi
	return 0
}

# curl options for probes: verified against $MEDSEC_ATTACK_CA when given.
_ma_curl_tls() {
	if [ -n "${MEDSEC_ATTACK_CA:-}" ]; then
		echo "--cacert $MEDSEC_ATTACK_CA"
	else
		echo "--insecure"
	fi
}

# The probe shared by several attacks: one GET from SOURCE; prints
# "HTTP_CODE MILLISECONDS"; code 000 when no answer within 5 s.
_ma_probe_url() { # url [source]
	# shellcheck disable=SC2046
	curl -s -o /dev/null --max-time 5 $(_ma_curl_tls) ${2:+--interface "$2"} \
	    -w '%{http_code} %{time_total}\n' "$1" 2>/dev/null |
	    awk '{printf "%s %d\n", $1, $2 * 1000}' || echo "000 5000"
}

# One TLS connection with openssl s_client sending an HTTP request: the raw
# transcript goes to FILE. Extra s_client options follow.
_ma_s_client() { # file host port ca request [options...]
	local file=$1 host=$2 port=$3 ca=$4 req=$5
	shift 5
	# With no request, s_client ends at the end of its input, after the
	# handshake; with one, it waits for the server to answer and close.
	[ -z "$req" ] || set -- -ign_eof "$@"
	# The request follows the handshake after a pause: in TLS 1.3 the
	# server judges the client's certificate after its own Finished, and a
	# request already in its receive buffer when it closes on the refusal
	# turns the close into a reset that can overtake the alert.
	{ [ -z "$req" ] || sleep "${MEDSEC_ATTACK_REQUEST_PAUSE:-0.5}"; printf '%b' "$req"; } |
	    timeout "${MEDSEC_ATTACK_TLS_SECONDS:-10}" openssl s_client \
	    -connect "$host:$port" -servername "$MEDSEC_ATTACK_SNI" \
	    -verify_hostname "$MEDSEC_ATTACK_SNI" -CAfile "$ca" "$@" >"$file" 2>&1
	echo "exit status $?" >>"$file"
}

# The TLS alert a transcript ended with: "116 certificate required", or "none".
_ma_alert() {
	local n text
	n=$(grep -o 'SSL alert number [0-9]*' "$1" | head -1 | awk '{print $4}')
	text=$(grep -o 'alert [a-z ]*' "$1" | head -1 | sed 's/^alert //; s/ *$//')
	if [ -n "$n" ]; then
		echo "$n $text"
	else
		echo "none"
	fi
}

# s_client prints the peer's bytes straight after its own session report,
# so a status line need not start a line.
_ma_http_answered() { grep -q 'HTTP/1\.[01] [0-9][0-9][0-9]' "$1"; }

# ---- T1: protocol downgrade ----

# TLS 1.1 and 1.2 ClientHellos are refused with a protocol_version alert
# (70); a TLS 1.3 handshake completes and verifies against CA.
attack_t1_downgrade() { # host port ca
	local host=$1 port=$2 ca=$3 out v alert why=""
	_ma_need openssl || return 1
	out=$(_ma_out openssl t1-downgrade) || return 1
	for v in tls1_1 tls1_2; do
		# SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.1 otherwise.
		_ma_s_client "$out.$v.txt" "$host" "$port" "$ca" '' "-$v" -cipher 'DEFAULT:@SECLEVEL=0'
		if grep -q '^New, TLSv1\.[0-2]\|Protocol *: TLSv1\.[0-2]' "$out.$v.txt" &&
		    ! grep -q 'Cipher is (NONE)' "$out.$v.txt"; then
			why="$why; ${v/tls1_/TLS 1.} handshake completed"
			continue
		fi
		alert=$(_ma_alert "$out.$v.txt")
		[ "${alert%% *}" = 70 ] || why="$why; ${v/tls1_/TLS 1.} refused without a protocol_version alert (alert: $alert)"
	done
	_ma_s_client "$out.tls1_3.txt" "$host" "$port" "$ca" '' -tls1_3 -verify_return_error
	if ! grep -q '^New, TLSv1\.3' "$out.tls1_3.txt" ||
	    ! grep -q 'Verify return code: 0 (ok)' "$out.tls1_3.txt"; then
		why="$why; no verified TLS 1.3 handshake ($(_ma_alert "$out.tls1_3.txt"))"
	fi
	[ -z "$why" ] || _ma_fail T1 "downgrade on $host:$port${why} (see $out.*.txt)" || return 1
	_ma_pass T1 "$host:$port refuses TLS 1.1 and 1.2 with alert 70 protocol_version; TLS 1.3 verified"
}

# ---- T2..T7: client certificates on a mutual-TLS port ----

# Each bad certificate is refused during the handshake (no HTTP answer, a TLS
# alert); no certificate gives alert 116 certificate_required; another CA's
# or a self-signed one gives 48 unknown_ca; the good one gets an HTTP answer
# (with EXPECT_STATUS when given: T7, authenticated but not authorised).
attack_t2_t7_client_certs() { # host port ca pkidir [path [expect_status]]
	local host=$1 port=$2 ca=$3 pki=$4 path=${5:-$MEDSEC_ATTACK_PATH} expect=${6:-}
	local out req name alert why="" seen=""
	_ma_need openssl || return 1
	out=$(_ma_out openssl t2-t7-client-certs) || return 1
	req="GET $path HTTP/1.1\r\nHost: $MEDSEC_ATTACK_SNI\r\nConnection: close\r\n\r\n"
	# name  required alert (empty: any alert)  row
	while read -r name want row; do
		if [ "$name" = none ]; then
			_ma_s_client "$out.$name.txt" "$host" "$port" "$ca" "$req" -tls1_3
		else
			_ma_s_client "$out.$name.txt" "$host" "$port" "$ca" "$req" -tls1_3 \
			    -cert "$pki/client-$name.pem" -key "$pki/client-$name.key"
		fi
		alert=$(_ma_alert "$out.$name.txt")
		if _ma_http_answered "$out.$name.txt"; then
			why="$why; $row $name certificate accepted (HTTP answer)"
		elif [ "$alert" = none ]; then
			why="$why; $row $name: no HTTP answer but no TLS alert either"
		elif [ "$want" != any ] && [ "${alert%% *}" != "$want" ]; then
			why="$why; $row $name refused with alert $alert, expected $want"
		fi
		seen="$seen $name=${alert%% *}"
	done <<-EOF
		none 116 T2
		otherca 48 T3
		selfsigned 48 T3
		expired any T4
		notyet any T4
		serveronly any T6
		revoked any T5
	EOF
	_ma_s_client "$out.good.txt" "$host" "$port" "$ca" "$req" -tls1_3 \
	    -cert "$pki/client-good.pem" -key "$pki/client-good.key"
	if ! _ma_http_answered "$out.good.txt"; then
		why="$why; T7 good certificate not served ($(_ma_alert "$out.good.txt"))"
	elif [ -n "$expect" ] && ! grep -q "HTTP/1\.[01] $expect" "$out.good.txt"; then
		why="$why; T7 good certificate on $path: $(grep -o -m1 'HTTP/1\.[01] [0-9]*' "$out.good.txt"), expected $expect"
	fi
	[ -z "$why" ] || _ma_fail T2-T7 "client certificates on $host:$port${why} (see $out.*.txt)" || return 1
	_ma_pass T2-T7 "$host:$port refused every bad client certificate (alerts:$seen) and served the good one"
}

# ---- T8: weak configuration ----

# testssl.sh 3.0.8 -p -S -U: only TLS1_3 offered, no HIGH/CRITICAL finding
# outside ALLOWLIST_FILE (ids, one per line, # comments), exit code 0.
# MEDSEC_ATTACK_TESTSSL_CHECKS replaces -p -S -U (the harness proves the
# verdict with -p -S; -p must stay, the verdict reads its protocol ids).
# testssl runs openssl through testssl_openssl.sh: see there for the race
# in its session-resumption check that it closes.
attack_t8_testssl() { # host port ca allowlist_file
	local host=$1 port=$2 ca=$3 allow=$4 out rc checks
	read -r -a checks <<<"${MEDSEC_ATTACK_TESTSSL_CHECKS:--p -S -U}"
	_ma_need testssl "$MEDSEC_PYTHON" || return 1
	[ -r "$allow" ] || { _ma_fail T8 "testssl: allow-list $allow not readable"; return 1; }
	out=$(_ma_out testssl t8-testssl) || return 1
	# testssl's exit code is the sum of its checks' codes, and a check that
	# times out on a loaded machine returns 1 with no finding: such a run is
	# ambiguous, not a verdict, so it is kept beside the result and run once
	# more.  A finding never triggers the second run: the JSON is judged.
	local attempt
	for attempt in 1 2; do
		rm -f "$out.json"
		timeout 900 testssl --openssl "$MEDSEC_ATTACK_DIR/testssl_openssl.sh" \
		    --ip "$host" --add-ca "$ca" --warnings batch --quiet --color 0 \
		    "${checks[@]}" --jsonfile "$out.json" "https://$MEDSEC_ATTACK_SNI:$port" >"$out.txt" 2>&1
		rc=$?
		echo "$rc" >"$out.rc"
		case $rc in 0 | 124 | 24[2-9]) break ;; esac
		[ "$attempt" = 2 ] && break
		mv "$out.json" "$out.ambiguous.json" 2>/dev/null
		mv "$out.txt" "$out.ambiguous.txt"
	done
	t8_testssl_verdict "$out.json" "$allow" "$rc" "$host:$port"
}

# The verdict on a testssl JSON file, apart from running it, so that one run
# can be judged against two allow-lists.
t8_testssl_verdict() { # json allowlist rc where
	local why
	why=$("$MEDSEC_PYTHON" - "$1" "$2" "$3" <<-'PY'
		import json, sys
		path, allow_path, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
		why = []
		if rc == 124:
		    why.append("testssl hit the time bound")
		elif 242 <= rc <= 249:
		    why.append("testssl tool error (exit %d)" % rc)
		elif rc != 0:
		    why.append("testssl exit code %d (not 0: errors or ambiguous results)" % rc)
		try:
		    with open(path) as f:
		        findings = json.load(f)
		except (OSError, ValueError) as e:
		    print("; ".join(why + ["no readable JSON: %s" % e]))
		    sys.exit(0)
		allowed = set()
		with open(allow_path) as f:
		    for line in f:
		        line = line.split("#", 1)[0].strip()
		        if line:
		            allowed.add(line)
		protocols = {"SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"}
		seen = set()
		for x in findings:
		    fid, sev, text = x.get("id", ""), x.get("severity", ""), x.get("finding", "")
		    if fid in protocols:
		        seen.add(fid)
		        offered = text.startswith("offered")
		        if fid == "TLS1_3" and not offered:
		            why.append("TLS1_3 %s" % text)
		        elif fid != "TLS1_3" and "not offered" not in text:
		            why.append("%s %s" % (fid, text))
		    if sev in ("HIGH", "CRITICAL") and fid not in allowed:
		        why.append("%s %s: %s" % (sev, fid, text))
		if "TLS1_3" not in seen:
		    why.append("no protocol findings (did -p run?)")
		print("; ".join(why))
	PY
	)
	[ -z "$why" ] || _ma_fail T8 "testssl on $4: $why (see $1)" || return 1
	_ma_pass T8 "testssl on $4: only TLS1_3 offered, no HIGH/CRITICAL beyond $(basename "$2"), exit 0"
}

# sslscan 2.0.7: only TLSv1.3 enabled, only SUITES accepted, every key
# exchange group of at least 128-bit strength.
attack_t8_sslscan() { # host port [suites colon-separated]
	local host=$1 port=$2 out why
	local suites=${3:-TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256}
	_ma_need sslscan "$MEDSEC_PYTHON" || return 1
	out=$(_ma_out sslscan t8-sslscan) || return 1
	timeout 120 sslscan --no-colour --show-client-cas --sni-name="$MEDSEC_ATTACK_SNI" \
	    --xml="$out.xml" "$host:$port" >"$out.txt" 2>&1
	why=$("$MEDSEC_PYTHON" - "$out.xml" "$suites" <<-'PY'
		import sys
		import xml.etree.ElementTree as ET
		why = []
		try:
		    root = ET.parse(sys.argv[1]).getroot()
		except (OSError, ET.ParseError) as e:
		    print("no readable XML: %s" % e)
		    sys.exit(0)
		allowed = set(sys.argv[2].split(":"))
		enabled = [p.get("type") + p.get("version") for p in root.iter("protocol") if p.get("enabled") == "1"]
		if enabled != ["tls1.3"]:
		    why.append("protocols enabled: %s" % (",".join(enabled) or "none"))
		for c in root.iter("cipher"):
		    if c.get("sslversion") != "TLSv1.3" or c.get("cipher") not in allowed:
		        why.append("suite %s %s" % (c.get("sslversion"), c.get("cipher")))
		groups = list(root.iter("group"))
		for g in groups:
		    if int(g.get("bits", "0")) < 128:
		        why.append("group %s of %s bits" % (g.get("name"), g.get("bits")))
		if not groups:
		    why.append("no key exchange group reported")
		print("; ".join(why))
	PY
	)
	[ -z "$why" ] || _ma_fail T8 "sslscan on $host:$port: $why (see $out.xml)" || return 1
	_ma_pass T8 "sslscan on $host:$port: only TLSv1.3, only the allowed suites, groups >= 128 bits"
}

# nmap ssl-enum-ciphers: "least strength: A".
attack_t8_nmap_grade() { # host port
	local host=$1 port=$2 out grade
	_ma_need nmap || return 1
	out=$(_ma_out nmap t8-ssl-enum-ciphers) || return 1
	timeout 180 nmap -Pn -n -sT -p "$port" --script ssl-enum-ciphers \
	    -oN "$out.txt" -oX "$out.xml" "$host" >/dev/null 2>&1
	grade=$(sed -n 's/.*least strength: \([A-F]\).*/\1/p' "$out.txt" | head -1)
	[ "$grade" = A ] || _ma_fail T8 "nmap ssl-enum-ciphers on $host:$port: least strength ${grade:-not reported}, expected A (see $out.txt)" || return 1
	_ma_pass T8 "nmap ssl-enum-ciphers on $host:$port: least strength A"
}

# ---- T10: 0-RTT ----

# A resumed TLS 1.3 connection offering early data: the early data is not
# accepted ("Early data was rejected" or "not sent", never "accepted").
attack_t10_0rtt() { # host port ca path
	local host=$1 port=$2 ca=$3 path=$4 out req
	_ma_need openssl || return 1
	out=$(_ma_out openssl t10-0rtt) || return 1
	req="GET $path HTTP/1.1\r\nHost: $MEDSEC_ATTACK_SNI\r\nConnection: close\r\n\r\n"
	rm -f "$out.session.pem"
	_ma_s_client "$out.first.txt" "$host" "$port" "$ca" "$req" -tls1_3 -sess_out "$out.session.pem"
	if [ ! -s "$out.session.pem" ]; then
		_ma_pass T10 "$host:$port issued no resumable session, so no 0-RTT can be offered"
		return 0
	fi
	printf '%b' "$req" >"$out.early.txt"
	_ma_s_client "$out.second.txt" "$host" "$port" "$ca" '' -tls1_3 \
	    -sess_in "$out.session.pem" -early_data "$out.early.txt"
	if grep -q 'Early data was accepted' "$out.second.txt"; then
		_ma_fail T10 "$host:$port accepted 0-RTT early data on a resumed session (see $out.second.txt)"
		return 1
	fi
	if ! grep -q 'Early data was \(rejected\|not sent\)' "$out.second.txt"; then
		_ma_fail T10 "$host:$port: resumption attempt gave no early-data verdict (see $out.second.txt)"
		return 1
	fi
	_ma_pass T10 "$host:$port: $(grep -o 'Early data was [a-z ]*' "$out.second.txt" | head -1)"
}

# ---- T11: stalled handshakes ----

# N TCP connections from 127.0.0.2.. that send nothing or half a
# ClientHello: every one closed by the server within TIMEOUT + 5 s; the probe
# answers meanwhile; descriptors of $MEDSEC_ATTACK_PIDS back to baseline.
attack_t11_stalled_handshakes() { # host port n timeout probe_url
	local host=$1 port=$2 n=$3 timeout=$4 probe=$5 out sampler base stall_pid
	local probes=0 bad=0 code ms why="" usage
	_ma_need "$MEDSEC_PYTHON" curl || return 1
	out=$(_ma_out stall t11-stalled-handshakes) || return 1
	read -r -a base < <(_ma_usage)
	sampler=$(_ma_sampler_start "$out.usage")
	"$MEDSEC_PYTHON" "$MEDSEC_ATTACK_DIR/stall.py" "$host" "$port" "$n" "$((timeout + 5))" >"$out.json" 2>"$out.err" &
	stall_pid=$!
	sleep 1
	: >"$out.probe"
	while kill -0 "$stall_pid" 2>/dev/null; do
		read -r code ms < <(_ma_probe_url "$probe")
		echo "$code $ms" >>"$out.probe"
		probes=$((probes + 1))
		case $code in 2??|3??) ;; *) bad=$((bad + 1)) ;; esac
		sleep 1
	done
	wait "$stall_pid"
	_ma_sampler_stop "$sampler"
	why=$("$MEDSEC_PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
w = []
if r["opened"] + r["refused"] != int(sys.argv[2]):
    w.append("only %d of %s connections attempted" % (r["opened"] + r["refused"], sys.argv[2]))
if r["still_open"]:
    w.append("%d of %d stalled connections still open after %s s" % (r["still_open"], r["opened"], sys.argv[3]))
print("; ".join(w))' "$out.json" "$n" "$((timeout + 5))" 2>&1)
	[ "$probes" -gt 0 ] || why="$why; no probe ran"
	[ "$bad" = 0 ] || why="$why; $bad of $probes probes of $probe not answered"
	usage=$(_ma_check_usage "${base[0]}" "${base[1]}" "$out.usage") || why="$why; $usage"
	[ -z "$why" ] || _ma_fail T11 "stalled handshakes on $host:$port: ${why#; } (see $out.*)" || return 1
	_ma_pass T11 "$n stalled handshakes on $host:$port all closed within ${timeout}+5 s ($("$MEDSEC_PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("last closed after %.1f s" % r["last_close_s"])' "$out.json")); $probes probes answered; $usage"
}

# ---- H1: request flood ----

# wrk floods URL (Bearer TOKEN when not empty); 429s counted in the Lua
# response() hook, each must carry Retry-After; PROBE_CMD (a shell command,
# e.g. curl from another source, that succeeds when served) keeps
# succeeding; RSS and fds of $MEDSEC_ATTACK_PIDS flat.
# The flood runs in rounds of SECONDS each, at most
# MEDSEC_ATTACK_WRK_ROUNDS (3): on a loaded machine the server may answer
# fewer requests in a round than the source's burst and rate allow, so no
# 429 is due yet; the flood then goes on, bounded, until 429s were
# answered. The probe runs throughout every round and must succeed each
# time; the verdict is over all the rounds together.
attack_h1_wrk_flood() { # url token probe_cmd
	local url=$1 token=$2 probe=$3 out sampler base wrk_pid probes=0 bad=0 t0 t1 why="" usage
	local secs=${MEDSEC_ATTACK_WRK_SECONDS:-20} conns=${MEDSEC_ATTACK_WRK_CONNECTIONS:-200}
	local rounds=${MEDSEC_ATTACK_WRK_ROUNDS:-3} round=0
	_ma_need wrk || return 1
	out=$(_ma_out wrk h1-flood) || return 1
	cat >"$out.lua" <<-EOF
		local token = "$token"
		if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
		local threads = {}
		function setup(thread) table.insert(threads, thread) end
		function init(args) counts = {}; retry = 0 end
		function response(status, headers, body)
		  counts[status] = (counts[status] or 0) + 1
		  if status == 429 and (headers["Retry-After"] or headers["retry-after"]) then retry = retry + 1 end
		end
		function done(summary, latency, requests)
		  local total, r = {}, 0
		  for _, t in ipairs(threads) do
		    for s, n in pairs(t:get("counts")) do total[s] = (total[s] or 0) + n end
		    r = r + t:get("retry")
		  end
		  for s, n in pairs(total) do io.write(string.format("status %d %d\n", s, n)) end
		  io.write(string.format("retry_after %d\n", r))
		end
	EOF
	read -r -a base < <(_ma_usage)
	sampler=$(_ma_sampler_start "$out.usage")
	: >"$out.probe"
	: >"$out.txt"
	while [ "$round" -lt "$rounds" ]; do
		round=$((round + 1))
		timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --latency --timeout 5s -s "$out.lua" "$url" >"$out.round$round.txt" 2>&1 &
		wrk_pid=$!
		sleep 1
		while kill -0 "$wrk_pid" 2>/dev/null; do
			t0=$(date +%s%3N)
			if bash -c "$probe" >>"$out.probe.log" 2>&1; then t1=ok; else t1=fail; bad=$((bad + 1)); fi
			echo "$t1 $(($(date +%s%3N) - t0))" >>"$out.probe"
			probes=$((probes + 1))
			sleep 0.5
		done
		wait "$wrk_pid"
		{ echo "# round $round"; cat "$out.round$round.txt"; } >>"$out.txt"
		awk '$1 == "status" && $2 == 429 && $3 > 0 {f = 1} END {exit !f}' "$out.round$round.txt" && break
	done
	_ma_sampler_stop "$sampler"
	local n429 nretry nall lat
	n429=$(awk '$1 == "status" && $2 == 429 {s += $3} END {print s + 0}' "$out.txt")
	nretry=$(awk '$1 == "retry_after" {s += $2} END {print s + 0}' "$out.txt")
	nall=$(awk '$1 == "status" {s += $3} END {print s + 0}' "$out.txt")
	lat=$(awk '{print $2}' "$out.probe" | sort -n | awk '{a[NR]=$1} END {if (NR) printf "probe p50 %d ms p99 %d ms", a[int((NR-1)*0.5)+1], a[int((NR-1)*0.99)+1]}')
	echo "$lat" >"$out.latency"
	[ "$nall" -gt 0 ] || why="$why; wrk got no responses in $round round(s)"
	[ "${n429:-0}" -gt 0 ] || why="$why; no 429 among $nall responses in $round round(s) of ${secs}s"
	[ "${n429:-0}" = "${nretry:-0}" ] || why="$why; $((n429 - nretry)) of $n429 429s without Retry-After"
	[ "$probes" -gt 0 ] || why="$why; no probe ran"
	[ "$bad" = 0 ] || why="$why; $bad of $probes probes failed"
	usage=$(_ma_check_usage "${base[0]}" "${base[1]}" "$out.usage") || why="$why; $usage"
	[ -z "$why" ] || _ma_fail H1 "wrk flood of $url: ${why#; } (see $out.*)" || return 1
	_ma_pass H1 "wrk flood of $url: ${n429} of $nall answers 429 with Retry-After in $round round(s); $probes probes served ($lat); $usage"
}

# ---- H2: many sources ----

# From 127.0.0.2 to 127.0.0.50, PER_IP_CAP + 2 TLS connections each, held
# open: at most PER_IP_CAP served per source (and at most GLOBAL_CAP in all,
# when given), at least one; a probe is served once they are released.
attack_h2_many_sources() { # host port per_ip_cap [global_cap]
	local host=$1 port=$2 cap=$3 global=${4:-0} out why
	_ma_need "$MEDSEC_PYTHON" || return 1
	out=$(_ma_out sources h2-many-sources) || return 1
	timeout 300 "$MEDSEC_PYTHON" "$MEDSEC_ATTACK_DIR/sources.py" "$host" "$port" "$cap" "$global" \
	    "$MEDSEC_ATTACK_SNI" "$MEDSEC_ATTACK_PATH" >"$out.json" 2>"$out.err"
	why=$("$MEDSEC_PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1])); cap = int(sys.argv[2]); glob = int(sys.argv[3])
w = []
over = [s for s, n in r["served"].items() if n > cap]
none = [s for s, n in r["served"].items() if n == 0]
if over: w.append("%d sources served more than %d connections (%s: %d)" % (len(over), cap, over[0], r["served"][over[0]]))
if none: w.append("%d sources not served at all (%s)" % (len(none), none[0]))
total = sum(r["served"].values())
if glob and total > glob: w.append("%d connections served in all, global cap %d" % (total, glob))
if not r["probe_after"]: w.append("probe not served after the connections were released")
if r.get("closed_while_held"): w.append("%d served connections were closed by the server within %.1f s, so the served count is not of connections held together: the idle timeout must exceed the run" % (r["closed_while_held"], r["seconds"]))
print("; ".join(w))' "$out.json" "$cap" "$global" 2>&1)
	if [ -n "$why" ] || ! _ma_alive; then
		_ma_alive || why="$why; a watched process died"
		_ma_fail H2 "connections from 127.0.0.2-50 to $host:$port: ${why#; } (see $out.json)"
		return 1
	fi
	_ma_pass H2 "connections from 127.0.0.2-50 to $host:$port: $("$MEDSEC_PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%d served, %d refused, per source <= %s; probe while held: %s, after: served" % (
    sum(r["served"].values()), sum(r["refused"].values()), sys.argv[2], "served" if r["probe_held"] else "refused"))' "$out.json" "$cap")"
}

# ---- H3..H5: slowhttptest ----

# The slowhttptest verdict from its CSV: "Service available" YES in every
# second, the server closed slow sockets, the run ended by its time limit.
# CLOSED_BY "csv": the CSV's Closed column must rise; "fds": a slow reader
# notices a close only once it has drained its buffer (32 bytes per 5 s
# here), so for H5 the server's own descriptors (of $MEDSEC_ATTACK_PIDS) at
# the end of the run must show it let go of most of them.
_ma_slow_verdict() { # row what out closed_by
	local why
	why=$("$MEDSEC_PYTHON" - "$3.csv" "$3.txt" "$4" <<-'PY'
		import csv, sys
		why = []
		try:
		    rows = list(csv.reader(open(sys.argv[1])))
		except OSError as e:
		    print("no CSV: %s" % e); sys.exit(0)
		head = [h.strip().lower() for h in rows[0]]
		data = [r for r in rows[1:] if r]
		col = {h: i for i, h in enumerate(head)}
		avail = col.get("service available")
		if avail is None or not data:
		    print("CSV without data or 'service available' column"); sys.exit(0)
		# 1.8.2 writes the column as a number for its chart: the connection
		# count when the probe was answered, 0 when not.
		def up(v):
		    v = v.strip()
		    return v.upper() == "YES" or (v.isdigit() and int(v) > 0)
		down = [r[0] for r in data if not up(r[avail])]
		if down:
		    why.append("service unavailable in %d of %d seconds (first at %s s)" % (len(down), len(data), down[0]))
		closed = max(int(r[col["closed"]]) for r in data)
		connected = max(int(r[col["connected"]]) for r in data)
		if closed == 0 and sys.argv[3] == "csv":
		    why.append("the server closed none of %d slow connections" % connected)
		import re
		text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", open(sys.argv[2], errors="replace").read())
		m = re.findall(r"Exit status: *(.*)", text)
		reason = m[-1].strip() if m else "no exit status"
		# The time limit, or every slow connection closed by the server;
		# not "Cannot establish connection" or a hang.
		if reason not in ("Hit test time limit", "No open connections left"):
		    why.append("run ended with: %s" % reason)
		print("; ".join(why) if why else "OK closed %d, connected at most %d, ended: %s" % (closed, connected, reason))
	PY
	)
	case $why in
	OK*) _ma_pass "$1" "$2: service available throughout, ${why#OK }" ;;
	*) _ma_fail "$1" "$2: $why (see $3.csv)" ;;
	esac
}

_ma_slowhttptest() { # row name closed_by url args...
	local row=$1 name=$2 closed_by=$3 url=$4 out sampler base last conns
	local secs=${MEDSEC_ATTACK_SLOW_SECONDS:-60}
	shift 4
	_ma_need slowhttptest "$MEDSEC_PYTHON" || return 1
	out=$(_ma_out slowhttptest "$name") || return 1
	rm -f "$out.csv" "$out.html"
	read -r -a base < <(_ma_usage)
	sampler=$(_ma_sampler_start "$out.usage")
	(cd "$(dirname "$out")" && timeout $((secs + 60)) slowhttptest "$@" -l "$secs" -p 3 \
	    -u "$url" -g -o "$(basename "$out")") >"$out.txt" 2>&1
	_ma_sampler_stop "$sampler"
	if [ "$closed_by" = fds ] && [ -n "${MEDSEC_ATTACK_PIDS:-}" ]; then
		# the server's descriptors one second before slowhttptest ended
		last=$(tail -6 "$out.usage" | head -1 | awk '{print $3}')
		conns=$(awk -F, 'NR > 1 && $4 > m {m = $4} END {print m + 0}' "$out.csv" 2>/dev/null)
		if [ "${last:-0}" -gt $((base[1] + conns / 2)) ]; then
			_ma_fail "$row" "slowhttptest $name against $url: the server still held ${last} descriptors at the end (baseline ${base[1]}, ${conns} slow readers): no write timeout (see $out.*)"
			return 1
		fi
	fi
	_ma_slow_verdict "$row" "slowhttptest $name against $url" "$out" "$closed_by"
}

attack_h3_slowloris() { # url
	_ma_slowhttptest H3 h3-slowloris csv "$1" -H -c "${MEDSEC_ATTACK_SLOW_CONNECTIONS:-500}" -i 10 -r 100 -x 24
}

attack_h4_slow_body() { # url
	_ma_slowhttptest H4 h4-slow-body csv "$1" -B -c "${MEDSEC_ATTACK_SLOW_CONNECTIONS:-500}" -i 10 -r 100 -s 8192
}

attack_h5_slow_read() { # url
	_ma_slowhttptest H5 h5-slow-read fds "$1" -X -c "${MEDSEC_ATTACK_SLOW_CONNECTIONS:-300}" -r 100 \
	    -w 512 -y 1024 -n 5 -z 32 -k 3
}

# ---- H6: oversized inputs ----

# One oversized request with curl: the status must be in ALLOWED (|-separated)
# and the connection closed after it. Prints the reason on failure.
_ma_oversized_one() { # out name allowed curl-args...
	local out=$1 name=$2 allowed=$3 code up
	shift 3
	# shellcheck disable=SC2046
	curl -sS -v --max-time 15 $(_ma_curl_tls) -o "$out.$name.body" \
	    -w '%{http_code} %{size_upload}\n' "$@" >"$out.$name.txt" 2>"$out.$name.err"
	read -r code up <"$out.$name.txt"
	if ! [[ "$code" =~ ^($allowed)$ ]]; then
		echo "$name answered ${code:-nothing}, expected $allowed"
		return 1
	fi
	if grep -q 'left intact' "$out.$name.err"; then
		echo "$name: $code but the connection was kept open"
		return 1
	fi
	echo "$name $code after ${up%.*} bytes sent"
}

attack_h6_oversized() { # url
	local url=$1 out why="" r base sampler usage
	_ma_need curl || return 1
	out=$(_ma_out curl h6-oversized) || return 1
	read -r -a base < <(_ma_usage)
	sampler=$(_ma_sampler_start "$out.usage")
	truncate -s 100M "$out.big"
	seq 1 10000 | sed 's/^/X-Flood-/; s/$/: v/' >"$out.headers"
	"$MEDSEC_PYTHON" -c 'print("[" * 10000 + "]" * 10000, end="")' >"$out.deep.json"
	local ok=""
	r=$(_ma_oversized_one "$out" body '413' -X POST -T "$out.big" \
	    -H 'Content-Type: application/json' "$url") && ok="$ok, $r" || why="$why; $r"
	r=$(_ma_oversized_one "$out" headers '431|400' -H @"$out.headers" "$url") &&
	    ok="$ok, $r" || why="$why; $r"
	r=$(_ma_oversized_one "$out" url '414|431|400' "$url?q=$(head -c 65536 /dev/zero | tr '\0' a)") &&
	    ok="$ok, $r" || why="$why; $r"
	r=$(_ma_oversized_one "$out" deep-json '400|413' -X POST --data-binary @"$out.deep.json" \
	    -H 'Content-Type: application/json' "$url") && ok="$ok, $r" || why="$why; $r"
	rm -f "$out.big"
	_ma_sampler_stop "$sampler"
	usage=$(_ma_check_usage "${base[0]}" "${base[1]}" "$out.usage") || why="$why; $usage"
	[ -z "$why" ] || _ma_fail H6 "oversized requests to $url: ${why#; } (see $out.*)" || return 1
	_ma_pass H6 "oversized requests to $url refused early and closed: ${ok#, }"
}

# ---- F3: smuggling ----

# Raw ambiguous requests through openssl s_client -quiet: one answer, 400,
# and the server closes the connection (s_client ends before its 6 s bound).
attack_f3_smuggling() { # host port ca
	local host=$1 port=$2 ca=$3 out name req rc why="" writer n status
	_ma_need openssl || return 1
	out=$(_ma_out openssl f3-smuggling) || return 1
	# GET of a route that answers without login, so a lenient server answers
	# 200 (twice, when it splits the stream differently) rather than failing
	# for some other reason.
	local get=$MEDSEC_ATTACK_PATH h="Host: $MEDSEC_ATTACK_SNI"
	while IFS='|' read -r name req; do
		exec {writer}< <(printf '%b' "$req"; sleep 10)
		local wpid=$!
		timeout 6 openssl s_client -quiet -connect "$host:$port" -servername "$MEDSEC_ATTACK_SNI" \
		    -verify_hostname "$MEDSEC_ATTACK_SNI" -CAfile "$ca" -verify_return_error \
		    <&"$writer" >"$out.$name.txt" 2>"$out.$name.err"
		rc=$?
		kill "$wpid" 2>/dev/null
		exec {writer}<&-
		n=$(grep -o 'HTTP/1\.[01] [0-9][0-9][0-9]' "$out.$name.txt" | wc -l)
		status=$(grep -o -m1 'HTTP/1\.[01] [0-9][0-9][0-9]' "$out.$name.txt" | awk '{print $2}')
		if [ "$n" -gt 1 ]; then
			why="$why; $name answered $n times (processed twice)"
		elif [ "$status" != 400 ]; then
			why="$why; $name answered ${status:-nothing}, expected 400"
		elif [ "$rc" = 124 ]; then
			why="$why; $name: 400 but the connection stayed open"
		fi
	done <<-EOF
		cl-te|GET $get HTTP/1.1\r\n$h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET $get HTTP/1.1\r\n$h\r\n\r\n
		duplicate-cl|GET $get HTTP/1.1\r\n$h\r\nContent-Length: 0\r\nContent-Length: 41\r\n\r\nGET $get HTTP/1.1\r\n$h\r\n\r\n
		obs-fold|GET $get HTTP/1.1\r\n$h\r\nX-Folded: a\r\n b\r\n\r\n
		bare-lf|GET $get HTTP/1.1\n$h\n\n
	EOF
	[ -z "$why" ] || _ma_fail F3 "smuggling forms on $host:$port: ${why#; } (see $out.*.txt)" || return 1
	_ma_pass F3 "$host:$port answers CL+TE, duplicate Content-Length, obs-fold and bare LF with one 400 and closes"
}

# ---- H8: attack surface ----

# Runs a command in a fresh network namespace with only lo (up), so a port
# scan there sees nothing but what the command starts.
run_in_netns() { # command...
	unshare -n -- bash -c 'ip link set lo up && exec "$@"' run_in_netns "$@"
}

# nmap -sT -p- on ADDR: the open ports are exactly EXPECTED_PORTS
# (comma-separated); then -sV on them: no product version banner.
attack_h8_port_scan() { # addr expected_ports
	local addr=$1 expected out open why=""
	expected=$(echo "$2" | tr ',' '\n' | sort -n | paste -sd,)
	_ma_need nmap || return 1
	out=$(_ma_out nmap h8-port-scan) || return 1
	timeout 300 nmap -Pn -n -sT -p- -T4 -oG "$out.gnmap" -oN "$out.txt" "$addr" >/dev/null 2>&1
	open=$(grep -o '[0-9]*/open/' "$out.gnmap" | cut -d/ -f1 | sort -n | paste -sd,)
	[ "$open" = "$expected" ] || why="open ports ${open:-none}, expected $expected"
	if [ -z "$why" ] && [ -n "$open" ]; then
		timeout 300 nmap -Pn -n -sT -sV --version-light -p "$open" -oX "$out.sv.xml" -oN "$out.sv.txt" \
		    "$addr" >/dev/null 2>&1
		if grep -q '<service [^>]*version="' "$out.sv.xml"; then
			why="version banner: $(grep -o '<service [^>]*version="[^"]*"' "$out.sv.xml" | head -1)"
		fi
	fi
	[ -z "$why" ] || _ma_fail H8 "port scan of $addr: $why (see $out.*)" || return 1
	_ma_pass H8 "port scan of $addr: open ports exactly ${expected:-none}, no version banner"
}

# ---- login brute force ----

# hydra 9.4 http-post-form against POST /v1/session with a JSON body: no
# password found. In hydra's form string ':' separates fields, so the ':' of
# the JSON body are written '\:'. Two hydra limits (see relay401.py) make it
# attack through a local relay: it takes a 401 for HTTP authentication, and
# with an escaped ':' in the body it accepts no H= header option. Success is
# recognised by "token" in the answer (S=), so 401, 403 and 429 all count
# as failures. LEGIT ("user:password"), when given, must still log in from
# 127.0.0.77 afterwards (straight to the server, no relay).
attack_hydra_login() { # host port user wordlist [legit]
	local host=$1 port=$2 user=$3 list=$4 legit=${5:-} out rc found tried code why="" relay rport
	_ma_need hydra "$MEDSEC_PYTHON" || return 1
	out=$(_ma_out hydra login) || return 1
	[ -n "${MEDSEC_ATTACK_CA:-}" ] || { _ma_fail A-hydra "MEDSEC_ATTACK_CA not set (the relay verifies the server)"; return 1; }
	rport=$("$MEDSEC_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$MEDSEC_PYTHON" "$MEDSEC_ATTACK_DIR/relay401.py" "$rport" "$host" "$port" "$MEDSEC_ATTACK_SNI" \
	    "$MEDSEC_ATTACK_CA" >"$out.relay.log" 2>&1 &
	relay=$!
	for _ in $(seq 1 50); do grep -q ready "$out.relay.log" 2>/dev/null && break; sleep 0.1; done
	local form='/v1/session:{"user"\:"^USER^","password"\:"^PASS^"}:S="token"'
	rm -f "$out.found"
	(cd "$(dirname "$out")" && timeout "${MEDSEC_ATTACK_HYDRA_SECONDS:-300}" \
	    hydra -I -l "$user" -P "$list" -t "${MEDSEC_ATTACK_HYDRA_TASKS:-4}" -s "$rport" -o "$out.found" -b json \
	    127.0.0.1 http-post-form "$form") >"$out.txt" 2>&1
	rc=$?
	kill "$relay" 2>/dev/null
	wait "$relay" 2>/dev/null
	found=$(grep -o '[0-9]* valid passwords\{0,1\} found' "$out.txt" | head -1)
	tried=$(grep -c . "$list")
	if grep -q '"quantityfound": *[1-9]' "$out.found" 2>/dev/null; then
		why="hydra found a password for $user: $(grep -o 'password: .*' "$out.txt" | head -1)"
	elif [ "$rc" = 124 ]; then
		found="time bound of ${MEDSEC_ATTACK_HYDRA_SECONDS:-300} s hit before the list ended, no password found"
	elif [ -z "$found" ] || grep -q '^\[ERROR\]' "$out.txt"; then
		why="hydra did not complete the attack (exit $rc: $(grep -m1 '^\[ERROR\]' "$out.txt"))"
	fi
	if [ -z "$why" ] && [ -n "$legit" ]; then
		# shellcheck disable=SC2046
		code=$(curl -s -o "$out.legit.body" --max-time 10 $(_ma_curl_tls) --interface 127.0.0.77 \
		    -w '%{http_code}' -H 'Content-Type: application/json' \
		    --data-binary "$("$MEDSEC_PYTHON" -c 'import json,sys; u,p=sys.argv[1].split(":",1); print(json.dumps({"user":u,"password":p}))' "$legit")" \
		    --resolve "$MEDSEC_ATTACK_SNI:$port:$host" "https://$MEDSEC_ATTACK_SNI:$port/v1/session")
		[ "$code" = 201 ] || why="the legitimate login from 127.0.0.77 answered $code after the attack"
	fi
	[ -z "$why" ] || _ma_fail A-hydra "brute force of $user on $host:$port with $tried words: $why (see $out.*)" || return 1
	_ma_pass A-hydra "brute force of $user on $host:$port with $tried words: $found${legit:+; legitimate login still works}"
}
