/*
 * The I/O seam's error codes: a refusal by the file system's permissions
 * is reported as what it is (read-only, denied, another user's file),
 * never as an input/output error or as permissions that are too wide.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "io/io.h"
#include "medsec/err.h"

static int fail_errno;

static int
refuse_open(void *ctx, const char *path, int flags, mode_t mode)
{
	(void)ctx;
	(void)path;
	(void)flags;
	(void)mode;
	errno = fail_errno;
	return -1;
}

static int
refuse_mkdir(void *ctx, const char *path, mode_t mode)
{
	(void)ctx;
	(void)path;
	(void)mode;
	errno = fail_errno;
	return -1;
}

static int
refuse_rename(void *ctx, const char *from, const char *to)
{
	(void)ctx;
	(void)from;
	(void)to;
	errno = fail_errno;
	return -1;
}

static void
install_refusing_ops(int e)
{
	static struct medsec_io_ops ops;

	ops = *medsec_io_posix_ops();
	ops.open = refuse_open;
	ops.mkdir = refuse_mkdir;
	ops.rename = refuse_rename;
	fail_errno = e;
	medsec_io_set_ops(&ops);
}

/*
 * Writing where the file or its directory is read-only (EACCES, EPERM,
 * EROFS) is MEDSEC_ERR_READ_ONLY; reading what permissions refuse is
 * MEDSEC_ERR_DENIED. Root ignores permissions, so the seam injects them.
 */
static void
test_io_permission_refusals_say_read_only_or_denied(void **state)
{
	static const int errs[] = { EACCES, EPERM, EROFS };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		install_refusing_ops(errs[i]);
		assert_int_equal(medsec_io_open("/x/f", O_WRONLY | O_CREAT,
		    0600), MEDSEC_ERR_READ_ONLY);
		assert_int_equal(medsec_io_open("/x/f", O_RDWR, 0),
		    MEDSEC_ERR_READ_ONLY);
		assert_int_equal(medsec_io_mkdir("/x/d", 0700),
		    MEDSEC_ERR_READ_ONLY);
		assert_int_equal(medsec_io_rename("/x/a", "/x/b"),
		    MEDSEC_ERR_READ_ONLY);
	}
	install_refusing_ops(EACCES);
	assert_int_equal(medsec_io_open("/x/f", O_RDONLY, 0),
	    MEDSEC_ERR_DENIED);
	/* A symbolic link met by O_NOFOLLOW, and a real I/O fault. */
	install_refusing_ops(ELOOP);
	assert_int_equal(medsec_io_open("/x/f", O_RDONLY, 0),
	    MEDSEC_ERR_PERMISSION);
	install_refusing_ops(EIO);
	assert_int_equal(medsec_io_mkdir("/x/d", 0700), MEDSEC_ERR_IO);
	medsec_io_set_ops(NULL);
	assert_non_null(strstr(medsec_strerror(MEDSEC_ERR_READ_ONLY),
	    "read-only"));
	assert_null(strstr(medsec_strerror(MEDSEC_ERR_READ_ONLY), "permissive"));
}

/* Another user's private file: the owner is what is wrong, not the mode. */
static void
test_io_private_file_of_another_user_is_not_owner(void **state)
{
	char dir[] = "/tmp/medsec-io-XXXXXX", path[64];
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can hand a file to another user */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chown(path, 4242, 4242), 0);
	assert_int_equal(medsec_io_read_file(path, 64, MEDSEC_IO_PRIVATE, &buf,
	    &len), MEDSEC_ERR_NOT_OWNER);
	assert_null(buf);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(medsec_io_read_file(path, 64, MEDSEC_IO_PRIVATE, &buf,
	    &len), MEDSEC_ERR_PERMISSION);
	fixture_rmrf(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_io_permission_refusals_say_read_only_or_denied),
	cmocka_unit_test(test_io_private_file_of_another_user_is_not_owner),
};

MEDSEC_TEST_MAIN(tests)
