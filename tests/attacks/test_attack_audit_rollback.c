/*
 * Rollback of the audit trail or the database (TESTING.md S7, L3): an
 * older copy of either put back on the device is detected by
 * cross-checking the two; an older copy of everything only against a
 * head kept off the device (docs/formats/audit-log.md, "Rollback").
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/db.h"
#include "medsec/err.h"

struct device {
	struct fixture f;
	char db_path[400];
	struct medsec_db *db;
	struct medsec_audit *a;
};

static void
device_setup(struct device *d)
{
	fixture_setup(&d->f, 50, 1 << 20);
	snprintf(d->db_path, sizeof(d->db_path), "%s/medsec.db", d->f.root);
	assert_int_equal(medsec_db_open(d->db_path, 1, &d->db), MEDSEC_OK);
	medsec_db_close(d->db);
	d->db = NULL;
}

/* What a command does first: open both and cross-check them. */
static int
command_begin(struct device *d, char *why, size_t whylen)
{
	struct medsec_audit_expect e;
	int r;

	why[0] = '\0';
	assert_int_equal(medsec_db_open(d->db_path, 0, &d->db), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(d->f.audit, d->f.ks, &d->f.opts,
			     &d->a, NULL), MEDSEC_OK);
	assert_int_equal(medsec_audit_db_state(d->db, &e), MEDSEC_OK);
	r = medsec_audit_check_state(d->a, &e, why, whylen);
	if (r != MEDSEC_OK) {
		assert_int_equal(medsec_audit_close(d->a), MEDSEC_OK);
		medsec_db_close(d->db);
		d->a = NULL;
		d->db = NULL;
	}
	return r;
}

/* A security change and its record, committed before it is audited. */
static void
command_change(struct device *d, const char *sql, int event,
    const char *object)
{
	struct medsec_audit_event_in ev = { event, "chief", "local", object,
		MEDSEC_AUDIT_SUCCESS, NULL, NULL };

	assert_int_equal(medsec_audit_ready(d->a), MEDSEC_OK);
	assert_int_equal(medsec_db_begin(d->db), MEDSEC_OK);
	assert_int_equal(medsec_db_exec(d->db, sql), MEDSEC_OK);
	assert_int_equal(medsec_db_commit(d->db), MEDSEC_OK);
	assert_int_equal(medsec_audit_append(d->a, &ev, NULL), MEDSEC_OK);
}

/* What a command does last: seal the trail, save its head. */
static void
command_end(struct device *d)
{
	struct medsec_audit_expect e;

	assert_int_equal(medsec_audit_db_state(d->db, &e), MEDSEC_OK);
	assert_true(e.have_generation);
	medsec_audit_note_state(d->a, e.generation);
	assert_int_equal(medsec_audit_checkpoint(d->a), MEDSEC_OK);
	assert_int_equal(medsec_audit_save_head(d->db, d->a), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(d->a), MEDSEC_OK);
	medsec_db_close(d->db);
	d->a = NULL;
	d->db = NULL;
}

static void
add_nurse(struct device *d)
{
	char why[256];

	assert_int_equal(command_begin(d, why, sizeof(why)), MEDSEC_OK);
	command_change(d, "INSERT INTO account (name, roles, created_us, "
	    "password_changed_us) VALUES ('nurse01', 'clinician', 1, 1)",
	    MEDSEC_EV_USER_CREATED, "nurse01");
	command_end(d);
}

static void
lock_and_disable_nurse(struct device *d)
{
	char why[256];

	assert_int_equal(command_begin(d, why, sizeof(why)), MEDSEC_OK);
	command_change(d, "UPDATE account SET locked_until_us = -1 WHERE "
	    "name = 'nurse01'", MEDSEC_EV_ACCOUNT_LOCKED, "nurse01");
	command_change(d, "UPDATE account SET disabled = 1 WHERE name = "
	    "'nurse01'", MEDSEC_EV_USER_DISABLED, "nurse01");
	command_end(d);
}

static void
add_admin(struct device *d)
{
	char why[256];

	assert_int_equal(command_begin(d, why, sizeof(why)), MEDSEC_OK);
	command_change(d, "INSERT INTO account (name, roles, created_us, "
	    "password_changed_us) VALUES ('admin2', 'administrator', 1, 1)",
	    MEDSEC_EV_USER_CREATED, "admin2");
	command_end(d);
}

static void
copy(const char *from, const char *to)
{
	fixture_rmrf(to);
	fixture_copy_tree(from, to);
}

static int
verify_on_device(struct device *d, const struct medsec_audit_expect *extra,
    struct medsec_audit_verify_result *res)
{
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	struct medsec_audit_expect e[3];
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_read_verifier(d->f.verifier, &v),
	    MEDSEC_OK);
	memset(&opts, 0, sizeof(opts));
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	opts.verifier_key = v.mac_key;
	opts.verifier_key_len = v.mac_key_len;
	assert_int_equal(medsec_db_open(d->db_path, 0, &d->db), MEDSEC_OK);
	assert_int_equal(medsec_audit_db_state(d->db, &e[n++]), MEDSEC_OK);
	medsec_db_close(d->db);
	d->db = NULL;
	memset(&e[n], 0, sizeof(e[n]));
	e[n].source = "the keystore";
	e[n].have_mac_epoch = 1;
	assert_int_equal(medsec_audit_key_epoch(d->f.ks, &e[n++].mac_epoch),
	    MEDSEC_OK);
	if (extra != NULL)
		e[n++] = *extra;
	r = medsec_audit_verify_against(d->f.audit, &opts, e, n, res);
	medsec_wipe(&v, sizeof(v));
	return r;
}

/*
 * The database copied before an account was locked and disabled, put back
 * afterwards: the account would be usable again. The trail recorded the
 * newer generation, so the device refuses to go on.
 */
static void
test_req_2_1_attack_s7_older_database_put_back_detected(void **state)
{
	struct medsec_audit_verify_result res;
	struct device d;
	char old[400], why[256];

	(void)state;
	device_setup(&d);
	add_nurse(&d);
	snprintf(old, sizeof(old), "%s/medsec-old.db", d.f.root);
	copy(d.db_path, old);
	lock_and_disable_nurse(&d);
	assert_int_equal(verify_on_device(&d, NULL, &res), MEDSEC_OK);
	assert_int_equal(rename(old, d.db_path), 0);
	assert_int_equal(command_begin(&d, why, sizeof(why)),
	    MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(why, "older copy of the database"));
	assert_int_equal(verify_on_device(&d, NULL, &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_STATE_ROLLED_BACK);
	assert_non_null(strstr(res.message, "the database"));
	fixture_teardown(&d.f);
}

/*
 * The trail and the sealed MAC key copied before an administrator was
 * created, put back afterwards with the database kept: the creation is
 * gone from the history, and the older trail verifies in itself. The
 * head the database saved says the trail was longer.
 */
static void
test_req_2_1_attack_s7_older_trail_and_key_put_back_detected(void **state)
{
	struct medsec_audit_verify_result res;
	struct device d;
	char old_audit[400], old_keys[400], why[256];

	(void)state;
	device_setup(&d);
	add_nurse(&d);
	snprintf(old_audit, sizeof(old_audit), "%s/audit-old", d.f.root);
	snprintf(old_keys, sizeof(old_keys), "%s/keys-old", d.f.root);
	copy(d.f.audit, old_audit);
	copy(d.f.keys, old_keys);
	add_admin(&d);
	fixture_rmrf(d.f.audit);
	fixture_rmrf(d.f.keys);
	assert_int_equal(rename(old_audit, d.f.audit), 0);
	assert_int_equal(rename(old_keys, d.f.keys), 0);
	fixture_reopen_keys(&d.f);
	/* consistent in itself, even with the verifier key */
	assert_int_equal(fixture_verify(&d.f, 1, &res), MEDSEC_OK);
	assert_int_equal(command_begin(&d, why, sizeof(why)),
	    MEDSEC_ERR_TAMPERED);
	assert_non_null(strstr(why, "saved record"));
	assert_int_equal(verify_on_device(&d, NULL, &res), MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_ROLLED_BACK);
	fixture_teardown(&d.f);
}

/*
 * Everything put back at once is consistent on the device: only a head
 * kept off it (from an earlier `audit verify`) shows the trail fell back.
 */
static void
test_req_2_1_attack_s7_whole_state_put_back_needs_kept_head(void **state)
{
	struct medsec_audit_verify_result res;
	struct medsec_audit_expect kept;
	struct device d;
	char old_root[400], why[256];

	(void)state;
	device_setup(&d);
	add_nurse(&d);
	snprintf(old_root, sizeof(old_root), "%s-old", d.f.root);
	copy(d.f.root, old_root);
	lock_and_disable_nurse(&d);
	assert_int_equal(verify_on_device(&d, NULL, &res), MEDSEC_OK);
	memset(&kept, 0, sizeof(kept));
	kept.source = "the head kept off the device";
	kept.head_seq = res.head_seq;
	memcpy(kept.head_chain, res.head_chain, sizeof(kept.head_chain));
	medsec_keystore_close(d.f.ks);
	d.f.ks = NULL;
	fixture_rmrf(d.f.root);
	assert_int_equal(rename(old_root, d.f.root), 0);
	fixture_reopen_keys(&d.f);
	/* the device cannot tell */
	assert_int_equal(command_begin(&d, why, sizeof(why)), MEDSEC_OK);
	command_end(&d);
	assert_int_equal(verify_on_device(&d, NULL, &res), MEDSEC_OK);
	/* the kept head can */
	assert_int_equal(verify_on_device(&d, &kept, &res),
	    MEDSEC_ERR_TAMPERED);
	assert_int_equal(res.problem, MEDSEC_AUDIT_ROLLED_BACK);
	assert_non_null(strstr(res.message, "the head kept off the device"));
	fixture_teardown(&d.f);
}

/* The generation rises with every change to a security table, by trigger. */
static void
test_req_2_1_state_generation_rises_with_every_security_change(void **state)
{
	static const char *const changes[] = {
		"INSERT INTO account (name, roles, created_us, "
		"password_changed_us) VALUES ('u', 'clinician', 1, 1)",
		"UPDATE account SET failures = 1 WHERE name = 'u'",
		"INSERT INTO meta (key, value) VALUES ('update_counter', '3')",
		"UPDATE meta SET value = '4' WHERE key = 'update_counter'",
		"INSERT INTO update_package (state, received_us, changed_us) "
		"VALUES (1, 1, 1)",
		"INSERT INTO revoked_certificate VALUES ('ab', 's', 1, 'r')",
		"DELETE FROM account WHERE name = 'u'",
	};
	struct medsec_audit_expect before, after;
	struct device d;

	(void)state;
	device_setup(&d);
	assert_int_equal(medsec_db_open(d.db_path, 0, &d.db), MEDSEC_OK);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		assert_int_equal(medsec_audit_db_state(d.db, &before),
		    MEDSEC_OK);
		assert_int_equal(medsec_db_exec(d.db, changes[i]), MEDSEC_OK);
		assert_int_equal(medsec_audit_db_state(d.db, &after),
		    MEDSEC_OK);
		if (after.generation <= before.generation)
			fail_msg("generation did not rise: %s", changes[i]);
	}
	/* saving the trail's head is not a security change */
	assert_int_equal(medsec_audit_open(d.f.audit, d.f.ks, &d.f.opts, &d.a,
			     NULL), MEDSEC_OK);
	assert_int_equal(medsec_audit_save_head(d.db, d.a), MEDSEC_OK);
	assert_int_equal(medsec_audit_db_state(d.db, &before), MEDSEC_OK);
	assert_int_equal(before.generation, after.generation);
	assert_true(before.head_seq > 0);
	assert_int_equal(medsec_audit_close(d.a), MEDSEC_OK);
	medsec_db_close(d.db);
	fixture_teardown(&d.f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_attack_s7_older_database_put_back_detected),
	cmocka_unit_test(test_req_2_1_attack_s7_older_trail_and_key_put_back_detected),
	cmocka_unit_test(test_req_2_1_attack_s7_whole_state_put_back_needs_kept_head),
	cmocka_unit_test(test_req_2_1_state_generation_rises_with_every_security_change),
};

MEDSEC_TEST_MAIN(tests)
