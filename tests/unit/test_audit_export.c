/*
 * Audit export (MFDS 2.1): every format checked by an independent reader:
 * ATNA XML by xmllint against the DICOM PS3.15 A.5.1 schema, FHIR by
 * fhir.js (tests/validators), JSON Lines by jansson, syslog by a strict
 * RFC 5424 parser written here. Hostile field values must stay inside
 * their field in every format (log injection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/err.h"

#define RNG MEDSEC_SOURCE_DIR "/tests/vectors/audit/dicom-audit-message.rng"
#define VALIDATORS MEDSEC_SOURCE_DIR "/tests/validators"
#define NPM_INSTALL \
	"npm install --prefix tests/validators --no-audit --no-fund"

/* 2025-01-15T09:00:00.123456Z */
#define T0 1736931600123456LL

static const struct medsec_audit_export_source src = {
	"pump-0042", "HOSP-A", "pump-0042.device.local", "medsec-test", "0.1.0"
};

/* Hostile text: line breaks, quotes, SD and XML markup, ESC, bad UTF-8. */
#define EVIL "a\nb\rc\"d]e<f&g\x1b[31mh\xff\xc3(i\\j"
#define EVIL_FORGE "x\"] [medsec@32473 outcome=\"success\"]\n<1>1 - - - - -"

static struct medsec_audit_record
mkrec(int event, const char *actor, const char *source, const char *object,
    int outcome, const char *reason, const char *details)
{
	struct medsec_audit_record rec = { 7, T0, event, outcome, actor, source,
		object, reason, details };

	return rec;
}

static char *
export_one(int fmt, const struct medsec_audit_record *rec, uint64_t index)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_audit_export_record(fmt, &src, rec, index,
	    &out, &len), MEDSEC_OK);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* One line: ends in exactly one LF, nothing else breaks it. */
static void
assert_one_line(const char *s)
{
	size_t len = strlen(s);

	assert_true(len > 1);
	assert_int_equal(s[len - 1], '\n');
	assert_null(memchr(s, '\n', len - 1));
	assert_null(strchr(s, '\r'));
	assert_null(strchr(s, '\x1b'));
}

static void
write_temp(char *path, size_t pathlen, const char *suffix, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, pathlen, "/tmp/medsec-export-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Runs a shell command; returns its exit status (-1 if it did not exit). */
static int
run(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
assert_atna_valid(const char *xml)
{
	char path[64], cmd[512];

	write_temp(path, sizeof(path), ".xml", xml);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --relaxng '%s' '%s'", RNG,
	    path);
	if (run(cmd) != 0)
		fail_msg("ATNA message does not validate: %s", xml);
	unlink(path);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not found in: %s", needle, hay);
}

static void
test_export_format_by_name_maps_the_four_formats(void **state)
{
	int fmt = 0;

	(void)state;
	assert_int_equal(medsec_audit_format_by_name("jsonl", &fmt), MEDSEC_OK);
	assert_int_equal(fmt, MEDSEC_AUDIT_FMT_JSONL);
	assert_int_equal(medsec_audit_format_by_name("syslog", &fmt),
	    MEDSEC_OK);
	assert_int_equal(fmt, MEDSEC_AUDIT_FMT_SYSLOG);
	assert_int_equal(medsec_audit_format_by_name("atna", &fmt), MEDSEC_OK);
	assert_int_equal(fmt, MEDSEC_AUDIT_FMT_ATNA);
	assert_int_equal(medsec_audit_format_by_name("fhir", &fmt), MEDSEC_OK);
	assert_int_equal(fmt, MEDSEC_AUDIT_FMT_FHIR);
}

static void
test_export_format_by_name_rejects_unknown(void **state)
{
	int fmt = 0;

	(void)state;
	assert_int_equal(medsec_audit_format_by_name("xml", &fmt),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_format_by_name("", &fmt),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_format_by_name("JSONL ", &fmt),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_format_by_name(NULL, &fmt),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(fmt, 0);
}

/* One record of each category, and each ATNA shape. */
static const struct medsec_audit_record *
sample_records(size_t *np)
{
	static struct medsec_audit_record recs[9];

	recs[0] = mkrec(MEDSEC_EV_LOGIN_FAILURE, "nurse01", "192.0.2.10", "",
	    MEDSEC_AUDIT_FAILURE, "bad password (attempt 3 of 5)",
	    "{\"attempt\":3}");
	recs[1] = mkrec(MEDSEC_EV_LOGOUT, "nurse01", "local", "",
	    MEDSEC_AUDIT_SUCCESS, "", "{}");
	recs[2] = mkrec(MEDSEC_EV_PHR_READ, "dr.kim", "2001:db8::7",
	    "PID-000123", MEDSEC_AUDIT_SUCCESS, "", "");
	recs[3] = mkrec(MEDSEC_EV_PHR_DELETE, "dr.kim", "ward3-terminal",
	    "PID-000124", MEDSEC_AUDIT_FAILURE, "retention period", "{}");
	recs[4] = mkrec(MEDSEC_EV_UPDATE_REJECTED, "updater",
	    "198.51.100.7", "urn:acme:fw:pump:2.3.1", MEDSEC_AUDIT_FAILURE,
	    "signature invalid", "{\"from\":\"2.3.0\",\"to\":\"2.3.1\"}");
	recs[5] = mkrec(MEDSEC_EV_INTEGRITY_FAILURE, "", "", "",
	    MEDSEC_AUDIT_FAILURE, "hash mismatch", "{\"file\":\"/bin/x\"}");
	recs[6] = mkrec(MEDSEC_EV_APP_START, "", "", "", MEDSEC_AUDIT_SUCCESS,
	    "", "{}");
	recs[7] = mkrec(MEDSEC_EV_APP_STOP, "admin", "local", "",
	    MEDSEC_AUDIT_SUCCESS, "operator request", "{}");
	recs[8] = mkrec(MEDSEC_EV_PHR_CREATE, "dr.kim", "local", "",
	    MEDSEC_AUDIT_SUCCESS, "", "{}");
	*np = sizeof(recs) / sizeof(recs[0]);
	return recs;
}

static void
test_req_2_1_export_atna_validates_against_dicom_schema(void **state)
{
	const struct medsec_audit_record *recs;
	size_t i, n;
	char *xml;

	(void)state;
	recs = sample_records(&n);
	for (i = 0; i < n; i++) {
		xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &recs[i], i);
		assert_one_line(xml);
		assert_atna_valid(xml);
		free(xml);
	}
}

/* Negative twin: the schema check is not vacuous. */
static void
test_export_atna_schema_rejects_a_broken_message(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGIN_FAILURE,
	    "nurse01", "192.0.2.10", "", MEDSEC_AUDIT_FAILURE, "", "{}");
	char path[64], cmd[512];
	char *xml, *p;

	(void)state;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	p = strstr(xml, "EventOutcomeIndicator=\"4\"");
	assert_non_null(p);
	p[strlen("EventOutcomeIndicator=\"")] = '3';
	write_temp(path, sizeof(path), ".xml", xml);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --relaxng '%s' '%s' "
				   "2>/dev/null", RNG, path);
	assert_int_not_equal(run(cmd), 0);
	unlink(path);
	free(xml);
}

static void
test_export_atna_auth_event_is_user_authentication(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGIN_FAILURE,
	    "nurse01", "192.0.2.10", "", MEDSEC_AUDIT_FAILURE, "bad password",
	    "{}");
	char *xml;

	(void)state;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "EventActionCode=\"E\"");
	assert_contains(xml, "EventDateTime=\"2025-01-15T09:00:00.123456Z\"");
	assert_contains(xml, "EventOutcomeIndicator=\"4\"");
	assert_contains(xml, "<EventID csd-code=\"110114\" codeSystemName="
			     "\"DCM\" originalText=\"User Authentication\"/>");
	assert_contains(xml, "<EventTypeCode csd-code=\"110122\"");
	assert_contains(xml, "<EventOutcomeDescription>bad password<");
	assert_contains(xml, "UserID=\"nurse01\" UserIsRequestor=\"true\" "
			     "NetworkAccessPointID=\"192.0.2.10\" "
			     "NetworkAccessPointTypeCode=\"2\"");
	assert_contains(xml, "AuditEnterpriseSiteID=\"HOSP-A\" "
			     "AuditSourceID=\"pump-0042\"");
	assert_int_equal(count(xml, "<ParticipantObjectIdentification"), 0);
	free(xml);
	rec.event = MEDSEC_EV_SESSION_EXPIRED;
	rec.source = "local";
	rec.outcome = MEDSEC_AUDIT_SUCCESS;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "<EventTypeCode csd-code=\"110123\"");
	assert_contains(xml, "EventOutcomeIndicator=\"0\"");
	/* "local": the device's own interface, named as a machine. */
	assert_contains(xml, "NetworkAccessPointID=\"pump-0042.device.local\" "
			     "NetworkAccessPointTypeCode=\"1\"");
	free(xml);
}

static void
test_export_atna_phr_event_names_the_patient(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_PHR_UPDATE, "dr.kim",
	    "local", "PID-000123", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *xml;

	(void)state;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "EventActionCode=\"U\"");
	assert_contains(xml, "csd-code=\"110110\"");
	assert_contains(xml, "ParticipantObjectID=\"PID-000123\" "
			     "ParticipantObjectTypeCode=\"1\" "
			     "ParticipantObjectTypeCodeRole=\"1\"");
	assert_contains(xml, "<ParticipantObjectIDTypeCode csd-code=\"2\" "
			     "codeSystemName=\"RFC-3881\" "
			     "originalText=\"Patient Number\"/>");
	assert_contains(xml, "<ParticipantObjectName>PID-000123<");
	free(xml);
}

static void
test_export_atna_security_alert_carries_alert_description(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_UPDATE_REJECTED,
	    "updater", "local", "fw-2.3.1", MEDSEC_AUDIT_FAILURE, "bad sig",
	    "{}");
	char *xml;

	(void)state;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "csd-code=\"110113\"");
	assert_contains(xml, "<EventTypeCode csd-code=\"110131\"");
	assert_contains(xml, "EventOutcomeIndicator=\"8\"");
	assert_contains(xml, "ParticipantObjectTypeCodeRole=\"13\"");
	/* base64("software update rejected; bad sig") */
	assert_contains(xml, "type=\"Alert Description\" value=\""
			     "c29mdHdhcmUgdXBkYXRlIHJlamVjdGVkOyBiYWQgc2ln\"");
	free(xml);
	rec.event = MEDSEC_EV_INTEGRITY_FAILURE;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "EventOutcomeIndicator=\"12\"");
	free(xml);
	rec.outcome = MEDSEC_AUDIT_SUCCESS;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "EventOutcomeIndicator=\"0\"");
	free(xml);
}

static void
test_export_atna_application_event_names_the_application(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_APP_STOP, "admin",
	    "local", "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *xml;

	(void)state;
	xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &rec, 0);
	assert_contains(xml, "<EventID csd-code=\"110100\"");
	assert_contains(xml, "<EventTypeCode csd-code=\"110121\"");
	assert_contains(xml, "UserID=\"medsec-test\" UserIsRequestor=\"false\"");
	assert_contains(xml, "<RoleIDCode csd-code=\"110150\"");
	assert_contains(xml, "UserID=\"admin\" UserIsRequestor=\"true\"");
	assert_contains(xml, "<RoleIDCode csd-code=\"110151\"");
	free(xml);
}

/* The FHIR bundle of recs, as one string. */
static char *
fhir_bundle(const struct medsec_audit_record *recs, size_t n)
{
	char *piece, *all = NULL;
	size_t len, total = 0, i;

	for (i = 0; i <= n + 1; i++) {
		if (i == 0)
			assert_int_equal(medsec_audit_export_begin(
			    MEDSEC_AUDIT_FMT_FHIR, &src, &piece, &len), MEDSEC_OK);
		else if (i <= n)
			assert_int_equal(medsec_audit_export_record(
			    MEDSEC_AUDIT_FMT_FHIR, &src, &recs[i - 1], i - 1,
			    &piece, &len), MEDSEC_OK);
		else
			assert_int_equal(medsec_audit_export_end(
			    MEDSEC_AUDIT_FMT_FHIR, &src, n, &piece, &len),
			    MEDSEC_OK);
		all = realloc(all, total + len + 1);
		assert_non_null(all);
		memcpy(all + total, piece, len + 1);
		total += len;
		free(piece);
	}
	return all;
}

static void
assert_fhir_valid(const char *json)
{
	char path[64], cmd[512];
	struct stat st;

	if (stat(VALIDATORS "/node_modules/fhir", &st) != 0)
		fail_msg("FHIR validator not installed: run `" NPM_INSTALL
			 "` in %s", MEDSEC_SOURCE_DIR);
	write_temp(path, sizeof(path), ".json", json);
	snprintf(cmd, sizeof(cmd), "node '%s/validate-fhir.cjs' '%s'",
	    VALIDATORS, path);
	if (run(cmd) != 0)
		fail_msg("FHIR bundle does not validate: %s", json);
	unlink(path);
}

static void
test_req_2_1_export_fhir_bundle_validates(void **state)
{
	const struct medsec_audit_record *recs;
	json_t *root;
	size_t n;
	char *all;

	(void)state;
	recs = sample_records(&n);
	all = fhir_bundle(recs, n);
	root = json_loads(all, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root,
	    "resourceType")), "Bundle");
	assert_int_equal(json_array_size(json_object_get(root, "entry")), n);
	json_decref(root);
	assert_fhir_valid(all);
	free(all);
}

/* Every event of the vocabulary, as new ones are added, exports validly. */
static void
test_req_2_1_export_every_event_validates(void **state)
{
	static struct medsec_audit_record recs[128];
	const struct medsec_audit_event_info *ev;
	size_t i, n;
	char *xml, *all;

	(void)state;
	ev = medsec_audit_events(&n);
	assert_true(n <= sizeof(recs) / sizeof(recs[0]));
	for (i = 0; i < n; i++) {
		recs[i] = mkrec(ev[i].event, "nurse01", "192.0.2.10",
		    "object-1", i % 2 ? MEDSEC_AUDIT_FAILURE :
		    MEDSEC_AUDIT_SUCCESS, "reason", "{}");
		xml = export_one(MEDSEC_AUDIT_FMT_ATNA, &recs[i], i);
		assert_one_line(xml);
		assert_atna_valid(xml);
		free(xml);
	}
	all = fhir_bundle(recs, n);
	assert_fhir_valid(all);
	free(all);
}

static void
test_export_fhir_empty_bundle_validates(void **state)
{
	char *all;

	(void)state;
	all = fhir_bundle(NULL, 0);
	assert_fhir_valid(all);
	free(all);
}

/* Negative twin: a bundle whose AuditEvent lost "recorded" fails. */
static void
test_export_fhir_validator_rejects_a_broken_bundle(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char path[64], cmd[512];
	char *all, *bad;
	json_t *root;

	(void)state;
	all = fhir_bundle(&rec, 1);
	assert_fhir_valid(all);
	root = json_loads(all, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_del(json_object_get(json_array_get(
	    json_object_get(root, "entry"), 0), "resource"), "recorded"), 0);
	bad = json_dumps(root, JSON_COMPACT);
	assert_non_null(bad);
	write_temp(path, sizeof(path), ".json", bad);
	snprintf(cmd, sizeof(cmd), "node '%s/validate-fhir.cjs' '%s' "
				   ">/dev/null", VALIDATORS, path);
	assert_int_equal(run(cmd), 1);
	unlink(path);
	free(bad);
	json_decref(root);
	free(all);
}

static json_t *
fhir_resource(const struct medsec_audit_record *rec)
{
	json_t *entry, *res;
	char *s;

	s = export_one(MEDSEC_AUDIT_FMT_FHIR, rec, 0);
	entry = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(entry);
	assert_true(strncmp(json_string_value(json_object_get(entry,
	    "fullUrl")), "urn:uuid:", 9) == 0);
	res = json_incref(json_object_get(entry, "resource"));
	json_decref(entry);
	assert_non_null(res);
	return res;
}

/*
 * The string at a path of object keys and array indexes ("0"), ended by
 * NULL; fails the test if absent.
 */
static const char *
jpath(json_t *j, ...)
{
	const char *key;
	va_list ap;

	va_start(ap, j);
	while (j != NULL && (key = va_arg(ap, const char *)) != NULL) {
		if (json_is_array(j))
			j = json_array_get(j, (size_t)strtoul(key, NULL, 10));
		else
			j = json_object_get(j, key);
	}
	va_end(ap);
	assert_true(json_is_string(j));
	return json_string_value(j);
}

static void
test_export_fhir_maps_dicom_codes_and_participants(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_PHR_READ, "dr.kim",
	    "192.0.2.10", "PID-000123", MEDSEC_AUDIT_FAILURE, "no consent",
	    "{}");
	json_t *ae;

	(void)state;
	ae = fhir_resource(&rec);
	assert_string_equal(jpath(ae, "type", "code", NULL), "110110");
	assert_string_equal(json_string_value(json_object_get(ae, "action")),
	    "R");
	assert_string_equal(json_string_value(json_object_get(ae, "outcome")),
	    "4");
	assert_string_equal(json_string_value(json_object_get(ae,
	    "outcomeDesc")), "no consent");
	assert_string_equal(json_string_value(json_object_get(ae, "recorded")),
	    "2025-01-15T09:00:00.123456Z");
	assert_string_equal(jpath(ae, "agent", "0", "who",
	    "identifier", "value", NULL), "dr.kim");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(ae, "agent"), 0), "requestor")));
	assert_string_equal(jpath(ae, "agent", "0", "network",
	    "type", NULL), "2");
	assert_string_equal(jpath(ae, "entity", "0", "what",
	    "identifier", "value", NULL), "PID-000123");
	assert_string_equal(jpath(ae, "entity", "0", "role",
	    "code", NULL), "1");
	assert_string_equal(jpath(ae, "source", "site", NULL),
	    "HOSP-A");
	assert_string_equal(jpath(ae, "source", "type", "0",
	    "code", NULL), "2");
	json_decref(ae);
}

static void
test_export_jsonl_fields_roundtrip(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGIN_FAILURE,
	    "nurse01", "192.0.2.10", "session", MEDSEC_AUDIT_FAILURE,
	    "bad password", "{\"attempt\":3,\"ua\":\"ui\"}");
	json_t *o, *details;
	char *line;

	(void)state;
	rec.seq = 123456789012ULL;
	line = export_one(MEDSEC_AUDIT_FMT_JSONL, &rec, 0);
	assert_one_line(line);
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "seq")),
	    123456789012LL);
	assert_string_equal(json_string_value(json_object_get(o, "time")),
	    "2025-01-15T09:00:00.123456Z");
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    "LOGIN_FAILURE");
	assert_string_equal(json_string_value(json_object_get(o, "category")),
	    "AUTH");
	assert_string_equal(json_string_value(json_object_get(o, "actor")),
	    "nurse01");
	assert_string_equal(json_string_value(json_object_get(o, "source")),
	    "192.0.2.10");
	assert_string_equal(json_string_value(json_object_get(o, "object")),
	    "session");
	assert_string_equal(json_string_value(json_object_get(o, "outcome")),
	    "failure");
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "bad password");
	details = json_object_get(o, "details");
	assert_true(json_is_object(details));
	assert_int_equal(json_integer_value(json_object_get(details,
	    "attempt")), 3);
	json_decref(o);
	free(line);
}

static void
test_export_jsonl_refuses_details_that_are_not_an_object(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "[1,2]");
	char *out = (char *)"sentinel";
	size_t len;

	(void)state;
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_JSONL,
	    &src, &rec, 0, &out, &len), MEDSEC_ERR_FORMAT);
	assert_null(out);
	rec.details = "{\"a\":";
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_SYSLOG,
	    &src, &rec, 0, &out, &len), MEDSEC_ERR_FORMAT);
	assert_null(out);
}

/* ---- a strict RFC 5424 reader ---- */

#define MAX_PARAMS 16

struct sd_elem {
	char id[40];
	size_t n;
	char name[MAX_PARAMS][40];
	char value[MAX_PARAMS][2048];
};

struct syslog_msg {
	int pri;
	char ts[40], host[300], app[60], procid[140], msgid[40];
	struct sd_elem sd[4];
	size_t nsd;
	const char *msg;
};

/* Copies a header field up to SP; printable US-ASCII only. */
static const char *
hdr_field(const char *p, char *out, size_t outlen, size_t max)
{
	size_t n = 0;

	while (*p != ' ') {
		assert_true(*p >= 33 && *p <= 126);
		assert_true(n < max && n + 1 < outlen);
		out[n++] = *p++;
	}
	assert_true(n > 0);
	out[n] = '\0';
	return p + 1;
}

static const char *
sd_name(const char *p, char *out, size_t outlen, char stop)
{
	size_t n = 0;

	while (*p != stop && *p != ' ' && *p != ']') {
		assert_true(*p >= 33 && *p <= 126 && *p != '=' && *p != '"');
		assert_true(n < 32 && n + 1 < outlen);
		out[n++] = *p++;
	}
	assert_true(n > 0);
	out[n] = '\0';
	return p;
}

static const char *
sd_value(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	assert_int_equal(*p++, '"');
	while (*p != '"') {
		assert_true(*p != '\0' && *p != '\n');
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == ']'))
			p++;
		else
			assert_true(*p != ']');
		assert_true(n + 1 < outlen);
		out[n++] = *p++;
	}
	out[n] = '\0';
	return p + 1;
}

static const char *
sd_element(const char *p, struct sd_elem *e)
{
	assert_int_equal(*p++, '[');
	p = sd_name(p, e->id, sizeof(e->id), ' ');
	e->n = 0;
	while (*p == ' ') {
		assert_true(e->n < MAX_PARAMS);
		p = sd_name(p + 1, e->name[e->n], sizeof(e->name[0]), '=');
		assert_int_equal(*p++, '=');
		p = sd_value(p, e->value[e->n], sizeof(e->value[0]));
		e->n++;
	}
	assert_int_equal(*p++, ']');
	return p;
}

static void
parse_syslog(const char *line, struct syslog_msg *m)
{
	const char *p = line;
	char *end;
	long pri;

	memset(m, 0, sizeof(*m));
	assert_int_equal(*p++, '<');
	pri = strtol(p, &end, 10);
	assert_true(end > p && end - p <= 3 && pri >= 0 && pri <= 191);
	assert_false(end - p > 1 && *p == '0');
	m->pri = (int)pri;
	p = end;
	assert_int_equal(strncmp(p, ">1 ", 3), 0);
	p = hdr_field(p + 3, m->ts, sizeof(m->ts), 32);
	p = hdr_field(p, m->host, sizeof(m->host), 255);
	p = hdr_field(p, m->app, sizeof(m->app), 48);
	p = hdr_field(p, m->procid, sizeof(m->procid), 128);
	p = hdr_field(p, m->msgid, sizeof(m->msgid), 32);
	while (*p == '[') {
		assert_true(m->nsd < 4);
		p = sd_element(p, &m->sd[m->nsd++]);
	}
	assert_int_equal(*p++, ' ');
	m->msg = p;
}

/* YYYY-MM-DDThh:mm:ss.ffffffZ */
static void
assert_timestamp_shape(const char *ts)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	size_t i;

	assert_int_equal(strlen(ts), strlen(shape));
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd')
			assert_true(ts[i] >= '0' && ts[i] <= '9');
		else
			assert_int_equal(ts[i], shape[i]);
	}
}

static const char *
sd_get(const struct syslog_msg *m, const char *id, const char *name)
{
	size_t i, k;

	for (i = 0; i < m->nsd; i++)
		for (k = 0; strcmp(m->sd[i].id, id) == 0 && k < m->sd[i].n; k++)
			if (strcmp(m->sd[i].name[k], name) == 0)
				return m->sd[i].value[k];
	return NULL;
}

static void
test_export_syslog_header_follows_rfc5424_grammar(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGIN_FAILURE,
	    "nurse01", "192.0.2.10", "", MEDSEC_AUDIT_FAILURE,
	    "say \"hi\" \\ [x]", "{\"attempt\":3}");
	struct syslog_msg m;
	char *line;

	(void)state;
	line = export_one(MEDSEC_AUDIT_FMT_SYSLOG, &rec, 0);
	assert_one_line(line);
	parse_syslog(line, &m);
	assert_int_equal(m.pri, 10 * 8 + 4);
	assert_timestamp_shape(m.ts);
	assert_string_equal(m.ts, "2025-01-15T09:00:00.123456Z");
	assert_string_equal(m.host, "pump-0042.device.local");
	assert_string_equal(m.app, "medsec-test");
	assert_string_equal(m.procid, "-");
	assert_string_equal(m.msgid, "LOGIN_FAILURE");
	assert_int_equal(m.nsd, 3);
	assert_string_equal(m.sd[0].id, "meta");
	assert_string_equal(sd_get(&m, "meta", "sequenceId"), "7");
	assert_string_equal(sd_get(&m, "origin", "software"), "medsec");
	assert_string_equal(sd_get(&m, "origin", "swVersion"), "0.1.0");
	assert_string_equal(sd_get(&m, "medsec@32473", "event"),
	    "LOGIN_FAILURE");
	assert_string_equal(sd_get(&m, "medsec@32473", "reason"),
	    "say \"hi\" \\ [x]");
	assert_string_equal(sd_get(&m, "medsec@32473", "outcome"), "failure");
	assert_contains(line, "reason=\"say \\\"hi\\\" \\\\ [x\\]\"");
	assert_string_equal(m.msg, "\xef\xbb\xbfuser login failed "
				   "{\"attempt\":3}\n");
	free(line);
}

static void
test_export_syslog_sanitises_header_fields(void **state)
{
	struct medsec_audit_export_source s2 = { "pump 0042", NULL,
		"bad host\xc3\xa9\x1b", "an-application-name-that-is-far-too-"
					"long-for-rfc5424", NULL };
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_APP_START, "", "",
	    "", MEDSEC_AUDIT_SUCCESS, "", "");
	struct syslog_msg m;
	char *line = NULL;
	size_t len;

	(void)state;
	rec.seq = 2147483648ULL;
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_SYSLOG,
	    &s2, &rec, 0, &line, &len), MEDSEC_OK);
	assert_one_line(line);
	parse_syslog(line, &m);
	assert_int_equal(m.pri, 86);
	assert_string_equal(m.host, "bad_host__");
	assert_int_equal(strlen(m.app), 48);
	/* sequenceId is 1..2147483647: beyond, no meta element. */
	assert_null(sd_get(&m, "meta", "sequenceId"));
	assert_string_equal(m.sd[0].id, "origin");
	free(line);
	rec.seq = 0;
	s2.hostname = NULL;
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_SYSLOG,
	    &s2, &rec, 0, &line, &len), MEDSEC_OK);
	parse_syslog(line, &m);
	assert_string_equal(m.host, "pump_0042");
	assert_null(sd_get(&m, "meta", "sequenceId"));
	free(line);
}

/* ---- log injection ---- */

static void
check_injection_jsonl(const struct medsec_audit_record *rec)
{
	char *line = export_one(MEDSEC_AUDIT_FMT_JSONL, rec, 0);
	json_t *o;

	assert_one_line(line);
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 10);
	/* Representable text comes back unchanged; bad bytes as U+FFFD. */
	assert_string_equal(json_string_value(json_object_get(o, "actor")),
	    "a\nb\rc\"d]e<f&g\x1b[31mh\xef\xbf\xbd\xef\xbf\xbd(i\\j");
	assert_string_equal(json_string_value(json_object_get(o, "object")),
	    rec->object);
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    rec->reason);
	json_decref(o);
	free(line);
}

static void
check_injection_atna(const struct medsec_audit_record *rec)
{
	char *xml = export_one(MEDSEC_AUDIT_FMT_ATNA, rec, 0);

	assert_one_line(xml);
	assert_atna_valid(xml);
	assert_int_equal(count(xml, "<ActiveParticipant"), 1);
	assert_int_equal(count(xml, "<ParticipantObjectIdentification"), 1);
	assert_int_equal(count(xml, "<EventOutcomeDescription>"), 1);
	assert_int_equal(count(xml, "<AuditMessage>"), 1);
	assert_contains(xml, "UserID=\"a&#xA;b&#xD;c&quot;d]e&lt;f&amp;g"
			     "\xef\xbf\xbd[31mh\xef\xbf\xbd\xef\xbf\xbd(i\\j\"");
	free(xml);
}

static void
check_injection_syslog(const struct medsec_audit_record *rec)
{
	char *line = export_one(MEDSEC_AUDIT_FMT_SYSLOG, rec, 0);
	struct syslog_msg m;

	assert_one_line(line);
	parse_syslog(line, &m);
	assert_int_equal(m.nsd, 3);
	assert_int_equal(m.sd[2].n, 6);
	assert_string_equal(sd_get(&m, "medsec@32473", "actor"),
	    "a\\u000ab\\u000dc\"d]e<f&g\\u001b[31mh\xef\xbf\xbd\xef\xbf\xbd"
	    "(i\\j");
	assert_string_equal(sd_get(&m, "medsec@32473", "object"),
	    "x\"] [medsec@32473 outcome=\"success\"]\\u000a<1>1 - - - - -");
	assert_string_equal(sd_get(&m, "medsec@32473", "outcome"), "failure");
	free(line);
}

static void
check_injection_fhir(const struct medsec_audit_record *rec)
{
	char *all = fhir_bundle(rec, 1);
	json_t *root, *ae;

	root = json_loads(all, 0, NULL);
	assert_non_null(root);
	ae = json_object_get(json_array_get(json_object_get(root, "entry"), 0),
	    "resource");
	assert_int_equal(json_array_size(json_object_get(ae, "agent")), 1);
	assert_int_equal(json_array_size(json_object_get(ae, "entity")), 1);
	/* FHIR strings may hold LF and CR but no other control. */
	assert_string_equal(jpath(ae, "agent", "0", "who",
	    "identifier", "value", NULL), "a\nb\rc\"d]e<f&g\xef\xbf\xbd[31mh"
	    "\xef\xbf\xbd\xef\xbf\xbd(i\\j");
	json_decref(root);
	assert_fhir_valid(all);
	free(all);
}

static void
test_req_2_1_log_injection_encoded(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_PHR_READ, EVIL,
	    "192.0.2.1\n<85>1 forged", EVIL_FORGE, MEDSEC_AUDIT_FAILURE,
	    "r\"]\r\n</EventOutcomeDescription><x>", "{\"k\":\"v\\n\\u001b\"}");

	(void)state;
	check_injection_jsonl(&rec);
	check_injection_atna(&rec);
	check_injection_syslog(&rec);
	check_injection_fhir(&rec);
	rec.event = MEDSEC_EV_PERMISSION_DENIED;
	check_injection_atna(&rec);
	check_injection_fhir(&rec);
}

static void
test_export_unknown_event_refused(void **state)
{
	struct medsec_audit_record rec = mkrec(9999, "a", "local", "",
	    MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *out = (char *)"sentinel";
	size_t len;
	int fmt;

	(void)state;
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_FHIR; fmt++) {
		assert_int_equal(medsec_audit_export_record(fmt, &src, &rec, 0,
		    &out, &len), MEDSEC_ERR_INVALID);
		assert_null(out);
	}
	rec.event = MEDSEC_EV_LOGOUT;
	assert_int_equal(medsec_audit_export_record(0, &src, &rec, 0, &out,
	    &len), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_export_record(5, &src, &rec, 0, &out,
	    &len), MEDSEC_ERR_INVALID);
}

static void
test_export_oversized_field_refused(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char big[MEDSEC_AUDIT_FIELD_MAX + 2];
	char *out = NULL;
	size_t len;
	int fmt;

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rec.reason = big;
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_FHIR; fmt++)
		assert_int_equal(medsec_audit_export_record(fmt, &src, &rec, 0,
		    &out, &len), MEDSEC_ERR_TOO_LARGE);
	big[MEDSEC_AUDIT_FIELD_MAX] = '\0';
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_FHIR; fmt++) {
		assert_int_equal(medsec_audit_export_record(fmt, &src, &rec, 0,
		    &out, &len), MEDSEC_OK);
		free(out);
	}
}

static void
test_export_refuses_time_outside_years_0000_9999(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *out = NULL;
	size_t len;
	int fmt;

	(void)state;
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_FHIR; fmt++) {
		rec.time_us = INT64_MIN;
		assert_int_equal(medsec_audit_export_record(fmt, &src, &rec, 0,
		    &out, &len), MEDSEC_ERR_INVALID);
		rec.time_us = INT64_MAX;
		assert_int_equal(medsec_audit_export_record(fmt, &src, &rec, 0,
		    &out, &len), MEDSEC_ERR_INVALID);
	}
	/* Year 0000: RFC 3339 has it, xsd:dateTime and FHIR do not. */
	rec.time_us = -62167219200LL * 1000000;
	out = export_one(MEDSEC_AUDIT_FMT_JSONL, &rec, 0);
	assert_contains(out, "\"0000-01-01T00:00:00.000000Z\"");
	free(out);
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_ATNA, &src,
	    &rec, 0, &out, &len), MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_FHIR, &src,
	    &rec, 0, &out, &len), MEDSEC_ERR_INVALID);
}

static void
test_export_source_without_device_id_refused(void **state)
{
	struct medsec_audit_export_source s2 = { NULL, NULL, NULL, NULL, NULL };
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(medsec_audit_export_record(MEDSEC_AUDIT_FMT_ATNA, &s2,
	    &rec, 0, &out, &len), MEDSEC_ERR_INVALID);
	s2.device_id = "";
	assert_int_equal(medsec_audit_export_begin(MEDSEC_AUDIT_FMT_FHIR, &s2,
	    &out, &len), MEDSEC_ERR_INVALID);
	assert_null(out);
}

static void
test_export_line_formats_have_empty_begin_and_end(void **state)
{
	char *out;
	size_t len;
	int fmt;

	(void)state;
	for (fmt = MEDSEC_AUDIT_FMT_JSONL; fmt <= MEDSEC_AUDIT_FMT_ATNA; fmt++) {
		assert_int_equal(medsec_audit_export_begin(fmt, &src, &out,
		    &len), MEDSEC_OK);
		assert_int_equal(len, 0);
		free(out);
		assert_int_equal(medsec_audit_export_end(fmt, &src, 3, &out,
		    &len), MEDSEC_OK);
		assert_int_equal(len, 0);
		free(out);
	}
}

static void
test_export_fhir_entries_are_comma_separated_and_stable(void **state)
{
	struct medsec_audit_record rec = mkrec(MEDSEC_EV_LOGOUT, "a", "local",
	    "", MEDSEC_AUDIT_SUCCESS, "", "{}");
	char *first, *second, *again;

	(void)state;
	first = export_one(MEDSEC_AUDIT_FMT_FHIR, &rec, 0);
	second = export_one(MEDSEC_AUDIT_FMT_FHIR, &rec, 1);
	again = export_one(MEDSEC_AUDIT_FMT_FHIR, &rec, 0);
	assert_int_equal(first[0], '{');
	assert_int_equal(second[0], ',');
	assert_string_equal(second + 1, first);
	assert_string_equal(again, first);
	free(first);
	free(second);
	free(again);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_export_format_by_name_maps_the_four_formats),
	cmocka_unit_test(test_export_format_by_name_rejects_unknown),
	cmocka_unit_test(test_req_2_1_export_atna_validates_against_dicom_schema),
	cmocka_unit_test(test_export_atna_schema_rejects_a_broken_message),
	cmocka_unit_test(test_export_atna_auth_event_is_user_authentication),
	cmocka_unit_test(test_export_atna_phr_event_names_the_patient),
	cmocka_unit_test(test_export_atna_security_alert_carries_alert_description),
	cmocka_unit_test(test_export_atna_application_event_names_the_application),
	cmocka_unit_test(test_req_2_1_export_fhir_bundle_validates),
	cmocka_unit_test(test_req_2_1_export_every_event_validates),
	cmocka_unit_test(test_export_fhir_empty_bundle_validates),
	cmocka_unit_test(test_export_fhir_validator_rejects_a_broken_bundle),
	cmocka_unit_test(test_export_fhir_maps_dicom_codes_and_participants),
	cmocka_unit_test(test_export_fhir_entries_are_comma_separated_and_stable),
	cmocka_unit_test(test_export_jsonl_fields_roundtrip),
	cmocka_unit_test(test_export_jsonl_refuses_details_that_are_not_an_object),
	cmocka_unit_test(test_export_syslog_header_follows_rfc5424_grammar),
	cmocka_unit_test(test_export_syslog_sanitises_header_fields),
	cmocka_unit_test(test_req_2_1_log_injection_encoded),
	cmocka_unit_test(test_export_unknown_event_refused),
	cmocka_unit_test(test_export_oversized_field_refused),
	cmocka_unit_test(test_export_refuses_time_outside_years_0000_9999),
	cmocka_unit_test(test_export_source_without_device_id_refused),
	cmocka_unit_test(test_export_line_formats_have_empty_begin_and_end),
};

MEDSEC_TEST_MAIN(tests)
