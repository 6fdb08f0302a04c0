/*
 * The monitor's audit gate: its records go to the trail through the
 * asynchronous group commit (medsec_audit_submit / medsec_audit_commit),
 * and a reply that follows a record is held until the record is durable.
 *
 * While the monitor handles one request from the worker (between
 * audit_gate_begin and audit_gate_end), the records it submits belong to
 * that request. If the handler then replies, the reply waits for all of
 * them: it leaves once they are on stable storage, or becomes a 503
 * audit_unavailable if any could not be written (fail closed: a decision
 * is never answered before its record is durable). A record made outside
 * a request (a signal, the worker's exit) holds nothing back.
 *
 * The commit runs once per turn of the event loop: the first record queued
 * makes an event active, and its callback commits everything queued since,
 * with one write and one fdatasync, on the loop's thread.
 */
#ifndef MEDSECD_AUDIT_GATE_H
#define MEDSECD_AUDIT_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"

struct event_base;
struct audit_gate;

/* A reply as the handler gave it; the gate copies what it holds. */
struct audit_gate_reply {
	int status;	/* medsec error code, MEDSEC_OK on success */
	unsigned http;
	const char *code;
	const char *message;
	const char *body;
	size_t bodylen;
};

/*
 * Sends a reply to request id of the worker incarnation `tag` (given at
 * audit_gate_begin; the sender drops replies to an incarnation gone).
 */
typedef void (*audit_gate_send_fn)(void *ctx, uint32_t id, uint64_t tag,
    const struct audit_gate_reply *rep);

/* MEDSEC_OK, MEDSEC_ERR_NOMEM. */
int audit_gate_new(struct event_base *base, struct medsec_audit *a,
    audit_gate_send_fn send, void *ctx, struct audit_gate **gp);

/*
 * Commits what is still queued (held replies are sent or refused as the
 * commit decides), then frees the gate. NULL is a no-op.
 */
void audit_gate_free(struct audit_gate *g);

/* The monitor starts and ends handling request id of incarnation tag. */
void audit_gate_begin(struct audit_gate *g, uint32_t id, uint64_t tag);
void audit_gate_end(struct audit_gate *g);

/*
 * Queues a record. Returns MEDSEC_OK, or the error of the submit (nothing
 * queued; a reply of the current request then becomes a 503).
 */
int audit_gate_record(struct audit_gate *g,
    const struct medsec_audit_event_in *ev);

/*
 * Offered every reply before it is sent. Returns 1 when the gate took it
 * (held until the request's records are durable, or already answered by a
 * 503 because one of them failed), 0 when the caller sends it now.
 */
int audit_gate_hold(struct audit_gate *g, uint32_t id,
    const struct audit_gate_reply *rep);

/* Commits the queue now (what the loop's commit event does). */
int audit_gate_commit(struct audit_gate *g);

#endif
