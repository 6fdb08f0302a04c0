/*
 * The monitor's state, shared by monitor.c (processes, signals, the
 * privsep channel) and monitor_api.c (the request handlers).
 */
#ifndef MEDSECD_MONITOR_H
#define MEDSECD_MONITOR_H

#include <stdint.h>
#include <sys/types.h>

#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/device.h"
#include "audit_recover.h"
#include "daemon.h"
#include "privsep.h"

struct event_base;
struct event;
struct login_pool;
struct audit_gate;

struct medsec_channel;
struct reading;
struct monitor_ship;
struct monitor_ctl;

struct monitor {
	struct event_base *base;
	const char *config_path;
	struct medsec_config cfg;
	struct medsec_device *dev;
	struct login_pool *pool;
	int listen_fd[MEDSECD_LISTEN__COUNT];
	/* TLS of the api and peer listeners, built before the worker forks */
	struct medsec_channel *channel[MEDSECD_LISTEN__COUNT];
	int ps_fd;		/* our end of the socketpair; -1: no worker */
	struct event *ps_ev;
	pid_t worker_pid;	/* 0: none */
	unsigned worker_state;	/* PS_STATE_* */
	uint64_t generation;	/* worker incarnation; replies to older ones are dropped */
	unsigned backoff_s;
	int64_t worker_started_us;
	struct event *restart_ev;
	struct event *sig_ev[4];
	int stopping;
	int rx_fd; /* descriptor of the message being handled; -1: none */
	struct audit_gate *audit_gate;	/* monitor_audit.c */
	struct audit_recovery audit_recovery;	/* monitor_audit.c */
	struct event *audit_recovery_ev;
	struct monitor_ship *ship;	/* monitor_ship.c; NULL: no [ship] */
	/* monitor_peer.c: the revocation list in force and its watcher */
	char *revocation_in_force;
	struct event *revocation_watch;
	int64_t db_version;	/* PRAGMA data_version at the last look */
	int revocation_watch_failing;	/* a reload it asked for failed */
	uint64_t revocation_restart_of;	/* worker generation to restart */
	struct monitor_ctl *ctl;	/* monitor_ctl.c; NULL: socket off */
	union {
		uint64_t align;
		uint8_t buf[PRIVSEP_MSG_MAX];
	} rx;
};

/* A handler: the payload has been checked against its rule. */
typedef void (*monitor_handler)(struct monitor *m, uint32_t id,
    const uint8_t *payload);

struct monitor_dispatch {
	uint32_t type;
	monitor_handler handler;
};

extern const struct monitor_dispatch monitor_dispatch_table[];
extern const size_t monitor_dispatch_count;

/* GET /v1/audit (monitor_audit.c). */
void monitor_h_audit_read(struct monitor *m, uint32_t id,
    const uint8_t *payload);

/* POST /v1/control (monitor_control.c). */
void monitor_h_control(struct monitor *m, uint32_t id, const uint8_t *payload);
/* Draws the secret of the sessions' control keys; 0 or -1. */
int monitor_control_init(void);
/* A session's control key as base64url text (out: 44 bytes or more). */
int monitor_control_key_text(const char *session_id, char *out,
    size_t outlen);

/* Peers and TLS failures (monitor_peer.c, MFDS 1.5, 1.6). */
void monitor_h_tls_failure(struct monitor *m, uint32_t id,
    const uint8_t *payload);
void monitor_h_peer_request(struct monitor *m, uint32_t id,
    const uint8_t *payload);
void monitor_h_peer_closed(struct monitor *m, uint32_t id,
    const uint8_t *payload);
/* POST /v1/peers/revoke: revoked, then reloaded as on SIGHUP. */
void monitor_h_peer_revoke(struct monitor *m, uint32_t id,
    const uint8_t *payload);
/*
 * SIGHUP: the revocation list to the peer channel and the worker; 0 once
 * the list is in force for new handshakes, -1 when the one before stays.
 */
int monitor_peer_reload(struct monitor *m);
/*
 * After a revocation committed by actor from source: the list in force
 * now (0), or the worker restarted so that no live connection of the
 * revoked peer survives, recorded, and -1: the caller must not report
 * plain success (MONITOR_REVOCATION_NOT_APPLIED says what happened).
 */
int monitor_peer_enforce(struct monitor *m, const char *actor,
    const char *source);
#define MONITOR_REVOCATION_NOT_APPLIED "the revocation is stored, but the " \
    "daemon could not put the new list in force: it restarted its worker, " \
    "closing every connection, and refuses the peer's requests from the " \
    "database until the list loads"
/*
 * Watches the database for a revocation committed by another process and
 * reloads as on SIGHUP; 0, or -1 with a message. No peer listener: none.
 */
int monitor_peer_watch_start(struct monitor *m);
void monitor_peer_watch_free(struct monitor *m);

/*
 * The local control socket (monitor_ctl.c): <state_dir>/medsecd.sock,
 * for the administrator's `medsec user revoke-cert|disable|enable|unlock`
 * while the daemon holds the device. start binds it (unless [daemon]
 * control_socket = off), refusing when another medsecd answers there; 0,
 * or -1 with a message. free closes it, ends its connections and removes
 * the file; call it after the login pool is freed (a pending login's
 * callback refers to its connection).
 */
int monitor_ctl_start(struct monitor *m);
void monitor_ctl_free(struct monitor *m);

/* Sends a reply (body may be NULL); a lost worker is noticed by SIGCHLD. */
void monitor_reply(struct monitor *m, uint32_t id, int status, unsigned http,
    const char *code, const char *message, const char *body, size_t bodylen);

/* As monitor_reply, for a medsec error: the HTTP status and code it maps to. */
void monitor_reply_error(struct monitor *m, uint32_t id, int status,
    int token_check);

/*
 * Queues a record for the trail's next group commit (monitor_audit.c). A
 * reply to the request being handled waits until the record is durable,
 * and becomes a 503 audit_unavailable if it cannot be written; a record
 * that cannot be queued is logged (the trail reports it degraded).
 */
void monitor_audit(struct monitor *m, int event, const char *actor,
    const char *source, const char *object, int outcome, const char *reason,
    const char *details);
/*
 * Opens an incident on the device for an event already recorded (kind:
 * enum medsec_incident_trigger_kind), or adds the event to the open
 * incident of that kind, and records INCIDENT once that commits
 * (monitor_audit.c). detail and containment are the notice's facts.
 */
void monitor_incident(struct monitor *m, int kind, const char *detail,
    const char *containment);
/* Around each request's handler: its records hold back its reply. */
void monitor_audit_request_begin(struct monitor *m, uint32_t id);
void monitor_audit_request_end(struct monitor *m);
/* 1 when the reply is held (or refused) behind the request's records. */
int monitor_audit_hold_reply(struct monitor *m, uint32_t id, int status,
    unsigned http, const char *code, const char *message, const char *body,
    size_t bodylen);
/* Commits what is queued, sending or refusing held replies. */
void monitor_audit_close(struct monitor *m);
/*
 * Looks at the trail every second and, once a write has failed, reopens
 * it on a back-off until it takes records again; 0, or -1 with a message.
 */
int monitor_audit_recovery_start(struct monitor *m);

/* POST/GET /v1/updates, POST /v1/updates/approve (monitor_updates.c). */
void monitor_h_update_upload(struct monitor *m, uint32_t id,
    const uint8_t *payload);
void monitor_h_update_status(struct monitor *m, uint32_t id,
    const uint8_t *payload);
void monitor_h_update_approve(struct monitor *m, uint32_t id,
    const uint8_t *payload);

/* GET /v1/integrity (monitor_integrity.c). */
void monitor_h_integrity(struct monitor *m, uint32_t id,
    const uint8_t *payload);

/* GET /v1/patients/{id}/observations (monitor_patients.c). */
void monitor_h_observations(struct monitor *m, uint32_t id,
    const uint8_t *payload);
/* Starts the readings' source ([source]); 0, or -1 with a message. */
int monitor_patients_start(struct monitor *m);
void monitor_patients_stop(void);
/* A reading from the uplink's source, into the rings. */
void monitor_patients_add(const char *patient, const struct reading *x);

/*
 * The monitor's children: worker, uplink, shipper (monitor_child.c).
 * monitor_fork_child makes a SOCK_SEQPACKET channel and forks with the
 * login pool quiesced; the child closes the monitor's end and runs
 * child_main(arg, its end), which never returns. The parent gets the pid
 * and its own end (non-blocking) in *fdp, or -1 (logged; *fdp -1), and
 * watches it with monitor_child_watch (a child it cannot watch is killed,
 * and restarted as after any exit). After an exit, monitor_child_exited
 * resets the back-off of a child that ran long enough to be healthy, and
 * monitor_child_restart_later arms its restart timer and doubles the
 * back-off up to the maximum.
 */
typedef void (*monitor_child_main)(void *arg, int fd);
pid_t monitor_fork_child(struct monitor *m, const char *name,
    monitor_child_main child_main, void *arg, int *fdp);
void monitor_child_watch(struct monitor *m, const char *name, pid_t pid,
    int fd, void (*on_message)(int, short, void *), void *arg,
    struct event **evp);
void monitor_child_exited(unsigned *backoff_s, int64_t started_us);
void monitor_child_restart_later(struct event *restart_ev,
    unsigned *backoff_s, unsigned backoff_max_s);

/* The uplink process (monitor_uplink.c, MFDS 1.16, 1.20). */
/* Forks it when [uplink] url is set; 0, or -1 with a message. */
int monitor_uplink_start(struct monitor *m);
/* SIGCHLD: 1 when pid was the uplink (audited, restarted). */
int monitor_uplink_reaped(struct monitor *m, pid_t pid, int status);
/* SIGTERM: the uplink stops with the worker. */
void monitor_uplink_stop(struct monitor *m);
void monitor_uplink_free(void);

/*
 * Audit shipping (monitor_ship.c, MFDS 2.1): start forks the shipper when
 * [ship] names a target (0, or -1 when it cannot be set up); reaped says
 * whether a child the monitor waited for was the shipper (and handles
 * it); stop asks it to end; free ends it and releases the rest.
 */
int monitor_ship_start(struct monitor *m);
int monitor_ship_reaped(struct monitor *m, pid_t pid, int status);
void monitor_ship_stop(struct monitor *m);
void monitor_ship_free(struct monitor *m);

#endif
