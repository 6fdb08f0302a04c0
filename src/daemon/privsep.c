/*
 * Framing and checking of the messages between monitor and worker. This
 * file is self-contained (libc and the public headers only) so that the
 * unit tests and the fuzz target compile it as it is.
 */
#include "privsep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "medsec/err.h"

#define FIELD(st, m) { offsetof(struct st, m), sizeof(((struct st *)0)->m) }
#define ORIGIN(st) FIELD(st, from.source), FIELD(st, from.listener)
#define END { 0, 0 }

static const struct ps_field health_fields[] = { ORIGIN(ps_health_req), END };
static const struct ps_field login_fields[] = { ORIGIN(ps_login_req),
	FIELD(ps_login_req, user), END };
static const struct ps_field token_fields[] = { ORIGIN(ps_token_req),
	FIELD(ps_token_req, token), END };
static const struct ps_field reauth_fields[] = { ORIGIN(ps_reauth_req),
	FIELD(ps_reauth_req, token), END };
static const struct ps_field user_add_fields[] = { ORIGIN(ps_user_add_req),
	FIELD(ps_user_add_req, token), FIELD(ps_user_add_req, name),
	FIELD(ps_user_add_req, roles), END };
static const struct ps_field user_action_fields[] = {
	ORIGIN(ps_user_action_req), FIELD(ps_user_action_req, token),
	FIELD(ps_user_action_req, name), END };
static const struct ps_field refused_fields[] = {
	ORIGIN(ps_peer_refused_req), END };
static const struct ps_field audit_fields[] = { ORIGIN(ps_audit_req),
	FIELD(ps_audit_req, token), END };
static const struct ps_field control_fields[] = { ORIGIN(ps_control_req),
	FIELD(ps_control_req, token), FIELD(ps_control_req, command),
	FIELD(ps_control_req, args), FIELD(ps_control_req, mac), END };
static const struct ps_field throttled_fields[] = {
	ORIGIN(ps_throttled_req), END };
static const struct ps_field upload_fields[] = {
	ORIGIN(ps_update_upload_req), FIELD(ps_update_upload_req, token), END };
static const struct ps_field approve_fields[] = {
	ORIGIN(ps_update_approve_req), FIELD(ps_update_approve_req, token),
	FIELD(ps_update_approve_req, digest), END };
static const struct ps_field observations_fields[] = {
	ORIGIN(ps_observations_req), FIELD(ps_observations_req, token),
	FIELD(ps_observations_req, patient), END };
static const struct ps_field no_fields[] = { END };
/* Peers and TLS failures (MFDS 1.5, 1.6). */
static const struct ps_field tls_failure_fields[] = {
	ORIGIN(ps_tls_failure_req), FIELD(ps_tls_failure_req, reason), END };
static const struct ps_field peer_fields[] = { ORIGIN(ps_peer_req),
	FIELD(ps_peer_req, fingerprint), FIELD(ps_peer_req, method),
	FIELD(ps_peer_req, path), END };
static const struct ps_field peer_closed_fields[] = {
	ORIGIN(ps_peer_closed_req), FIELD(ps_peer_closed_req, fingerprint),
	END };

/*
 * Passwords are counted bytes (password_len), not strings: a password may
 * hold any byte but NUL. Their length is checked by the handler against
 * the array, as a string's terminator is checked here.
 */
const struct privsep_rule privsep_rules[] = {
	{ PS_HEALTH, "health", sizeof(struct ps_health_req), PS_STATE_SERVING,
	    health_fields },
	{ PS_LOGIN, "login", sizeof(struct ps_login_req), PS_STATE_SERVING,
	    login_fields },
	{ PS_SESSION_GET, "session_get", sizeof(struct ps_token_req),
	    PS_STATE_SERVING, token_fields },
	{ PS_LOGOUT, "logout", sizeof(struct ps_token_req), PS_STATE_SERVING,
	    token_fields },
	{ PS_REAUTH, "reauth", sizeof(struct ps_reauth_req), PS_STATE_SERVING,
	    reauth_fields },
	{ PS_USERS_LIST, "users_list", sizeof(struct ps_token_req),
	    PS_STATE_SERVING, token_fields },
	{ PS_USER_ADD, "user_add", sizeof(struct ps_user_add_req),
	    PS_STATE_SERVING, user_add_fields },
	{ PS_USER_ACTION, "user_action", sizeof(struct ps_user_action_req),
	    PS_STATE_SERVING, user_action_fields },
	{ PS_PEER_REFUSED, "peer_refused", sizeof(struct ps_peer_refused_req),
	    PS_STATE_SERVING, refused_fields },
	{ PS_AUDIT_READ, "audit_read", sizeof(struct ps_audit_req),
	    PS_STATE_SERVING, audit_fields },
	{ PS_CONTROL, "control", sizeof(struct ps_control_req),
	    PS_STATE_SERVING, control_fields },
	{ PS_THROTTLED, "throttled", sizeof(struct ps_throttled_req),
	    PS_STATE_SERVING, throttled_fields },
	/* Peers and TLS failures (MFDS 1.5, 1.6). */
	{ PS_TLS_FAILURE, "tls_failure", sizeof(struct ps_tls_failure_req),
	    PS_STATE_SERVING, tls_failure_fields },
	{ PS_PEER_REQUEST, "peer_request", sizeof(struct ps_peer_req),
	    PS_STATE_SERVING, peer_fields },
	{ PS_PEER_CLOSED, "peer_closed", sizeof(struct ps_peer_closed_req),
	    PS_STATE_SERVING, peer_closed_fields },
	{ PS_UPDATE_UPLOAD, "update_upload",
	    sizeof(struct ps_update_upload_req), PS_STATE_SERVING,
	    upload_fields },
	{ PS_UPDATE_STATUS, "update_status", sizeof(struct ps_token_req),
	    PS_STATE_SERVING, token_fields },
	{ PS_UPDATE_APPROVE, "update_approve",
	    sizeof(struct ps_update_approve_req), PS_STATE_SERVING,
	    approve_fields },
	{ PS_INTEGRITY, "integrity", sizeof(struct ps_token_req),
	    PS_STATE_SERVING, token_fields },
	{ PS_OBSERVATIONS, "observations", sizeof(struct ps_observations_req),
	    PS_STATE_SERVING, observations_fields },
	/* Sent once, after the sandbox is in place and before serving. */
	{ PS_WORKER_READY, "worker_ready", sizeof(struct ps_worker_ready_req),
	    PS_STATE_STARTING, no_fields },
};
const size_t privsep_nrules = sizeof(privsep_rules) / sizeof(privsep_rules[0]);

static int
send_iov(int sock, struct iovec *iov, int niov, int fd)
{
	struct msghdr msg;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)niov;
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EMSGSIZE ? MEDSEC_ERR_TOO_LARGE : MEDSEC_ERR_IO;
	return MEDSEC_OK;
}

int
privsep_send2(int sock, uint32_t type, uint32_t id, const void *a,
    size_t alen, const void *b, size_t blen)
{
	struct privsep_hdr hdr;
	struct iovec iov[3];

	if (alen > PRIVSEP_BODY_MAX || blen > PRIVSEP_BODY_MAX - alen)
		return MEDSEC_ERR_TOO_LARGE;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.id = id;
	hdr.len = (uint32_t)(alen + blen);
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)a;
	iov[1].iov_len = alen;
	iov[2].iov_base = (void *)(uintptr_t)b;
	iov[2].iov_len = blen;
	return send_iov(sock, iov, 3, -1);
}

int
privsep_send(int sock, uint32_t type, uint32_t id, const void *payload,
    size_t len, int fd)
{
	struct privsep_hdr hdr;
	struct iovec iov[2];

	if (len > PRIVSEP_BODY_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.id = id;
	hdr.len = (uint32_t)len;
	hdr.flags = fd >= 0 ? PRIVSEP_F_FD : 0;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	return send_iov(sock, iov, 2, fd);
}

/* Takes the one descriptor a message may carry; closes any extra. */
static int
take_fd(struct msghdr *msg, int *fdp)
{
	struct cmsghdr *cmsg;
	int fd, r = MEDSEC_OK;
	size_t i, n;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*fdp < 0)
				*fdp = fd;
			else {
				close(fd);
				r = MEDSEC_ERR_FORMAT;
			}
		}
	}
	return r;
}

int
privsep_recv(int sock, void *buf, struct privsep_hdr *hdr,
    const uint8_t **payload, int *fdp)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	ssize_t n;
	int r;

	*fdp = -1;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = PRIVSEP_MSG_MAX;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do {
		n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ?
		    MEDSEC_ERR_BUSY : MEDSEC_ERR_IO;
	if (n == 0)
		return MEDSEC_ERR_IO;
	r = take_fd(&msg, fdp);
	if (r != MEDSEC_OK || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
	    (size_t)n < sizeof(*hdr))
		goto bad;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->len != (size_t)n - sizeof(*hdr))
		goto bad;
	if ((*fdp >= 0) != ((hdr->flags & PRIVSEP_F_FD) != 0))
		goto bad;
	*payload = (const uint8_t *)buf + sizeof(*hdr);
	return MEDSEC_OK;
bad:
	if (*fdp >= 0)
		close(*fdp);
	*fdp = -1;
	return MEDSEC_ERR_FORMAT;
}

/* The one message that carries a descriptor: an update package. */
static int
takes_fd(uint32_t type)
{
	return type == PS_UPDATE_UPLOAD;
}

int
privsep_check(const struct privsep_rule *rules, size_t nrules,
    const struct privsep_hdr *hdr, const uint8_t *payload, unsigned state,
    const struct privsep_rule **rulep, char *why, size_t whylen)
{
	const struct privsep_rule *rule = NULL;
	const struct ps_field *f;
	size_t i;

	for (i = 0; i < nrules; i++) {
		if (rules[i].type == hdr->type) {
			rule = &rules[i];
			break;
		}
	}
	if (rule == NULL) {
		snprintf(why, whylen, "unknown message type %u", hdr->type);
		return MEDSEC_ERR_FORMAT;
	}
	if (hdr->len != rule->size) {
		snprintf(why, whylen, "%s: %u bytes, expected %zu", rule->name,
		    hdr->len, rule->size);
		return MEDSEC_ERR_FORMAT;
	}
	if (((hdr->flags & PRIVSEP_F_FD) != 0) != takes_fd(rule->type)) {
		snprintf(why, whylen, "%s: %s descriptor", rule->name,
		    takes_fd(rule->type) ? "missing" : "unexpected");
		return MEDSEC_ERR_FORMAT;
	}
	for (f = rule->strings; f->size != 0; f++) {
		if (memchr(payload + f->offset, '\0', f->size) == NULL) {
			snprintf(why, whylen,
			    "%s: string at offset %zu not terminated",
			    rule->name, f->offset);
			return MEDSEC_ERR_FORMAT;
		}
	}
	if ((rule->states & state) == 0) {
		snprintf(why, whylen, "%s: not allowed in state %#x",
		    rule->name, state);
		return MEDSEC_ERR_STATE;
	}
	*rulep = rule;
	return MEDSEC_OK;
}
