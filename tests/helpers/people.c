#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"
#include "medsec/audit.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"

static void
open_all(struct people *p)
{
	assert_int_equal(medsec_db_open(p->dbpath, 1, &p->db), MEDSEC_OK);
	assert_int_equal(medsec_audit_open(p->f.audit, p->f.ks, &p->f.opts,
			     &p->audit, NULL), MEDSEC_OK);
	assert_int_equal(medsec_sessions_open(p->db, p->audit, &p->sopts,
			     &p->sessions), MEDSEC_OK);
	assert_int_equal(medsec_identity_open(p->db, p->audit, &p->roles,
			     p->sessions, &p->iopts, &p->id), MEDSEC_OK);
}

static void
close_all(struct people *p)
{
	medsec_identity_close(p->id);
	medsec_sessions_close(p->sessions);
	assert_int_equal(medsec_audit_close(p->audit), MEDSEC_OK);
	medsec_db_close(p->db);
	p->id = NULL;
	p->sessions = NULL;
	p->audit = NULL;
	p->db = NULL;
}

void
people_setup(struct people *p)
{
	char code[MEDSEC_SETUP_CODE_LEN], why[256];

	memset(p, 0, sizeof(*p));
	p->clock.wall_us = INT64_C(1795000000) * 1000000; /* 2026-11 */
	p->clock.mono_us = INT64_C(1000) * 1000000;
	fixture_clock_install(&p->clock);
	fixture_setup(&p->f, 1000, 1 << 20);
	snprintf(p->dbpath, sizeof(p->dbpath), "%s/medsec.db", p->f.root);
	medsec_roles_defaults(&p->roles);
	medsec_session_options_default(&p->sopts);
	memset(&p->iopts, 0, sizeof(p->iopts));
	p->iopts.profile = medsec_password_profile_find("kr-pipc");
	assert_non_null(p->iopts.profile);
	p->iopts.pwhash_ops = 2;
	p->iopts.pwhash_mem = 19u << 20;
	p->iopts.max_failures = 5;
	p->iopts.lock_seconds = 900;
	p->iopts.source_max_failures = 20;
	p->iopts.source_window_seconds = 300;
	p->iopts.password_history = 5;
	p->iopts.setup_code_hours = 24;
	p->iopts.emergency_access = 1;
	open_all(p);
	assert_int_equal(medsec_identity_setup_code_issue(p->id, code),
	    MEDSEC_OK);
	assert_int_equal(medsec_identity_bootstrap(p->id, code, "admin",
			     PEOPLE_ADMIN_PASSWORD,
			     strlen(PEOPLE_ADMIN_PASSWORD), "local", why,
			     sizeof(why)), MEDSEC_OK);
	p->admin.user = "admin";
	p->admin.source = "local";
	p->admin.roles = "administrator";
}

void
people_restart(struct people *p)
{
	close_all(p);
	open_all(p);
}

void
people_teardown(struct people *p)
{
	close_all(p);
	fixture_teardown(&p->f);
	fixture_clock_uninstall();
}

void
people_add(struct people *p, const char *name, const char *roles)
{
	char why[256] = "";

	assert_int_equal(medsec_identity_user_add(p->id, &p->admin, name,
			     roles, 0, PEOPLE_PASSWORD, strlen(PEOPLE_PASSWORD),
			     why, sizeof(why)), MEDSEC_OK);
	people_skip_first_change(p, name);
}

void
people_skip_first_change(struct people *p, const char *name)
{
	struct medsec_db_stmt *st = NULL;

	/* Tests log in directly; the first-login change is tested apart. */
	assert_int_equal(medsec_db_prepare(p->db, "UPDATE account SET "
			     "must_change = 0 WHERE name = ?1", &st),
	    MEDSEC_OK);
	assert_int_equal(medsec_db_bind_text(st, 1, name), MEDSEC_OK);
	assert_int_equal(medsec_db_step(st), MEDSEC_DB_DONE);
	medsec_db_finalize(st);
}

void
people_advance(struct people *p, int64_t seconds)
{
	p->clock.wall_us += seconds * 1000000;
	p->clock.mono_us += seconds * 1000000;
}

size_t
people_count_events(struct people *p, int event, const char *reason)
{
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_checkpoint(p->audit), MEDSEC_OK);
	assert_int_equal(medsec_audit_reader_open(p->f.audit, &rd),
	    MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1)
		if (rec.event == event &&
		    (reason == NULL || strstr(rec.reason, reason) != NULL))
			n++;
	assert_int_equal(r, 0);
	medsec_audit_reader_close(rd);
	return n;
}
