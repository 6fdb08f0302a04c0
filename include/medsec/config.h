/*
 * medsec config: the device/daemon configuration file (INI, parsed with
 * inih) turned into a typed struct. Parsing is strict: an unknown section
 * or key, a bad value, a duplicate key or an over-long line is an error
 * that names the file, the line and the key. Nothing is half-applied: on
 * error the caller's struct is left as it was.
 *
 *   [device]
 *   id = gw-0001                 ; [A-Za-z0-9._-], 1..63
 *   site = HOSP-A                ; optional, same alphabet
 *   state_dir = /var/lib/medsec  ; absolute path
 *
 *   [crypto]
 *   profile = approved           ; approved | kcmvp
 *
 *   [audit]
 *   epoch_records = 1000         ; 16..1000000 records per MAC epoch
 *   epoch_seconds = 3600         ; 0 (off) or 10..86400
 *   segment_bytes = 16777216     ; 65536..1073741824 (suffix k, M, G ok)
 *   hostname = gw-0001.local     ; syslog HOSTNAME, optional
 *
 *   [auth]
 *   password_profile = kr-pipc   ; see password_policy.h
 *   pwhash_ops = 2               ; Argon2id t, 2..10
 *   pwhash_mem = 19M             ; Argon2id m, 19M..1G (OWASP floor)
 *   max_failures = 5             ; failed logins before a lock, 1..100
 *   lock_seconds = 900           ; 0 = until an administrator unlocks
 *   source_max_failures = 20     ; per source address, in the window
 *   source_window_seconds = 300
 *   password_history = 5         ; last N passwords not reused, 0..24
 *   password_max_age_days = 0    ; 0 = no forced change
 *   setup_code_hours = 24        ; first-administrator code lifetime
 *   roles_file = /etc/medsec/roles.ini ; optional, see access.h
 *   emergency_access = no        ; break-glass credential allowed
 *
 *   [session]
 *   idle_seconds = 600           ; 60..86400
 *   lifetime_seconds = 28800     ; 300..604800, >= idle
 *   reauth_seconds = 300         ; re-authentication stays fresh this long
 *
 * The daemon's sections, [listen], [tls], [limits], [daemon],
 * [incident] and [source], are described in docs/config.md and medsecd.conf(5).
 * Every listener must name the client networks it accepts: a listener
 * without its allow-list, a plain-HTTP debug listener without its own,
 * or a peer listener without a CA for the peers' certificates is refused
 * (MFDS 1.5, 1.19).
 */
#ifndef MEDSEC_CONFIG_H
#define MEDSEC_CONFIG_H

#include "medsec/base.h"
#include "medsec/err.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_CONFIG_ID_MAX 64
#define MEDSEC_CONFIG_PATH_MAX 256
#define MEDSEC_CONFIG_LINE_MAX 512  /* longer lines are refused */
#define MEDSEC_CONFIG_FILE_MAX 65536 /* larger files are refused */

#define MEDSEC_CONFIG_CIDR_MAX 16
#define MEDSEC_CONFIG_INCIDENT_STEPS 6

/* A listening address: [listen] api, peer, debug_http. */
struct medsec_config_endpoint {
	int set;	  /* 0: off (empty value) */
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t port;
	char text[80];	  /* as written: "127.0.0.1:8443", "[::1]:8443" */
};

/* Client networks: [listen] *_allow, "127.0.0.0/8, ::1/128". */
struct medsec_config_cidrs {
	uint32_t n;
	struct {
		int family;
		uint8_t addr[16]; /* host bits cleared */
		uint8_t prefix;
	} net[MEDSEC_CONFIG_CIDR_MAX];
	char text[256];
};

struct medsec_config {
	char device_id[MEDSEC_CONFIG_ID_MAX];
	char site_id[MEDSEC_CONFIG_ID_MAX];
	char state_dir[MEDSEC_CONFIG_PATH_MAX];
	char crypto_profile[32];
	uint32_t audit_epoch_records;
	uint32_t audit_epoch_seconds;
	uint64_t audit_segment_bytes;
	char audit_hostname[256];
	/* [auth] and [session]: see docs/config.md */
	char auth_password_profile[32];
	uint32_t auth_pwhash_ops;
	uint32_t auth_pwhash_mem;
	uint32_t auth_max_failures;
	uint32_t auth_lock_seconds; /* 0: until an administrator unlocks */
	uint32_t auth_source_max_failures;
	uint32_t auth_source_window_seconds;
	uint32_t auth_password_history;
	uint32_t auth_password_max_age_days; /* 0: no maximum age */
	uint32_t auth_setup_code_hours;
	char auth_roles_file[MEDSEC_CONFIG_PATH_MAX];
	int auth_emergency_access;
	uint32_t session_idle_seconds;
	uint32_t session_lifetime_seconds;
	uint32_t session_reauth_seconds;
	/* [listen]: what the daemon exposes, and to whom (MFDS 1.5, 1.19) */
	struct medsec_config_endpoint listen_api, listen_peer,
	    listen_debug_http;
	struct medsec_config_cidrs listen_api_allow, listen_peer_allow,
	    listen_debug_allow;
	/* [tls] (MFDS 1.15-1.17); checked by the channel module at start */
	uint32_t tls_min_version; /* 0x0304 (TLS 1.3) or 0x0303 (TLS 1.2) */
	char tls_groups[256];
	char tls_ciphersuites[256];
	char tls_ciphers12[256];
	char tls_cert_file[MEDSEC_CONFIG_PATH_MAX]; /* "": the device's */
	char tls_key_file[MEDSEC_CONFIG_PATH_MAX];
	char tls_peer_ca_file[MEDSEC_CONFIG_PATH_MAX];
	char tls_crl_file[MEDSEC_CONFIG_PATH_MAX];
	uint32_t tls_handshake_timeout;
	/* [limits]: the flood guard and request bounds (MFDS 2.4) */
	uint32_t limits_max_connections;
	uint32_t limits_source_connections;
	uint32_t limits_connection_rate;
	uint32_t limits_request_rate;
	uint32_t limits_request_burst;
	uint32_t limits_login_rate;
	uint32_t limits_login_burst;
	uint32_t limits_header_timeout;
	uint32_t limits_body_timeout;
	uint32_t limits_write_timeout;
	uint32_t limits_idle_timeout;
	uint32_t limits_max_header_bytes;
	uint32_t limits_max_body_bytes;
	uint32_t limits_max_update_bytes;
	uint32_t limits_throttle_report_seconds;
	uint32_t limits_login_workers;
	uint32_t limits_login_queue;
	/* [daemon] */
	char daemon_user[64];
	uint32_t daemon_restart_backoff_max;
	/* the local control socket <state_dir>/medsecd.sock: 0 off */
	int daemon_control_socket;
	/* [incident]: what users are told to do (MFDS 2.3); UTF-8 text */
	char incident_contact[256];
	char incident_phone[64];
	char incident_email[128];
	char incident_url[256];
	char incident_steps[MEDSEC_CONFIG_INCIDENT_STEPS][256];
	/* [source]: where patients' readings come from until the uplink */
	int source_simulator;		/* the built-in simulator: 0 off */
	uint32_t source_patients;	/* simulated patients, 1..64 */
	uint32_t source_interval;	/* seconds between readings, 1..3600 */
	char source_socket[256];	/* an acquisition process's socket */
	uint32_t source_rate;		/* readings/s per source connection */
	uint32_t source_burst;		/* readings above the rate at once */
	/* [uplink]: vital signs to the hospital's collector (MFDS 1.16) */
	char uplink_url[256];		/* https://host[:port]/path; "": off */
	char uplink_client_cert[256];	/* PEM, the uplink's certificate */
	char uplink_client_key[256];	/* PEM, its private key */
	char uplink_ca_file[256];	/* PEM, the CA of the collector */
	char uplink_pin_sha256[64];	/* optional: its key's SHA-256 */
	uint32_t uplink_batch_max;	/* readings per Bundle, 1..32 */
	uint32_t uplink_timeout;	/* seconds per attempt, 1..300 */
	uint32_t uplink_queue_max_batches; /* store-and-forward */
	uint32_t uplink_queue_max_bytes;
	uint32_t uplink_queue_max_age;	/* seconds */
	uint32_t uplink_delivery_bound;	/* seconds, acquisition to 2xx */
	/* [ship]: audit records to a syslog collector over mutual TLS (2.1) */
	struct medsec_config_endpoint ship_target; /* unset: no shipping */
	char ship_server_name[256];	/* SNI and name check; "": none */
	char ship_ca_file[MEDSEC_CONFIG_PATH_MAX];   /* the collector's CA */
	char ship_cert_file[MEDSEC_CONFIG_PATH_MAX]; /* our client cert */
	char ship_key_file[MEDSEC_CONFIG_PATH_MAX];
	char ship_pin[96];		/* cert-sha256:HEX or spki-sha256:HEX */
	uint32_t ship_formats;		/* MEDSEC_SHIP_SYSLOG | MEDSEC_SHIP_ATNA */
	uint32_t ship_replay_window;	/* records resent on every reconnect */
	uint32_t ship_retry_max;	/* seconds, reconnect back-off cap */
};

#define MEDSEC_SHIP_SYSLOG 0x1u
#define MEDSEC_SHIP_ATNA 0x2u

/* struct medsec_config_error, shared by every text parser, is in err.h. */

/* Fills cfg with the documented defaults. */
MEDSEC_API
void medsec_config_defaults(struct medsec_config *cfg);

/*
 * Loads and validates a file (at most MEDSEC_CONFIG_FILE_MAX bytes, UTF-8).
 * The file must not be a symlink or writable by group or others
 * (MEDSEC_ERR_PERMISSION), and must belong to the service user (the
 * effective uid) or root (MEDSEC_ERR_NOT_OWNER): whoever can write it
 * sets the device's security settings. Keys absent from the file keep
 * their value in cfg (call medsec_config_defaults first). On error returns
 * MEDSEC_ERR_CONFIG (or an I/O code), fills *err (naming the path, and
 * the owner and mode when they are the reason) and leaves cfg unchanged.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_config_load(const char *path, struct medsec_config *cfg,
    struct medsec_config_error *err);

/*
 * As medsec_config_load(), and *textp receives the very text that was
 * checked and parsed (malloc'd, NUL-terminated; the caller frees it), for
 * a caller that records the configuration: reading the file a second time
 * could see other bytes.
 */
MEDSEC_API
int medsec_config_load_text(const char *path, struct medsec_config *cfg,
    char **textp, struct medsec_config_error *err);

/* As medsec_config_load() on text already in memory; name is for errors. */
MEDSEC_API
int medsec_config_parse(const char *name, const char *text, size_t len,
    struct medsec_config *cfg, struct medsec_config_error *err);

/*
 * 1 if addr (struct sockaddr_in or sockaddr_in6; an IPv4-mapped IPv6
 * address counts as IPv4) is inside one of the networks, else 0.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_config_cidrs_match(const struct medsec_config_cidrs *nets,
    const struct sockaddr *addr, socklen_t addrlen);

/* Formats an error as "file:line: key: message" into buf. */
MEDSEC_API
void medsec_config_error_format(const struct medsec_config_error *err,
    char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
