/*
 * Attacks on the configuration file (TESTING.md I4): a file that group or
 * others can write, one owned by another user, and a symbolic link in its
 * place are refused before a byte of them is used, with an error that
 * names the path, the owner and the mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/config.h"
#include "medsec/err.h"

struct env {
	char dir[64];
	char path[128];
};

static void
env_setup(struct env *e, mode_t mode)
{
	FILE *f;

	snprintf(e->dir, sizeof(e->dir), "/tmp/medsec-config-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/medsec.conf", e->dir);
	assert_non_null(f = fopen(e->path, "w"));
	assert_true(fputs("[auth]\nmax_failures = 100\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(e->path, mode), 0);
}

/* Loads path; asserts it is refused with code, cfg untouched, path named. */
static void
expect_refused(const char *path, int code, char *msg, size_t msglen)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;

	medsec_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(medsec_config_load(path, &cfg, &err), code);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(cfg.auth_max_failures, 5);
	medsec_config_error_format(&err, msg, msglen);
	if (strstr(msg, path) == NULL)
		fail_msg("the message does not name %s: %s", path, msg);
}

static void
test_req_2_2_attack_i4_config_group_or_world_writable_refused(void **state)
{
	static const mode_t modes[] = { 0666, 0664, 0646, 0620 };
	char msg[512], want[64];
	struct env e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		env_setup(&e, modes[i]);
		expect_refused(e.path, MEDSEC_ERR_PERMISSION, msg,
		    sizeof(msg));
		snprintf(want, sizeof(want), "mode %04o", (unsigned)modes[i]);
		if (strstr(msg, want) == NULL || strstr(msg, "uid ") == NULL ||
		    strstr(msg, "chmod go-w") == NULL)
			fail_msg("mode %04o: %s", (unsigned)modes[i], msg);
		fixture_rmrf(e.dir);
	}
	/* The same file without group and other write is read. */
	env_setup(&e, 0644);
	{
		struct medsec_config cfg;
		struct medsec_config_error err;

		medsec_config_defaults(&cfg);
		assert_int_equal(medsec_config_load(e.path, &cfg, &err),
		    MEDSEC_OK);
		assert_int_equal(cfg.auth_max_failures, 100);
	}
	fixture_rmrf(e.dir);
}

static void
test_req_2_2_attack_i4_config_owned_by_another_user_refused(void **state)
{
	char msg[512];
	struct env e;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	env_setup(&e, 0644);
	assert_int_equal(chown(e.path, 4242, 4242), 0);
	expect_refused(e.path, MEDSEC_ERR_NOT_OWNER, msg, sizeof(msg));
	if (strstr(msg, "owner uid 4242 is not root, the service user") ==
	    NULL || strstr(msg, "mode 0644") == NULL)
		fail_msg("%s", msg);
	/* Root's own file is trusted whoever the service user is. */
	assert_int_equal(chown(e.path, 0, 0), 0);
	{
		struct medsec_config cfg;
		struct medsec_config_error err;

		medsec_config_defaults(&cfg);
		assert_int_equal(medsec_config_load(e.path, &cfg, &err),
		    MEDSEC_OK);
	}
	fixture_rmrf(e.dir);
}

static void
test_req_2_2_attack_i4_config_symlink_refused_and_named(void **state)
{
	char msg[512], link[160];
	struct env e;

	(void)state;
	env_setup(&e, 0644);
	snprintf(link, sizeof(link), "%s/link.conf", e.dir);
	assert_int_equal(symlink(e.path, link), 0);
	expect_refused(link, MEDSEC_ERR_PERMISSION, msg, sizeof(msg));
	if (strstr(msg, "symbolic link") == NULL)
		fail_msg("%s", msg);
	fixture_rmrf(e.dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_2_attack_i4_config_group_or_world_writable_refused),
	cmocka_unit_test(test_req_2_2_attack_i4_config_owned_by_another_user_refused),
	cmocka_unit_test(test_req_2_2_attack_i4_config_symlink_refused_and_named),
};

MEDSEC_TEST_MAIN(tests)
