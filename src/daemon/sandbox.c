/*
 * The worker's confinement (sandbox.h): the service user, resource limits
 * and the seccomp allow-list. OpenSSH's sandbox-seccomp-filter.c is the
 * model: a default of killing the process, an allow-list of what the
 * event loop really calls, and errno answers (not kills) where a library
 * may probe and must fail cleanly.
 */
#define _GNU_SOURCE /* setresuid, CLONE_THREAD, F_ADD_SEALS */

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <medsec/err.h>

#include "sandbox.h"

#define SANDBOX_USER_MAX 64
#define SANDBOX_GROUPS_MAX 64

MEDSEC_PRINTF(3, 4)
static void
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The service user's entry, copied out of getpwnam_r's buffer. */
struct service_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[SANDBOX_GROUPS_MAX];
	int ngroups;
};

static int
look_up_user(const char *user, struct service_user *su, char *err,
    size_t errlen)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int e;

	if (user[0] == '\0' || strnlen(user, SANDBOX_USER_MAX) ==
	    SANDBOX_USER_MAX) {
		say(err, errlen, "service user '%.*s': a user name has 1 to %d "
		    "characters", 40, user, SANDBOX_USER_MAX - 1);
		return MEDSEC_ERR_INVALID;
	}
	e = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
	if (found == NULL) {
		say(err, errlen, "service user '%s': %s", user,
		    e != 0 ? strerror(e) : "no such user");
		return MEDSEC_ERR_NOT_FOUND;
	}
	if (pw.pw_uid == 0) {
		say(err, errlen, "service user '%s' has uid 0: the worker must "
		    "not run as root", user);
		return MEDSEC_ERR_DENIED;
	}
	su->uid = pw.pw_uid;
	su->gid = pw.pw_gid;
	su->ngroups = SANDBOX_GROUPS_MAX;
	if (getgrouplist(user, pw.pw_gid, su->groups, &su->ngroups) < 0) {
		say(err, errlen, "service user '%s': member of more than %d "
		    "groups", user, SANDBOX_GROUPS_MAX);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

static int
already_that_user(const struct service_user *su)
{
	uid_t ru, eu, su_;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su_) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return 0;
	return ru == su->uid && eu == su->uid && su_ == su->uid &&
	    rg == su->gid && eg == su->gid && sg == su->gid;
}

static int
same_groups(const struct service_user *su)
{
	gid_t now[SANDBOX_GROUPS_MAX];
	int n, i, j, found;

	if ((n = getgroups(SANDBOX_GROUPS_MAX, now)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		found = 0;
		for (j = 0; j < su->ngroups; j++)
			if (now[i] == su->groups[j])
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

/* The switch is only as good as its check: OpenSSH's permanently_set_uid. */
static int
verify_switched(const char *user, const struct service_user *su, char *err,
    size_t errlen)
{
	if (!already_that_user(su)) {
		say(err, errlen, "service user '%s': real, effective and saved "
		    "ids are not all uid %ld gid %ld after the switch", user,
		    (long)su->uid, (long)su->gid);
		return MEDSEC_ERR_STATE;
	}
	if (!same_groups(su)) {
		say(err, errlen, "service user '%s': supplementary groups "
		    "other than the user's remain after the switch", user);
		return MEDSEC_ERR_STATE;
	}
	if (setgid(0) != -1 || setuid(0) != -1) {
		say(err, errlen, "service user '%s': root could be regained "
		    "after the switch", user);
		return MEDSEC_ERR_STATE;
	}
	return MEDSEC_OK;
}

int
sandbox_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct service_user su;
	int r;

	say(err, errlen, "%s", "");
	if ((r = look_up_user(user, &su, err, errlen)) != MEDSEC_OK)
		return r;
	if (already_that_user(&su)) {
		say(err, errlen, "already running as service user '%s' "
		    "(uid %ld): nothing to drop", user, (long)su.uid);
		return MEDSEC_OK;
	}
	if (geteuid() != 0) {
		say(err, errlen, "cannot switch to service user '%s': running "
		    "as uid %ld, which may not change user (start as root)",
		    user, (long)geteuid());
		return MEDSEC_ERR_DENIED;
	}
	/* Groups first: once the uid is gone, so is the right to set them. */
	if (setgroups((size_t)su.ngroups, su.groups) != 0) {
		say(err, errlen, "service user '%s': setgroups: %s", user,
		    strerror(errno));
		return MEDSEC_ERR_STATE;
	}
	if (setresgid(su.gid, su.gid, su.gid) != 0) {
		say(err, errlen, "service user '%s': setresgid(%ld): %s", user,
		    (long)su.gid, strerror(errno));
		return MEDSEC_ERR_STATE;
	}
	if (setresuid(su.uid, su.uid, su.uid) != 0) {
		say(err, errlen, "service user '%s': setresuid(%ld): %s", user,
		    (long)su.uid, strerror(errno));
		return MEDSEC_ERR_STATE;
	}
	return verify_switched(user, &su, err, errlen);
}

/*
 * Limits. RLIMIT_NPROC 0: no process (nor thread) can be started even if a
 * filter rule were wrong. RLIMIT_CORE 0: a crash leaves no image of TLS
 * session keys or request bodies on disk. RLIMIT_NOFILE is kept: it is
 * what bounds accepted connections.
 *
 * RLIMIT_FSIZE is kept as well, on purpose. The filter already refuses to
 * open any file; the only files the worker writes are the memfds of
 * upload bodies (bounded by [limits] max_update_bytes and checked by the
 * monitor) and its stderr, which in the foreground may be redirected to a
 * file. With RLIMIT_FSIZE 0 both would end the worker with SIGXFSZ.
 */
static int
set_limits(char *err, size_t errlen)
{
	static const struct {
		int resource;
		const char *name;
	} zero[] = {
		{ RLIMIT_NPROC, "RLIMIT_NPROC" },
		{ RLIMIT_CORE, "RLIMIT_CORE" },
	};
	struct rlimit none = { 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		if (setrlimit(zero[i].resource, &none) != 0) {
			say(err, errlen, "worker sandbox: setrlimit(%s, 0): %s",
			    zero[i].name, strerror(errno));
			return MEDSEC_ERR_STATE;
		}
	}
	return MEDSEC_OK;
}

static int
set_process_flags(char *err, size_t errlen)
{
	/* Without it an unprivileged process may not load a filter, and a
	 * set-id program could not lose the filter by exec (exec is killed
	 * anyway). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		say(err, errlen, "worker sandbox: PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return MEDSEC_ERR_STATE;
	}
	/* No core dump, no ptrace attach by other processes of the user,
	 * /proc/<pid>/mem and /proc/<pid>/environ owned by root. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		say(err, errlen, "worker sandbox: PR_SET_DUMPABLE 0: %s",
		    strerror(errno));
		return MEDSEC_ERR_STATE;
	}
	return MEDSEC_OK;
}

/*
 * The allow-list: system calls allowed whatever their arguments. Each is
 * something the worker's loop does after it is confined: libevent's epoll
 * loop and timers, OpenSSL's record layer and random numbers over sockets
 * already open, glibc's malloc, and the privsep socketpair.
 */
static const char *const allowed[] = {
	/* Bytes in and out of connections, the socketpair and memfds. */
	"read", "readv", "write", "writev", "recvfrom", "recvmsg", "sendto",
	"sendmsg", "close", "shutdown", "lseek",
	/* A refused request's socket kept open to drain it (http.c). */
	"dup",
	/* Accepting clients on the listeners inherited from the monitor
	 * (accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; accept for older
	 * libevent paths). */
	"accept", "accept4", "getsockname", "getpeername", "getsockopt",
	"setsockopt",
	/* libevent: the epoll backend, its timerfd for precise timers, its
	 * signal and notification channels. */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "poll", "ppoll", "timerfd_create", "timerfd_settime",
	"timerfd_gettime", "eventfd2", "pipe2", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	/* The process's own signal stack (sanitizer runtimes set one up
	 * when a signal handler is installed). */
	"sigaltstack",
	/* Time for timeouts, token buckets and OpenSSL's tickets. */
	"clock_gettime", "clock_getres", "gettimeofday", "nanosleep",
	"clock_nanosleep",
	/* OpenSSL's DRBG seeds itself from getrandom. */
	"getrandom",
	/* glibc malloc and free (heap and large mappings); PROT_EXEC is
	 * refused below. */
	"brk", "munmap", "mremap", "madvise",
	/* Locks inside glibc and OpenSSL. */
	"futex", "sched_yield",
	/* Upload bodies: a memfd, sized, filled, sealed (fcntl, below)
	 * and passed to the monitor with SCM_RIGHTS. */
	"memfd_create", "ftruncate", "fstat",
	/* Who am I: used in log lines and by libraries; reveal nothing. */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "getresuid", "getresgid",
	/* Leaving. */
	"exit", "exit_group",
};

/*
 * Calls answered with an errno instead of running them: library code may
 * try them and must fail cleanly rather than bring the worker down. An
 * OpenSSL provider, config file or engine loaded lazily, a locale file, a
 * glibc probe of /proc or /etc: all get EACCES, so "cannot open" is what
 * they report. Nothing here reaches the kernel's code for the call.
 */
static const struct {
	const char *name;
	int errnum;
} refused[] = {
	{ "open", EACCES },
	{ "openat", EACCES },
	{ "openat2", EACCES },
	{ "creat", EACCES },
	{ "open_by_handle_at", EACCES },
	{ "name_to_handle_at", EACCES },
	{ "stat", EACCES },
	{ "lstat", EACCES },
	{ "statx", EACCES },
	{ "access", EACCES },
	{ "faccessat", EACCES },
	{ "faccessat2", EACCES },
	{ "readlink", EACCES },
	{ "readlinkat", EACCES },
	/* isatty() in stdio; no device is reachable through it. */
	{ "ioctl", ENOTTY },
	/* glibc's pthread_create and posix_spawn try clone3 first, whose
	 * flags seccomp cannot see; ENOSYS makes them use clone, whose
	 * flags are checked below. */
	{ "clone3", ENOSYS },
	/* sysconf(_SC_NPROCESSORS_ONLN) and friends. */
	{ "sched_getaffinity", EPERM },
};

static int
add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned int nargs, const struct scmp_arg_cmp *args, char *err,
    size_t errlen)
{
	int nr, r;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		say(err, errlen, "worker sandbox: system call '%s' unknown to "
		    "libseccomp", name);
		return MEDSEC_ERR_STATE;
	}
	r = seccomp_rule_add_array(ctx, action, nr, nargs, args);
	if (r != 0) {
		say(err, errlen, "worker sandbox: rule for '%s': %s", name,
		    strerror(-r));
		return MEDSEC_ERR_STATE;
	}
	return MEDSEC_OK;
}

static int
add_plain_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL,
		    err, errlen)) != MEDSEC_OK)
			return r;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if ((r = add_rule(ctx, SCMP_ACT_ERRNO(refused[i].errnum),
		    refused[i].name, 0, NULL, err, errlen)) != MEDSEC_OK)
			return r;
	return MEDSEC_OK;
}

/*
 * Memory: malloc's mappings, never executable ones. A compromised worker
 * that writes code into a memfd or an anonymous mapping cannot map it
 * executable; the refusal is EPERM so that a JIT-minded library fails
 * cleanly.
 */
static int
add_memory_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	const struct scmp_arg_cmp no_exec = { 2, SCMP_CMP_MASKED_EQ,
		PROT_EXEC, 0 };
	const struct scmp_arg_cmp exec = { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC,
		PROT_EXEC };
	static const char *const calls[] = { "mmap", "mprotect" };
	size_t i;
	int r;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, calls[i], 1, &no_exec,
		    err, errlen)) != MEDSEC_OK)
			return r;
		if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), calls[i], 1,
		    &exec, err, errlen)) != MEDSEC_OK)
			return r;
	}
	return MEDSEC_OK;
}

/*
 * Descriptors: the fcntl commands libevent, OpenSSL and the memfd seals
 * use (any other kills), the fstat glibc does through newfstatat(fd, "",
 * AT_EMPTY_PATH), and the read-only half of prlimit (getrlimit,
 * sysconf(_SC_OPEN_MAX)). newfstatat without AT_EMPTY_PATH gets EACCES;
 * with it and a path it still stats a file by name, which tells sizes and
 * times, never contents: glibc's fstat() cannot be told apart from it.
 */
static int
add_descriptor_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	static const int fcntl_cmds[] = { F_GETFD, F_SETFD, F_GETFL, F_SETFL,
		F_ADD_SEALS, F_GET_SEALS };
	struct scmp_arg_cmp a;
	struct scmp_arg_cmp prl[2] = {
		{ 0, SCMP_CMP_EQ, 0, 0 },	/* this process */
		{ 2, SCMP_CMP_EQ, 0, 0 },	/* no new limit */
	};
	size_t i;
	int r;

	for (i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++) {
		a = (struct scmp_arg_cmp){ 1, SCMP_CMP_EQ,
			(scmp_datum_t)fcntl_cmds[i], 0 };
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, "fcntl", 1, &a, err,
		    errlen)) != MEDSEC_OK)
			return r;
	}
	a = (struct scmp_arg_cmp){ 3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
		AT_EMPTY_PATH };
	if ((r = add_rule(ctx, SCMP_ACT_ALLOW, "newfstatat", 1, &a, err,
	    errlen)) != MEDSEC_OK)
		return r;
	a = (struct scmp_arg_cmp){ 3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0 };
	if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "newfstatat", 1, &a,
	    err, errlen)) != MEDSEC_OK)
		return r;
	return add_rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 2, prl, err, errlen);
}

/*
 * Sockets: the worker makes none for the network. socket(AF_UNIX) is
 * refused with EACCES (glibc's syslog tries /dev/log and must fail
 * quietly); any other family, and socketpair other than AF_UNIX, kills.
 * bind, listen and connect kill by the default action: a worker that
 * tries to open a port or call out is compromised (MFDS 1.19, 1.5).
 */
static int
add_socket_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	const struct scmp_arg_cmp unix_family = { 0, SCMP_CMP_EQ, AF_UNIX, 0 };
	int r;

	if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1,
	    &unix_family, err, errlen)) != MEDSEC_OK)
		return r;
	return add_rule(ctx, SCMP_ACT_ALLOW, "socketpair", 1, &unix_family,
	    err, errlen);
}

/*
 * Processes: a thread (clone with CLONE_THREAD) is allowed by the filter,
 * and still refused by RLIMIT_NPROC 0 with EAGAIN; a new process (clone
 * without CLONE_THREAD, fork, vfork) kills by default, as do execve,
 * execveat and ptrace. Signals only to the worker itself (abort(), and
 * libevent's own signal delivery).
 */
static int
add_process_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	const struct scmp_arg_cmp thread = { 0, SCMP_CMP_MASKED_EQ,
		CLONE_THREAD, CLONE_THREAD };
	const struct scmp_arg_cmp self = { 0, SCMP_CMP_EQ,
		(scmp_datum_t)getpid(), 0 };
	int r;

	if ((r = add_rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &thread, err,
	    errlen)) != MEDSEC_OK)
		return r;
	if ((r = add_rule(ctx, SCMP_ACT_ALLOW, "kill", 1, &self, err,
	    errlen)) != MEDSEC_OK)
		return r;
	return add_rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, &self, err, errlen);
}

static int
check_architecture(char *err, size_t errlen)
{
	uint32_t arch = seccomp_arch_native();

	if (arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_AARCH64)
		return MEDSEC_OK;
	say(err, errlen, "worker sandbox: the system call filter is written "
	    "for x86_64 and aarch64; this architecture (audit id 0x%08lx) is "
	    "not covered", (unsigned long)arch);
	return MEDSEC_ERR_STATE;
}

static int
build_filter(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int r;

	/* A system call of another ABI (i386 int 0x80 on x86_64, x32) is
	 * not in the list: kill, as for an unknown call. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0) {
		say(err, errlen, "%s", "worker sandbox: cannot set the action "
		    "for foreign architectures");
		return MEDSEC_ERR_STATE;
	}
	if ((r = add_plain_rules(ctx, err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = add_memory_rules(ctx, err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = add_descriptor_rules(ctx, err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = add_socket_rules(ctx, err, errlen)) != MEDSEC_OK)
		return r;
	return add_process_rules(ctx, err, errlen);
}

int
sandbox_enter_worker(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = NULL;
	int r, e;

	say(err, errlen, "%s", "");
	if ((r = check_architecture(err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = set_process_flags(err, errlen)) != MEDSEC_OK)
		return r;
	if ((r = set_limits(err, errlen)) != MEDSEC_OK)
		return r;
	/* Anything not decided below kills the whole process, not only the
	 * thread, so a half-dead worker never keeps serving. */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		say(err, errlen, "%s", "worker sandbox: seccomp_init failed");
		return MEDSEC_ERR_NOMEM;
	}
	if ((r = build_filter(ctx, err, errlen)) != MEDSEC_OK)
		goto out;
	if ((e = seccomp_load(ctx)) != 0) {
		say(err, errlen, "worker sandbox: loading the filter: %s",
		    strerror(-e));
		r = MEDSEC_ERR_STATE;
		goto out;
	}
	r = MEDSEC_OK;
out:
	seccomp_release(ctx);
	return r;
}
