/*
 * End of service for a device (MFDS 2025 rules: personal-data deletion).
 * The order is what makes the result trustworthy:
 *
 *   1. the trail records the decommissioning (its MAC key is about to be
 *      destroyed, so this is its last record) and is sealed and closed;
 *   2. the certificate is signed with the identity key, which then goes
 *      with the rest of the keystore (crypto-shredding);
 *   3. the verifier key and the database files are overwritten and
 *      removed;
 *   4. only then is the certificate handed out: a failure at any step
 *      leaves no certificate claiming what did not happen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec/audit.h"
#include "medsec/decommission.h"
#include "medsec/device.h"
#include "decommission_int.h"

#define KEYS_MAX 256

/* Files outside the keystore that hold key material or personal data. */
static const char *const wiped[] = { "audit-verifier.key", "medsec.db",
	"medsec.db-wal", "medsec.db-shm", "medsec.db-journal" };

struct job {
	const struct medsec_decommission_options *o;
	struct medsec_decommission_result *res;
	char *err;
	size_t errlen;
	struct medsec_key_info keys[KEYS_MAX];
	size_t nkeys;
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;
	struct medsec_key_info identity;
	char site_id[64];
	uint64_t seq;
};

static void
say(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->err == NULL || j->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(j->err, j->errlen, fmt, ap);
	va_end(ap);
}

static int
record(struct medsec_device *dev, const struct job *j, int outcome,
    const char *reason, uint64_t *seqp)
{
	struct medsec_audit_detail d;
	struct medsec_audit_event_in ev;
	const char *details;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "action", "decommission");
	medsec_audit_detail_u64(&d, "keys", j->nkeys);
	medsec_audit_detail_str(&d, "identity_key_id", j->identity.key_id);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	ev = (struct medsec_audit_event_in){ MEDSEC_EV_KEY_DESTROYED,
		j->o->actor, "local", "keystore", outcome, reason, details };
	return medsec_audit_append(medsec_device_audit(dev), &ev, seqp);
}

static void
keep_contact(struct job *j, const struct medsec_config *c)
{
	struct medsec_decommission_result *res = j->res;

	snprintf(j->site_id, sizeof(j->site_id), "%s", c->site_id);
	snprintf(res->contact, sizeof(res->contact), "%s", c->incident_contact);
	snprintf(res->phone, sizeof(res->phone), "%s", c->incident_phone);
	snprintf(res->email, sizeof(res->email), "%s", c->incident_email);
}

static int
inventory(struct job *j, struct medsec_device *dev)
{
	struct medsec_keystore *ks = medsec_device_keystore(dev);
	int r;

	if ((r = medsec_keystore_list(ks, j->keys, KEYS_MAX, &j->nkeys)) !=
	    MEDSEC_OK) {
		say(j, "the keystore's keys cannot be listed");
		return r;
	}
	if (j->nkeys > KEYS_MAX) {
		say(j, "%zu keys: more than the %d a certificate lists",
		    j->nkeys, KEYS_MAX);
		return MEDSEC_ERR_TOO_LARGE;
	}
	if ((r = medsec_keystore_public(ks, "identity", j->pk, &j->pklen,
	    &j->identity)) != MEDSEC_OK) {
		say(j, "the identity public key cannot be read");
		return r;
	}
	return cert_pubkey_text(j->res->device_id, j->identity.alg, j->pk,
	    j->pklen, j->res->pubkey, sizeof(j->res->pubkey));
}

/* Step 1: confirmed, inventoried, recorded, sealed. */
static int
record_and_seal(struct job *j)
{
	struct medsec_device_options dopts = { j->o->state_dir,
		j->o->config_path, 0 };
	struct medsec_device *dev = NULL;
	int r, c;

	if ((r = medsec_device_open(&dopts, &dev, j->err, j->errlen)) !=
	    MEDSEC_OK)
		return r;
	snprintf(j->res->device_id, sizeof(j->res->device_id), "%s",
	    medsec_device_id(dev));
	keep_contact(j, medsec_device_config(dev));
	if ((r = inventory(j, dev)) != MEDSEC_OK)
		goto out;
	if (strcmp(j->o->confirm, j->res->device_id) != 0) {
		say(j, "the confirmation '%s' is not this device's id '%s': "
		    "nothing was destroyed", j->o->confirm, j->res->device_id);
		r = record(dev, j, MEDSEC_AUDIT_FAILURE, "decommission refused: "
		    "the confirmation does not name this device", NULL);
		if (r == MEDSEC_OK)
			r = MEDSEC_ERR_DENIED;
		goto out;
	}
	if ((r = record(dev, j, MEDSEC_AUDIT_SUCCESS, "decommission: the "
	    "keys are destroyed next", &j->seq)) != MEDSEC_OK)
		say(j, "the audit trail cannot record the decommissioning: "
		    "nothing was destroyed");
out:
	c = medsec_device_close(dev);
	if (r == MEDSEC_OK && c != MEDSEC_OK) {
		say(j, "the audit trail cannot be sealed: nothing was "
		    "destroyed");
		r = c;
	}
	return r;
}

static int
state_path(const struct job *j, const char *name, char *out, size_t len)
{
	return medsec_io_path(out, len, j->o->state_dir, name);
}

/* Step 2: the signature, then the keystore. */
static int
sign_and_shred(struct job *j, const char *body,
    uint8_t sig[MEDSEC_SIGN_LEN])
{
	struct medsec_keystore *ks = NULL;
	char dir[4096];
	uint8_t *msg = NULL;
	size_t len;
	int r;

	if ((r = state_path(j, "keys", dir, sizeof(dir))) != MEDSEC_OK ||
	    (r = cert_message(body, &msg, &len)) != MEDSEC_OK)
		return r;
	if ((r = medsec_keystore_open(dir, &ks)) != MEDSEC_OK) {
		say(j, "%s: the keystore cannot be opened: nothing was "
		    "destroyed", dir);
		goto out;
	}
	if ((r = medsec_keystore_sign(ks, "identity", msg, len, sig)) !=
	    MEDSEC_OK) {
		say(j, "the certificate cannot be signed: nothing was "
		    "destroyed");
		goto out;
	}
	if ((r = medsec_keystore_shred(ks, NULL, 0, NULL)) != MEDSEC_OK)
		say(j, "%s: shredding failed part way (run decommission "
		    "again to finish): %s", dir, medsec_strerror(r));
out:
	medsec_keystore_close(ks);
	free(msg);
	return r;
}

/* Overwrites a file with zeros in place, syncs it and removes it. */
static int
wipe_file(const char *path)
{
	uint8_t zeros[4096];
	struct stat sb;
	int fd, r;

	if ((fd = medsec_io_open(path, O_RDWR | O_NOFOLLOW, 0)) < 0)
		return fd;
	memset(zeros, 0, sizeof(zeros));
	r = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? MEDSEC_OK :
	    MEDSEC_ERR_FORMAT;
	for (off_t off = 0; r == MEDSEC_OK && off < sb.st_size;
	    off += (off_t)sizeof(zeros))
		r = medsec_io_pwrite_all(fd, zeros, sb.st_size - off <
		    (off_t)sizeof(zeros) ? (size_t)(sb.st_size - off) :
		    sizeof(zeros), off);
	if (r == MEDSEC_OK)
		r = medsec_io_fsync(fd);
	if (medsec_io_close(fd) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return r == MEDSEC_OK ? medsec_io_unlink(path) : r;
}

/* The files of wiped[] that exist, for the certificate. */
static void
present_files(const struct job *j, struct cert_facts *f)
{
	char path[4096];
	struct stat sb;

	f->nfiles = 0;
	for (size_t i = 0; i < sizeof(wiped) / sizeof(wiped[0]); i++)
		if (state_path(j, wiped[i], path, sizeof(path)) == MEDSEC_OK &&
		    lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			f->files[f->nfiles++] = wiped[i];
}

/* Step 3. */
static int
wipe_files(struct job *j, const struct cert_facts *f)
{
	char path[4096];
	int r;

	for (size_t i = 0; i < f->nfiles; i++) {
		if ((r = state_path(j, f->files[i], path, sizeof(path))) !=
		    MEDSEC_OK || (r = wipe_file(path)) != MEDSEC_OK) {
			say(j, "%s: cannot be wiped: %s", path,
			    medsec_strerror(r));
			return r;
		}
	}
	return medsec_io_fsync_dir(j->o->state_dir);
}

static int
run(struct job *j)
{
	struct cert_facts f;
	uint8_t sig[MEDSEC_SIGN_LEN];
	char *body = NULL;
	int r;

	if ((r = record_and_seal(j)) != MEDSEC_OK)
		return r;
	f = (struct cert_facts){ j->res->device_id, j->site_id, j->o->actor,
		j->o->reason != NULL ? j->o->reason : "", j->o->now,
		j->identity.alg, j->pk, j->pklen, j->identity.key_id, j->keys,
		j->nkeys, { NULL }, 0, j->seq };
	present_files(j, &f);
	if ((r = cert_body(&f, &body)) != MEDSEC_OK)
		return r;
	if ((r = sign_and_shred(j, body, sig)) == MEDSEC_OK &&
	    (r = wipe_files(j, &f)) == MEDSEC_OK &&
	    (r = cert_document(body, j->identity.alg, j->identity.key_id, sig,
	    &j->res->certificate)) == MEDSEC_OK) {
		j->res->keys = j->nkeys;
		j->res->files = f.nfiles;
	}
	free(body);
	return r;
}

int
medsec_decommission(const struct medsec_decommission_options *o,
    struct medsec_decommission_result *res, char *err, size_t errlen)
{
	struct job *j;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (o == NULL || res == NULL || o->state_dir == NULL ||
	    o->confirm == NULL || o->actor == NULL || o->now == NULL)
		return MEDSEC_ERR_INVALID;
	memset(res, 0, sizeof(*res));
	snprintf(res->time, sizeof(res->time), "%s", o->now);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return MEDSEC_ERR_NOMEM;
	*j = (struct job){ .o = o, .res = res, .err = err, .errlen = errlen };
	r = run(j);
	free(j);
	return r;
}

void
medsec_decommission_free(struct medsec_decommission_result *res)
{
	if (res == NULL)
		return;
	free(res->certificate);
	res->certificate = NULL;
}

int
medsec_decommission_pubkey(const char *state_dir, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct medsec_device_options dopts = { state_dir, NULL,
		MEDSEC_DEVICE_READ_ONLY };
	struct medsec_device *dev = NULL;
	struct medsec_keystore *ks;
	struct medsec_key_info info;
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (state_dir == NULL || out == NULL)
		return MEDSEC_ERR_INVALID;
	/* Read-only: the device is left byte for byte as it was. */
	if ((r = medsec_device_open(&dopts, &dev, err, errlen)) != MEDSEC_OK)
		return r;
	ks = medsec_device_keystore(dev);
	if ((r = medsec_keystore_public(ks, "identity", pk, &pklen, &info)) ==
	    MEDSEC_OK)
		r = cert_pubkey_text(medsec_device_id(dev), info.alg, pk, pklen,
		    out, outlen);
	else if (err != NULL)
		snprintf(err, errlen, "%s: the identity public key cannot be "
		    "read", state_dir);
	if (medsec_device_close(dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return r;
}
