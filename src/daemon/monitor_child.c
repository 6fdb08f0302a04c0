/*
 * The monitor's children (worker, uplink, shipper) are started and
 * restarted the same way; the steps live here once (monitor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "medsec/clock.h"
#include "monitor.h"
#include "pool.h"

/* A child that served this long is healthy: its next death starts at 1 s. */
#define CHILD_HEALTHY_US (60LL * 1000000)

pid_t
monitor_fork_child(struct monitor *m, const char *name,
    monitor_child_main child_main, void *arg, int *fdp)
{
	int sv[2];
	pid_t pid;

	*fdp = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		medsecd_log(LOG_ERR, "%s socketpair: %s", name,
		    strerror(errno));
		return -1;
	}
	/*
	 * A pool thread inside malloc (Argon2's memory) at the fork would
	 * leave the allocator's lock held in the child, which then hangs at
	 * its first allocation: no pool thread runs across the fork.
	 */
	login_pool_quiesce(m->pool);
	pid = fork();
	if (pid != 0)
		login_pool_resume(m->pool);
	if (pid < 0) {
		medsecd_log(LOG_ERR, "%s fork: %s", name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(arg, sv[1]);
		_exit(127); /* never as a second monitor */
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) != 0)
		medsecd_log(LOG_WARNING, "%s channel stays blocking: %s", name,
		    strerror(errno));
	*fdp = sv[0];
	return pid;
}

void
monitor_child_watch(struct monitor *m, const char *name, pid_t pid, int fd,
    void (*on_message)(int, short, void *), void *arg, struct event **evp)
{
	*evp = event_new(m->base, fd, EV_READ | EV_PERSIST, on_message, arg);
	if (*evp == NULL || event_add(*evp, NULL) != 0) {
		/* Its exit is handled as any other: restarted on back-off. */
		medsecd_log(LOG_ERR, "cannot watch the %s", name);
		kill(pid, SIGKILL);
	}
}

void
monitor_child_exited(unsigned *backoff_s, int64_t started_us)
{
	if (medsec_clock_mono_us() - started_us >= CHILD_HEALTHY_US)
		*backoff_s = 1;
}

void
monitor_child_restart_later(struct event *restart_ev, unsigned *backoff_s,
    unsigned backoff_max_s)
{
	event_add(restart_ev, &(struct timeval){ *backoff_s, 0 });
	*backoff_s = *backoff_s * 2 > backoff_max_s ? backoff_max_s :
	    *backoff_s * 2;
	if (*backoff_s == 0)
		*backoff_s = 1;
}
