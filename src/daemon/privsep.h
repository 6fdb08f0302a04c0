/*
 * The privilege-separation channel between the monitor (privileged: keys,
 * database, audit writes) and the worker (unprivileged: network, TLS,
 * HTTP). Modelled on OpenSSH's monitor: one socketpair(SOCK_SEQPACKET),
 * one message per datagram, a fixed header and a fixed-size payload per
 * message type. The monitor trusts nothing the worker sends: every
 * request is checked against the dispatch table (exact size, every string
 * field NUL-terminated within its array, allowed in the current state)
 * before a handler sees it, and anything else is fatal for the worker.
 *
 * The worker trusts the monitor's replies, whose JSON bodies it passes
 * through to the client unchanged.
 */
#ifndef MEDSECD_PRIVSEP_H
#define MEDSECD_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/identity.h"
#include "medsec/password_policy.h"
#include "medsec/session.h"

#define PRIVSEP_MSG_MAX 65536 /* header + payload, one datagram */
#define PRIVSEP_BODY_MAX (PRIVSEP_MSG_MAX - sizeof(struct privsep_hdr))

struct privsep_hdr {
	uint32_t type;
	uint32_t id;	/* chosen by the worker; a reply carries it back */
	uint32_t len;	/* payload bytes after the header */
	uint32_t flags; /* PRIVSEP_F_* */
};

#define PRIVSEP_F_FD 0x1 /* one descriptor travels with the message */

/* Message types. Worker to monitor: */
enum privsep_type {
	PS_HEALTH = 1,
	PS_LOGIN,
	PS_SESSION_GET,
	PS_LOGOUT,
	PS_REAUTH,
	PS_USERS_LIST,
	PS_USER_ADD,
	PS_USER_ACTION,
	PS_PEER_REFUSED,
	PS_WORKER_READY,
	PS_AUDIT_READ,
	PS_CONTROL,
	PS_THROTTLED,
	/* Peers and TLS failures (MFDS 1.5, 1.6; monitor_peer.c): */
	PS_TLS_FAILURE,
	PS_PEER_REQUEST,
	PS_PEER_CLOSED,
	PS_UPDATE_UPLOAD,  /* carries the package as a sealed memfd */
	PS_UPDATE_STATUS,
	PS_UPDATE_APPROVE,
	PS_INTEGRITY,
	PS_OBSERVATIONS,
	PS__WORKER_LAST,
	/* Monitor to worker: */
	PS_REPLY = 100,
	PS_CONFIG,
	/* The revocation list after a reload (text), apart from the others'. */
	PS_REVOCATION_LIST = 140,
};

/* The monitor's view of the worker, for the dispatch table. */
#define PS_STATE_STARTING 0x1 /* forked, not yet sandboxed and serving */
#define PS_STATE_SERVING 0x2
#define PS_STATE_ANY (PS_STATE_STARTING | PS_STATE_SERVING)

#define PS_SOURCE_LEN 64 /* a numeric address, as text */
#define PS_PASSWORD_LEN (MEDSEC_PASSWORD_MAX + 1)

/* Every request names where it came from, for the records. */
struct ps_origin {
	char source[PS_SOURCE_LEN];
	char listener[16]; /* "api", "peer", "debug_http" */
};

struct ps_health_req {
	struct ps_origin from;
};

struct ps_login_req {
	struct ps_origin from;
	char user[MEDSEC_USER_NAME_MAX];
	char password[PS_PASSWORD_LEN]; /* wiped by both sides after use */
	uint32_t password_len;
};

/* GET/DELETE /v1/session, GET /v1/users: the bearer token only. */
struct ps_token_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
};

struct ps_reauth_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	char password[PS_PASSWORD_LEN];
	uint32_t password_len;
};

struct ps_user_add_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	char name[MEDSEC_USER_NAME_MAX];
	char roles[128];
	char password[PS_PASSWORD_LEN];
	uint32_t password_len;
	int64_t expires_us; /* 0: never */
};

enum ps_user_action {
	PS_USER_DISABLE = 1,
	PS_USER_ENABLE,
	PS_USER_UNLOCK,
	PS_USER_DELETE,
};

struct ps_user_action_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	char name[MEDSEC_USER_NAME_MAX];
	uint32_t action; /* enum ps_user_action */
};

/* Clients refused by an allow-list since the last report, per source. */
struct ps_peer_refused_req {
	struct ps_origin from;
	uint32_t count;
};

/* GET /v1/audit?after=SEQ&limit=N */
struct ps_audit_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	uint64_t after;
	uint32_t limit; /* 1..PS_AUDIT_LIMIT_MAX */
};

#define PS_AUDIT_LIMIT_MAX 100

/*
 * POST /v1/control: the command, its arguments as canonical JSON (compact,
 * keys sorted, ASCII) and the client's MAC over "seq\ncommand\nargs" under
 * the session's control key, as base64url text.
 */
struct ps_control_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	uint64_t seq;
	char command[32];
	char args[1024];
	char mac[48];
};

/* What the flood guard refused a source since its last report. */
struct ps_throttled_req {
	struct ps_origin from;
	uint64_t refused_connections;
	uint64_t refused_requests;
	uint64_t refused_logins;
	uint64_t seconds; /* between the first and the last refusal */
};

struct ps_worker_ready_req {
	uint32_t pid;
	uint32_t uid; /* what the worker runs as, now that it dropped root */
};

/*
 * A reply: the medsec status, the HTTP status the worker answers with,
 * a stable error code and message for errors, and an optional JSON body
 * after the struct (len - sizeof(struct ps_reply) bytes).
 */
struct ps_reply {
	int32_t status;
	uint16_t http;
	uint16_t retry_after; /* seconds, for 429; 0: none */
	char code[48];
	char message[256];
};

#define PS_REPLY_BODY_MAX (PRIVSEP_BODY_MAX - sizeof(struct ps_reply))

/* ---- peers and TLS failures (MFDS 1.5, 1.6; monitor_peer.c) ---- */

#define PS_FINGERPRINT_LEN 65 /* SHA-256, lowercase hex, NUL */
#define PS_TLS_REASON_LEN 160

/*
 * Failed handshakes of one source on one listener for one reason since
 * their last report (one record per source and reason per interval).
 */
struct ps_tls_failure_req {
	struct ps_origin from;
	char reason[PS_TLS_REASON_LEN];
	uint32_t alert; /* the fatal alert (RFC 8446 6.2); 0: none */
	uint32_t count;
};

/*
 * A request on the peer listener: the client certificate's fingerprint
 * and the route, which the monitor maps to the machine identity and its
 * permissions. path is "" when it does not fit (then no route matches).
 */
struct ps_peer_req {
	struct ps_origin from;
	char fingerprint[PS_FINGERPRINT_LEN];
	char method[8];
	char path[128];
};

/* Live connections of a revoked peer closed after a reload. */
struct ps_peer_closed_req {
	struct ps_origin from;
	char fingerprint[PS_FINGERPRINT_LEN];
	uint32_t count;
};

/* ---- framing ---- */

/*
 * Sends one message (header, payload, optionally one descriptor; fd < 0
 * for none). MEDSEC_OK, MEDSEC_ERR_TOO_LARGE past PRIVSEP_MSG_MAX,
 * MEDSEC_ERR_IO when the peer is gone (EPIPE, ECONNRESET).
 */
int privsep_send(int sock, uint32_t type, uint32_t id, const void *payload,
    size_t len, int fd);

/* As privsep_send, the payload gathered from two parts (reply + body). */
int privsep_send2(int sock, uint32_t type, uint32_t id, const void *a,
    size_t alen, const void *b, size_t blen);

/*
 * Receives one message into buf (PRIVSEP_MSG_MAX bytes) without
 * blocking. MEDSEC_OK with *hdr and *payload (pointing into buf) set and
 * *fdp the descriptor received or -1; MEDSEC_ERR_BUSY when nothing is
 * waiting; MEDSEC_ERR_IO when the peer has gone (EOF); MEDSEC_ERR_FORMAT
 * for a truncated datagram, a header whose len disagrees with the bytes
 * received, a descriptor without PRIVSEP_F_FD or more than one: any of
 * those is a misbehaving peer, and an unexpected descriptor is closed.
 */
int privsep_recv(int sock, void *buf, struct privsep_hdr *hdr,
    const uint8_t **payload, int *fdp);

/* ---- the monitor's checks ---- */

/* A string field of a request: where it is, for the NUL check. */
struct ps_field {
	size_t offset;
	size_t size;
};

struct privsep_rule {
	uint32_t type;
	const char *name;
	size_t size;	  /* exact payload size */
	unsigned states;  /* PS_STATE_* in which it is allowed */
	const struct ps_field *strings; /* NULL-size terminated */
};

/*
 * Checks a request against the rules: the type is known, the payload has
 * exactly the rule's size, every string field is NUL-terminated within
 * its array, and state is one the rule allows. MEDSEC_OK with *rulep set;
 * otherwise MEDSEC_ERR_FORMAT (unknown type, wrong size, unterminated
 * string: why names which) or MEDSEC_ERR_STATE, both fatal for the
 * worker.
 */
int privsep_check(const struct privsep_rule *rules, size_t nrules,
    const struct privsep_hdr *hdr, const uint8_t *payload, unsigned state,
    const struct privsep_rule **rulep, char *why, size_t whylen);

/* The rules of the worker's requests. */
extern const struct privsep_rule privsep_rules[];
extern const size_t privsep_nrules;

/* ---- updates, integrity, observations ---- */

/*
 * POST /v1/updates: the package is the sealed memfd passed with the
 * message (PRIVSEP_F_FD); size is what the worker wrote, which the
 * monitor compares with the memfd's own size and seals.
 */
struct ps_update_upload_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	uint64_t size;
};

/* POST /v1/updates/approve {"digest"}: 64 lowercase hex digits. */
struct ps_update_approve_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	char digest[65];
};

#define PS_PATIENT_LEN 65 /* [A-Za-z0-9._-], 1..64 */

/* GET /v1/patients/{id}/observations */
struct ps_observations_req {
	struct ps_origin from;
	char token[MEDSEC_TOKEN_TEXT_LEN];
	char patient[PS_PATIENT_LEN];
};

#endif
