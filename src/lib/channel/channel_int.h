/*
 * Channel internals, shared by the files of src/lib/channel only. This
 * module and src/lib/crypto are the only places that see OpenSSL; only
 * this one sees libssl and libevent's TLS bufferevents.
 */
#ifndef MEDSEC_CHANNEL_INT_H
#define MEDSEC_CHANNEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "medsec/channel.h"

#define CHANNEL_PATH_MAX 4096
#define CHANNEL_LIST_MAX 512 /* a groups or suites setting */
#define CHANNEL_DIGEST_LEN 32

/* The fingerprints of the revocation list, sorted for bsearch. */
struct channel_revoked {
	uint8_t (*digests)[CHANNEL_DIGEST_LEN];
	size_t n;
};

struct bufferevent;

struct medsec_channel {
	SSL_CTX *ctx;
	int kcmvp;
	int min_version;	/* TLS1_2_VERSION or TLS1_3_VERSION */
	int max_version;
	char groups[CHANNEL_LIST_MAX];
	char suites[CHANNEL_LIST_MAX];	  /* TLS 1.3 */
	char ciphers12[CHANNEL_LIST_MAX]; /* TLS 1.2 */
	int require_client_cert;
	char ca_file[CHANNEL_PATH_MAX];
	char crl_file[CHANNEL_PATH_MAX];
	size_t ncrl;
	struct channel_revoked revoked;
	/* Asked when a ClientHello arrives, before any key exchange. */
	int (*admit)(struct bufferevent *bev, void *arg);
	void *admit_arg;
	/* Told of every failed handshake (channel_conn.c). */
	void (*on_failure)(const struct medsec_channel_failure_report *f,
	    void *arg);
	void *failure_arg;
	unsigned handshake_timeout; /* seconds; 0: none */
	struct channel_conn *live;  /* accepted, until their SSL is freed */
	/* Refused connections draining before their close (linger.c). */
	struct channel_linger *lingering;
	size_t nlingering;
	size_t linger_max;	 /* at once; 0: close at once */
	unsigned linger_seconds; /* per connection */
	size_t linger_bytes;	 /* dropped per connection */
};

/* channel.c: formats one line into err (may be NULL); returns r. */
int channel_err(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * channel_policy.c: each setting checked and put in canonical form in
 * ch (groups, suites, ciphers12, versions), refusing with a sentence
 * naming the setting and the value.
 */
int channel_policy_versions(struct medsec_channel *ch, int min_version,
    char *err, size_t errlen);
int channel_policy_groups(struct medsec_channel *ch, const char *groups,
    char *err, size_t errlen);
int channel_policy_suites(struct medsec_channel *ch, const char *suites,
    char *err, size_t errlen);
int channel_policy_ciphers12(struct medsec_channel *ch, const char *list,
    char *err, size_t errlen);
/*
 * The server certificate's key and signature strength and validity,
 * checked before libssl sees it (its security level would refuse a weak
 * key without saying why); then the key pair as loaded.
 */
int channel_policy_cert(X509 *x, char *err, size_t errlen);
int channel_policy_credentials(SSL_CTX *ctx, char *err, size_t errlen);

/*
 * channel_conn.c: the connections of a channel. Set up once per channel
 * (the SSL slot of each connection's state, the info callback); detach
 * leaves the live connections without their channel when it is freed.
 */
int channel_conn_setup(struct medsec_channel *ch);
void channel_conn_detach(struct medsec_channel *ch);

/*
 * channel_linger.c: a refused connection's socket kept through a
 * duplicate of fd (NULL past the cap or on failure: it then closes at
 * once), started when its owner frees the connection: write side shut,
 * input dropped until the client's end, linger_seconds or linger_bytes.
 * close_all ends every one (medsec_channel_free).
 */
struct channel_linger;
struct event_base;
struct channel_linger *channel_linger_take(struct medsec_channel *ch,
    struct event_base *base, int fd);
void channel_linger_start(struct channel_linger *l);
void channel_linger_close_all(struct medsec_channel *ch);

/* channel_peer.c: client certificate verification and revocation. */
int channel_peer_setup(struct medsec_channel *ch,
    const struct medsec_channel_options *o, char *err, size_t errlen);
int channel_revoked_parse(const char *text, size_t len,
    struct channel_revoked *out, char *err, size_t errlen);
void channel_revoked_clear(struct channel_revoked *r);
int channel_leaf_digest(X509 *x, uint8_t d[CHANNEL_DIGEST_LEN]);
/*
 * Why a handshake failed, one line: the verify result, else the alert
 * the client ended it with, else the library error e (0: none).
 */
void channel_failure_reason(const SSL *ssl, unsigned long e,
    int alert_received, char *buf, size_t len);

#endif
