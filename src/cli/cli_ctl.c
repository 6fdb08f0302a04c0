/*
 * The CLI's side of medsecd's control socket: one JSON request, one JSON
 * reply, over a Unix stream socket in the device's state directory.
 */
#define _GNU_SOURCE /* O_PATH */
#include "cli_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

#define CTL_SOCKET_NAME "medsecd.sock"
#define CTL_REPLY_MAX 2048
/* The daemon verifies the password in its login pool: seconds at most. */
#define CTL_REPLY_TIMEOUT_S 60

/*
 * Through the directory's descriptor: sun_path holds 108 bytes, and a
 * state directory may be deeper than that.
 */
int
cli_ctl_connect(const char *state, int *fdp)
{
	struct sockaddr_un sun;
	int dirfd, fd = -1, n, live = 0;

	*fdp = -1;
	if ((dirfd = open(state, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d/%s",
	    dirfd, CTL_SOCKET_NAME);
	if (n > 0 && (size_t)n < sizeof(sun.sun_path) &&
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		live = 1;
	close(dirfd);
	if (!live) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	*fdp = fd;
	return 1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The request's text; the password in it is wiped by the caller. */
static char *
request_text(const char *op, const char *as, const struct cli_secret *pw,
    const char *target, const char *reason, const char *subject)
{
	json_t *o, *p;
	char *text = NULL;

	if ((p = json_stringn(pw->buf, pw->len)) == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:O, s:s}", "op", op, "as", as, "password",
	    p, "target", target);
	if (o != NULL && reason != NULL)
		json_object_set_new(o, "reason", json_string(reason));
	if (o != NULL && subject != NULL)
		json_object_set_new(o, "subject", json_string(subject));
	if (o != NULL)
		text = json_dumps(o, JSON_COMPACT);
	medsec_wipe((char *)(uintptr_t)json_string_value(p), pw->len);
	json_decref(p);
	json_decref(o);
	return text;
}

static int
read_reply(int fd, char *buf, size_t size, size_t *lenp)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	*lenp = len;
	return len > 0 ? 0 : -1;
}

static int
parse_reply(const char *buf, size_t len, struct cli_ctl_reply *rep)
{
	const char *code = NULL, *message = NULL;
	json_t *o;
	int status = 0, r = -1;

	if ((o = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, NULL)) == NULL)
		return -1;
	if (json_unpack(o, "{s:i, s:s, s:s}", "status", &status, "code",
	    &code, "message", &message) == 0) {
		rep->status = status;
		snprintf(rep->code, sizeof(rep->code), "%s", code);
		snprintf(rep->message, sizeof(rep->message), "%s", message);
		r = 0;
	}
	json_decref(o);
	return r;
}

int
cli_ctl_request(int fd, const char *op, const char *as,
    const struct cli_secret *pw, const char *target, const char *reason,
    const char *subject, struct cli_ctl_reply *rep)
{
	const struct timeval tv = { CTL_REPLY_TIMEOUT_S, 0 };
	char buf[CTL_REPLY_MAX], *text;
	size_t len;
	int r = MEDSEC_ERR_IO;

	memset(rep, 0, sizeof(*rep));
	if ((text = request_text(op, as, pw, target, reason, subject)) ==
	    NULL) {
		cli_fail("%s %s: out of memory", op, target);
		close(fd);
		return MEDSEC_ERR_NOMEM;
	}
	len = strlen(text);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    write_all(fd, text, len) != 0 || write_all(fd, "\n", 1) != 0)
		cli_fail("%s %s: cannot send the request to medsecd: %s", op,
		    target, strerror(errno));
	else if (read_reply(fd, buf, sizeof(buf), &len) != 0)
		cli_fail("%s %s: medsecd closed its control socket without an "
		    "answer: whether the change was made is not known; check "
		    "with medsec user list", op, target);
	else if (parse_reply(buf, len, rep) != 0)
		cli_fail("%s %s: medsecd's answer is not understood; check "
		    "with medsec user list", op, target);
	else
		r = MEDSEC_OK;
	medsec_wipe(text, strlen(text));
	free(text);
	close(fd);
	return r;
}
