/*
 * Incidents (MFDS 2.3; MFDS 2025 rules on incident notice): a record is
 * refused without the facts its notices need, each bad fact is named,
 * closing needs the root cause and recurrence prevention, a change and
 * its timeline entry are one transaction, and notices and the CSAF
 * advisory refuse what they cannot state truthfully.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "testmain.h"
#include "medsec-tools/incident.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/db.h"
#include "medsec/err.h"

#define NOW "2026-12-02T10:00:00Z"

struct t {
	char root[64];
	char path[128];
	struct medsec_db *db;
	struct medsec_config_error err;
};

static void
t_setup(struct t *t)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(t->root, sizeof(t->root), "/tmp/medsec-incident-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->path, sizeof(t->path), "%s/medsec.db", t->root);
	assert_int_equal(medsec_db_open(t->path, 1, &t->db), MEDSEC_OK);
}

static void
t_teardown(struct t *t)
{
	medsec_db_close(t->db);
	fixture_rmrf(t->root);
}

static void
facts(struct medsec_incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->detected, sizeof(inc->detected), "2026-12-01T08:30:00Z");
	snprintf(inc->severity, sizeof(inc->severity), "high");
	snprintf(inc->devices, sizeof(inc->devices), "pump-0042");
	snprintf(inc->versions, sizeof(inc->versions), "2.3.0, 2.3.1");
	snprintf(inc->summary, sizeof(inc->summary), "Login flood from the "
	    "guest network.");
	snprintf(inc->impact, sizeof(inc->impact), "No patient data read.");
	snprintf(inc->containment, sizeof(inc->containment), "Guest network "
	    "blocked.");
}

static int
count(const struct medsec_incident *inc, void *ctx)
{
	(void)inc;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t
incidents(struct t *t)
{
	size_t n = 0;

	assert_int_equal(medsec_incident_list(t->db, count, &n), MEDSEC_OK);
	return n;
}

static void
test_req_2_3_incident_open_needs_notice_facts(void **state)
{
	struct medsec_incident inc;
	struct t t;

	(void)state;
	t_setup(&t);
	facts(&inc);
	inc.impact[0] = '\0';
	inc.devices[0] = '\0';
	assert_int_equal(medsec_incident_open(t.db, &inc, "os:test", NOW,
	    &t.err), MEDSEC_ERR_INVALID);
	assert_string_equal(t.err.key, "missing");
	assert_non_null(strstr(t.err.message, "devices, impact"));
	assert_int_equal(incidents(&t), 0);
	assert_string_equal(inc.id, "");
	facts(&inc);
	assert_int_equal(medsec_incident_open(t.db, &inc, "os:test", NOW,
	    &t.err), MEDSEC_OK);
	assert_string_equal(inc.id, "INC-20261202-001");
	assert_string_equal(inc.status, "open");
	assert_int_equal(incidents(&t), 1);
	t_teardown(&t);
}

static void
expect_refused(struct t *t, struct medsec_incident *inc, const char *key,
    const char *value)
{
	assert_int_equal(medsec_incident_open(t->db, inc, "os:test", NOW,
	    &t->err), MEDSEC_ERR_INVALID);
	assert_string_equal(t->err.key, key);
	if (value != NULL)
		assert_non_null(strstr(t->err.message, value));
	facts(inc);
}

static void
test_req_2_3_incident_bad_facts_named(void **state)
{
	struct medsec_incident inc;
	struct t t;

	(void)state;
	t_setup(&t);
	facts(&inc);
	snprintf(inc.detected, sizeof(inc.detected), "2026-12-01 08:30");
	expect_refused(&t, &inc, "detected", "'2026-12-01 08:30'");
	snprintf(inc.detected, sizeof(inc.detected), "2027-01-01T00:00:00Z");
	expect_refused(&t, &inc, "detected", "is after now");
	snprintf(inc.severity, sizeof(inc.severity), "severe");
	expect_refused(&t, &inc, "severity", "'severe'");
	snprintf(inc.summary, sizeof(inc.summary), "line\x1b[2Jhidden");
	expect_refused(&t, &inc, "summary", "control character");
	snprintf(inc.impact, sizeof(inc.impact), "bad \xc3\x28 utf-8");
	expect_refused(&t, &inc, "impact", "invalid UTF-8");
	assert_int_equal(incidents(&t), 0);
	t_teardown(&t);
}

static void
test_req_2_3_incident_close_needs_root_cause(void **state)
{
	struct medsec_incident inc, change, got;
	struct t t;

	(void)state;
	t_setup(&t);
	facts(&inc);
	assert_int_equal(medsec_incident_open(t.db, &inc, "os:a", NOW, &t.err),
	    MEDSEC_OK);
	memset(&change, 0, sizeof(change));
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change,
	    "closed", "done", "os:a", NOW, NULL, &t.err), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(t.err.message, "root_cause, prevention"));
	snprintf(change.root_cause, sizeof(change.root_cause), "Default "
	    "firewall rule allowed the guest VLAN.");
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change,
	    "closed", "done", "os:a", NOW, NULL, &t.err), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(t.err.message, "prevention"));
	/* Refused changes wrote nothing: still open, one timeline entry. */
	assert_int_equal(medsec_incident_get(t.db, inc.id, &got), MEDSEC_OK);
	assert_string_equal(got.status, "open");
	assert_string_equal(got.root_cause, "");
	assert_int_equal(got.ntimeline, 1);
	medsec_incident_release(&got);
	snprintf(change.prevention, sizeof(change.prevention), "Deny by "
	    "default on every VLAN; reviewed quarterly.");
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change,
	    "closed", "root cause found", "os:b", NOW, &got, &t.err),
	    MEDSEC_OK);
	assert_string_equal(got.status, "closed");
	assert_string_equal(got.closed, NOW);
	memset(&change, 0, sizeof(change));
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change, "",
	    "again", "os:b", NOW, NULL, &t.err), MEDSEC_ERR_STATE);
	t_teardown(&t);
}

static void
test_req_2_3_incident_timeline_follows_each_change(void **state)
{
	struct medsec_incident inc, change, got;
	struct t t;

	(void)state;
	t_setup(&t);
	facts(&inc);
	assert_int_equal(medsec_incident_open(t.db, &inc, "os:a", NOW, &t.err),
	    MEDSEC_OK);
	memset(&change, 0, sizeof(change));
	snprintf(change.severity, sizeof(change.severity), "critical");
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change,
	    "contained", "firewall verified", "os:b", NOW, NULL, &t.err),
	    MEDSEC_OK);
	assert_int_equal(medsec_incident_update(t.db, inc.id, &change,
	    "", "", "os:b", NOW, NULL, &t.err), MEDSEC_ERR_INVALID);
	assert_string_equal(t.err.key, "note");
	assert_int_equal(medsec_incident_update(t.db, "INC-20261202-009",
	    &change, "", "x", "os:b", NOW, NULL, &t.err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_int_equal(medsec_incident_get(t.db, inc.id, &got), MEDSEC_OK);
	assert_string_equal(got.severity, "critical");
	assert_string_equal(got.summary, inc.summary);
	assert_int_equal(got.ntimeline, 2);
	assert_string_equal(got.timeline[0].status, "open");
	assert_string_equal(got.timeline[1].status, "contained");
	assert_string_equal(got.timeline[1].actor, "os:b");
	assert_string_equal(got.timeline[1].note, "firewall verified");
	medsec_incident_release(&got);
	/* A second incident the same day gets the next number. */
	facts(&inc);
	assert_int_equal(medsec_incident_open(t.db, &inc, "os:a", NOW, &t.err),
	    MEDSEC_OK);
	assert_string_equal(inc.id, "INC-20261202-002");
	t_teardown(&t);
}

static void
contact(struct medsec_config *c)
{
	medsec_config_defaults(c);
	snprintf(c->incident_contact, sizeof(c->incident_contact), "PSIRT");
	snprintf(c->incident_phone, sizeof(c->incident_phone), "+82-2-0100");
	snprintf(c->incident_email, sizeof(c->incident_email), "a@b.example");
	snprintf(c->incident_steps[0], sizeof(c->incident_steps[0]),
	    "Disconnect the device from the network.");
}

static void
test_req_2_3_incident_notice_carries_contact(void **state)
{
	struct medsec_incident inc;
	struct medsec_config cfg;
	struct medsec_config_error err;
	struct medsec_incident_notice_info info = { "ACME", "https://acme.example",
		"Pump", "pump-0042", "2.4.0", NOW, &cfg };
	char *text = NULL;

	(void)state;
	facts(&inc);
	snprintf(inc.id, sizeof(inc.id), "INC-20261202-001");
	snprintf(inc.status, sizeof(inc.status), "open");
	contact(&cfg);
	cfg.incident_phone[0] = '\0';
	assert_int_equal(medsec_incident_notice(&inc, &info, MEDSEC_NOTICE_USER,
	    "ko", 0, &text, &err), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err.message, "missing: phone"));
	assert_null(text);
	contact(&cfg);
	assert_int_equal(medsec_incident_notice(&inc, &info, MEDSEC_NOTICE_MFDS,
	    "ko", 0, &text, &err), MEDSEC_OK);
	assert_non_null(strstr(text, "식품의약품안전처"));
	assert_non_null(strstr(text, "| 심각도 | 높음 |"));
	assert_non_null(strstr(text, inc.summary));
	assert_non_null(strstr(text, "+82-2-0100"));
	assert_non_null(strstr(text, "1. Disconnect the device"));
	assert_non_null(strstr(text, "2.4.0입니다"));
	free(text);
	assert_int_equal(medsec_incident_notice(&inc, &info,
	    MEDSEC_NOTICE_INSTITUTION, "en", 1, &text, &err), MEDSEC_OK);
	assert_non_null(strstr(text, "\"audience\": \"institution\""));
	assert_non_null(strstr(text, "Under analysis"));
	free(text);
	assert_int_equal(medsec_incident_notice(&inc, &info, MEDSEC_NOTICE_USER,
	    "fr", 0, &text, &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "lang");
}

static void
test_req_2_3_incident_csaf_refuses_bad_versions(void **state)
{
	struct medsec_incident inc;
	struct medsec_config cfg;
	struct medsec_config_error err;
	struct medsec_incident_notice_info info = { "ACME", "https://acme.example",
		"Pump", "pump-0042", "2.3.1", NOW, &cfg };
	char *json = NULL, name[64];

	(void)state;
	facts(&inc);
	snprintf(inc.id, sizeof(inc.id), "INC-20261202-001");
	contact(&cfg);
	assert_int_equal(medsec_incident_csaf(&inc, &info, "ACME-SA-1", &json,
	    &err), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err.message, "'2.3.1' is among the affected"));
	info.fixed_version = "2.4.0";
	snprintf(inc.versions, sizeof(inc.versions), "<= 2.3.1");
	assert_int_equal(medsec_incident_csaf(&inc, &info, "ACME-SA-1", &json,
	    &err), MEDSEC_ERR_INVALID);
	assert_string_equal(err.key, "versions");
	assert_non_null(strstr(err.message, "'<= 2.3.1'"));
	assert_null(json);
	facts(&inc);
	assert_int_equal(medsec_incident_csaf(&inc, &info, "ACME-SA-1", &json,
	    &err), MEDSEC_OK);
	assert_non_null(strstr(json, "\"csaf_security_advisory\""));
	assert_non_null(strstr(json, "\"CSAFPID-2.4.0\""));
	free(json);
	assert_int_equal(medsec_incident_csaf_filename("ACME SA/2025:002", name,
	    sizeof(name)), MEDSEC_OK);
	assert_string_equal(name, "acme_sa_2025_002.json");
}

/*
 * The device's own integrity, tamper and flood events open an incident
 * with every fact a notice needs; a repeat while it is open goes to its
 * timeline; an event without the facts is refused and writes nothing.
 */
static void
test_req_2_3_incident_device_event_opens_complete_record(void **state)
{
	struct medsec_incident_trigger tr = { MEDSEC_INCIDENT_ON_INTEGRITY,
		"2026-12-02T09:58:00Z", "gw-0007", "0.1.0", "bin/medsecd "
		"hash differs from the manifest", "the file was restored from "
		"the manifest's copy" };
	struct medsec_incident inc, got, flood;
	char missing[256];
	int opened = -1;
	struct t t;

	(void)state;
	t_setup(&t);
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &inc, &opened, &t.err), MEDSEC_OK);
	assert_int_equal(opened, 1);
	assert_int_equal(medsec_incident_missing(&inc, 0, missing,
	    sizeof(missing)), 0);
	assert_string_equal(inc.severity, "high");
	assert_string_equal(inc.devices, "gw-0007");
	assert_string_equal(inc.status, "open");
	assert_non_null(strstr(inc.summary, "Integrity failure detected by "
	    "the device: bin/medsecd hash differs"));
	assert_non_null(strstr(inc.impact, "signed manifest"));

	tr.detected = "2026-12-02T09:59:30Z";
	tr.detail = "etc/medsec.conf hash differs from the manifest";
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &got, &opened, &t.err), MEDSEC_OK);
	assert_int_equal(opened, 0);
	assert_string_equal(got.id, inc.id);
	assert_int_equal(incidents(&t), 1);
	assert_int_equal(medsec_incident_get(t.db, inc.id, &got), MEDSEC_OK);
	assert_int_equal(got.ntimeline, 2);
	assert_non_null(strstr(got.timeline[1].note, "Seen again at "
	    "2026-12-02T09:59:30Z: etc/medsec.conf"));
	medsec_incident_release(&got);

	tr.kind = MEDSEC_INCIDENT_ON_FLOOD;
	tr.detail = "source 203.0.113.9 throttled 4000 requests";
	tr.containment = "";
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &flood, &opened, &t.err), MEDSEC_ERR_INVALID);
	assert_non_null(strstr(t.err.message, "containment"));
	assert_int_equal(incidents(&t), 1);
	tr.containment = "the source was throttled";
	tr.detected = "2026-12-03T10:00:00Z";
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &flood, &opened, &t.err), MEDSEC_ERR_INVALID);
	assert_string_equal(t.err.key, "detected");
	tr.detected = "2026-12-02T09:59:59Z";
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &flood, &opened, &t.err), MEDSEC_OK);
	assert_int_equal(opened, 1);
	assert_string_equal(flood.severity, "medium");
	assert_string_not_equal(flood.id, inc.id);
	assert_int_equal(incidents(&t), 2);
	tr.kind = 7;
	assert_int_equal(medsec_incident_open_for_event(t.db, &tr, "medsecd",
	    NOW, &flood, &opened, &t.err), MEDSEC_ERR_INVALID);
	assert_int_equal(incidents(&t), 2);
	t_teardown(&t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_3_incident_open_needs_notice_facts),
	cmocka_unit_test(test_req_2_3_incident_bad_facts_named),
	cmocka_unit_test(test_req_2_3_incident_close_needs_root_cause),
	cmocka_unit_test(test_req_2_3_incident_timeline_follows_each_change),
	cmocka_unit_test(test_req_2_3_incident_notice_carries_contact),
	cmocka_unit_test(test_req_2_3_incident_csaf_refuses_bad_versions),
	cmocka_unit_test(test_req_2_3_incident_device_event_opens_complete_record),
};

MEDSEC_TEST_MAIN(tests)
