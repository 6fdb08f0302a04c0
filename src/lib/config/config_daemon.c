/*
 * The daemon's sections of the configuration: [listen], [tls], [limits],
 * [daemon], [incident] and [source].
 *
 * Nothing is exposed unless named: every listener defaults to off, and a
 * listener is refused without the list of client networks it accepts
 * (MFDS 1.5, 1.19). Addresses and networks are parsed here, once, so the
 * daemon binds and matches exactly what was checked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config_int.h"
#include "core/ini.h"
#include "core/utf8.h"
#include "medsec/err.h"

#define FIELD(member) offsetof(struct medsec_config, member)
#define SIZE(member) sizeof(((struct medsec_config *)0)->member)

static int set_endpoint(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_cidrs(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_tls_version(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_tls_list(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_path(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_user(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_text(struct parse *, const struct key_def *, const char *,
    size_t);
static int set_uplink_url(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_pin(struct parse *, const struct key_def *, const char *,
    size_t);

static int set_ship_pin(struct parse *, const struct key_def *,
    const char *, size_t);
static int set_ship_formats(struct parse *, const struct key_def *,
    const char *, size_t);

#define ENDPOINT(key, member) \
	{ "listen", key, set_endpoint, 1, FIELD(member), 0, 0, 0 }
#define CIDRS(key, member) \
	{ "listen", key, set_cidrs, 1, FIELD(member), 0, 0, 0 }
#define TLSLIST(key, member) \
	{ "tls", key, set_tls_list, 0, FIELD(member), 0, SIZE(member), 0 }
#define PATH(key, member) \
	{ "tls", key, set_path, 1, FIELD(member), 0, SIZE(member), 0 }
#define LIMIT(key, member, lo, hi, suffix) \
	{ "limits", key, config_set_u32, 0, FIELD(member), lo, hi, suffix }
#define UPLINK_PATH(key, member) \
	{ "uplink", key, set_path, 1, FIELD(member), 0, SIZE(member), 0 }
#define UPLINK_NUMBER(key, member, lo, hi, suffix) \
	{ "uplink", key, config_set_u32, 0, FIELD(member), lo, hi, suffix }
#define TEXT(key, member) \
	{ "incident", key, set_text, 1, FIELD(member), 0, SIZE(member), 0 }

const struct key_def config_daemon_keys[CONFIG_DAEMON_NKEYS] = {
	ENDPOINT("api", listen_api),
	CIDRS("api_allow", listen_api_allow),
	ENDPOINT("peer", listen_peer),
	CIDRS("peer_allow", listen_peer_allow),
	ENDPOINT("debug_http", listen_debug_http),
	CIDRS("debug_allow", listen_debug_allow),
	{ "tls", "min_version", set_tls_version, 0, 0, 0, 0, 0 },
	TLSLIST("groups", tls_groups),
	TLSLIST("ciphersuites", tls_ciphersuites),
	TLSLIST("ciphers12", tls_ciphers12),
	PATH("cert_file", tls_cert_file),
	PATH("key_file", tls_key_file),
	PATH("peer_ca_file", tls_peer_ca_file),
	PATH("crl_file", tls_crl_file),
	{ "tls", "handshake_timeout", config_set_u32, 0,
	    FIELD(tls_handshake_timeout), 1, 120, 0 },
	LIMIT("max_connections", limits_max_connections, 1, 65536, 0),
	LIMIT("source_connections", limits_source_connections, 1, 65536, 0),
	LIMIT("connection_rate", limits_connection_rate, 1, 100000, 0),
	LIMIT("request_rate", limits_request_rate, 1, 1000000, 0),
	LIMIT("request_burst", limits_request_burst, 1, 1000000, 0),
	LIMIT("login_rate", limits_login_rate, 1, 1000, 0),
	LIMIT("login_burst", limits_login_burst, 1, 1000, 0),
	LIMIT("header_timeout", limits_header_timeout, 1, 300, 0),
	LIMIT("body_timeout", limits_body_timeout, 1, 3600, 0),
	LIMIT("write_timeout", limits_write_timeout, 1, 3600, 0),
	LIMIT("idle_timeout", limits_idle_timeout, 1, 3600, 0),
	LIMIT("max_header_bytes", limits_max_header_bytes, 1024, 65536, 1),
	LIMIT("max_body_bytes", limits_max_body_bytes, 1024, 16u << 20, 1),
	LIMIT("max_update_bytes", limits_max_update_bytes, 4096, 1u << 30, 1),
	LIMIT("throttle_report_seconds", limits_throttle_report_seconds, 1,
	    86400, 0),
	LIMIT("login_workers", limits_login_workers, 1, 64, 0),
	LIMIT("login_queue", limits_login_queue, 1, 4096, 0),
	{ "daemon", "user", set_user, 0, FIELD(daemon_user), 0,
	    SIZE(daemon_user), 0 },
	{ "daemon", "restart_backoff_max", config_set_u32, 0,
	    FIELD(daemon_restart_backoff_max), 1, 3600, 0 },
	{ "daemon", "control_socket", config_set_bool, 0,
	    FIELD(daemon_control_socket), 0, 1, 0 },
	TEXT("contact", incident_contact),
	TEXT("phone", incident_phone),
	TEXT("email", incident_email),
	TEXT("url", incident_url),
	TEXT("step1", incident_steps[0]),
	TEXT("step2", incident_steps[1]),
	TEXT("step3", incident_steps[2]),
	TEXT("step4", incident_steps[3]),
	TEXT("step5", incident_steps[4]),
	TEXT("step6", incident_steps[5]),
	{ "source", "simulator", config_set_bool, 0, FIELD(source_simulator),
	    0, 1, 0 },
	{ "source", "patients", config_set_u32, 0, FIELD(source_patients), 1,
	    64, 0 },
	{ "source", "interval", config_set_u32, 0, FIELD(source_interval), 1,
	    3600, 0 },
	{ "source", "socket", set_path, 1, FIELD(source_socket), 0,
	    SIZE(source_socket), 0 },
	{ "source", "rate", config_set_u32, 0, FIELD(source_rate), 1, 100000,
	    0 },
	{ "source", "burst", config_set_u32, 0, FIELD(source_burst), 1,
	    1000000, 0 },
	{ "uplink", "url", set_uplink_url, 1, FIELD(uplink_url), 0,
	    SIZE(uplink_url), 0 },
	UPLINK_PATH("client_cert", uplink_client_cert),
	UPLINK_PATH("client_key", uplink_client_key),
	UPLINK_PATH("ca_file", uplink_ca_file),
	{ "uplink", "pin_sha256", set_pin, 1, FIELD(uplink_pin_sha256), 0,
	    SIZE(uplink_pin_sha256), 0 },
	UPLINK_NUMBER("batch_max", uplink_batch_max, 1, 32, 0),
	UPLINK_NUMBER("timeout", uplink_timeout, 1, 300, 0),
	UPLINK_NUMBER("queue_max_batches", uplink_queue_max_batches, 1,
	    1000000, 1),
	UPLINK_NUMBER("queue_max_bytes", uplink_queue_max_bytes, 65536,
	    1u << 30, 1),
	UPLINK_NUMBER("queue_max_age", uplink_queue_max_age, 60, 31u * 86400,
	    0),
	UPLINK_NUMBER("delivery_bound", uplink_delivery_bound, 1, 3600, 0),
	{ "ship", "target", set_endpoint, 1, FIELD(ship_target), 0, 0, 0 },
	{ "ship", "server_name", set_text, 1, FIELD(ship_server_name), 0,
	    SIZE(ship_server_name), 0 },
	{ "ship", "ca_file", set_path, 1, FIELD(ship_ca_file), 0,
	    SIZE(ship_ca_file), 0 },
	{ "ship", "cert_file", set_path, 1, FIELD(ship_cert_file), 0,
	    SIZE(ship_cert_file), 0 },
	{ "ship", "key_file", set_path, 1, FIELD(ship_key_file), 0,
	    SIZE(ship_key_file), 0 },
	{ "ship", "pin", set_ship_pin, 1, FIELD(ship_pin), 0, SIZE(ship_pin),
	    0 },
	{ "ship", "formats", set_ship_formats, 0, FIELD(ship_formats), 0, 0,
	    0 },
	{ "ship", "replay_window", config_set_u32, 0,
	    FIELD(ship_replay_window), 0, 100000, 0 },
	{ "ship", "retry_max", config_set_u32, 0, FIELD(ship_retry_max), 1,
	    3600, 0 },
};

static void *
field_of(struct parse *p, const struct key_def *k)
{
	return (char *)&p->cfg + k->field;
}

static int
bad_value(struct parse *p, const struct key_def *k, const char *v,
    size_t n, const char *why)
{
	char shown[48];

	medsec_ini_excerpt(shown, sizeof(shown), v, n);
	medsec_ini_err(p->err, p->lineno, k->section, k->name,
	    "value '%s': %s", shown, why);
	return MEDSEC_ERR_CONFIG;
}

/* An IPv4 or IPv6 address in text, all of it. */
static int
parse_address(const char *v, size_t n, int *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int
parse_port(const char *v, size_t n, uint16_t *port)
{
	uint32_t x = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint32_t)(v[i] - '0');
	}
	if (x == 0 || x > 65535 || (n > 1 && v[0] == '0'))
		return -1;
	*port = (uint16_t)x;
	return 0;
}

static int
set_endpoint(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	struct medsec_config_endpoint ep, *dst = field_of(p, k);
	const char *host = v, *colon;
	size_t hostlen;

	memset(&ep, 0, sizeof(ep));
	if (n == 0) {
		*dst = ep;
		return MEDSEC_OK;
	}
	if (n >= sizeof(ep.text))
		return bad_value(p, k, v, n, "longer than an address and port");
	if (v[0] == '[') {
		colon = memchr(v, ']', n);
		if (colon == NULL || (size_t)(colon - v) + 1 >= n ||
		    colon[1] != ':')
			return bad_value(p, k, v, n,
			    "expected [IPv6 address]:port");
		host = v + 1;
		hostlen = (size_t)(colon - host);
		colon++;
	} else {
		colon = memchr(v, ':', n);
		if (colon == NULL || memchr(colon + 1, ':',
		    n - (size_t)(colon - v) - 1) != NULL)
			return bad_value(p, k, v, n,
			    "expected address:port (IPv6 in brackets)");
		hostlen = (size_t)(colon - v);
	}
	if (parse_address(host, hostlen, &ep.family, ep.addr) != 0 ||
	    (v[0] == '[' && ep.family != AF_INET6) ||
	    (v[0] != '[' && ep.family != AF_INET))
		return bad_value(p, k, v, n,
		    "not a numeric IPv4 or [IPv6] address (names are not "
		    "resolved)");
	if (parse_port(colon + 1, n - (size_t)(colon + 1 - v), &ep.port) != 0)
		return bad_value(p, k, v, n, "port must be 1..65535");
	ep.set = 1;
	medsec_ini_copy(ep.text, sizeof(ep.text), v, n);
	*dst = ep;
	return MEDSEC_OK;
}

/* "a.b.c.d/len" or "a.b.c.d" (one host) into net; host bits must be 0. */
static int
parse_cidr(struct parse *p, const struct key_def *k, const char *v,
    size_t n, struct medsec_config_cidrs *out)
{
	const char *slash = memchr(v, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - v) : n;
	uint32_t prefix = 0, max, i;
	uint8_t addr[16];
	int family;

	if (out->n == MEDSEC_CONFIG_CIDR_MAX)
		return bad_value(p, k, v, n, "more networks than the 16 "
		    "allowed");
	if (parse_address(v, alen, &family, addr) != 0)
		return bad_value(p, k, v, n, "not a numeric IPv4 or IPv6 "
		    "address");
	max = family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = max;
	else {
		size_t plen = n - alen - 1;

		if (plen == 0 || plen > 3 || (plen > 1 && slash[1] == '0'))
			return bad_value(p, k, v, n, "bad prefix length");
		for (i = 0; i < plen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return bad_value(p, k, v, n,
				    "bad prefix length");
			prefix = prefix * 10 + (uint32_t)(slash[1 + i] - '0');
		}
		if (prefix > max)
			return bad_value(p, k, v, n, "prefix length too long "
			    "for the address family");
	}
	for (i = prefix; i < max; i++)
		if (addr[i / 8] & (0x80u >> (i % 8)))
			return bad_value(p, k, v, n, "host bits set beyond "
			    "the prefix length");
	out->net[out->n].family = family;
	memcpy(out->net[out->n].addr, addr, 16);
	out->net[out->n].prefix = (uint8_t)prefix;
	out->n++;
	return MEDSEC_OK;
}

static int
set_cidrs(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	struct medsec_config_cidrs nets, *dst = field_of(p, k);
	size_t start = 0, end;

	memset(&nets, 0, sizeof(nets));
	if (n >= sizeof(nets.text))
		return bad_value(p, k, v, n, "list longer than 255 "
		    "characters");
	while (n > 0 && start <= n) {
		const char *item;
		size_t len;

		for (end = start; end < n && v[end] != ','; end++)
			;
		item = v + start;
		len = end - start;
		medsec_ini_trim(&item, &len);
		if (len == 0)
			return bad_value(p, k, v, n, "empty network in the "
			    "list");
		if (parse_cidr(p, k, item, len, &nets) != MEDSEC_OK)
			return MEDSEC_ERR_CONFIG;
		start = end + 1;
	}
	medsec_ini_copy(nets.text, sizeof(nets.text), v, n);
	*dst = nets;
	return MEDSEC_OK;
}

static int
set_tls_version(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	if (n == 3 && memcmp(v, "1.3", 3) == 0)
		p->cfg.tls_min_version = 0x0304;
	else if (n == 3 && memcmp(v, "1.2", 3) == 0)
		p->cfg.tls_min_version = 0x0303;
	else
		return bad_value(p, k, v, n, "expected 1.3 or 1.2 (older "
		    "versions are not offered)");
	return MEDSEC_OK;
}

/* OpenSSL's list syntax: names separated by ':'; checked again by TLS. */
static int
set_tls_list(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	size_t i;

	if (n >= k->hi)
		return bad_value(p, k, v, n, "list too long");
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == ':'))
			return bad_value(p, k, v, n, "only names of groups or "
			    "suites separated by ':'");
	}
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

static int
set_path(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	if (n >= k->hi)
		return bad_value(p, k, v, n, "path too long");
	if (n > 0 && v[0] != '/')
		return bad_value(p, k, v, n, "not an absolute path");
	if (config_check_printable(p, k, v, n, ' ') != MEDSEC_OK)
		return MEDSEC_ERR_CONFIG;
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

/* A POSIX portable user name, as useradd accepts by default. */
static int
set_user(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	size_t i;

	if (n >= k->hi || n > 32)
		return bad_value(p, k, v, n, "user name longer than 32");
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '-'))))
			return bad_value(p, k, v, n, "not a user name "
			    "([a-z_][a-z0-9_-]*)");
	}
	if (n == 4 && memcmp(v, "root", 4) == 0)
		return bad_value(p, k, v, n, "the network-facing process "
		    "must not run as root");
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

/* Text shown to users: any UTF-8 but control characters. */
static int
set_text(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	const unsigned char *u = (const unsigned char *)v;
	size_t i = 0, len;
	uint32_t cp;

	if (n >= k->hi)
		return bad_value(p, k, v, n, "text too long");
	while (i < n) {
		if ((len = medsec_utf8_decode(u + i, n - i, &cp)) == 0)
			return bad_value(p, k, v, n, "not valid UTF-8");
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return bad_value(p, k, v, n, "control character");
		i += len;
	}
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

/* "cert-sha256:" or "spki-sha256:" and 64 hex digits (pairs may be
 * colon-separated); the channel module parses it again at start. */
static int
set_ship_pin(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	size_t i, hex = 0, prefix = 12;

	if (n == 0) {
		((char *)field_of(p, k))[0] = '\0';
		return MEDSEC_OK;
	}
	if (n >= k->hi || n < prefix || (memcmp(v, "cert-sha256:", prefix) !=
	    0 && memcmp(v, "spki-sha256:", prefix) != 0))
		return bad_value(p, k, v, n, "not cert-sha256:<hex> or "
		    "spki-sha256:<hex>");
	for (i = prefix; i < n; i++) {
		if (v[i] == ':' && (i - prefix) % 3 == 2)
			continue;
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' &&
		    v[i] <= 'f') || (v[i] >= 'A' && v[i] <= 'F')))
			return bad_value(p, k, v, n, "not a hex digit in the "
			    "SHA-256 digest");
		hex++;
	}
	if (hex != 64)
		return bad_value(p, k, v, n, "a SHA-256 digest has 64 hex "
		    "digits");
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

/* "syslog", "atna" or both, comma-separated. */
static int
set_ship_formats(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	uint32_t formats = 0;
	size_t i = 0, j, len;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ',' && v[j] != ' '; j++)
			;
		len = j - i;
		if (len == 6 && memcmp(v + i, "syslog", 6) == 0)
			formats |= MEDSEC_SHIP_SYSLOG;
		else if (len == 4 && memcmp(v + i, "atna", 4) == 0)
			formats |= MEDSEC_SHIP_ATNA;
		else if (len > 0)
			return bad_value(p, k, v, n, "formats are syslog and "
			    "atna, comma-separated");
		i = j;
	}
	if (formats == 0)
		return bad_value(p, k, v, n, "no format named (syslog, atna)");
	*(uint32_t *)field_of(p, k) = formats;
	return MEDSEC_OK;
}

void
config_daemon_defaults(struct medsec_config *cfg)
{
	static const char groups[] = "X25519:P-256:P-384";
	static const char suites[] = "TLS_AES_256_GCM_SHA384:"
	    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
	static const char ciphers12[] = "ECDHE-ECDSA-AES256-GCM-SHA384:"
	    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305";

	/* Listeners stay off (memset by the caller): nothing unnamed. */
	cfg->tls_min_version = 0x0304;
	medsec_ini_copy(cfg->tls_groups, sizeof(cfg->tls_groups), groups,
	    strlen(groups));
	medsec_ini_copy(cfg->tls_ciphersuites, sizeof(cfg->tls_ciphersuites),
	    suites, strlen(suites));
	medsec_ini_copy(cfg->tls_ciphers12, sizeof(cfg->tls_ciphers12),
	    ciphers12, strlen(ciphers12));
	cfg->tls_handshake_timeout = 10;
	cfg->limits_max_connections = 512;
	cfg->limits_source_connections = 16;
	cfg->limits_connection_rate = 10;
	cfg->limits_request_rate = 20;
	cfg->limits_request_burst = 40;
	cfg->limits_login_rate = 1;
	cfg->limits_login_burst = 5;
	cfg->limits_header_timeout = 10;
	cfg->limits_body_timeout = 20;
	cfg->limits_write_timeout = 20;
	cfg->limits_idle_timeout = 60;
	cfg->limits_max_header_bytes = 8192;
	cfg->limits_max_body_bytes = 65536;
	cfg->limits_max_update_bytes = 64u << 20;
	cfg->limits_throttle_report_seconds = 60;
	cfg->limits_login_workers = 2;
	cfg->limits_login_queue = 32;
	medsec_ini_copy(cfg->daemon_user, sizeof(cfg->daemon_user), "medsec",
	    strlen("medsec"));
	cfg->daemon_restart_backoff_max = 60;
	cfg->daemon_control_socket = 1;
	/* Readings come from the uplink (not yet): the simulator is opt-in. */
	cfg->source_simulator = 0;
	cfg->source_patients = 4;
	cfg->source_interval = 5;
	/*
	 * Far above a bedside source's steady rate (a reading per vital per
	 * second), with room for a reconnecting source to send its backlog
	 * at once; an acquisition process past it is malfunctioning.
	 */
	cfg->source_rate = 200;
	cfg->source_burst = 2000;
	cfg->uplink_batch_max = 24;
	cfg->uplink_timeout = 10;
	cfg->uplink_queue_max_batches = 100000;
	cfg->uplink_queue_max_bytes = 256u << 20;
	cfg->uplink_queue_max_age = 7u * 86400;
	cfg->uplink_delivery_bound = 5;
	cfg->ship_formats = MEDSEC_SHIP_SYSLOG;
	cfg->ship_replay_window = 64;
	cfg->ship_retry_max = 30;
}

/*
 * The collector: https only (MFDS 1.16), a host of letters, digits, dots,
 * hyphens or a bracketed IPv6 address, an optional port, a path.
 */
static int
set_uplink_url(struct parse *p, const struct key_def *k, const char *v,
    size_t n)
{
	static const char scheme[] = "https://";
	size_t i, host;

	if (n >= k->hi)
		return bad_value(p, k, v, n, "URL too long");
	if (n > 0 && (n <= sizeof(scheme) - 1 ||
	    strncmp(v, scheme, sizeof(scheme) - 1) != 0))
		return bad_value(p, k, v, n, "the collector is reached by "
		    "https:// only");
	host = sizeof(scheme) - 1;
	for (i = host; i < n; i++) {
		char c = v[i];

		if (c <= ' ' || c >= 0x7f || c == '@' || c == '#' ||
		    c == '?' || c == '\\')
			return bad_value(p, k, v, n, "a space, control "
			    "character, user part, query or fragment in the "
			    "URL");
	}
	if (n > 0 && (v[host] == '/' || v[host] == ':'))
		return bad_value(p, k, v, n, "no host in the URL");
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

/* The collector's public key pin: base64 of a SHA-256 (44 characters). */
static int
set_pin(struct parse *p, const struct key_def *k, const char *v, size_t n)
{
	size_t i;

	if (n == 0) {
		medsec_ini_copy(field_of(p, k), k->hi, v, n);
		return MEDSEC_OK;
	}
	if (n != 44 || v[43] != '=')
		return bad_value(p, k, v, n, "not the base64 of a SHA-256 "
		    "(44 characters ending in '=')");
	for (i = 0; i < 43; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' &&
		    v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '+' || v[i] == '/'))
			return bad_value(p, k, v, n, "not base64");
	medsec_ini_copy(field_of(p, k), k->hi, v, n);
	return MEDSEC_OK;
}

static int
rule(struct parse *p, const char *section, const char *key, const char *why)
{
	medsec_ini_err(p->err, 0, section, key, "%s", why);
	return MEDSEC_ERR_CONFIG;
}

static int
same_endpoint(const struct medsec_config_endpoint *a,
    const struct medsec_config_endpoint *b)
{
	return a->set && b->set && a->port == b->port &&
	    a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

static int
config_ship_check(struct parse *p)
{
	const struct medsec_config *c = &p->cfg;

	if (!c->ship_target.set)
		return MEDSEC_OK;
	if (c->ship_ca_file[0] == '\0')
		return rule(p, "ship", "ca_file", "shipping needs the "
		    "collector's CA (ca_file)");
	if (c->ship_cert_file[0] == '\0' || c->ship_key_file[0] == '\0')
		return rule(p, "ship", c->ship_cert_file[0] == '\0' ?
		    "cert_file" : "key_file", "shipping is mutual TLS: "
		    "cert_file and key_file name the device's client "
		    "certificate and key");
	if (c->ship_pin[0] == '\0')
		return rule(p, "ship", "pin", "the collector's certificate "
		    "must be pinned (pin = cert-sha256:<hex> or "
		    "spki-sha256:<hex>)");
	return MEDSEC_OK;
}

int
config_daemon_check(struct parse *p)
{
	const struct medsec_config *c = &p->cfg;

	if (c->listen_api.set && c->listen_api_allow.n == 0)
		return rule(p, "listen", "api_allow", "the API listener needs "
		    "the client networks it accepts (api_allow)");
	if (c->listen_peer.set && c->listen_peer_allow.n == 0)
		return rule(p, "listen", "peer_allow", "the peer listener "
		    "needs the networks of its peers (peer_allow)");
	if (c->listen_peer.set && c->tls_peer_ca_file[0] == '\0')
		return rule(p, "tls", "peer_ca_file", "the peer listener "
		    "needs the CA of its peers' certificates (peer_ca_file)");
	if (c->listen_debug_http.set && c->listen_debug_allow.n == 0)
		return rule(p, "listen", "debug_allow", "a plain-HTTP debug "
		    "listener needs its own allow-list (debug_allow)");
	if (same_endpoint(&c->listen_api, &c->listen_peer) ||
	    same_endpoint(&c->listen_api, &c->listen_debug_http) ||
	    same_endpoint(&c->listen_peer, &c->listen_debug_http))
		return rule(p, "listen", NULL, "two listeners on the same "
		    "address and port");
	if ((c->tls_cert_file[0] == '\0') != (c->tls_key_file[0] == '\0'))
		return rule(p, "tls", c->tls_cert_file[0] == '\0' ?
		    "cert_file" : "key_file", "cert_file and key_file go "
		    "together (neither: the device's own certificate)");
	if (c->limits_request_burst < c->limits_request_rate)
		return rule(p, "limits", "request_burst", "request_burst "
		    "below request_rate");
	if (c->limits_login_burst < c->limits_login_rate)
		return rule(p, "limits", "login_burst", "login_burst below "
		    "login_rate");
	if (c->limits_source_connections > c->limits_max_connections)
		return rule(p, "limits", "source_connections",
		    "source_connections above max_connections");
	if (c->uplink_url[0] != '\0' && (c->uplink_client_cert[0] == '\0' ||
	    c->uplink_client_key[0] == '\0' || c->uplink_ca_file[0] == '\0'))
		return rule(p, "uplink", c->uplink_client_cert[0] == '\0' ?
		    "client_cert" : c->uplink_client_key[0] == '\0' ?
		    "client_key" : "ca_file", "the uplink authenticates "
		    "both ends: url needs client_cert, client_key and ca_file");
	return config_ship_check(p);
}

static int
in_network(int family, const uint8_t *addr, const struct medsec_config_cidrs
    *nets, uint32_t i)
{
	uint32_t bits = nets->net[i].prefix, full = bits / 8, rest = bits % 8;

	if (nets->net[i].family != family)
		return 0;
	if (memcmp(addr, nets->net[i].addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((addr[full] ^ nets->net[i].addr[full]) &
	    (uint8_t)(0xffu << (8 - rest))) == 0;
}

int
medsec_config_cidrs_match(const struct medsec_config_cidrs *nets,
    const struct sockaddr *addr, socklen_t addrlen)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const uint8_t *a;
	int family;
	uint32_t i;

	if (nets == NULL || addr == NULL)
		return 0;
	if (addr->sa_family == AF_INET &&
	    addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
		family = AF_INET;
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)addr)->sin_addr;
	} else if (addr->sa_family == AF_INET6 &&
	    addrlen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		family = AF_INET6;
		a = ((const struct sockaddr_in6 *)(const void *)addr)
		    ->sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else
		return 0;
	for (i = 0; i < nets->n && i < MEDSEC_CONFIG_CIDR_MAX; i++)
		if (in_network(family, a, nets, i))
			return 1;
	return 0;
}
