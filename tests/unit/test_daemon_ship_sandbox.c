/*
 * The audit shipper's confinement (sandbox_enter_shipper, MFDS 2.1): the
 * worker's allow-list plus outgoing TCP. Each probe runs in a child that
 * is confined first; the child exits 0 when it saw what it expected, or
 * is killed with SIGSYS where the filter kills.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testmain.h"
#include "medsec/err.h"
#include "sandbox.h"

#define PROBE_OK 0
#define PROBE_SETUP 3
#define PROBE_WRONG 4

static struct sockaddr_in collector;

static void
confine(void)
{
	char err[256];

	if (geteuid() == 0 &&
	    sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK)
		_exit(PROBE_SETUP);
	if (sandbox_enter_shipper(err, sizeof(err)) != MEDSEC_OK) {
		fprintf(stderr, "child: %s\n", err);
		_exit(PROBE_SETUP);
	}
}

static int
run_confined(void (*probe)(void))
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		confine();
		probe();
		_exit(PROBE_OK);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
assert_probe_passed(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("probe killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), PROBE_OK);
}

static void
assert_killed_by_filter(int status)
{
	if (WIFEXITED(status))
		fail_msg("probe not killed: exit %d", WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
probe_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&collector,
	    sizeof(collector)) != 0)
		_exit(PROBE_WRONG);
	close(fd);
}

static void
test_req_2_1_sandboxed_shipper_reaches_its_collector(void **state)
{
	socklen_t len = sizeof(collector);
	int lfd;

	(void)state;
	memset(&collector, 0, sizeof(collector));
	collector.sin_family = AF_INET;
	collector.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&collector,
	    sizeof(collector)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&collector, &len),
	    0);
	assert_probe_passed(run_confined(probe_connect));
	close(lfd);
}

static void
probe_open(void)
{
	if (open("/etc/hostname", O_RDONLY) >= 0 || errno != EACCES)
		_exit(PROBE_WRONG);
}

static void
test_req_2_1_sandboxed_shipper_cannot_open_files(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(probe_open));
}

static void
probe_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve(argv[0], argv, NULL);
}

static void
test_sandboxed_shipper_execve_is_killed(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(probe_execve));
}

static void
probe_listen(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static void
test_sandboxed_shipper_cannot_open_a_port(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(probe_listen));
}

static void
probe_raw_socket(void)
{
	socket(AF_PACKET, SOCK_RAW, 0);
}

static void
test_sandboxed_shipper_raw_socket_is_killed(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(probe_raw_socket));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_2_1_sandboxed_shipper_reaches_its_collector),
	cmocka_unit_test(test_req_2_1_sandboxed_shipper_cannot_open_files),
	cmocka_unit_test(test_sandboxed_shipper_execve_is_killed),
	cmocka_unit_test(test_sandboxed_shipper_cannot_open_a_port),
	cmocka_unit_test(test_sandboxed_shipper_raw_socket_is_killed),
};

MEDSEC_TEST_MAIN(tests)
