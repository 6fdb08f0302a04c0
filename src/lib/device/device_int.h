/* Device internals shared by its files. */
#ifndef MEDSEC_DEVICE_INT_H
#define MEDSEC_DEVICE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/config.h"
#include "medsec/device.h"

#define DEVICE_PATH_MAX 4096

struct medsec_device {
	char state_dir[DEVICE_PATH_MAX];
	unsigned flags;
	char device_id[MEDSEC_CONFIG_ID_MAX];
	struct medsec_config cfg;	 /* in force */
	struct medsec_audit_options audit_opts; /* given at provisioning */
	struct medsec_keystore *ks;
	struct medsec_db *db;
	struct medsec_audit *audit;
	struct medsec_audit_open_report audit_report;
	struct medsec_roles roles;
	struct medsec_sessions *sessions;
	struct medsec_identity *id;
	struct medsec_updater *updater;
	/*
	 * At open, the trail already sealed: its head was the head saved
	 * in the database. With nothing written since and the database's
	 * generation unchanged, close adds no checkpoint (a command that
	 * only read leaves no record).
	 */
	int opened_sealed;
	uint64_t opened_seq;
	uint64_t opened_generation;
};

/* device.c */
/* Formats a one-line error into err (may be NULL); returns r. */
int device_err(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* STATE/name into out. */
int device_path(char *out, size_t outlen, const char *state,
    const char *name);

/* device_tls.c: the certificate's meta key, and the self-signed
 * certificate for the sealed key "tls" (provisioning makes both). */
#define DEVICE_TLS_META "tls_cert"
struct medsec_keystore;
int device_tls_make_cert(struct medsec_keystore *ks, const char *device_id,
    char **pemp, size_t *lenp);

#endif
