/*
 * The shipper: the unprivileged process that sends audit records to the
 * hospital's syslog collector (shipper.h, docs/shipping.md). It loads its
 * client key and the collector's CA while it still may, switches to the
 * service user and enters its own seccomp allow-list, then connects to
 * the one configured address, writes the frames the monitor hands it and
 * tells the monitor how far the collector's TCP has acknowledged them.
 * A compromise of it reveals the shipping key and the records the
 * collector gets anyway; it cannot read the trail, the database or the
 * device's keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec/channel.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "daemon.h"
#include "privsep.h"
#include "sandbox.h"
#include "shipper.h"

#define SHIPPER_PS_FD 3
#define ACK_POLL_MS 100

struct shipper {
	struct medsec_config cfg;
	struct medsec_channel_client *client;
	struct medsec_channel_session *session;
	int ps_fd;
	int tls_fd;		/* the session's socket, for poll */
	uint64_t session_id;
	uint64_t written;	/* last record written in this session */
	uint64_t acked;		/* last record reported acknowledged */
	unsigned backoff_s;
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
};

static void
shipper_fail(const char *what, const char *err)
{
	medsecd_log(LOG_ERR, "shipper: %s: %s", what, err);
	_exit(MEDSECD_EXIT_START);
}

/* Keeps the socketpair (as descriptor 3) and stdio, nothing else. */
static int
close_inherited(int ps_fd)
{
	if (ps_fd != SHIPPER_PS_FD && dup2(ps_fd, SHIPPER_PS_FD) < 0)
		return -1;
	syscall(SYS_close_range, (unsigned)SHIPPER_PS_FD + 1, ~0u, 0u);
	return SHIPPER_PS_FD;
}

static void
build_client(struct shipper *s)
{
	struct medsec_channel_client_options o;
	struct medsec_channel_options tls;
	uint8_t *cert = NULL, *key = NULL;
	size_t certlen = 0, keylen = 0;
	char err[512];
	int r;

	if ((r = medsec_io_read_file(s->cfg.ship_cert_file, 1u << 20, 0,
	    &cert, &certlen)) != MEDSEC_OK) {
		snprintf(err, sizeof(err), "%s: %s", s->cfg.ship_cert_file,
		    medsec_strerror(r));
		shipper_fail("[ship] cert_file", err);
	}
	if ((r = medsec_io_read_file(s->cfg.ship_key_file, 1u << 16,
	    MEDSEC_IO_PRIVATE, &key, &keylen)) != MEDSEC_OK) {
		snprintf(err, sizeof(err), "%s: %s (it must belong to the "
		    "service and be readable by it alone)",
		    s->cfg.ship_key_file, medsec_strerror(r));
		shipper_fail("[ship] key_file", err);
	}
	medsec_channel_options_from_config(&s->cfg, &tls);
	memset(&o, 0, sizeof(o));
	o.min_version = tls.min_version;
	o.groups = tls.groups;
	o.ciphersuites = tls.ciphersuites;
	o.ciphers12 = tls.ciphers12;
	o.crypto_profile = tls.crypto_profile;
	o.ca_file = s->cfg.ship_ca_file;
	o.cert_pem = (const char *)cert;
	o.cert_len = certlen;
	o.key_pem = (const char *)key;
	o.key_len = keylen;
	o.pin = s->cfg.ship_pin;
	o.server_name = s->cfg.ship_server_name[0] != '\0' ?
	    s->cfg.ship_server_name : NULL;
	o.timeout = s->cfg.tls_handshake_timeout > 0 ?
	    s->cfg.tls_handshake_timeout : 10;
	r = medsec_channel_client_new(&o, &s->client, err, sizeof(err));
	medsec_wipe(key, keylen);
	free(key);
	free(cert);
	if (r != MEDSEC_OK)
		shipper_fail("[ship]", err);
}

static void
tell_monitor(struct shipper *s, uint32_t type, const void *p, size_t len)
{
	if (privsep_send(s->ps_fd, type, 0, p, len, -1) != MEDSEC_OK)
		shipper_fail("monitor", "gone");
}

static void
report_failure(struct shipper *s, int status, const char *reason,
    const char *seen)
{
	struct ship_failed f;

	memset(&f, 0, sizeof(f));
	f.status = status;
	/* A long TLS error is cut to the message's field, on purpose. */
	snprintf(f.reason, sizeof(f.reason), "%.*s",
	    (int)sizeof(f.reason) - 1, reason);
	snprintf(f.seen_pin, sizeof(f.seen_pin), "%s", seen != NULL ? seen :
	    "");
	tell_monitor(s, SHIP_FAILED, &f, sizeof(f));
}

/* A TCP connection to the target, non-blocking, within the timeout. */
static int
connect_target(struct shipper *s, char *err, size_t errlen)
{
	const struct medsec_config_endpoint *ep = &s->cfg.ship_target;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct pollfd p;
	socklen_t len, elen = sizeof(int);
	int fd, e = 0;

	memset(&ss, 0, sizeof(ss));
	if (ep->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->addr, 16);
		len = sizeof(*sin6);
	}
	if ((fd = socket(ep->family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		if (errno != EINPROGRESS) {
			e = errno;
		} else {
			p = (struct pollfd){ fd, POLLOUT, 0 };
			if (poll(&p, 1, (int)s->cfg.tls_handshake_timeout *
			    1000) <= 0)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
			    &elen) != 0)
				e = errno;
		}
	}
	if (e != 0) {
		snprintf(err, errlen, "connecting to %s: %s", ep->text,
		    strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

static void
session_end(struct shipper *s, const char *why)
{
	medsec_channel_session_close(s->session);
	s->session = NULL;
	s->tls_fd = -1;
	report_failure(s, MEDSEC_ERR_IO, why, NULL);
}

/* One attempt; on failure the monitor is told why. */
static int
try_connect(struct shipper *s)
{
	struct ship_connected c;
	char err[512];
	int fd, r;

	if ((fd = connect_target(s, err, sizeof(err))) < 0) {
		report_failure(s, MEDSEC_ERR_IO, err, NULL);
		return -1;
	}
	if ((r = medsec_channel_client_start(s->client, fd, &s->session, err,
	    sizeof(err))) != MEDSEC_OK) {
		close(fd);
		report_failure(s, r, err,
		    medsec_channel_client_seen_pin(s->client));
		return -1;
	}
	s->tls_fd = fd;
	s->session_id++;
	s->written = s->acked = 0;
	memset(&c, 0, sizeof(c));
	c.session = s->session_id;
	medsec_channel_session_describe(s->session, c.describe,
	    sizeof(c.describe));
	tell_monitor(s, SHIP_CONNECTED, &c, sizeof(c));
	return 0;
}

/* A record from the monitor: written if it is for this session. */
static void
on_record(struct shipper *s, const struct privsep_hdr *hdr,
    const uint8_t *payload)
{
	struct ship_record_hdr rh;
	char err[256];

	if (hdr->type != SHIP_RECORD || hdr->len < sizeof(rh))
		shipper_fail("monitor", "unexpected message");
	memcpy(&rh, payload, sizeof(rh));
	if (s->session == NULL || rh.session != s->session_id)
		return;
	if (medsec_channel_session_write(s->session, payload + sizeof(rh),
	    hdr->len - sizeof(rh), err, sizeof(err)) != MEDSEC_OK) {
		session_end(s, err);
		return;
	}
	s->written = rh.seq;
}

/* Drains the socketpair; returns -1 when the monitor is gone. */
static int
drain_monitor(struct shipper *s)
{
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int r, fd;

	for (;;) {
		r = privsep_recv(s->ps_fd, s->rx.buf, &hdr, &payload, &fd);
		if (r == MEDSEC_ERR_BUSY)
			return 0;
		if (r != MEDSEC_OK)
			return -1;
		if (fd >= 0)
			close(fd);
		on_record(s, &hdr, payload);
	}
}

static void
report_acked(struct shipper *s)
{
	struct ship_acked a;
	uint64_t pending = 1;

	if (s->session == NULL || s->written <= s->acked)
		return;
	if (medsec_channel_session_pending(s->session, &pending) !=
	    MEDSEC_OK || pending != 0)
		return;
	s->acked = s->written;
	memset(&a, 0, sizeof(a));
	a.session = s->session_id;
	a.seq = s->acked;
	tell_monitor(s, SHIP_ACKED, &a, sizeof(a));
}

/* Waits out the back-off, still reading (and dropping) what arrives. */
static int
back_off(struct shipper *s)
{
	struct pollfd p = { s->ps_fd, POLLIN, 0 };
	int ms = (int)s->backoff_s * 1000, n;

	n = poll(&p, 1, ms);
	if (n > 0 && drain_monitor(s) != 0)
		return -1;
	if (n == 0)
		s->backoff_s = s->backoff_s * 2 > s->cfg.ship_retry_max ?
		    s->cfg.ship_retry_max : s->backoff_s * 2;
	return 0;
}

static void
run(struct shipper *s)
{
	struct pollfd p[2];
	int n;

	for (;;) {
		if (s->session == NULL) {
			if (try_connect(s) != 0) {
				if (back_off(s) != 0)
					return;
				continue;
			}
			s->backoff_s = 1;
		}
		p[0] = (struct pollfd){ s->ps_fd, POLLIN, 0 };
		p[1] = (struct pollfd){ s->tls_fd, POLLIN, 0 };
		n = poll(p, 2, s->written > s->acked ? ACK_POLL_MS : -1);
		if (n < 0 && errno != EINTR)
			return;
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0
		    && drain_monitor(s) != 0)
			return;
		if (s->session != NULL && n > 0 && p[1].revents != 0 &&
		    medsec_channel_session_check(s->session) != MEDSEC_OK)
			session_end(s, "the collector closed the connection");
		report_acked(s);
	}
}

void
shipper_main(const struct shipper_start *ss)
{
	struct shipper *s;
	char err[256];

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		shipper_fail("start", "out of memory");
	s->cfg = *ss->cfg;
	s->tls_fd = -1;
	s->backoff_s = 1;
	if ((s->ps_fd = close_inherited(ss->ps_fd)) < 0)
		shipper_fail("start", "cannot keep the monitor's socket");
	fcntl(s->ps_fd, F_SETFL, fcntl(s->ps_fd, F_GETFL) | O_NONBLOCK);
	build_client(s);
	if (sandbox_drop_privileges(s->cfg.daemon_user, err, sizeof(err)) !=
	    MEDSEC_OK)
		shipper_fail("dropping privileges", err);
	if (sandbox_enter_shipper(err, sizeof(err)) != MEDSEC_OK)
		shipper_fail("entering the sandbox", err);
	run(s);
	_exit(0);
}
