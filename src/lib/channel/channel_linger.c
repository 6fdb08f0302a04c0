/*
 * Lingering close after a refused handshake (MFDS 1.6: the refusal must
 * reach the peer it refuses, or the evidence says "reset" instead of
 * "certificate_revoked").
 *
 * In TLS 1.3 a client sends its Finished and, at once, its request; the
 * server judges the client's certificate only then, writes the alert
 * and closes. Linux answers a close with unread input by a reset, which
 * can reach the client before the alert, or make its write fail first:
 * the client reports "connection reset". So, as nginx's lingering_close
 * and the daemon's http.c do for refused requests: the socket is kept
 * open through a duplicate taken when the alert has been written, its
 * write side shut once the connection's owner has freed it (so the
 * alert goes out followed by an orderly end), and what still arrives is
 * read and dropped until the client closes, for at most a few seconds
 * and bytes. The client is attacker-controlled, so the number lingering
 * at once is capped per channel; past the cap a socket closes at once.
 *
 * Everything runs on the connection's event base: a read event with a
 * timeout, never a blocking call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "medsec/clock.h"
#include "channel/channel_int.h"

struct channel_linger {
	struct channel_linger *prev, *next; /* the channel's list */
	struct medsec_channel *ch;
	struct event *ev;
	int fd;		    /* the duplicate; the owner's copy is closed */
	int started;	    /* its owner freed the connection: shut, reading */
	size_t bytes;	    /* dropped so far */
	int64_t deadline_us; /* monotonic */
};

static void
linger_unlink(struct channel_linger *l)
{
	if (l->prev != NULL)
		l->prev->next = l->next;
	else if (l->ch->lingering == l)
		l->ch->lingering = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->prev = l->next = NULL;
	l->ch->nlingering--;
}

/* The socket's last descriptor goes: the end of the connection. */
static void
linger_end(struct channel_linger *l)
{
	linger_unlink(l);
	event_free(l->ev);
	close(l->fd);
	free(l);
}

static void
linger_read(evutil_socket_t fd, short what, void *arg)
{
	struct channel_linger *l = arg;
	char scratch[4096];
	ssize_t n;

	if ((what & EV_TIMEOUT) != 0 ||
	    medsec_clock_mono_us() >= l->deadline_us) {
		linger_end(l);
		return;
	}
	for (;;) {
		n = read(fd, scratch, sizeof(scratch));
		if (n > 0) {
			l->bytes += (size_t)n;
			if (l->bytes >= l->ch->linger_bytes)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		break; /* the client's end, or an error */
	}
	linger_end(l);
}

struct channel_linger *
channel_linger_take(struct medsec_channel *ch, struct event_base *base,
    int fd)
{
	struct channel_linger *l;

	if (ch == NULL || base == NULL || fd < 0 ||
	    ch->nlingering >= ch->linger_max ||
	    (l = calloc(1, sizeof(*l))) == NULL)
		return NULL; /* closed at once: the alert may be lost */
	if ((l->fd = dup(fd)) < 0) {
		free(l);
		return NULL;
	}
	/* The duplicate shares O_NONBLOCK, not close-on-exec. */
	if (fcntl(l->fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    (l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, linger_read,
	    l)) == NULL) {
		close(l->fd);
		free(l);
		return NULL;
	}
	l->ch = ch;
	l->next = ch->lingering;
	if (ch->lingering != NULL)
		ch->lingering->prev = l;
	ch->lingering = l;
	ch->nlingering++;
	return l;
}

void
channel_linger_start(struct channel_linger *l)
{
	struct timeval left;

	if (l == NULL || l->started)
		return;
	l->started = 1;
	l->deadline_us = medsec_clock_mono_us() +
	    (int64_t)l->ch->linger_seconds * 1000000;
	left.tv_sec = (time_t)l->ch->linger_seconds;
	left.tv_usec = 0;
	/* The alert is in the socket ahead of this end. */
	if (shutdown(l->fd, SHUT_WR) != 0 || event_add(l->ev, &left) != 0) {
		linger_end(l);
		return;
	}
	/* What the client sent before the end was seen is dropped now. */
	event_active(l->ev, EV_READ, 0);
}

void
channel_linger_close_all(struct medsec_channel *ch)
{
	while (ch->lingering != NULL)
		linger_end(ch->lingering);
}

void
medsec_channel_set_linger(struct medsec_channel *ch, size_t max,
    unsigned seconds, size_t bytes)
{
	if (ch == NULL)
		return;
	ch->linger_max = max;
	ch->linger_seconds = seconds > 0 ? seconds : 1;
	ch->linger_bytes = bytes > 0 ? bytes : 1;
}

size_t
medsec_channel_lingering(const struct medsec_channel *ch)
{
	return ch != NULL ? ch->nlingering : 0;
}
