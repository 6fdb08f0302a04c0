/*
 * Access control (MFDS 1.1): the built-in roles keep least privilege and
 * separation of duties, every decision denies by default, refusals reach
 * the audit trail, and the roles file is parsed strictly, naming the line
 * and key of every error and changing nothing when it fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/access.h"
#include "medsec/audit.h"
#include "medsec/err.h"

#define BIT(p) MEDSEC_PERM_BIT(MEDSEC_PERM_##p)

static int
parse(const char *text, struct medsec_roles *roles,
    struct medsec_config_error *err)
{
	return medsec_roles_parse("roles.ini", text, strlen(text), roles, err);
}

/*
 * Asserts that text is refused naming line and key, with a message that
 * contains want (when non-NULL), and that the roles are unchanged.
 */
static void
expect_error(const char *text, size_t len, int line, const char *key,
    const char *want)
{
	struct medsec_roles roles, before;
	struct medsec_config_error err;
	char buf[600];

	medsec_roles_defaults(&roles);
	before = roles;
	assert_int_equal(medsec_roles_parse("roles.ini", text, len, &roles,
	    &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.file, "roles.ini");
	assert_int_equal(err.line, line);
	assert_string_equal(err.key, key);
	assert_true(err.message[0] != '\0');
	if (want != NULL && strstr(err.message, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err.message, want);
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_true(strncmp(buf, "roles.ini:", 10) == 0);
	if (key[0] != '\0')
		assert_non_null(strstr(buf, key));
	assert_memory_equal(&roles, &before, sizeof(roles));
}

static void
expect_error_s(const char *text, int line, const char *key, const char *want)
{
	expect_error(text, strlen(text), line, key, want);
}

static int
check(const struct medsec_roles *roles, const char *role_list, int perm)
{
	struct medsec_subject who = { "u1", "local", role_list };

	return medsec_access_check(roles, NULL, &who, perm, "obj");
}

static void
test_req_1_1_auditor_cannot_read_records(void **state)
{
	struct medsec_roles roles;
	int p;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(check(&roles, "auditor", MEDSEC_PERM_AUDIT_READ),
	    MEDSEC_OK);
	/* The auditor reads the trail and nothing else. */
	for (p = 0; p < MEDSEC_PERM__COUNT; p++)
		if (p != MEDSEC_PERM_AUDIT_READ)
			assert_int_equal(check(&roles, "auditor", p),
			    MEDSEC_ERR_DENIED);
}

static void
test_req_1_1_admin_cannot_read_records_by_default(void **state)
{
	struct medsec_roles roles;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_PHR_READ), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_PHR_WRITE), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_DEVICE_CONTROL), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_AUDIT_READ), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_USER_ADMIN), MEDSEC_OK);
	assert_int_equal(check(&roles, "administrator", MEDSEC_PERM_CONFIG),
	    MEDSEC_OK);
	assert_int_equal(check(&roles, "administrator",
	    MEDSEC_PERM_UPDATE_APPROVE), MEDSEC_OK);
}

static void
test_req_1_1_clinician_reads_records(void **state)
{
	struct medsec_roles roles;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM_PHR_READ),
	    MEDSEC_OK);
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM_PHR_WRITE),
	    MEDSEC_OK);
	assert_int_equal(check(&roles, "clinician",
	    MEDSEC_PERM_DEVICE_CONTROL), MEDSEC_OK);
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM_USER_ADMIN),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician",
	    MEDSEC_PERM_UPDATE_APPROVE), MEDSEC_ERR_DENIED);
	/* A role list: any role granting it is enough. */
	assert_int_equal(check(&roles, "auditor , clinician",
	    MEDSEC_PERM_PHR_READ), MEDSEC_OK);
}

static void
test_req_1_1_unknown_role_denied(void **state)
{
	struct medsec_roles roles;
	size_t unknown = 99;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(check(&roles, "superuser", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
	/* Names match exactly: no case folding, no prefixes. */
	assert_int_equal(check(&roles, "Clinician", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinicia", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician-x", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_roles_permissions(&roles,
	    "bogus, clinician,,nope", &unknown),
	    BIT(PHR_READ) | BIT(PHR_WRITE) | BIT(DEVICE_CONTROL));
	assert_int_equal(unknown, 3);
	assert_null(medsec_roles_find(&roles, "superuser"));
	assert_null(medsec_roles_find(&roles, NULL));
	assert_null(medsec_roles_find(NULL, "clinician"));
	assert_non_null(medsec_roles_find(&roles, "clinician"));
}

static void MEDSEC_TEST_PASSES_NULL
test_req_1_1_empty_roles_denied(void **state)
{
	struct medsec_roles roles;
	struct medsec_subject who = { "u1", "local", NULL };
	size_t unknown = 99;
	int p;

	(void)state;
	medsec_roles_defaults(&roles);
	for (p = 0; p < MEDSEC_PERM__COUNT; p++) {
		assert_int_equal(check(&roles, "", p), MEDSEC_ERR_DENIED);
		assert_int_equal(check(&roles, "  ", p), MEDSEC_ERR_DENIED);
		assert_int_equal(check(&roles, ",", p), MEDSEC_ERR_DENIED);
		assert_int_equal(medsec_access_check(&roles, NULL, &who, p,
		    "obj"), MEDSEC_ERR_DENIED);
		assert_int_equal(medsec_access_check(&roles, NULL,
		    medsec_test_null, p, "obj"), MEDSEC_ERR_DENIED);
		assert_int_equal(medsec_access_check(medsec_test_null, NULL, &who, p,
		    "obj"), MEDSEC_ERR_DENIED);
	}
	assert_int_equal(medsec_roles_permissions(&roles, "", &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(medsec_roles_permissions(&roles, NULL, &unknown), 0);
	assert_int_equal(unknown, 0);
	/* An empty roles table grants nothing to anyone. */
	memset(&roles, 0, sizeof(roles));
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
}

static void
test_req_1_1_out_of_range_permission_denied(void **state)
{
	struct medsec_roles roles;
	size_t i;

	(void)state;
	medsec_roles_defaults(&roles);
	/* Even a role holding every bit gets nothing outside the set. */
	for (i = 0; i < roles.n; i++)
		roles.roles[i].permissions = UINT32_MAX;
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM__COUNT),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician", -1), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician", 31), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician", 32), MEDSEC_ERR_DENIED);
	assert_int_equal(check(&roles, "clinician", 1000), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_roles_permissions(&roles, "clinician", NULL),
	    MEDSEC_PERM_BIT(MEDSEC_PERM__COUNT) - 1);
}

/* Reads every record of the trail, calling fn on each. */
static size_t
scan_trail(const char *dir, int event,
    void (*fn)(const struct medsec_audit_record *, void *), void *ctx)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_reader_open(dir, &rd), MEDSEC_OK);
	for (;;) {
		r = medsec_audit_reader_next(rd, &rec);
		if (r != 1)
			break;
		if (rec.event != event)
			continue;
		n++;
		if (fn != NULL)
			fn(&rec, ctx);
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(r, 0);
	return n;
}

static void
check_denial_record(const struct medsec_audit_record *rec, void *ctx)
{
	(void)ctx;
	assert_int_equal(rec->outcome, MEDSEC_AUDIT_FAILURE);
	assert_string_equal(rec->actor, "inspector7");
	assert_string_equal(rec->source, "198.51.100.20");
	assert_string_equal(rec->object, "patient-42");
	assert_string_equal(rec->reason,
	    "permission phr-read not granted to roles auditor");
	assert_string_equal(rec->details,
	    "{\"permission\":\"phr-read\",\"roles\":\"auditor\"}");
}

static void
test_req_1_1_denial_is_audited(void **state)
{
	struct medsec_subject who = { "inspector7", "198.51.100.20",
		"auditor" };
	struct medsec_roles roles;
	struct medsec_audit *a = NULL;
	struct fixture f;

	(void)state;
	fixture_setup(&f, 1000, 1 << 20);
	medsec_roles_defaults(&roles);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_access_check(&roles, a, &who,
	    MEDSEC_PERM_PHR_READ, "patient-42"), MEDSEC_ERR_DENIED);
	/* A grant is not recorded here: the caller records the action. */
	assert_int_equal(medsec_access_check(&roles, a, &who,
	    MEDSEC_PERM_AUDIT_READ, "audit"), MEDSEC_OK);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(scan_trail(f.audit, MEDSEC_EV_PERMISSION_DENIED,
	    check_denial_record, NULL), 1);
	fixture_teardown(&f);
}

static void
check_hostile_record(const struct medsec_audit_record *rec, void *ctx)
{
	json_t *d;
	int *seen = ctx;

	d = json_loads(rec->details, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(d);
	switch ((*seen)++) {
	case 0:
		/* Quotes, backslashes and newlines are escaped, not cut. */
		assert_string_equal(rec->actor, "eve\"\\\n");
		assert_string_equal(json_string_value(json_object_get(d,
		    "roles")), "\"x\\\",auditor");
		assert_int_equal(json_integer_value(json_object_get(d,
		    "unknown_roles")), 1);
		assert_string_equal(json_string_value(json_object_get(d,
		    "permission")), "config");
		break;
	case 1:
		/* Bytes the trail refuses become '?' but still get recorded. */
		assert_string_equal(rec->actor, "m??llory");
		assert_int_equal(strlen(rec->object), MEDSEC_AUDIT_FIELD_MAX);
		assert_string_equal(json_string_value(json_object_get(d,
		    "permission")), "invalid(77)");
		break;
	default:
		/* No subject at all. */
		assert_string_equal(rec->actor, "");
		assert_string_equal(json_string_value(json_object_get(d,
		    "roles")), "");
		break;
	}
	json_decref(d);
}

static void MEDSEC_TEST_PASSES_NULL
test_req_1_1_hostile_subject_still_audited(void **state)
{
	struct medsec_subject eve = { "eve\"\\\n", "local", "\"x\\\",auditor" };
	struct medsec_subject mal = { "m\xff\xfellory", "local", "clinician" };
	struct medsec_roles roles;
	struct medsec_audit *a = NULL;
	struct fixture f;
	char longobj[1000];
	int seen = 0;

	(void)state;
	memset(longobj, 'o', sizeof(longobj) - 1);
	longobj[sizeof(longobj) - 1] = '\0';
	fixture_setup(&f, 1000, 1 << 20);
	medsec_roles_defaults(&roles);
	assert_int_equal(medsec_audit_open(f.audit, f.ks, &f.opts, &a, NULL),
	    MEDSEC_OK);
	assert_int_equal(medsec_access_check(&roles, a, &eve,
	    MEDSEC_PERM_CONFIG, "settings"), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_access_check(&roles, a, &mal, 77, longobj),
	    MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_access_check(&roles, a, medsec_test_null,
	    MEDSEC_PERM_PHR_READ, NULL), MEDSEC_ERR_DENIED);
	assert_int_equal(medsec_audit_close(a), MEDSEC_OK);
	assert_int_equal(scan_trail(f.audit, MEDSEC_EV_PERMISSION_DENIED,
	    check_hostile_record, &seen), 3);
	fixture_teardown(&f);
}

static void
test_req_1_1_machine_role_not_interactive(void **state)
{
	const struct medsec_role *m;
	struct medsec_roles roles;
	size_t i;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_non_null(m = medsec_roles_find(&roles, "machine"));
	assert_int_equal(m->interactive, 0);
	assert_int_equal(m->permissions, BIT(DATA_UPLOAD));
	/* Every other built-in is a person's role; none uploads data. */
	for (i = 0; i < roles.n; i++) {
		if (strcmp(roles.roles[i].name, "machine") == 0)
			continue;
		assert_int_equal(roles.roles[i].interactive, 1);
		assert_int_equal(roles.roles[i].permissions & BIT(DATA_UPLOAD),
		    0);
	}
}

static void
test_req_1_1_default_roles_separate_duties(void **state)
{
	static const struct {
		const char *name;
		uint32_t perms;
	} want[] = {
		{ "administrator", BIT(USER_ADMIN) | BIT(CONFIG) |
		    BIT(UPDATE_APPROVE) | BIT(MAINTENANCE) },
		{ "clinician", BIT(PHR_READ) | BIT(PHR_WRITE) |
		    BIT(DEVICE_CONTROL) },
		{ "technician", BIT(MAINTENANCE) | BIT(CONFIG) },
		{ "auditor", BIT(AUDIT_READ) },
		{ "machine", BIT(DATA_UPLOAD) },
		{ "emergency", BIT(PHR_READ) | BIT(DEVICE_CONTROL) },
	};
	const struct medsec_role *r;
	struct medsec_roles roles;
	size_t i;

	(void)state;
	memset(&roles, 0x5a, sizeof(roles));
	medsec_roles_defaults(&roles);
	assert_int_equal(roles.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < roles.n; i++) {
		assert_non_null(r = medsec_roles_find(&roles, want[i].name));
		assert_int_equal(r->permissions, want[i].perms);
		assert_int_equal(r->session_policy, MEDSEC_SESSION_REPLACE);
		/* Whoever reads the trail holds nothing else. */
		if (r->permissions & BIT(AUDIT_READ))
			assert_int_equal(r->permissions, BIT(AUDIT_READ));
		/* Whoever manages accounts never sees health records. */
		if (r->permissions & BIT(USER_ADMIN))
			assert_int_equal(r->permissions &
			    (BIT(PHR_READ) | BIT(PHR_WRITE)), 0);
	}
}

static void
test_req_1_1_roles_file_redefines_role(void **state)
{
	const struct medsec_role *r;
	struct medsec_roles roles;
	struct medsec_config_error err;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(parse("[role clinician]\npermissions = phr-read\n"
	    "session_policy = refuse\n[role machine]\n", &roles, &err),
	    MEDSEC_OK);
	assert_int_equal(roles.n, 6);
	assert_non_null(r = medsec_roles_find(&roles, "clinician"));
	assert_int_equal(r->permissions, BIT(PHR_READ));
	assert_int_equal(r->interactive, 1);
	assert_int_equal(r->session_policy, MEDSEC_SESSION_REFUSE);
	assert_int_equal(check(&roles, "clinician", MEDSEC_PERM_PHR_WRITE),
	    MEDSEC_ERR_DENIED);
	/* Replaced whole: an empty section leaves the defaults, not the
	 * built-in's values. */
	assert_non_null(r = medsec_roles_find(&roles, "machine"));
	assert_int_equal(r->permissions, 0);
	assert_int_equal(r->interactive, 1);
	assert_int_equal(r->session_policy, MEDSEC_SESSION_REPLACE);
	/* The others are untouched. */
	assert_non_null(r = medsec_roles_find(&roles, "auditor"));
	assert_int_equal(r->permissions, BIT(AUDIT_READ));
}

static void
test_req_1_1_roles_file_adds_role(void **state)
{
	const struct medsec_role *r;
	struct medsec_roles roles;
	struct medsec_config_error err;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(parse("; ward roles\r\n"
	    "[role nurse]   ; night shift\r\n"
	    "  permissions =phr-read ,  phr-write\t; inline comment\r\n"
	    "interactive = false\r\n"
	    "[ role  ward-2-viewer ]\r\n"
	    "permissions =\r\n", &roles, &err), MEDSEC_OK);
	assert_int_equal(roles.n, 8);
	assert_non_null(r = medsec_roles_find(&roles, "nurse"));
	assert_int_equal(r->permissions, BIT(PHR_READ) | BIT(PHR_WRITE));
	assert_int_equal(r->interactive, 0);
	assert_int_equal(r->session_policy, MEDSEC_SESSION_REPLACE);
	/* A role with no permissions is legal and grants nothing. */
	assert_non_null(r = medsec_roles_find(&roles, "ward-2-viewer"));
	assert_int_equal(r->permissions, 0);
	assert_int_equal(check(&roles, "nurse", MEDSEC_PERM_PHR_WRITE),
	    MEDSEC_OK);
	assert_int_equal(check(&roles, "ward-2-viewer", MEDSEC_PERM_PHR_READ),
	    MEDSEC_ERR_DENIED);
	assert_non_null(medsec_roles_find(&roles, "clinician"));
}

static void
test_roles_example_file_parses(void **state)
{
	const struct medsec_role *r;
	struct medsec_roles roles;
	struct medsec_config_error err;
	char msg[600];
	int rc;

	(void)state;
	medsec_roles_defaults(&roles);
	rc = medsec_roles_load(MEDSEC_SOURCE_DIR "/examples/roles.ini",
	    &roles, &err);
	medsec_config_error_format(&err, msg, sizeof(msg));
	if (rc != MEDSEC_OK)
		fail_msg("%s", msg);
	assert_non_null(r = medsec_roles_find(&roles, "nurse"));
	assert_int_equal(r->permissions, BIT(PHR_READ));
	assert_int_equal(r->interactive, 1);
	assert_non_null(r = medsec_roles_find(&roles, "clinician"));
	assert_int_equal(r->session_policy, MEDSEC_SESSION_REFUSE);
	assert_int_equal(r->permissions,
	    BIT(PHR_READ) | BIT(PHR_WRITE) | BIT(DEVICE_CONTROL));
	assert_int_equal(roles.n, 7);
}

static void
test_roles_header_example_parses(void **state)
{
	/* The example in include/medsec/access.h, comments and all. */
	static const char text[] =
	    "[role clinician]\n"
	    "permissions = phr-read, phr-write, device-control\n"
	    "interactive = yes          ; may log in with a password "
	    "(no: machine)\n"
	    "session_policy = replace   ; replace | refuse (MFDS 1.2)\n";
	struct medsec_roles roles;
	struct medsec_config_error err;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
}

static void
test_roles_unknown_key_refused(void **state)
{
	(void)state;
	expect_error_s("[role nurse]\npermissions = phr-read\n; c\n"
	    "colour = blue\n", 4, "role nurse.colour", "unknown key");
	expect_error_s("[role nurse]\nPermissions = phr-read\n", 2,
	    "role nurse.Permissions", "unknown key");
	expect_error_s("; c\npermissions = phr-read\n[role nurse]\n", 2,
	    "permissions", "outside");
	expect_error_s("[role nurse]\nperm issions = x\n", 2, "",
	    "invalid key name");
	expect_error_s("[role nurse]\npermissions phr-read\n", 2, "",
	    "expected 'key = value'");
	expect_error_s("[role nurse]\n= phr-read\n", 2, "",
	    "missing key name");
}

static void
test_roles_unknown_permission_refused(void **state)
{
	(void)state;
	expect_error_s("[role nurse]\npermissions = phr-read, phr-delete\n",
	    2, "role nurse.permissions", "unknown permission 'phr-delete'");
	expect_error_s("[role nurse]\npermissions = PHR-READ\n", 2,
	    "role nurse.permissions", "unknown permission");
	/* ';' inside a value is not a comment, so nothing is silently cut. */
	expect_error_s("[role nurse]\npermissions = phr-read;phr-write\n", 2,
	    "role nurse.permissions", "unknown permission");
	expect_error_s("[role nurse]\npermissions = phr-read phr-write\n", 2,
	    "role nurse.permissions", "unknown permission");
	expect_error_s("[role nurse]\npermissions = phr-read,,config\n", 2,
	    "role nurse.permissions", "empty entry 2");
	expect_error_s("[role nurse]\npermissions = phr-read,\n", 2,
	    "role nurse.permissions", "empty entry 2");
	expect_error_s("[role nurse]\npermissions = , phr-read\n", 2,
	    "role nurse.permissions", "empty entry 1");
	expect_error_s("[role nurse]\npermissions = config, config\n", 2,
	    "role nurse.permissions", "listed twice");
	/* The message lists what would have been accepted. */
	expect_error_s("[role nurse]\npermissions = all\n", 2,
	    "role nurse.permissions", "data-upload");
}

static void
test_roles_duplicate_key_refused(void **state)
{
	struct medsec_roles roles;
	struct medsec_config_error err;

	(void)state;
	expect_error_s("[role nurse]\npermissions = phr-read\n"
	    "interactive = yes\npermissions = config\n", 4,
	    "role nurse.permissions", "first set on line 2");
	expect_error_s("[role nurse]\npermissions =\npermissions =\n", 3,
	    "role nurse.permissions", "duplicate key");
	/* The same key in two different roles is fine. */
	medsec_roles_defaults(&roles);
	assert_int_equal(parse("[role a]\ninteractive = no\n[role b]\n"
	    "interactive = no\n", &roles, &err), MEDSEC_OK);
}

static void
test_roles_duplicate_section_refused(void **state)
{
	(void)state;
	expect_error_s("[role nurse]\npermissions = phr-read\n\n"
	    "[role nurse]\n", 4, "role nurse", "first on line 1");
	expect_error_s("[role auditor]\n[role clinician]\n[role auditor]\n",
	    3, "role auditor", "duplicate section");
}

static void
test_roles_bad_name_refused(void **state)
{
	char text[100];

	(void)state;
	expect_error_s("[role Nurse]\n", 1, "", "invalid role name 'Nurse'");
	expect_error_s("[role nurse_1]\n", 1, "", "invalid role name");
	expect_error_s("[role ward nurse]\n", 1, "", "invalid role name");
	expect_error_s("[role n\xc3\xa9]\n", 1, "",
	    "invalid role name 'n?" "?'");
	expect_error_s("[role]\n", 1, "", "without a role name");
	expect_error_s("[role   ]\n", 1, "", "without a role name");
	expect_error_s("[rolenurse]\n", 1, "", "unknown section");
	expect_error_s("[Role nurse]\n", 1, "", "unknown section");
	expect_error_s("[nurse]\n", 1, "", "unknown section [nurse]");
	expect_error_s("[role nurse\n", 1, "", "without closing");
	expect_error_s("[role nurse] x\n", 1, "", "after section header");
	/* 31 characters fit, 32 do not. */
	snprintf(text, sizeof(text), "[role %s]\n",
	    "abcdefghijklmnopqrstuvwxyz01234");
	{
		struct medsec_roles roles;
		struct medsec_config_error err;

		medsec_roles_defaults(&roles);
		assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
		assert_non_null(medsec_roles_find(&roles,
		    "abcdefghijklmnopqrstuvwxyz01234"));
	}
	snprintf(text, sizeof(text), "[role %s]\n",
	    "abcdefghijklmnopqrstuvwxyz012345");
	expect_error_s(text, 1, "", "invalid role name");
}

static void
test_roles_bad_bool_refused(void **state)
{
	static const char *const ok[] = { "yes", "true", "1", "no", "false",
		"0" };
	static const char *const bad[] = { "Yes", "y", "on", "off", "2",
		"yes please", "nein" };
	struct medsec_roles roles;
	struct medsec_config_error err;
	char text[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[role r]\ninteractive = %s\n",
		    ok[i]);
		medsec_roles_defaults(&roles);
		assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
		assert_int_equal(medsec_roles_find(&roles, "r")->interactive,
		    i < 3);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[role r]\n\ninteractive = %s\n",
		    bad[i]);
		expect_error_s(text, 3, "role r.interactive",
		    "invalid boolean");
	}
	expect_error_s("[role r]\ninteractive =\n", 2, "role r.interactive",
	    "empty value");
}

static void
test_roles_bad_policy_refused(void **state)
{
	(void)state;
	expect_error_s("[role r]\nsession_policy = refused\n", 2,
	    "role r.session_policy", "unknown session policy 'refused'");
	expect_error_s("[role r]\nsession_policy = Replace\n", 2,
	    "role r.session_policy", "expected replace or refuse");
	expect_error_s("[role r]\nsession_policy = ; none\n", 2,
	    "role r.session_policy", "empty value");
}

static void
test_roles_session_policy_parsed(void **state)
{
	struct medsec_roles roles;
	struct medsec_config_error err;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(parse("[role a]\nsession_policy = refuse\n"
	    "[role b]\nsession_policy = replace\n[role c]\n", &roles, &err),
	    MEDSEC_OK);
	assert_int_equal(medsec_roles_find(&roles, "a")->session_policy,
	    MEDSEC_SESSION_REFUSE);
	assert_int_equal(medsec_roles_find(&roles, "b")->session_policy,
	    MEDSEC_SESSION_REPLACE);
	assert_int_equal(medsec_roles_find(&roles, "c")->session_policy,
	    MEDSEC_SESSION_REPLACE);
}

static void
test_roles_too_many_refused(void **state)
{
	char text[2000];
	size_t off = 0;
	int i;

	(void)state;
	/* Six built-ins plus ten new roles fill the table exactly. */
	for (i = 0; i < MEDSEC_ROLES_MAX - 6; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "[role extra-%d]\npermissions = phr-read\n", i);
	{
		struct medsec_roles roles;
		struct medsec_config_error err;

		medsec_roles_defaults(&roles);
		assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
		assert_int_equal(roles.n, MEDSEC_ROLES_MAX);
	}
	/* Redefining a built-in needs no new slot. */
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "[role auditor]\n");
	{
		struct medsec_roles roles;
		struct medsec_config_error err;

		medsec_roles_defaults(&roles);
		assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
	}
	snprintf(text + off, sizeof(text) - off, "[role one-too-many]\n");
	expect_error_s(text, 2 * (MEDSEC_ROLES_MAX - 6) + 2,
	    "role one-too-many", "more than 16 roles");
}

static void
test_roles_long_line_refused(void **state)
{
	char text[1200];
	size_t off;

	(void)state;
	/* Exactly MEDSEC_CONFIG_LINE_MAX bytes is fine (a comment here). */
	off = (size_t)snprintf(text, sizeof(text), "[role r]\n;");
	memset(text + off, 'c', MEDSEC_CONFIG_LINE_MAX - 1);
	off += MEDSEC_CONFIG_LINE_MAX - 1;
	memcpy(text + off, "\ninteractive = no\n", 19);
	{
		struct medsec_roles roles;
		struct medsec_config_error err;

		medsec_roles_defaults(&roles);
		assert_int_equal(parse(text, &roles, &err), MEDSEC_OK);
		assert_int_equal(medsec_roles_find(&roles, "r")->interactive,
		    0);
	}
	/* One byte more is refused, naming the line. */
	off = (size_t)snprintf(text, sizeof(text), "[role r]\n\n;");
	memset(text + off, 'c', MEDSEC_CONFIG_LINE_MAX);
	off += MEDSEC_CONFIG_LINE_MAX;
	memcpy(text + off, "\n", 2);
	expect_error_s(text, 3, "", "line longer than 512 bytes");
	/* A long permissions list on a last line without a newline. */
	off = (size_t)snprintf(text, sizeof(text), "[role r]\npermissions = ");
	while (off < MEDSEC_CONFIG_LINE_MAX + 20)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "phr-read, ");
	expect_error_s(text, 2, "", "line longer");
}

static void
test_roles_nul_byte_refused(void **state)
{
	static const char text[] = "[role r]\ninteractive = no\n"
	    "permissions = phr-read\0, config\n";

	(void)state;
	expect_error(text, sizeof(text) - 1, 3, "", "NUL byte");
}

static void
test_roles_too_large_refused(void **state)
{
	struct medsec_roles roles, before;
	struct medsec_config_error err;
	char *text;

	(void)state;
	assert_non_null(text = malloc(MEDSEC_CONFIG_FILE_MAX + 1));
	memset(text, '\n', MEDSEC_CONFIG_FILE_MAX + 1);
	medsec_roles_defaults(&roles);
	before = roles;
	assert_int_equal(medsec_roles_parse("roles.ini", text,
	    MEDSEC_CONFIG_FILE_MAX, &roles, &err), MEDSEC_OK);
	assert_int_equal(medsec_roles_parse("roles.ini", text,
	    MEDSEC_CONFIG_FILE_MAX + 1, &roles, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.message, "larger than 65536"));
	assert_memory_equal(&roles, &before, sizeof(roles));
	free(text);
}

static void
test_roles_error_leaves_roles_unchanged(void **state)
{
	struct medsec_roles roles, before;
	struct medsec_config_error err;

	(void)state;
	medsec_roles_defaults(&roles);
	assert_int_equal(parse("[role nurse]\npermissions = phr-read\n",
	    &roles, &err), MEDSEC_OK);
	before = roles;
	/* Valid sections before the bad line must not be applied. */
	assert_int_equal(parse("[role clinician]\npermissions =\n"
	    "[role extra]\npermissions = config\n[role auditor]\n"
	    "interactive = maybe\n", &roles, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 6);
	assert_string_equal(err.key, "role auditor.interactive");
	assert_memory_equal(&roles, &before, sizeof(roles));
	/* Bad arguments change nothing either. */
	assert_int_equal(medsec_roles_parse("x", NULL, 5, &roles, &err),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_roles_parse("x", "", 0, NULL, &err),
	    MEDSEC_ERR_INVALID);
	roles.n = MEDSEC_ROLES_MAX + 1;
	assert_int_equal(medsec_roles_parse("x", "", 0, &roles, NULL),
	    MEDSEC_ERR_INVALID);
	roles.n = before.n;
	assert_memory_equal(&roles, &before, sizeof(roles));
	/* A second file extends the first one's result. */
	assert_int_equal(parse("[role extra]\npermissions = config\n",
	    &roles, &err), MEDSEC_OK);
	assert_non_null(medsec_roles_find(&roles, "nurse"));
	assert_non_null(medsec_roles_find(&roles, "extra"));
}

static void
test_roles_load_file(void **state)
{
	char dir[64], path[128], link[128], big[128], msg[600];
	struct medsec_roles roles, before;
	struct medsec_config_error err;
	FILE *f;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/medsec-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/roles.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[role nurse]\npermissions = phr-read\n", f);
	fclose(f);
	medsec_roles_defaults(&roles);
	assert_int_equal(medsec_roles_load(path, &roles, &err), MEDSEC_OK);
	assert_non_null(medsec_roles_find(&roles, "nurse"));
	before = roles;

	/* A symlink is refused. */
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(medsec_roles_load(link, &roles, &err),
	    MEDSEC_ERR_PERMISSION);
	assert_string_equal(err.file, link);
	assert_true(err.message[0] != '\0');
	assert_memory_equal(&roles, &before, sizeof(roles));

	/* A file over the limit is a configuration error. */
	snprintf(big, sizeof(big), "%s/big.ini", dir);
	assert_non_null(f = fopen(big, "w"));
	for (i = 0; i <= MEDSEC_CONFIG_FILE_MAX / 8; i++)
		fputs(";comment\n", f);
	fclose(f);
	assert_int_equal(medsec_roles_load(big, &roles, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 0);
	medsec_config_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, big));
	assert_memory_equal(&roles, &before, sizeof(roles));

	/* A missing file keeps its I/O code. */
	snprintf(big, sizeof(big), "%s/absent.ini", dir);
	assert_int_equal(medsec_roles_load(big, &roles, &err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_true(err.message[0] != '\0');
	assert_int_equal(medsec_roles_load(dir, &roles, &err),
	    MEDSEC_ERR_FORMAT);

	/* Errors in a loaded file name it, its line and its key. */
	assert_non_null(f = fopen(path, "w"));
	fputs("[role nurse]\npermissions = phr-read\nnope = 1\n", f);
	fclose(f);
	assert_int_equal(medsec_roles_load(path, &roles, &err),
	    MEDSEC_ERR_CONFIG);
	medsec_config_error_format(&err, msg, sizeof(msg));
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "role nurse.nope");
	assert_memory_equal(&roles, &before, sizeof(roles));
	fixture_rmrf(dir);
}

static void
test_roles_permission_names_round_trip(void **state)
{
	const char *name;
	int p, q;

	(void)state;
	for (p = 0; p < MEDSEC_PERM__COUNT; p++) {
		assert_non_null(name = medsec_permission_name(p));
		assert_int_equal(medsec_permission_by_name(name), p);
		/* Names are unique. */
		for (q = 0; q < p; q++)
			assert_string_not_equal(medsec_permission_name(q),
			    name);
	}
	assert_null(medsec_permission_name(-1));
	assert_null(medsec_permission_name(MEDSEC_PERM__COUNT));
	assert_int_equal(medsec_permission_by_name(NULL), -1);
	assert_int_equal(medsec_permission_by_name(""), -1);
	assert_int_equal(medsec_permission_by_name("PHR-READ"), -1);
	assert_int_equal(medsec_permission_by_name("phr-read "), -1);
	assert_int_equal(medsec_permission_by_name("phr"), -1);
	assert_string_equal(medsec_permission_name(MEDSEC_PERM_PHR_READ),
	    "phr-read");
	assert_string_equal(medsec_permission_name(MEDSEC_PERM_DATA_UPLOAD),
	    "data-upload");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_1_auditor_cannot_read_records),
	cmocka_unit_test(test_req_1_1_admin_cannot_read_records_by_default),
	cmocka_unit_test(test_req_1_1_clinician_reads_records),
	cmocka_unit_test(test_req_1_1_unknown_role_denied),
	cmocka_unit_test(test_req_1_1_empty_roles_denied),
	cmocka_unit_test(test_req_1_1_out_of_range_permission_denied),
	cmocka_unit_test(test_req_1_1_denial_is_audited),
	cmocka_unit_test(test_req_1_1_hostile_subject_still_audited),
	cmocka_unit_test(test_req_1_1_machine_role_not_interactive),
	cmocka_unit_test(test_req_1_1_default_roles_separate_duties),
	cmocka_unit_test(test_req_1_1_roles_file_redefines_role),
	cmocka_unit_test(test_req_1_1_roles_file_adds_role),
	cmocka_unit_test(test_roles_example_file_parses),
	cmocka_unit_test(test_roles_header_example_parses),
	cmocka_unit_test(test_roles_unknown_key_refused),
	cmocka_unit_test(test_roles_unknown_permission_refused),
	cmocka_unit_test(test_roles_duplicate_key_refused),
	cmocka_unit_test(test_roles_duplicate_section_refused),
	cmocka_unit_test(test_roles_bad_name_refused),
	cmocka_unit_test(test_roles_bad_bool_refused),
	cmocka_unit_test(test_roles_bad_policy_refused),
	cmocka_unit_test(test_roles_session_policy_parsed),
	cmocka_unit_test(test_roles_too_many_refused),
	cmocka_unit_test(test_roles_long_line_refused),
	cmocka_unit_test(test_roles_nul_byte_refused),
	cmocka_unit_test(test_roles_too_large_refused),
	cmocka_unit_test(test_roles_error_leaves_roles_unchanged),
	cmocka_unit_test(test_roles_load_file),
	cmocka_unit_test(test_roles_permission_names_round_trip),
};

MEDSEC_TEST_MAIN(tests)
