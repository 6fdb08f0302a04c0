/*
 * The monitor's side of audit shipping (shipper.h, docs/shipping.md): it
 * forks the shipper when [ship] names a target, restarts it with back-off
 * when it dies (audited as the worker's exit is), and hands it durable
 * audit records in sequence order, at most SHIP_WINDOW ahead of what the
 * collector's TCP has acknowledged. The acknowledged sequence number is
 * the shipped cursor, kept in <state_dir>/ship.cursor; each new connection
 * starts again `replay_window` records before it, so records the
 * collector acknowledged but lost in a crash are sent again (at least
 * once; duplicates carry the same sequence number).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "monitor.h"
#include "pool.h"
#include "shipper.h"

#define SHIP_WINDOW 256		 /* records handed over, not yet acked */
#define SHIP_TICK_US 200000	 /* how often durable records are looked for */
#define SHIP_REFUSAL_AUDIT_US (60LL * 1000000) /* one record a minute */

struct monitor_ship {
	struct monitor *m;
	/* The configuration at start: [ship] and [tls] are not reloaded. */
	struct medsec_config cfg;
	pid_t pid;		/* 0: none */
	int fd;			/* our end of the socketpair; -1: none */
	struct event *ev, *tick, *restart;
	unsigned backoff_s;
	int64_t started_us;
	uint64_t session;	/* the shipper's connection; 0: none */
	uint64_t acked;		/* the cursor */
	uint64_t sent;		/* last record handed over in this session */
	char cursor_path[MEDSEC_CONFIG_PATH_MAX + 16];
	/* Refusals of the collector, audited at most once a minute. */
	int64_t refusal_audited_us;
	uint64_t refusals_unrecorded;
	char last_failure[256];
	uint64_t unrendered;	/* a record export refused, said once */
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
};

static void ship_start(struct monitor_ship *s);

static void
audit_refusal(struct monitor_ship *s, const struct ship_failed *f)
{
	struct monitor *m = s->m;
	struct medsec_audit_detail d;
	const char *details = NULL;
	int64_t now = medsec_clock_mono_us();

	s->refusals_unrecorded++;
	if (s->refusal_audited_us != 0 && now - s->refusal_audited_us <
	    SHIP_REFUSAL_AUDIT_US)
		return;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "shipper");
	medsec_audit_detail_str(&d, "presented", f->seen_pin);
	medsec_audit_detail_str(&d, "pinned", s->cfg.ship_pin);
	medsec_audit_detail_u64(&d, "refusals", s->refusals_unrecorded);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, MEDSEC_EV_PEER_REFUSED, "medsecd",
	    s->cfg.ship_target.text, "audit collector", MEDSEC_AUDIT_FAILURE,
	    f->reason, details);
	s->refusal_audited_us = now;
	s->refusals_unrecorded = 0;
}

static void
on_failed(struct monitor_ship *s, const struct ship_failed *f)
{
	s->session = 0;
	if (f->status == MEDSEC_ERR_AUTH)
		audit_refusal(s, f);
	/* Said once per change, not once per retry. */
	if (strcmp(f->reason, s->last_failure) != 0)
		medsecd_log(f->status == MEDSEC_ERR_AUTH ? LOG_ERR :
		    LOG_WARNING, "audit shipping to %s: %s",
		    s->cfg.ship_target.text, f->reason);
	snprintf(s->last_failure, sizeof(s->last_failure), "%s", f->reason);
}

static void
on_connected(struct monitor_ship *s, const struct ship_connected *c)
{
	s->session = c->session;
	s->sent = ship_resume_after(s->acked, s->cfg.ship_replay_window);
	s->last_failure[0] = '\0';
	medsecd_log(LOG_NOTICE, "audit shipping to %s: connected (%s), "
	    "from record %llu", s->cfg.ship_target.text, c->describe,
	    (unsigned long long)s->sent + 1);
}

static void
on_acked(struct monitor_ship *s, const struct ship_acked *a)
{
	int r;

	if (a->session != s->session || a->seq <= s->acked ||
	    a->seq > s->sent)
		return;
	s->acked = a->seq;
	if ((r = ship_cursor_save(s->cursor_path, s->cfg.ship_target.text,
	    s->acked)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "audit shipping: cursor %s not saved (%s): "
		    "records will be shipped again", s->cursor_path,
		    medsec_strerror(r));
}

/* The shipper's messages: exact sizes, else it is killed and restarted. */
static void
on_message(evutil_socket_t fd, short what, void *arg)
{
	struct monitor_ship *s = arg;
	struct privsep_hdr hdr;
	const uint8_t *p;
	int r, passed;

	(void)what;
	for (;;) {
		r = privsep_recv(fd, s->rx.buf, &hdr, &p, &passed);
		if (r == MEDSEC_ERR_BUSY)
			return;
		if (r != MEDSEC_OK) {
			event_del(s->ev);
			return;
		}
		if (passed >= 0)
			close(passed);
		if (hdr.type == SHIP_CONNECTED && hdr.len ==
		    sizeof(struct ship_connected) && p[hdr.len - 1] == '\0')
			on_connected(s, (const struct ship_connected *)p);
		else if (hdr.type == SHIP_ACKED && hdr.len ==
		    sizeof(struct ship_acked))
			on_acked(s, (const struct ship_acked *)p);
		else if (hdr.type == SHIP_FAILED && hdr.len ==
		    sizeof(struct ship_failed) &&
		    memchr(p + offsetof(struct ship_failed, reason), '\0',
		    sizeof(((struct ship_failed *)0)->reason)) != NULL &&
		    p[hdr.len - 1] == '\0')
			on_failed(s, (const struct ship_failed *)p);
		else {
			medsecd_log(LOG_ALERT, "shipper %ld broke the protocol "
			    "(message %u, %u bytes); killing it",
			    (long)s->pid, hdr.type, hdr.len);
			kill(s->pid, SIGKILL);
			event_del(s->ev);
			return;
		}
	}
}

/* Records handed over and not yet acknowledged (after a reconnect the
 * replay window starts below the cursor). */
static uint64_t
in_flight(const struct monitor_ship *s)
{
	return s->sent > s->acked ? s->sent - s->acked : 0;
}

/*
 * Hands over durable records after s->sent, in order, while the window
 * has room. Returns how many; stops early when the socketpair is full.
 */
static int
feed(struct monitor_ship *s)
{
	struct monitor *m = s->m;
	struct medsec_audit_export_source src = { medsec_device_id(m->dev),
		s->cfg.site_id[0] != '\0' ? s->cfg.site_id : NULL,
		s->cfg.audit_hostname[0] != '\0' ? s->cfg.audit_hostname : NULL,
		"medsec", MEDSEC_VERSION };
	struct medsec_audit_reader *rd = NULL;
	struct medsec_audit_record rec;
	struct ship_record_hdr rh;
	uint8_t chain[MEDSEC_AUDIT_CHAIN_LEN];
	char dir[MEDSEC_CONFIG_PATH_MAX + 8], *frames = NULL;
	uint64_t head = 0;
	size_t len = 0;
	int n = 0, r;

	if (s->fd < 0 || s->session == 0 || in_flight(s) >= SHIP_WINDOW)
		return 0;
	if (medsec_audit_head(medsec_device_audit(m->dev), &head, chain) !=
	    MEDSEC_OK || head <= s->sent)
		return 0;
	snprintf(dir, sizeof(dir), "%s/audit", medsec_device_state_dir(m->dev));
	if (medsec_audit_reader_open(dir, &rd) != MEDSEC_OK)
		return 0;
	while (in_flight(s) < SHIP_WINDOW &&
	    (r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.seq <= s->sent)
			continue;
		if (rec.seq > head)
			break;
		if ((r = ship_render(&src, &rec, s->cfg.ship_formats, &frames,
		    &len)) != MEDSEC_OK) {
			if (rec.seq != s->unrendered)
				medsecd_log(LOG_ERR, "audit shipping: record "
				    "%llu cannot be rendered: %s; shipping "
				    "waits", (unsigned long long)rec.seq,
				    medsec_strerror(r));
			s->unrendered = rec.seq;
			break;
		}
		rh.session = s->session;
		rh.seq = rec.seq;
		r = privsep_send2(s->fd, SHIP_RECORD, 0, &rh, sizeof(rh),
		    frames, len);
		free(frames);
		frames = NULL;
		if (r != MEDSEC_OK)
			break;
		s->sent = rec.seq;
		n++;
	}
	medsec_audit_reader_close(rd);
	return n;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	feed(arg);
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor_ship *s = arg;

	(void)fd;
	(void)what;
	if (!s->m->stopping && s->pid == 0)
		ship_start(s);
}

/* The shipper's side of the fork (monitor_fork_child). */
static void
shipper_child(void *arg, int fd)
{
	struct monitor_ship *s = arg;
	struct shipper_start ss;

	memset(&ss, 0, sizeof(ss));
	ss.cfg = &s->cfg;
	ss.ps_fd = fd;
	shipper_main(&ss);
}

static void
ship_start(struct monitor_ship *s)
{
	pid_t pid;
	int fd;

	if ((pid = monitor_fork_child(s->m, "shipper", shipper_child, s,
	    &fd)) < 0) {
		event_add(s->restart, &(struct timeval){ s->backoff_s, 0 });
		return;
	}
	s->fd = fd;
	s->pid = pid;
	s->session = 0;
	s->started_us = medsec_clock_mono_us();
	monitor_child_watch(s->m, "shipper", pid, fd, on_message, s, &s->ev);
}

int
monitor_ship_start(struct monitor *m)
{
	struct monitor_ship *s;
	int r;

	if (!m->cfg.ship_target.set)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->m = m;
	s->cfg = m->cfg;
	s->fd = -1;
	s->backoff_s = 1;
	m->ship = s;
	snprintf(s->cursor_path, sizeof(s->cursor_path), "%s/ship.cursor",
	    medsec_device_state_dir(m->dev));
	if ((r = ship_cursor_load(s->cursor_path, s->cfg.ship_target.text,
	    &s->acked)) != MEDSEC_OK)
		medsecd_log(LOG_WARNING, "audit shipping: cursor %s unreadable "
		    "(%s): the whole trail is shipped again", s->cursor_path,
		    medsec_strerror(r));
	s->restart = evtimer_new(m->base, on_restart, s);
	s->tick = event_new(m->base, -1, EV_PERSIST, on_tick, s);
	if (s->restart == NULL || s->tick == NULL || event_add(s->tick,
	    &(struct timeval){ 0, SHIP_TICK_US }) != 0)
		return -1;
	ship_start(s);
	return 0;
}

static void
audit_exit(struct monitor_ship *s, pid_t pid, int status)
{
	struct medsec_audit_detail d;
	const char *details = NULL;
	int stopping = s->m->stopping;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "process", "shipper");
	medsec_audit_detail_i64(&d, "pid", (int64_t)pid);
	if (WIFSIGNALED(status))
		medsec_audit_detail_i64(&d, "signal", WTERMSIG(status));
	else
		medsec_audit_detail_i64(&d, "exit_status", WEXITSTATUS(status));
	medsec_audit_detail_u64(&d, "restart_in_seconds", stopping ? 0 :
	    s->backoff_s);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(s->m, MEDSEC_EV_APP_STOP, "medsecd", "local", "shipper",
	    stopping ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE,
	    stopping ? "shutdown" : "shipper exited", details);
}

static void
close_channel(struct monitor_ship *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->session = 0;
}

int
monitor_ship_reaped(struct monitor *m, pid_t pid, int status)
{
	struct monitor_ship *s = m->ship;

	if (s == NULL || pid != s->pid || pid <= 0)
		return 0;
	close_channel(s);
	s->pid = 0;
	monitor_child_exited(&s->backoff_s, s->started_us);
	audit_exit(s, pid, status);
	if (m->stopping)
		return 1;
	medsecd_log(LOG_WARNING, "shipper %ld exited; restarting in %u s",
	    (long)pid, s->backoff_s);
	monitor_child_restart_later(s->restart, &s->backoff_s,
	    s->cfg.daemon_restart_backoff_max);
	return 1;
}

void
monitor_ship_stop(struct monitor *m)
{
	struct monitor_ship *s = m->ship;

	if (s == NULL)
		return;
	event_del(s->restart);
	event_del(s->tick);
	if (s->pid > 0)
		kill(s->pid, SIGTERM);
}

void
monitor_ship_free(struct monitor *m)
{
	struct monitor_ship *s = m->ship;
	int status;

	if (s == NULL)
		return;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		if (waitpid(s->pid, &status, 0) == s->pid)
			audit_exit(s, s->pid, status);
	}
	close_channel(s);
	if (s->tick != NULL)
		event_free(s->tick);
	if (s->restart != NULL)
		event_free(s->restart);
	free(s);
	m->ship = NULL;
}
