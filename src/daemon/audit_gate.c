/*
 * The monitor's audit gate (audit_gate.h): asynchronous records, and the
 * replies that must wait for them.
 */
#include "audit_gate.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "medsec/err.h"
#include "daemon.h"

/* The request being handled, once it has submitted a record. */
struct gate_request {
	struct audit_gate *g;
	uint32_t id;
	uint64_t tag;
	unsigned outstanding;	/* its records not yet reported */
	int status;		/* MEDSEC_OK, or the first record's failure */
	int ended;		/* the handler has returned */
	int held;		/* a reply waits in the fields below */
	int rep_status;
	unsigned rep_http;
	char *rep_code;		/* From strdup(), as are the two below. */
	char *rep_message;
	char *rep_body;
	size_t rep_bodylen;
};

struct audit_gate {
	struct event_base *base;
	struct medsec_audit *a;
	struct event *commit_ev;
	audit_gate_send_fn send;
	void *ctx;
	int armed;		/* commit_ev is active */
	int releasing;		/* sending a held reply: not offered again */
	int in_request;
	uint32_t cur_id;
	uint64_t cur_tag;
	int cur_status;		/* a record of this request was not queued */
	struct gate_request *cur;
};

static const struct audit_gate_reply refused_reply = {
	MEDSEC_ERR_AUDIT_UNAVAILABLE, 503, "audit_unavailable",
	"refused: the audit record of this request could not be made "
	"durable", NULL, 0
};

static void
send_reply(struct audit_gate *g, uint32_t id, uint64_t tag,
    const struct audit_gate_reply *rep)
{
	g->releasing = 1;
	g->send(g->ctx, id, tag, rep);
	g->releasing = 0;
}

static void
request_free(struct gate_request *req)
{
	free(req->rep_code);
	free(req->rep_message);
	free(req->rep_body);
	free(req);
}

/* All its records are reported and the handler is done: answer. */
static void
request_release(struct gate_request *req)
{
	struct audit_gate_reply rep;

	if (req->held && req->status == MEDSEC_OK) {
		rep.status = req->rep_status;
		rep.http = req->rep_http;
		rep.code = req->rep_code;
		rep.message = req->rep_message;
		rep.body = req->rep_body;
		rep.bodylen = req->rep_bodylen;
		send_reply(req->g, req->id, req->tag, &rep);
	} else if (req->held) {
		send_reply(req->g, req->id, req->tag, &refused_reply);
	}
	request_free(req);
}

static void
request_record_done(void *arg, int status, uint64_t seq)
{
	struct gate_request *req = arg;

	(void)seq;
	req->outstanding--;
	if (status != MEDSEC_OK && req->status == MEDSEC_OK)
		req->status = status;
	if (req->ended && req->outstanding == 0)
		request_release(req);
}

/* A record no reply waits for; the commit logs a failure once. */
static void
loose_record_done(void *arg, int status, uint64_t seq)
{
	(void)arg;
	(void)status;
	(void)seq;
}

int
audit_gate_commit(struct audit_gate *g)
{
	int r;

	g->armed = 0;
	if ((r = medsec_audit_commit(g->a)) != MEDSEC_OK)
		medsecd_log(LOG_ERR, "audit records not made durable: %s; "
		    "the replies waiting for them are refused",
		    medsec_strerror(r));
	return r;
}

static void
on_commit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (audit_gate_commit(arg) != MEDSEC_OK) {
		/* Logged, and each waiting reply was turned into a 503. */
	}
}

int
audit_gate_new(struct event_base *base, struct medsec_audit *a,
    audit_gate_send_fn send, void *ctx, struct audit_gate **gp)
{
	struct audit_gate *g;

	*gp = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return MEDSEC_ERR_NOMEM;
	g->base = base;
	g->a = a;
	g->send = send;
	g->ctx = ctx;
	if ((g->commit_ev = event_new(base, -1, 0, on_commit, g)) == NULL) {
		free(g);
		return MEDSEC_ERR_NOMEM;
	}
	*gp = g;
	return MEDSEC_OK;
}

void
audit_gate_free(struct audit_gate *g)
{
	if (g == NULL)
		return;
	audit_gate_end(g);
	/* Callbacks may queue more: commit until nothing is left. */
	while (medsec_audit_pending(g->a) > 0)
		if (audit_gate_commit(g) != MEDSEC_OK)
			break;
	event_free(g->commit_ev);
	free(g);
}

void
audit_gate_begin(struct audit_gate *g, uint32_t id, uint64_t tag)
{
	audit_gate_end(g);
	g->in_request = 1;
	g->cur_id = id;
	g->cur_tag = tag;
	g->cur_status = MEDSEC_OK;
}

void
audit_gate_end(struct audit_gate *g)
{
	struct gate_request *req = g->cur;

	g->in_request = 0;
	g->cur = NULL;
	g->cur_status = MEDSEC_OK;
	if (req == NULL)
		return;
	req->ended = 1;
	if (req->outstanding == 0)
		request_release(req);
}

/* The current request's tracker, made at its first record. */
static struct gate_request *
current_request(struct audit_gate *g)
{
	if (!g->in_request)
		return NULL;
	if (g->cur == NULL && (g->cur = calloc(1, sizeof(*g->cur))) != NULL) {
		g->cur->g = g;
		g->cur->id = g->cur_id;
		g->cur->tag = g->cur_tag;
	}
	return g->cur;
}

int
audit_gate_record(struct audit_gate *g, const struct medsec_audit_event_in *ev)
{
	struct gate_request *req = current_request(g);
	int r;

	if (g->in_request && req == NULL)
		g->cur_status = MEDSEC_ERR_NOMEM; /* queued below, untracked */
	if (req != NULL) {
		req->outstanding++;
		r = medsec_audit_submit(g->a, ev, NULL, request_record_done,
		    req);
		if (r != MEDSEC_OK) {
			req->outstanding--;
			if (req->status == MEDSEC_OK)
				req->status = r;
		}
	} else {
		r = medsec_audit_submit(g->a, ev, NULL, loose_record_done, g);
	}
	if (r != MEDSEC_OK && g->in_request)
		g->cur_status = r;
	if (r == MEDSEC_OK && !g->armed) {
		g->armed = 1;
		event_active(g->commit_ev, EV_TIMEOUT, 0);
	}
	return r;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Copies the reply into req; -1 if memory ran out. */
static int
request_hold(struct gate_request *req, const struct audit_gate_reply *rep)
{
	free(req->rep_code);
	free(req->rep_message);
	free(req->rep_body);
	req->held = 1;
	req->rep_status = rep->status;
	req->rep_http = rep->http;
	req->rep_code = dup_or_null(rep->code);
	req->rep_message = dup_or_null(rep->message);
	req->rep_body = NULL;
	req->rep_bodylen = 0;
	if (rep->body != NULL && rep->bodylen > 0) {
		if ((req->rep_body = malloc(rep->bodylen)) == NULL)
			return -1;
		memcpy(req->rep_body, rep->body, rep->bodylen);
		req->rep_bodylen = rep->bodylen;
	}
	if ((rep->code != NULL && req->rep_code == NULL) ||
	    (rep->message != NULL && req->rep_message == NULL))
		return -1;
	return 0;
}

int
audit_gate_hold(struct audit_gate *g, uint32_t id,
    const struct audit_gate_reply *rep)
{
	struct gate_request *req = g->cur;

	if (g->releasing || !g->in_request || id != g->cur_id)
		return 0;
	if (g->cur_status != MEDSEC_OK ||
	    (req != NULL && req->outstanding == 0 && req->status != MEDSEC_OK)) {
		send_reply(g, id, g->cur_tag, &refused_reply);
		if (req != NULL)
			req->held = 0;
		return 1;
	}
	if (req == NULL || req->outstanding == 0)
		return 0;
	if (request_hold(req, rep) != 0)
		req->status = MEDSEC_ERR_NOMEM; /* answered by a 503 */
	return 1;
}
