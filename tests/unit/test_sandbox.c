/*
 * The worker's sandbox (src/daemon/sandbox.c): each probe runs in a child
 * that drops to `nobody` (when the test runs as root) and enters the
 * sandbox, then tries one thing. The parent checks how the child ended:
 * exit 0 when the probe saw what it expected, SIGSYS when the filter
 * killed it.
 *
 * The files the probes try to open are world-readable and the child opens
 * them once before entering the sandbox, so a refusal afterwards is the
 * filter's, not the file modes'.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS, getresuid */

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <medsec/err.h>

#include "sandbox.h"
#include "testmain.h"

/* How a probe ends when it did not see what it expected. */
enum {
	PROBE_OK = 0,
	PROBE_SETUP = 90,	/* could not drop or enter the sandbox */
	PROBE_ALLOWED = 91,	/* the call succeeded inside the sandbox */
	PROBE_WRONG_ERRNO = 92,
	PROBE_BROKEN = 93,	/* something the worker needs did not work */
	PROBE_CONTROL = 94,	/* failed already before the sandbox */
};

struct state_dir {
	char root[64];
	char key[128];
	char db[128];
	char audit[128];
	char audit_new[128];
};

static struct state_dir sd;

/* A device state directory, readable by anyone (see above). */
static int
make_state_dir(void **state)
{
	int fd;

	(void)state;
	snprintf(sd.root, sizeof(sd.root), "/tmp/medsec-sandbox-XXXXXX");
	assert_non_null(mkdtemp(sd.root));
	assert_int_equal(chmod(sd.root, 0755), 0);
	snprintf(sd.key, sizeof(sd.key), "%s/keys", sd.root);
	assert_int_equal(mkdir(sd.key, 0755), 0);
	snprintf(sd.key, sizeof(sd.key), "%s/keys/device.key", sd.root);
	snprintf(sd.db, sizeof(sd.db), "%s/medsec.db", sd.root);
	snprintf(sd.audit, sizeof(sd.audit), "%s/audit", sd.root);
	assert_int_equal(mkdir(sd.audit, 0777), 0);
	assert_int_equal(chmod(sd.audit, 0777), 0);
	snprintf(sd.audit_new, sizeof(sd.audit_new), "%s/audit/000002.log",
	    sd.root);
	fd = open(sd.key, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret", 6), 6);
	close(fd);
	fd = open(sd.db, O_WRONLY | O_CREAT | O_EXCL, 0666);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0666), 0);
	close(fd);
	return 0;
}

static int
remove_state_dir(void **state)
{
	char path[160];

	(void)state;
	unlink(sd.key);
	unlink(sd.db);
	unlink(sd.audit_new);
	rmdir(sd.audit);
	snprintf(path, sizeof(path), "%s/keys", sd.root);
	rmdir(path);
	rmdir(sd.root);
	return 0;
}

static void
child_says(const char *what, const char *err)
{
	fprintf(stderr, "child: %s: %s\n", what, err);
}

/* In the child: become the worker. */
static void
confine(void)
{
	char err[256];

	if (geteuid() == 0 &&
	    sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK) {
		child_says("drop", err);
		_exit(PROBE_SETUP);
	}
	if (sandbox_enter_worker(err, sizeof(err)) != MEDSEC_OK) {
		child_says("enter", err);
		_exit(PROBE_SETUP);
	}
}

/* Runs probe in a child, outside any sandbox. */
static int
run_child(void (*probe)(void))
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		probe();
		_exit(PROBE_OK);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Runs prepare (before the sandbox) and probe (inside) in a child. */
static int
run_confined(void (*prepare)(void), void (*probe)(void))
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prepare != NULL)
			prepare();
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
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), PROBE_OK);
}

static void
assert_killed_by_filter(int status)
{
	if (WIFEXITED(status))
		fail_msg("probe not killed: exit %d", WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
expect_refused(long r, int errnum)
{
	if (r >= 0)
		_exit(PROBE_ALLOWED);
	if (errno != errnum)
		_exit(PROBE_WRONG_ERRNO);
}

static void
can_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		_exit(PROBE_CONTROL);
	close(fd);
}

static void
prepare_state_dir_readable(void)
{
	if (geteuid() == 0 &&
	    sandbox_drop_privileges("nobody", (char[256]){ 0 }, 256) !=
	    MEDSEC_OK)
		_exit(PROBE_SETUP);
	can_read(sd.key);
	can_read(sd.db);
	can_read(sd.audit);
}

/* --- files ------------------------------------------------------------ */

static void
probe_open_keys(void)
{
	expect_refused(open(sd.key, O_RDONLY), EACCES);
	expect_refused(openat(AT_FDCWD, sd.key, O_RDONLY), EACCES);
	expect_refused(syscall(SYS_openat, AT_FDCWD, sd.key, O_RDONLY),
	    EACCES);
#ifdef SYS_open
	expect_refused(syscall(SYS_open, sd.key, O_RDONLY), EACCES);
#endif
	expect_refused(open(sd.key, O_RDONLY | O_PATH), EACCES);
}

/* MFDS 1.17: the device's keys are out of reach of the network-facing
 * process. */
static void
test_req_1_17_sandboxed_worker_cannot_open_the_keystore(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(prepare_state_dir_readable,
	    probe_open_keys));
}

static void
probe_open_db(void)
{
	expect_refused(open(sd.db, O_RDWR), EACCES);
	expect_refused(open(sd.db, O_RDONLY), EACCES);
}

static void
test_sandboxed_worker_cannot_open_the_database(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(prepare_state_dir_readable,
	    probe_open_db));
}

static void
probe_open_audit(void)
{
	expect_refused(open(sd.audit, O_RDONLY | O_DIRECTORY), EACCES);
	expect_refused(open(sd.audit_new, O_WRONLY | O_CREAT, 0644), EACCES);
	expect_refused(creat(sd.audit_new, 0644), EACCES);
}

/* MFDS 2.1: the audit trail can be neither read nor written around the
 * monitor, which alone appends to it. */
static void
test_req_2_1_sandboxed_worker_cannot_open_the_audit_trail(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(prepare_state_dir_readable,
	    probe_open_audit));
	assert_int_equal(access(sd.audit_new, F_OK), -1);
}

/* --- programs and processes ------------------------------------------- */

static void
probe_execve(void)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };

	execve("/bin/true", argv, envp);
	_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_execve_is_killed(void **state)
{
	(void)state;
	assert_int_equal(access("/bin/true", X_OK), 0);
	assert_killed_by_filter(run_confined(NULL, probe_execve));
}

static void
probe_execveat(void)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };

	syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0);
	_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_execveat_is_killed(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(NULL, probe_execveat));
}

static void
probe_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_fork_is_killed(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(NULL, probe_fork));
}

static void
probe_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_ptrace_is_killed(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(NULL, probe_ptrace));
}

static void *
thread_body(void *arg)
{
	return arg;
}

static void
probe_thread(void)
{
	pthread_t t;

	/* The filter lets clone(CLONE_THREAD) through; RLIMIT_NPROC 0
	 * still refuses it. */
	if (pthread_create(&t, NULL, thread_body, NULL) == 0)
		_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_cannot_start_a_thread(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(NULL, probe_thread));
}

static void
probe_kill_parent(void)
{
	kill(getppid(), 0);
	_exit(PROBE_ALLOWED);
}

static void
test_sandboxed_worker_cannot_signal_another_process(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(NULL, probe_kill_parent));
}

/* --- network ---------------------------------------------------------- */

static void
probe_socket_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	_exit(PROBE_ALLOWED);
}

static void
probe_socket_inet6(void)
{
	socket(AF_INET6, SOCK_DGRAM, 0);
	_exit(PROBE_ALLOWED);
}

/* A TCP socket made before the sandbox, as the listeners are. */
static int inherited = -1;
static struct sockaddr_in loopback;

static void
prepare_inherited_socket(void)
{
	inherited = socket(AF_INET, SOCK_STREAM, 0);
	if (inherited < 0)
		_exit(PROBE_CONTROL);
	memset(&loopback, 0, sizeof(loopback));
	loopback.sin_family = AF_INET;
	loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void
probe_connect(void)
{
	loopback.sin_port = htons(9);
	connect(inherited, (struct sockaddr *)&loopback, sizeof(loopback));
	_exit(PROBE_ALLOWED);
}

static void
probe_bind(void)
{
	bind(inherited, (struct sockaddr *)&loopback, sizeof(loopback));
	_exit(PROBE_ALLOWED);
}

static void
probe_listen(void)
{
	listen(inherited, 1);
	_exit(PROBE_ALLOWED);
}

/*
 * MFDS 1.19: whatever runs in the worker cannot open a service the
 * configuration does not name (no new socket, no bind, no listen) nor
 * call out (no connect).
 */
static void
test_req_1_19_sandboxed_worker_cannot_open_a_port_or_call_out(void **state)
{
	(void)state;
	assert_killed_by_filter(run_confined(NULL, probe_socket_inet));
	assert_killed_by_filter(run_confined(NULL, probe_socket_inet6));
	assert_killed_by_filter(run_confined(prepare_inherited_socket,
	    probe_bind));
	assert_killed_by_filter(run_confined(prepare_inherited_socket,
	    probe_listen));
	assert_killed_by_filter(run_confined(prepare_inherited_socket,
	    probe_connect));
}

/* ---- the uplink's profile (sandbox_enter_uplink) ---- */

static void
confine_uplink(void)
{
	char err[256];

	if (geteuid() == 0 &&
	    sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK) {
		child_says("drop", err);
		_exit(PROBE_SETUP);
	}
	if (sandbox_enter_uplink(err, sizeof(err)) != MEDSEC_OK) {
		child_says("enter", err);
		_exit(PROBE_SETUP);
	}
}

/* A collector on loopback, listening before the child forks. */
static int collector = -1;
static struct sockaddr_in collector_addr;

static void
probe_uplink_calls_out(void)
{
	int fd;

	confine_uplink();
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		_exit(PROBE_BROKEN);
	if (connect(fd, (struct sockaddr *)&collector_addr,
	    sizeof(collector_addr)) != 0)
		_exit(PROBE_BROKEN);
	close(fd);
	/* Files stay closed to it, as to the worker. */
	expect_refused(open("/etc/hostname", O_RDONLY), EACCES);
}

static void
probe_uplink_udp(void)
{
	confine_uplink();
	socket(AF_INET, SOCK_DGRAM, 0);
	_exit(PROBE_ALLOWED);
}

static void
probe_uplink_listen(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	confine_uplink();
	listen(fd, 1);
	_exit(PROBE_ALLOWED);
}

/*
 * MFDS 1.16: the uplink reaches its collector (a TCP connection out)
 * and nothing else: no file, no datagram socket, no listening port.
 */
static void
test_req_1_16_sandboxed_uplink_connects_out_and_nothing_more(void **state)
{
	socklen_t len = sizeof(collector_addr);

	(void)state;
	collector = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(collector >= 0);
	memset(&collector_addr, 0, sizeof(collector_addr));
	collector_addr.sin_family = AF_INET;
	collector_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(collector, (struct sockaddr *)&collector_addr,
	    sizeof(collector_addr)), 0);
	assert_int_equal(listen(collector, 4), 0);
	assert_int_equal(getsockname(collector,
	    (struct sockaddr *)&collector_addr, &len), 0);
	assert_probe_passed(run_child(probe_uplink_calls_out));
	assert_killed_by_filter(run_child(probe_uplink_udp));
	assert_killed_by_filter(run_child(probe_uplink_listen));
	close(collector);
}

static void
probe_socket_unix(void)
{
	expect_refused(socket(AF_UNIX, SOCK_DGRAM, 0), EACCES);
}

static void
test_sandboxed_worker_unix_socket_refused_cleanly(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(NULL, probe_socket_unix));
}

/* --- memory ----------------------------------------------------------- */

static void
probe_exec_mapping(void)
{
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_refused(p == MAP_FAILED ? -1 : 0, EPERM);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(PROBE_BROKEN);
	expect_refused(mprotect(p, 4096, PROT_READ | PROT_EXEC), EPERM);
}

static void
test_sandboxed_worker_cannot_map_executable_memory(void **state)
{
	(void)state;
	assert_probe_passed(run_confined(NULL, probe_exec_mapping));
}

/* --- what the worker must still do ------------------------------------ */

static int pair[2] = { -1, -1 };

static void
prepare_pair(void)
{
	close(pair[0]);
}

/* An upload body: memfd, sized, written, sealed. */
static int
sealed_body(void)
{
	static const char body[] = "package bytes";
	int fd;

	fd = memfd_create("upload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 1 << 20) != 0 ||
	    ftruncate(fd, sizeof(body)) != 0 ||
	    write(fd, body, sizeof(body)) != (ssize_t)sizeof(body) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL) != 0)
		_exit(PROBE_BROKEN);
	return fd;
}

static void
send_with_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = "pong", .iov_len = 4 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 4)
		_exit(PROBE_BROKEN);
}

static void
probe_event_loop(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct timespec now;
	unsigned char rnd[32];
	char buf[16], *big;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = pair[1];
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pair[1], &ev) != 0 ||
	    epoll_wait(ep, &got, 1, -1) != 1 ||
	    recv(pair[1], buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "ping", 4) != 0)
		_exit(PROBE_BROKEN);
	/* malloc's large path (mmap, mremap, munmap) and randomness. */
	if ((big = malloc(8 << 20)) == NULL ||
	    (big = realloc(big, 32 << 20)) == NULL)
		_exit(PROBE_BROKEN);
	memset(big, 1, 32 << 20);
	free(big);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
	    clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		_exit(PROBE_BROKEN);
	fprintf(stderr, "child: confined worker can still log\n");
	send_with_fd(pair[1], sealed_body());
}

static int
receive_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	assert_int_equal(recvmsg(sock, &m, MSG_CMSG_CLOEXEC), 4);
	assert_memory_equal(buf, "pong", 4);
	c = CMSG_FIRSTHDR(&m);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void
test_sandboxed_worker_serves_socketpair_epoll_and_memfd(void **state)
{
	char body[32];
	pid_t pid;
	int status, fd;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prepare_pair();
		confine();
		probe_event_loop();
		_exit(PROBE_OK);
	}
	close(pair[1]);
	assert_int_equal(send(pair[0], "ping", 4, 0), 4);
	fd = receive_fd(pair[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_probe_passed(status);
	assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(pread(fd, body, sizeof(body), 0), 14);
	assert_string_equal(body, "package bytes");
	close(fd);
	close(pair[0]);
}

/* --- the worker's real stack: libevent and OpenSSL under the filter --- */

/* A throw-away P-256 certificate for the confined TLS server. */
static SSL_CTX *
server_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (key == NULL || cert == NULL || ctx == NULL)
		return NULL;
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"sandbox-test", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (X509_sign(cert, key, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
		return NULL;
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

static void
tls_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char buf[8];

	(void)arg;
	if (evbuffer_get_length(in) < 4)
		return;
	if (evbuffer_remove(in, buf, 4) != 4 || memcmp(buf, "ping", 4) != 0)
		_exit(PROBE_BROKEN);
	bufferevent_write(bev, "pong", 4);
}

static void
tls_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	/* The client closes after reading the answer. */
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		event_base_loopexit(bufferevent_get_base(bev), NULL);
}

/* The confined side: a TLS 1.3 server on a libevent loop, as the worker. */
static void
serve_tls_confined(int fd)
{
	struct event_base *base;
	struct bufferevent *bev;
	SSL_CTX *ctx;
	SSL *ssl;

	if ((ctx = server_ctx()) == NULL || (base = event_base_new()) == NULL)
		_exit(PROBE_CONTROL);
	/* A server ignores SIGPIPE: a client gone mid-write is an error
	 * return, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	confine();
	if ((ssl = SSL_new(ctx)) == NULL ||
	    (bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		_exit(PROBE_BROKEN);
	bufferevent_setcb(bev, tls_read, NULL, tls_event, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (event_base_dispatch(base) != 0)
		_exit(PROBE_BROKEN);
	bufferevent_free(bev);
	event_base_free(base);
	SSL_CTX_free(ctx);
	_exit(PROBE_OK);
}

static void
test_sandboxed_worker_serves_tls_on_a_libevent_loop(void **state)
{
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[8];
	int sv[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		serve_tls_confined(sv[1]);
	}
	close(sv[1]);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	assert_int_equal(SSL_set_fd(ssl, sv[0]), 1);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping", 4) != 4 ||
	    SSL_read(ssl, buf, sizeof(buf)) != 4) {
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_probe_passed(status);
		fail_msg("TLS exchange with the confined server failed");
	}
	assert_memory_equal(buf, "pong", 4);
	assert_string_equal(SSL_get_version(ssl), "TLSv1.3");
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_probe_passed(status);
}

static void
http_health(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	(void)arg;
	if (out == NULL)
		_exit(PROBE_BROKEN);
	evbuffer_add_printf(out, "{\"status\":\"ok\"}");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

/* The confined side: evhttp on a listener made before the sandbox; it
 * serves until the test ends it with SIGTERM. */
static void
serve_http_confined(int listener)
{
	struct event_base *base;
	struct evhttp *http;

	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		_exit(PROBE_CONTROL);
	signal(SIGPIPE, SIG_IGN);
	confine();
	evhttp_set_cb(http, "/v1/health", http_health, NULL);
	if (evhttp_accept_socket(http, listener) != 0)
		_exit(PROBE_BROKEN);
	event_base_dispatch(base);
	_exit(PROBE_BROKEN);
}

/* Sends one request to the confined server; the answer lands in answer. */
static int
ask_http(const struct sockaddr_in *sin, char *answer, size_t size)
{
	static const char request[] = "GET /v1/health HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    write(fd, request, sizeof(request) - 1) !=
	    (ssize_t)sizeof(request) - 1) {
		close(fd);
		return -1;
	}
	while (got < size - 1 && (n = read(fd, answer + got,
	    size - 1 - got)) > 0)
		got += (size_t)n;
	answer[got] = '\0';
	close(fd);
	return 0;
}

static void
test_sandboxed_worker_serves_http_on_an_inherited_listener(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char answer[512] = "";
	int listener, status, asked;
	pid_t pid;

	(void)state;
	listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(listener >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(listener, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(listen(listener, 8), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&sin, &len),
	    0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve_http_confined(listener);
	close(listener);
	asked = ask_http(&sin, answer, sizeof(answer));
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status))
		fail_msg("confined server exited %d", WEXITSTATUS(status));
	if (WTERMSIG(status) != SIGTERM)
		fail_msg("confined server killed by signal %d",
		    WTERMSIG(status));
	assert_int_equal(asked, 0);
	assert_non_null(strstr(answer, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(answer, "{\"status\":\"ok\"}"));
}

/* In the foreground the worker's stderr may be a file: writing to it must
 * not end the worker (RLIMIT_FSIZE is kept for that reason). */
static void
test_sandboxed_worker_writes_to_a_redirected_stderr(void **state)
{
	char path[] = "/tmp/medsec-sandbox-log-XXXXXX", buf[64] = "";
	pid_t pid;
	int status, fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0666), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		confine();
		fprintf(stderr, "logged after the sandbox\n");
		_exit(PROBE_OK);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_probe_passed(status);
	assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	assert_non_null(strstr(buf, "logged after the sandbox"));
	close(fd);
	unlink(path);
}

/* --- privilege drop ---------------------------------------------------- */

static void
skip_unless_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "needs root to switch users: skipped\n");
		skip();
	}
}

static void
probe_ids_are_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[64];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	char err[256];
	int n, i;

	if (pw == NULL)
		_exit(PROBE_CONTROL);
	if (sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK)
		_exit(PROBE_SETUP);
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		_exit(PROBE_BROKEN);
	if (ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid)
		_exit(PROBE_WRONG_ERRNO);
	n = getgroups(64, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			_exit(PROBE_ALLOWED);
	expect_refused(setuid(0), EPERM);
	expect_refused(seteuid(0), EPERM);
	expect_refused(setgid(0), EPERM);
	_exit(PROBE_OK);
}

static void
test_sandbox_drop_privileges_switches_every_id_for_good(void **state)
{
	(void)state;
	skip_unless_root();
	assert_probe_passed(run_child(probe_ids_are_nobody));
}

static void
probe_drop_twice(void)
{
	char err[256];

	if (sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK ||
	    sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK)
		_exit(PROBE_SETUP);
	if (strstr(err, "already running as service user 'nobody'") == NULL)
		_exit(PROBE_WRONG_ERRNO);
	_exit(PROBE_OK);
}

static void
test_sandbox_drop_privileges_again_is_a_noop_with_a_note(void **state)
{
	(void)state;
	skip_unless_root();
	assert_probe_passed(run_child(probe_drop_twice));
}

static void
probe_unprivileged_switch(void)
{
	char err[256];

	if (geteuid() == 0 &&
	    sandbox_drop_privileges("nobody", err, sizeof(err)) != MEDSEC_OK)
		_exit(PROBE_SETUP);
	if (sandbox_drop_privileges("daemon", err, sizeof(err)) !=
	    MEDSEC_ERR_DENIED)
		_exit(PROBE_ALLOWED);
	fprintf(stderr, "child: %s\n", err);
	if (strstr(err, "'daemon'") == NULL ||
	    strstr(err, "start as root") == NULL || getuid() == 1)
		_exit(PROBE_WRONG_ERRNO);
	_exit(PROBE_OK);
}

static void
test_sandbox_drop_privileges_without_root_refused_by_name(void **state)
{
	(void)state;
	assert_non_null(getpwnam("daemon"));
	if (getuid() == getpwnam("daemon")->pw_uid)
		skip();
	assert_probe_passed(run_child(probe_unprivileged_switch));
}

static void
test_sandbox_drop_privileges_unknown_user_named(void **state)
{
	char err[256];
	uid_t before = getuid();

	(void)state;
	assert_int_equal(sandbox_drop_privileges("no-such-user-xq7", err,
	    sizeof(err)), MEDSEC_ERR_NOT_FOUND);
	assert_string_equal(err, "service user 'no-such-user-xq7': no such "
	    "user");
	assert_int_equal(getuid(), before);
	assert_int_equal(sandbox_drop_privileges("", err, sizeof(err)),
	    MEDSEC_ERR_INVALID);
	assert_non_null(strstr(err, "a user name has 1 to 63 characters"));
}

static void
test_sandbox_drop_privileges_refuses_a_root_service_user(void **state)
{
	char err[256];
	uid_t before = getuid();

	(void)state;
	assert_int_equal(sandbox_drop_privileges("root", err, sizeof(err)),
	    MEDSEC_ERR_DENIED);
	assert_string_equal(err, "service user 'root' has uid 0: the worker "
	    "must not run as root");
	assert_int_equal(getuid(), before);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_req_1_17_sandboxed_worker_cannot_open_the_keystore,
	    make_state_dir, remove_state_dir),
	cmocka_unit_test_setup_teardown(test_sandboxed_worker_cannot_open_the_database,
	    make_state_dir, remove_state_dir),
	cmocka_unit_test_setup_teardown(test_req_2_1_sandboxed_worker_cannot_open_the_audit_trail,
	    make_state_dir, remove_state_dir),
	cmocka_unit_test(test_sandboxed_worker_execve_is_killed),
	cmocka_unit_test(test_sandboxed_worker_execveat_is_killed),
	cmocka_unit_test(test_sandboxed_worker_fork_is_killed),
	cmocka_unit_test(test_sandboxed_worker_ptrace_is_killed),
	cmocka_unit_test(test_sandboxed_worker_cannot_start_a_thread),
	cmocka_unit_test(test_sandboxed_worker_cannot_signal_another_process),
	cmocka_unit_test(test_req_1_19_sandboxed_worker_cannot_open_a_port_or_call_out),
	cmocka_unit_test(test_req_1_16_sandboxed_uplink_connects_out_and_nothing_more),
	cmocka_unit_test(test_sandboxed_worker_unix_socket_refused_cleanly),
	cmocka_unit_test(test_sandboxed_worker_cannot_map_executable_memory),
	cmocka_unit_test(test_sandboxed_worker_serves_socketpair_epoll_and_memfd),
	cmocka_unit_test(test_sandboxed_worker_serves_tls_on_a_libevent_loop),
	cmocka_unit_test(test_sandboxed_worker_serves_http_on_an_inherited_listener),
	cmocka_unit_test(test_sandboxed_worker_writes_to_a_redirected_stderr),
	cmocka_unit_test(test_sandbox_drop_privileges_switches_every_id_for_good),
	cmocka_unit_test(test_sandbox_drop_privileges_again_is_a_noop_with_a_note),
	cmocka_unit_test(test_sandbox_drop_privileges_without_root_refused_by_name),
	cmocka_unit_test(test_sandbox_drop_privileges_unknown_user_named),
	cmocka_unit_test(test_sandbox_drop_privileges_refuses_a_root_service_user),
};

MEDSEC_TEST_MAIN(tests)
