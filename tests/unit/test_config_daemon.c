/*
 * The daemon's sections of the configuration: nothing is exposed unless
 * named, every listener names whom it accepts, and addresses, networks,
 * TLS settings, limits and incident text are checked once, here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "testmain.h"
#include "medsec/config.h"
#include "medsec/err.h"

static int
parse(const char *text, struct medsec_config *cfg,
    struct medsec_config_error *err)
{
	return medsec_config_parse("d.ini", text, strlen(text), cfg, err);
}

static void
expect_error(const char *text, int line, const char *key,
    const char *needle)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;

	medsec_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, line);
	assert_string_equal(err.key, key);
	if (strstr(err.message, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err.message, needle);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static struct sockaddr_in
v4(const char *a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6
v6(const char *a)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	return sin6;
}

static void
test_req_1_19_config_nothing_listens_by_default(void **state)
{
	struct medsec_config cfg;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_false(cfg.listen_api.set);
	assert_false(cfg.listen_peer.set);
	assert_false(cfg.listen_debug_http.set);
	assert_int_equal(cfg.tls_min_version, 0x0304);
	assert_string_equal(cfg.daemon_user, "medsec");
}

static void
test_config_daemon_sections_read(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	const char *text =
	    "[listen]\n"
	    "api = 127.0.0.1:8443\n"
	    "api_allow = 127.0.0.0/8, 10.1.0.0/16,::1\n"
	    "peer = [::1]:8444\n"
	    "peer_allow = ::1/128\n"
	    "[tls]\n"
	    "min_version = 1.2\n"
	    "groups = P-256\n"
	    "peer_ca_file = /etc/medsec/peers.pem\n"
	    "handshake_timeout = 5\n"
	    "[limits]\n"
	    "max_update_bytes = 8M\n"
	    "login_workers = 4\n"
	    "[daemon]\n"
	    "user = nobody\n"
	    "[incident]\n"
	    "contact = 예시의료 보안팀\n"
	    "step1 = Unplug the gateway.\n";

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
	assert_true(cfg.listen_api.set);
	assert_int_equal(cfg.listen_api.family, AF_INET);
	assert_int_equal(cfg.listen_api.port, 8443);
	assert_string_equal(cfg.listen_api.text, "127.0.0.1:8443");
	assert_int_equal(cfg.listen_api_allow.n, 3);
	assert_int_equal(cfg.listen_peer.family, AF_INET6);
	assert_int_equal(cfg.listen_peer.port, 8444);
	assert_int_equal(cfg.tls_min_version, 0x0303);
	assert_string_equal(cfg.tls_groups, "P-256");
	assert_int_equal(cfg.tls_handshake_timeout, 5);
	assert_int_equal(cfg.limits_max_update_bytes, 8u << 20);
	assert_int_equal(cfg.limits_login_workers, 4);
	assert_string_equal(cfg.daemon_user, "nobody");
	assert_string_equal(cfg.incident_contact, "예시의료 보안팀");
	assert_string_equal(cfg.incident_steps[0], "Unplug the gateway.");
	assert_string_equal(cfg.incident_steps[1], "");
}

static void
test_req_1_5_config_listener_needs_allow_list(void **state)
{
	(void)state;
	expect_error("[listen]\napi = 127.0.0.1:8443\n", 0,
	    "listen.api_allow", "client networks");
	expect_error("[listen]\ndebug_http = 127.0.0.1:8080\n", 0,
	    "listen.debug_allow", "debug");
	expect_error("[listen]\npeer = 127.0.0.1:8444\n"
	    "peer_allow = 127.0.0.1\n", 0, "tls.peer_ca_file", "CA");
	expect_error("[listen]\napi = 127.0.0.1:8443\napi_allow = 127.0.0.1\n"
	    "debug_http = 127.0.0.1:8443\ndebug_allow = 127.0.0.1\n", 0,
	    "listen", "same address");
}

static void
test_config_bad_endpoints_refused(void **state)
{
	(void)state;
	expect_error("[listen]\napi = localhost:8443\n", 2, "listen.api",
	    "localhost:8443");
	expect_error("[listen]\napi = 127.0.0.1\n", 2, "listen.api",
	    "address:port");
	expect_error("[listen]\napi = 127.0.0.1:0\n", 2, "listen.api",
	    "1..65535");
	expect_error("[listen]\napi = 127.0.0.1:65536\n", 2, "listen.api",
	    "1..65535");
	expect_error("[listen]\napi = 127.0.0.1:08443\n", 2, "listen.api",
	    "1..65535");
	expect_error("[listen]\napi = ::1:8443\n", 2, "listen.api",
	    "brackets");
	expect_error("[listen]\napi = [127.0.0.1]:8443\n", 2, "listen.api",
	    "IPv4");
	expect_error("[listen]\napi = [::1]8443\n", 2, "listen.api",
	    "[IPv6 address]:port");
}

static void
test_config_bad_networks_refused(void **state)
{
	(void)state;
	expect_error("[listen]\napi_allow = 127.0.0.1/8\n", 2,
	    "listen.api_allow", "host bits");
	expect_error("[listen]\napi_allow = 10.0.0.0/33\n", 2,
	    "listen.api_allow", "prefix length too long");
	expect_error("[listen]\napi_allow = 10.0.0.0/\n", 2,
	    "listen.api_allow", "prefix");
	expect_error("[listen]\napi_allow = 10.0.0.0/8,\n", 2,
	    "listen.api_allow", "empty network");
	expect_error("[listen]\napi_allow = any\n", 2, "listen.api_allow",
	    "'any'");
	expect_error("[listen]\napi_allow = 1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,"
	    "4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,"
	    "10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,"
	    "15.0.0.0/8,16.0.0.0/8,17.0.0.0/8\n", 2, "listen.api_allow",
	    "16");
}

static void
test_req_1_17_config_old_tls_versions_refused(void **state)
{
	(void)state;
	expect_error("[tls]\nmin_version = 1.1\n", 2, "tls.min_version",
	    "1.3 or 1.2");
	expect_error("[tls]\nmin_version = 1.0\n", 2, "tls.min_version",
	    "'1.0'");
	expect_error("[tls]\ngroups = X25519 P-256\n", 2, "tls.groups",
	    "separated by ':'");
}

static void
test_config_daemon_other_values_refused(void **state)
{
	(void)state;
	expect_error("[daemon]\nuser = root\n", 2, "daemon.user",
	    "must not run as root");
	expect_error("[daemon]\nuser = Bad User\n", 2, "daemon.user",
	    "not a user name");
	expect_error("[tls]\ncert_file = relative.pem\n", 2, "tls.cert_file",
	    "absolute");
	expect_error("[tls]\ncert_file = /etc/c.pem\n", 0, "tls.key_file",
	    "together");
	expect_error("[limits]\nrequest_rate = 50\nrequest_burst = 10\n", 0,
	    "limits.request_burst", "below");
	expect_error("[limits]\nmax_connections = 10\n"
	    "source_connections = 20\n", 0, "limits.source_connections",
	    "above");
	expect_error("[limits]\nmax_header_bytes = 100\n", 2,
	    "limits.max_header_bytes", "out of range");
	expect_error("[incident]\ncontact = a\xc2\x85" "b\n", 2,
	    "incident.contact", "control");
	/* Invalid UTF-8 never reaches a key: the reader refuses the text. */
	expect_error("[incident]\ncontact = \xc3\x28\n", 2, "",
	    "UTF-8");
	expect_error("[incident]\nstep7 = x\n", 2, "incident.step7",
	    "unknown key");
}

/*
 * [source]: the readings simulator is off unless asked for; its patients
 * and interval are bounded and named in the error.
 */
static void
test_config_source_section(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(cfg.source_simulator, 0);
	assert_int_equal(parse("[source]\nsimulator = on\npatients = 64\n"
	    "interval = 3600\n", &cfg, &err), MEDSEC_OK);
	assert_int_equal(cfg.source_simulator, 1);
	assert_int_equal(cfg.source_patients, 64);
	assert_int_equal(cfg.source_interval, 3600);
	assert_int_equal(parse("[source]\nsimulator = off\n", &cfg, &err),
	    MEDSEC_OK);
	assert_int_equal(cfg.source_simulator, 0);
	expect_error("[source]\nsimulator = maybe\n", 2, "source.simulator",
	    "'maybe'");
	expect_error("[source]\npatients = 0\n", 2, "source.patients",
	    "out of range");
	expect_error("[source]\npatients = 65\n", 2, "source.patients",
	    "out of range");
	expect_error("[source]\ninterval = 0\n", 2, "source.interval",
	    "out of range");
	expect_error("[source]\nseed = 1\n", 2, "source.seed", "unknown key");
	/* The rate per source connection (catalog H7). */
	assert_int_equal(parse("[source]\n", &cfg, &err), MEDSEC_OK);
	assert_int_equal(cfg.source_rate, 200);
	assert_int_equal(cfg.source_burst, 2000);
	assert_int_equal(parse("[source]\nrate = 20\nburst = 40\n", &cfg,
	    &err), MEDSEC_OK);
	assert_int_equal(cfg.source_rate, 20);
	assert_int_equal(cfg.source_burst, 40);
	expect_error("[source]\nrate = 0\n", 2, "source.rate", "value 0 out "
	    "of range 1..100000");
	expect_error("[source]\nburst = 1000001\n", 2, "source.burst",
	    "out of range");
	expect_error("[source]\nrate = 20/s\n", 2, "source.rate", "20/s");
	/* The local control socket: on unless turned off. */
	assert_int_equal(parse("[daemon]\n", &cfg, &err), MEDSEC_OK);
	assert_int_equal(cfg.daemon_control_socket, 1);
	assert_int_equal(parse("[daemon]\ncontrol_socket = off\n", &cfg,
	    &err), MEDSEC_OK);
	assert_int_equal(cfg.daemon_control_socket, 0);
	expect_error("[daemon]\ncontrol_socket = sometimes\n", 2,
	    "daemon.control_socket", "'sometimes'");
}

static void
test_req_1_16_config_uplink_section(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_string_equal(cfg.uplink_url, "");
	assert_int_equal(parse("[uplink]\nurl = https://collector.example:8443"
	    "/fhir\nclient_cert = /etc/medsec/uplink.pem\nclient_key = "
	    "/etc/medsec/uplink.key\nca_file = /etc/medsec/hospital-ca.pem\n"
	    "batch_max = 32\nqueue_max_bytes = 64M\n[source]\nsocket = "
	    "/run/medsec/source.sock\n", &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.uplink_url,
	    "https://collector.example:8443/fhir");
	assert_int_equal(cfg.uplink_batch_max, 32);
	assert_int_equal(cfg.uplink_queue_max_bytes, 64u << 20);
	assert_string_equal(cfg.source_socket, "/run/medsec/source.sock");
	/* Readings leave encrypted and to a named collector only. */
	expect_error("[uplink]\nurl = http://collector/fhir\n", 2,
	    "uplink.url", "https:// only");
	expect_error("[uplink]\nurl = https://user@collector/fhir\n", 2,
	    "uplink.url", "user part");
	expect_error("[uplink]\nurl = https:///fhir\n", 2, "uplink.url",
	    "no host");
	expect_error("[uplink]\nurl = https://collector/fhir\nca_file = "
	    "/ca.pem\nclient_key = /k.pem\n", 0, "uplink.client_cert",
	    "authenticates both ends");
	expect_error("[uplink]\nclient_key = key.pem\n", 2,
	    "uplink.client_key", "absolute path");
	expect_error("[uplink]\npin_sha256 = abc\n", 2, "uplink.pin_sha256",
	    "SHA-256");
	expect_error("[uplink]\nbatch_max = 33\n", 2, "uplink.batch_max",
	    "out of range");
}

static void
test_req_1_5_config_cidrs_match(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	struct sockaddr_in a;
	struct sockaddr_in6 b;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[listen]\napi_allow = 127.0.0.0/8, "
	    "10.1.128.0/17, 2001:db8::/32\n", &cfg, &err), MEDSEC_OK);
	a = v4("127.0.0.5");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, sizeof(a)), 1);
	a = v4("10.1.200.1");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, sizeof(a)), 1);
	a = v4("10.1.127.255");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, sizeof(a)), 0);
	a = v4("128.0.0.1");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, sizeof(a)), 0);
	b = v6("::ffff:127.0.0.9");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&b, sizeof(b)), 1);
	b = v6("2001:db8:ffff::1");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&b, sizeof(b)), 1);
	b = v6("2001:db9::1");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&b, sizeof(b)), 0);
	/* A short address length is not read past. */
	a = v4("127.0.0.1");
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, 4), 0);
	/* An empty list accepts nobody. */
	medsec_config_defaults(&cfg);
	assert_int_equal(medsec_config_cidrs_match(&cfg.listen_api_allow,
	    (struct sockaddr *)&a, sizeof(a)), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_19_config_nothing_listens_by_default),
	cmocka_unit_test(test_config_daemon_sections_read),
	cmocka_unit_test(test_req_1_5_config_listener_needs_allow_list),
	cmocka_unit_test(test_config_bad_endpoints_refused),
	cmocka_unit_test(test_config_bad_networks_refused),
	cmocka_unit_test(test_req_1_17_config_old_tls_versions_refused),
	cmocka_unit_test(test_config_daemon_other_values_refused),
	cmocka_unit_test(test_req_1_5_config_cidrs_match),
	cmocka_unit_test(test_config_source_section),
	cmocka_unit_test(test_req_1_16_config_uplink_section),
};

MEDSEC_TEST_MAIN(tests)
