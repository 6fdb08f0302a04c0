/*
 * medsec channel: TLS server contexts with the device's policy (MFDS
 * 1.15/1.16 confidentiality and integrity in transit, 1.17 approved
 * algorithms of at least 112 bits, 1.5/1.6 peer authentication and
 * revocation), and server-side TLS bufferevents over them.
 *
 * Policy, whatever the options say: no compression, no renegotiation
 * (neither side may start one), no 0-RTT (max early data 0), TLS 1.3
 * only unless min_version asks for 1.2, and then TLS 1.2 with ECDHE and
 * AEAD suites only. Every group offers at least 128-bit security, every
 * suite's cipher at least 128 bits, the server key and its certificate
 * signature at least 112 bits. A context that breaks the policy is
 * refused at medsec_channel_new(), with a sentence naming the setting
 * and the value.
 *
 * With require_client_cert (the peer listener, mutual TLS), a client
 * must present a certificate that chains to peer_ca_file, is valid now,
 * allows clientAuth, is not on crl_file (when given) and whose SHA-256
 * fingerprint is not on the revocation list; the handshake fails
 * otherwise (alert certificate_required, unknown_ca,
 * certificate_expired, unsupported_certificate or certificate_revoked)
 * and medsec_channel_failure() says why. Session resumption is off on
 * such a context, so every connection passes these checks.
 *
 * Profiles: "approved" as above. "kcmvp" keeps to KCMVP-listed
 * algorithms where OpenSSL 3.0 can: groups P-256, P-384 and P-521 only;
 * with min_version 1.2 the context speaks TLS 1.2 only, with ARIA-GCM
 * suites only (TLS 1.3 defines no ARIA suite); with min_version 1.3 it
 * speaks TLS 1.3 with AES-GCM suites, which are not KCMVP-listed, and
 * medsec_channel_describe() says so (docs/channel.md).
 *
 * Threads: a channel is used by one thread (the worker's event loop).
 */
#ifndef MEDSEC_CHANNEL_H
#define MEDSEC_CHANNEL_H

#include "medsec/base.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct medsec_channel;
struct event_base;
struct bufferevent;

#define MEDSEC_TLS_1_2 0x0303
#define MEDSEC_TLS_1_3 0x0304

#define MEDSEC_CHANNEL_FINGERPRINT_LEN 65 /* SHA-256, lowercase hex, NUL */

/* Defaults for NULL or empty strings below. */
#define MEDSEC_CHANNEL_GROUPS "X25519:P-256:P-384"
#define MEDSEC_CHANNEL_GROUPS_KCMVP "P-256:P-384"
#define MEDSEC_CHANNEL_SUITES \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:" \
	"TLS_AES_128_GCM_SHA256"
#define MEDSEC_CHANNEL_SUITES_KCMVP \
	"TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"
#define MEDSEC_CHANNEL_CIPHERS12 \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305"
#define MEDSEC_CHANNEL_CIPHERS12_KCMVP \
	"ECDHE-ECDSA-ARIA256-GCM-SHA384:ECDHE-ECDSA-ARIA128-GCM-SHA256"

struct medsec_channel_options {
	int min_version;	    /* MEDSEC_TLS_1_3 (0 = default) or _1_2 */
	const char *groups;	    /* "X25519:P-256:P-384" */
	const char *ciphersuites;   /* TLS 1.3 suites, exact names */
	const char *ciphers12;	    /* TLS 1.2 suites, exact names */
	const char *crypto_profile; /* "approved" (NULL) or "kcmvp" */
	const char *cert_pem;	    /* server certificate, then its chain */
	size_t cert_len;
	const char *key_pem;	    /* its private key; the caller wipes */
	size_t key_len;
	int require_client_cert;    /* mutual TLS (the peer listener) */
	const char *peer_ca_file;   /* required with require_client_cert */
	const char *crl_file;	    /* optional, re-read on reload */
	const char *revocation_text; /* medsec revocation list, optional */
	size_t revocation_len;
	/*
	 * Seconds from accept to a finished handshake (tls.handshake_timeout);
	 * a connection still handshaking then is reported as a failure
	 * ("handshake timeout") and shut down. 0: no deadline.
	 */
	unsigned handshake_timeout;
};

struct medsec_config;

/*
 * Fills o from a configuration's [tls] and [crypto] sections: versions,
 * groups, suites, profile, handshake timeout, peer CA and CRL files (pointers into cfg,
 * which must outlive o's use). A kcmvp device whose [tls] lists equal
 * the approved defaults gets the kcmvp defaults. The certificate and
 * key, require_client_cert and the revocation list stay the caller's.
 */
MEDSEC_API MEDSEC_NONNULL(1, 2)
void medsec_channel_options_from_config(const struct medsec_config *cfg,
    struct medsec_channel_options *o);

/*
 * Builds a server context. Refuses with MEDSEC_ERR_WEAK_ALGORITHM (a
 * group below 128 bits, a suite below 128 bits or not AEAD, a TLS 1.2
 * suite without ECDHE, a key below 112 bits: RSA < 2048, EC < P-256, a
 * certificate signed below 112 bits) or MEDSEC_ERR_CONFIG (an unknown
 * group or suite name, min_version outside {1.2, 1.3}, a server
 * certificate that is expired or not valid yet or not for the key, a
 * missing CA file, a CRL or revocation list that does not parse), with
 * one line in err naming the setting and value, e.g. "tls.groups:
 * 'ffdhe2048' offers 112-bit security; at least 128 required". On
 * success *chp is the caller's (medsec_channel_free()).
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_new(const struct medsec_channel_options *opts,
    struct medsec_channel **chp, char *err, size_t errlen);

/*
 * Frees the channel; NULL is a no-op. Free it after the bufferevents
 * made from it: libssl keeps their context alive, but a client
 * certificate met after the channel is gone is refused (nothing left
 * to check it against).
 */
MEDSEC_API
void medsec_channel_free(struct medsec_channel *ch);

/*
 * Replaces the revocation list (text, len: NULL/0 for an empty list) and
 * re-reads crl_file, for SIGHUP, without a restart. All or nothing: on
 * a list or CRL that does not parse the old ones stay in force and err
 * says why (MEDSEC_ERR_CONFIG). New handshakes see the new list at once;
 * live connections are the caller's to check with
 * medsec_channel_peer_revoked().
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_reload_revocation(struct medsec_channel *ch,
    const char *text, size_t len, char *err, size_t errlen);

/*
 * As medsec_channel_reload_revocation(), the revocation list alone: the
 * CA and CRL files stay as loaded. For a process that may not open files
 * (the daemon's sandboxed worker), which gets the list from the one that
 * may.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_set_revocation_list(struct medsec_channel *ch,
    const char *text, size_t len, char *err, size_t errlen);

/*
 * Closes the live connections of the channel whose client certificate
 * is on the revocation list now in force (after a reload: MFDS 1.6): each
 * one's socket is shut down, so its next read ends it. closed (may be
 * NULL) is told each one's source address and fingerprint. Returns how
 * many were closed.
 */
MEDSEC_API
size_t medsec_channel_close_revoked(struct medsec_channel *ch,
    void (*closed)(const char *source, const char *fingerprint, void *arg),
    void *arg);

#define MEDSEC_CHANNEL_SOURCE_LEN 64 /* a numeric address, as text */

/* A failed handshake, for the TLS_FAILURE record. */
struct medsec_channel_failure_report {
	const char *source; /* the client's numeric address, or "unknown" */
	const char *reason; /* one line, as medsec_channel_failure() says */
	int alert;	    /* the fatal TLS alert sent (the client's when it
			       ended the handshake); 0: none */
};

/*
 * Calls hook once for every handshake on a bufferevent of
 * medsec_channel_accept() that fails: refused by the policy (protocol
 * version, no shared suite or group, a client certificate that is
 * missing, from an unknown CA, expired, not yet valid, for the wrong
 * usage or revoked), ended by the client with an alert or by closing,
 * or over the handshake timeout. Not reported: a connection the
 * admission refused (the daemon records those itself) and one closed
 * before any handshake byte was read (port scans, probes). The hook
 * runs inside the event loop and must not free the bufferevent.
 */
MEDSEC_API
void medsec_channel_set_failure_hook(struct medsec_channel *ch,
    void (*hook)(const struct medsec_channel_failure_report *f,
    void *arg), void *arg);

/*
 * A server-side TLS bufferevent for an accepted socket, in the accepting
 * state, freeing (closing) fd when freed. NULL on failure (fd is then
 * the caller's to close). fd may be -1 when the descriptor is set later
 * with bufferevent_setfd(), as libevent's evhttp does with the
 * bufferevent its evhttp_set_bevcb() callback returns.
 */
/*
 * Admission before TLS work (MFDS 2.4): admit(bev, arg) is called when a
 * connection's ClientHello arrives, before any key exchange or signature;
 * non-zero refuses it (handshake_failure alert, nothing computed). The
 * daemon's flood guard and allow-list decide here. NULL: no admission.
 * Applies to bufferevents made by medsec_channel_accept() from then on.
 */
MEDSEC_API
void medsec_channel_set_admission(struct medsec_channel *ch,
    int (*admit)(struct bufferevent *bev, void *arg), void *arg);

MEDSEC_API
struct bufferevent *medsec_channel_accept(struct medsec_channel *ch,
    struct event_base *base, int fd);

/*
 * Lingering close (MFDS 1.6). When a handshake is refused with an alert
 * (a client certificate unknown, expired, revoked or for the wrong
 * usage; a protocol or suite refused), the client may already have sent
 * its request, in TLS 1.3 right after its Finished; closing a socket
 * with unread input makes Linux send a reset that can overtake the
 * alert. So the socket is kept open through a duplicate: once the
 * bufferevent is freed (by its owner, as evhttp does on the error), its
 * write side is shut and what still arrives is read and dropped until
 * the client closes, for at most MEDSEC_CHANNEL_LINGER_SECONDS or
 * MEDSEC_CHANNEL_LINGER_BYTES, on the event base given to
 * medsec_channel_accept(), never blocking it. At most
 * MEDSEC_CHANNEL_LINGER_MAX sockets of a channel linger at once; past
 * that a refused socket closes at once. Refusals by the admission are
 * never kept. medsec_channel_free() closes those still lingering: free
 * the channel, or run the base until medsec_channel_lingering() is 0,
 * before freeing that base.
 */
#define MEDSEC_CHANNEL_LINGER_MAX 64
#define MEDSEC_CHANNEL_LINGER_SECONDS 2
#define MEDSEC_CHANNEL_LINGER_BYTES (64u << 10)

/*
 * Sets the cap (0: every refused socket closes at once), the seconds and
 * the bytes of a lingering close, for refusals from then on.
 */
MEDSEC_API
void medsec_channel_set_linger(struct medsec_channel *ch, size_t max,
    unsigned seconds, size_t bytes);
/* How many refused sockets of ch linger now. */
MEDSEC_API
size_t medsec_channel_lingering(const struct medsec_channel *ch);

/*
 * After the handshake: SHA-256 of the peer's leaf certificate, lowercase
 * hex. MEDSEC_ERR_NOT_FOUND when the peer sent none, MEDSEC_ERR_INVALID
 * for a bufferevent that is not a TLS one.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_peer_fingerprint(struct bufferevent *bev,
    char hex[MEDSEC_CHANNEL_FINGERPRINT_LEN]);

/*
 * MEDSEC_ERR_DISABLED if the fingerprint is on the current revocation
 * list, MEDSEC_OK if not, MEDSEC_ERR_INVALID for a malformed
 * fingerprint. Lets the daemon close a revoked peer's live connections
 * after a reload.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_peer_revoked(const struct medsec_channel *ch,
    const char *fingerprint_hex);

/*
 * Why the handshake on bev failed, one line for the TLS_FAILURE record:
 * "no client certificate", "unknown CA", "certificate expired",
 * "certificate not yet valid", "wrong certificate usage (no clientAuth)",
 * "revoked (revocation list)", "revoked (CRL)", "protocol version", "no
 * shared cipher suite", "no shared group", "plain HTTP on a TLS port",
 * "closed during the handshake", or OpenSSL's reason.
 */
MEDSEC_API
void medsec_channel_failure(struct bufferevent *bev, char *buf, size_t len);

/* The negotiated protocol, suite and group:
 * "TLSv1.3 TLS_AES_256_GCM_SHA384 x25519". */
MEDSEC_API
void medsec_channel_describe_session(struct bufferevent *bev, char *buf,
    size_t len);

/* The policy in force, one line, for `medsecd --print-services`. */
MEDSEC_API
void medsec_channel_describe(const struct medsec_channel *ch, char *buf,
    size_t len);

/* ---- Client side: the device calling out to a known receiver ---- */

/*
 * A TLS client for a receiver the device is configured for (the
 * hospital's syslog collector): the same policy as above (versions,
 * suites, groups, profile; no compression, renegotiation, tickets or
 * 0-RTT), a client certificate for mutual TLS, the receiver's CA, and
 * the receiver's certificate pinned: pin is "cert-sha256:" followed by
 * the SHA-256 of the receiver's certificate (DER), or "spki-sha256:"
 * and the SHA-256 of its SubjectPublicKeyInfo (stays valid across a
 * renewal with the same key); 64 hex digits, colon-separated pairs
 * accepted. The chain must verify against ca_file and the pin must
 * match; a mismatch ends the handshake before the client certificate
 * is sent. server_name (optional) is sent as SNI and checked against
 * the certificate's names.
 */
#define MEDSEC_CHANNEL_PIN_LEN 80 /* "spki-sha256:" + 64 hex + NUL */

struct medsec_channel_client;
struct medsec_channel_session;

struct medsec_channel_client_options {
	int min_version;	    /* as for the server */
	const char *groups;
	const char *ciphersuites;
	const char *ciphers12;
	const char *crypto_profile;
	const char *ca_file;	    /* the receiver's CA bundle; required */
	const char *cert_pem;	    /* our client certificate; required */
	size_t cert_len;
	const char *key_pem;	    /* its private key; the caller wipes */
	size_t key_len;
	const char *pin;	    /* required, see above */
	const char *server_name;    /* NULL: no SNI, no name check */
	unsigned timeout;	    /* seconds for a handshake or a write; 0: none */
};

/*
 * Checks a pin's form: MEDSEC_OK with *spkip (1: public key pin) and the
 * digest, or MEDSEC_ERR_CONFIG with a sentence naming the value.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_pin_parse(const char *text, int *spkip,
    uint8_t digest[32], char *err, size_t errlen);

/*
 * Builds a client context. MEDSEC_ERR_CONFIG or MEDSEC_ERR_WEAK_ALGORITHM
 * as medsec_channel_new(), with a sentence naming the setting (tls.*,
 * ca_file, cert_file, key_file, pin, server_name) and the value.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_client_new(const struct medsec_channel_client_options *o,
    struct medsec_channel_client **cp, char *err, size_t errlen);
MEDSEC_API
void medsec_channel_client_free(struct medsec_channel_client *c);
/* The pin in force, in canonical form (lowercase, no colons). */
MEDSEC_API
const char *medsec_channel_client_pin(const struct medsec_channel_client *c);

/*
 * Runs the handshake on fd, a connected TCP socket set non-blocking, and
 * on success gives *sp, which owns fd from then on. On failure fd stays
 * the caller's and err says why: MEDSEC_ERR_AUTH for a receiver whose
 * certificate is refused ("receiver certificate does not match the pin:
 * got cert-sha256:..., pinned cert-sha256:...", or the chain's reason),
 * MEDSEC_ERR_IO for a connection that failed, closed or timed out.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_client_start(struct medsec_channel_client *c, int fd,
    struct medsec_channel_session **sp, char *err, size_t errlen);

/* Writes all of buf (MEDSEC_ERR_IO when the receiver is gone or stalls). */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_session_write(struct medsec_channel_session *s,
    const void *buf, size_t len, char *err, size_t errlen);

/*
 * *pendingp: what the receiver's TCP has not yet acknowledged of what
 * was written (segments in flight plus bytes not yet sent); 0 means
 * every byte written so far reached the receiver's host. TLS gives no
 * application acknowledgement: this is the strongest "delivered" a
 * syslog receiver offers.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_session_pending(struct medsec_channel_session *s,
    uint64_t *pendingp);

/*
 * Reads what the receiver sent (tickets, alerts) without waiting:
 * MEDSEC_OK while the connection is open, MEDSEC_ERR_IO once the
 * receiver closed it or it failed.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_channel_session_check(struct medsec_channel_session *s);

/* The certificate digest the receiver presented, in the pin's form: in
 * a session, or at the client's last handshake, failed or not ("" when
 * it presented none). */
MEDSEC_API
const char *medsec_channel_client_seen_pin(
    const struct medsec_channel_client *c);
MEDSEC_API
const char *medsec_channel_session_seen_pin(
    const struct medsec_channel_session *s);
MEDSEC_API
void medsec_channel_session_describe(struct medsec_channel_session *s,
    char *buf, size_t len);
/* Sends close_notify, frees the session and closes its socket. */
MEDSEC_API
void medsec_channel_session_close(struct medsec_channel_session *s);

#ifdef __cplusplus
}
#endif
#endif
