/*
 * Whole-file rollback of the stores and a tampered configuration
 * (TESTING.md S7, S8).
 *
 * S7: an older copy of the record store, or of the audit trail, put back
 * on the device must be detected by something kept outside the file: the
 * device refuses to start on it, or the state it rolled back (an account
 * an administrator disabled) does not come back.
 * S8: a byte of a configuration file edited on the device is found by the
 * signed integrity manifest, the known-good copy is put back, and both
 * are in the audit trail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "people.h"
#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/integrity.h"
#include "medsec/signkey.h"

/*
 * Closes as a device does (src/cli/cli_util.c until the device core
 * owns it): a checkpoint recording the database's state generation, then
 * the trail's head saved in the database.
 */
static void
close_people(struct people *p)
{
	struct medsec_audit_expect e;

	assert_int_equal(medsec_audit_db_state(p->db, &e), MEDSEC_OK);
	if (e.have_generation)
		medsec_audit_note_state(p->audit, e.generation);
	assert_int_equal(medsec_audit_checkpoint(p->audit), MEDSEC_OK);
	assert_int_equal(medsec_audit_save_head(p->db, p->audit), MEDSEC_OK);
	medsec_identity_close(p->id);
	medsec_sessions_close(p->sessions);
	assert_int_equal(medsec_audit_close(p->audit), MEDSEC_OK);
	medsec_db_close(p->db);
	p->id = NULL;
	p->sessions = NULL;
	p->audit = NULL;
	p->db = NULL;
}

/* Opens as a start of the device does; the first failure's code. */
static int
open_people(struct people *p)
{
	struct medsec_audit_expect e;
	char why[512];
	int r;

	if ((r = medsec_db_open(p->dbpath, 0, &p->db)) != MEDSEC_OK)
		return r;
	if ((r = medsec_audit_open(p->f.audit, p->f.ks, &p->f.opts, &p->audit,
		 NULL)) != MEDSEC_OK)
		return r;
	/* A start checks the trail against the database before anything. */
	if ((r = medsec_audit_db_state(p->db, &e)) != MEDSEC_OK ||
	    (r = medsec_audit_check_state(p->audit, &e, why, sizeof(why))) !=
		MEDSEC_OK)
		return r;
	if ((r = medsec_sessions_open(p->db, p->audit, &p->sopts,
		 &p->sessions)) != MEDSEC_OK)
		return r;
	return medsec_identity_open(p->db, p->audit, &p->roles, p->sessions,
	    &p->iopts, &p->id);
}

static void
copy_file(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp -p -- '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

/*
 * S7, record store: the database copied while "nurse" was enabled, the
 * account disabled by the administrator (committed and audited), then
 * the old copy put back. The next start refuses the store, or "nurse"
 * stays disabled: an old copy must not undo an administrator's action.
 */
static void
test_req_2_1_attack_s7_database_rollback_detected(void **state)
{
	struct medsec_account acct;
	char saved[400], wal[400], shm[400];
	struct people p;
	int r;

	(void)state;
	people_setup(&p);
	people_add(&p, "nurse", "clinician");
	close_people(&p);
	/* closed: the store is one file, its WAL checkpointed away */
	snprintf(saved, sizeof(saved), "%s/old.db", p.f.root);
	copy_file(p.dbpath, saved);
	assert_int_equal(open_people(&p), MEDSEC_OK);
	assert_int_equal(medsec_identity_user_set_disabled(p.id, &p.admin,
			     "nurse", 1), MEDSEC_OK);
	assert_int_equal(people_count_events(&p, MEDSEC_EV_USER_DISABLED,
			     NULL), 1);
	close_people(&p);
	/* the attacker (or a careless restore) puts the old store back */
	snprintf(wal, sizeof(wal), "%s-wal", p.dbpath);
	snprintf(shm, sizeof(shm), "%s-shm", p.dbpath);
	(void)unlink(wal); /* absent after a clean close: nothing to check */
	(void)unlink(shm);
	assert_int_equal(rename(saved, p.dbpath), 0);
	r = open_people(&p);
	if (r == MEDSEC_OK) {
		r = medsec_identity_authenticate(p.id, "nurse",
		    PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD), "local", &acct);
		if (r != MEDSEC_ERR_DISABLED)
			fail_msg("an older copy of the store re-enabled a "
				 "disabled account (login: %d)", r);
	} else {
		/* refused: the start names the store as tampered */
		assert_int_equal(r, MEDSEC_ERR_TAMPERED);
	}
	if (p.id == NULL) {
		/* a refused start leaves handles half open: close them */
		medsec_sessions_close(p.sessions);
		if (p.audit != NULL)
			/* the start already failed: this is cleanup only */
			(void)medsec_audit_close(p.audit);
		medsec_db_close(p.db);
		p.sessions = NULL;
		p.audit = NULL;
		p.db = NULL;
	} else {
		close_people(&p);
	}
	fixture_teardown(&p.f);
	fixture_clock_uninstall();
}

/*
 * S7, audit trail: the audit directory copied, more records written
 * (several MAC epochs), then the older copy put back. The device's writer
 * refuses it as tampered, or verification with the verifier key fails.
 */
static void
test_req_2_1_attack_s7_audit_trail_rollback_detected(void **state)
{
	struct medsec_audit_verify_result res;
	struct medsec_audit *a = NULL;
	struct fixture f;
	char saved[400], cmd[2048];
	int r, verified;

	(void)state;
	fixture_setup(&f, 4, 1 << 20);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 1, 6);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	snprintf(saved, sizeof(saved), "%s/audit-old", f.root);
	fixture_copy_tree(f.audit, saved);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	fixture_append(a, 7, 12);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' && mv -- '%s' '%s'",
	    f.audit, saved, f.audit);
	assert_int_equal(system(cmd), 0);
	fixture_reopen_keys(&f);
	a = NULL;
	r = medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL);
	if (r == MEDSEC_OK)
		assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	verified = fixture_verify(&f, 1, &res) == MEDSEC_OK;
	if (r == MEDSEC_OK && verified)
		fail_msg("an older copy of the trail (6 of 18 records) opens "
			 "and verifies as intact");
	if (r != MEDSEC_OK)
		assert_int_equal(r, MEDSEC_ERR_TAMPERED);
	fixture_teardown(&f);
}

/* ---- S8 ---- */

#define CONF_TEXT "[device]\nid = dev-1\n"

static void
put(const char *root, const char *rel, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (text == NULL) {
		assert_int_equal(mkdir(path, mode), 0);
	} else {
		assert_non_null(fp = fopen(path, "w"));
		assert_true(fputs(text, fp) >= 0);
		assert_int_equal(fclose(fp), 0);
	}
	assert_int_equal(chmod(path, mode), 0);
}

static void
make_tree(const char *root)
{
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(chmod(root, 0755), 0);
	put(root, "bin", NULL, 0755);
	put(root, "etc", NULL, 0755);
	put(root, "bin/medsecd", "#!/bin/sh\necho daemon\n", 0755);
	put(root, "etc/medsec.conf", CONF_TEXT, 0644);
}

static size_t
count_records(const struct fixture *f, int event, const char *needle)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	size_t n = 0;

	assert_int_equal(medsec_audit_reader_open(f->audit, &rd), MEDSEC_OK);
	while (medsec_audit_reader_next(rd, &rec) == 1)
		if (rec.event == event && strstr(rec.details, needle) != NULL)
			n++;
	medsec_audit_reader_close(rd);
	return n;
}

/*
 * S8: one byte of the configuration edited (dev-1 becomes dev-2). The
 * signed manifest finds it, the known-good copy is put back (the
 * last-known-good configuration runs), and the finding and the restore
 * are audited; the trail verifies.
 */
static void
test_req_2_2_attack_s8_config_byte_edited_restored_and_logged(void **state)
{
	static const struct medsec_integrity_rule rules[] = {
		{ "bin/", MEDSEC_INTEGRITY_REFUSE },
		{ "etc/*.conf", MEDSEC_INTEGRITY_RESTORE },
	};
	struct medsec_integrity_check_result res;
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_integrity_options o;
	struct medsec_integrity_policy pol;
	struct medsec_audit_verify_result vres;
	struct medsec_signkey *key = NULL;
	struct medsec_audit *a = NULL;
	struct fixture f;
	char root[300], good[300], conf[400], buf[64] = "", err[512];
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	snprintf(root, sizeof(root), "%s/root", f.root);
	snprintf(good, sizeof(good), "%s/good", f.root);
	make_tree(root);
	make_tree(good);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519,
			     "acme-release-1", &key), MEDSEC_OK);
	medsec_integrity_options_default(&o);
	o.root_label = "/opt/medsec";
	assert_int_equal(medsec_integrity_create(root, key, &o, &text, &len,
			     err, sizeof(err)), MEDSEC_OK);
	assert_int_equal(medsec_integrity_parse(text, len,
			     medsec_signkey_public(key), 1, &m, err,
			     sizeof(err)), MEDSEC_OK);
	/* one byte of a setting edited on the device */
	snprintf(conf, sizeof(conf), "%s/etc/medsec.conf", root);
	assert_non_null(fp = fopen(conf, "r+"));
	assert_int_equal(fseek(fp, (long)strlen(CONF_TEXT) - 2, SEEK_SET), 0);
	assert_int_equal(fputc('2', fp), '2');
	assert_int_equal(fclose(fp), 0);
	memset(&pol, 0, sizeof(pol));
	pol.rules = rules;
	pol.nrules = sizeof(rules) / sizeof(rules[0]);
	pol.default_action = MEDSEC_INTEGRITY_ALERT;
	pol.known_good = good;
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_integrity_check(m, root, &pol, a, NULL, &res),
	    MEDSEC_OK);
	assert_int_equal(res.findings, 1);
	assert_int_equal(res.restored, 1);
	assert_int_equal(res.refused, 0);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	/* the last-known-good setting is back */
	assert_non_null(fp = fopen(conf, "r"));
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, fp),
	    strlen(CONF_TEXT));
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(buf, CONF_TEXT);
	/* and the trail says what was found and what was done */
	assert_int_equal(count_records(&f, MEDSEC_EV_INTEGRITY_FAILURE,
			     "\"path\":\"etc/medsec.conf\""), 1);
	assert_int_equal(count_records(&f, MEDSEC_EV_INTEGRITY_OK,
			     "\"action\":\"restored\""), 1);
	assert_int_equal(fixture_verify(&f, 1, &vres), MEDSEC_OK);
	medsec_integrity_free(m);
	medsec_signkey_free(key);
	free(text);
	fixture_teardown(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_attack_s7_database_rollback_detected),
	cmocka_unit_test(test_req_2_1_attack_s7_audit_trail_rollback_detected),
	cmocka_unit_test(test_req_2_2_attack_s8_config_byte_edited_restored_and_logged),
};

MEDSEC_TEST_MAIN(tests)
