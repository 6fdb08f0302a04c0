/*
 * POST /v1/updates in the worker: the package body moves into a memfd,
 * chunk by chunk (each chunk of evhttp's buffer is freed once written),
 * the memfd is sealed against writing, growing and shrinking, and it
 * travels to the monitor with SCM_RIGHTS. From then on neither process
 * can change what the other reads: the monitor checks the seals.
 *
 * evhttp 2.1 has no hook between a request's headers and its body, so
 * the body is complete in memory (at most max_update_bytes, the limit the
 * gate set for this request line) before it reaches this route.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "medsec/err.h"
#include "api.h"
#include "http.h"
#include "worker.h"

#define UPLOAD_SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* Moves the whole of in into fd; 0, or -1 with errno. */
static int
drain_into(struct evbuffer *in, int fd)
{
	int n;

	while (evbuffer_get_length(in) > 0) {
		n = evbuffer_write_atmost(in, fd, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
	}
	return 0;
}

/* A sealed memfd holding the body; -1 with errno on failure. */
static int
body_memfd(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	int fd, saved;

	if ((fd = memfd_create("medsec-update", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0)
		return -1;
	if (drain_into(in, fd) != 0 || fcntl(fd, F_ADD_SEALS,
	    UPLOAD_SEALS) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* As worker_request(), with the descriptor passed alongside. */
static void
request_with_fd(struct worker *w, struct evhttp_request *req,
    const struct ps_update_upload_req *r, int fd)
{
	struct pending *p;
	uint32_t id;

	if (++w->next_id == 0)
		w->next_id = 1;
	id = w->next_id;
	p = &w->pending[id % WORKER_PENDING_MAX];
	if (p->id != 0) {
		http_error(req, 503, "worker_unavailable",
		    "too many requests in progress; retry later", 1);
		return;
	}
	if (privsep_send(w->ps_fd, PS_UPDATE_UPLOAD, id, r, sizeof(*r), fd) !=
	    MEDSEC_OK) {
		http_error(req, 503, "worker_unavailable",
		    "the service cannot take requests now", 1);
		return;
	}
	p->id = id;
	p->req = req;
}

void
api_update_upload(struct worker *w, struct evhttp_request *req,
    struct ps_update_upload_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char msg[160];
	int fd;

	if (len == 0) {
		http_error(req, 400, "invalid_request",
		    "the body must be the update package", 0);
		return;
	}
	if (len > w->cfg.limits_max_update_bytes) {
		snprintf(msg, sizeof(msg), "the package is %zu bytes; "
		    "max_update_bytes is %u", len,
		    w->cfg.limits_max_update_bytes);
		http_error_close(req, 413, "body_too_large", msg);
		return;
	}
	r->size = len;
	if ((fd = body_memfd(req)) < 0) {
		snprintf(msg, sizeof(msg), "the package could not be held for "
		    "the check: %s", strerror(errno));
		http_error(req, 503, "worker_unavailable", msg, 1);
		return;
	}
	request_with_fd(w, req, r, fd);
	/* The monitor has its own reference now, or the request failed. */
	close(fd);
}
