/*
 * The audit trail's lifecycle: create (provisioning), open, close, the
 * life-critical holding queue and reopen after a storage failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "medsec/audit.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "audit_int.h"
#include "audit_writer_int.h"
#include "core/logf.h"
#include "io/io.h"

static void held_clear(struct medsec_audit *a);

static void
audit_free(struct medsec_audit *a)
{
	if (a == NULL)
		return;
	held_clear(a);
	audit_async_free(a);
	medsec_hmac_free(a->mac);
	medsec_hash_free(a->hash);
	medsec_secure_free(a->mac_key);
	free(a->batch.p);
	free(a->spare.p);
	if (a->segfd >= 0)
		medsec_io_close(a->segfd);
	if (a->lockfd >= 0)
		medsec_io_close(a->lockfd); /* releases the flock */
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	pthread_cond_destroy(&a->gathered);
	free(a);
}

/*
 * The encode section is a few microseconds: an adaptive mutex spins that
 * long before sleeping, which spares a context switch per record when
 * many writers append at once.
 */
static void
init_lock(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

static int
make_monotonic_cond(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int r;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	return r;
}

static int
audit_new(const char *dir, struct medsec_keystore *ks,
    const struct medsec_audit_options *opts, struct medsec_audit **ap)
{
	struct medsec_audit *a;
	int r;

	*ap = NULL;
	if (dir == NULL || ks == NULL || strlen(dir) >= sizeof(a->dir))
		return MEDSEC_ERR_INVALID;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return MEDSEC_ERR_NOMEM;
	a->segfd = a->lockfd = -1;
	init_lock(&a->lock);
	pthread_cond_init(&a->cond, NULL);
	if (make_monotonic_cond(&a->gathered) != 0) {
		free(a);
		return MEDSEC_ERR_INTERNAL;
	}
	memcpy(a->dir, dir, strlen(dir) + 1);
	a->ks = ks;
	if (opts != NULL)
		a->opts = *opts;
	else
		medsec_audit_options_default(&a->opts);
	if ((r = audit_options_check(&a->opts)) != MEDSEC_OK)
		goto fail;
	if ((a->mac_key = medsec_secure_alloc(AUDIT_MAC_LEN)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto fail;
	}
	if ((r = medsec_hash_new(MEDSEC_ALG_SHA256, &a->hash)) != MEDSEC_OK ||
	    (r = audit_identity_load(a)) != MEDSEC_OK)
		goto fail;
	*ap = a;
	return MEDSEC_OK;
fail:
	audit_free(a);
	return r;
}

#define LOCK_NAP_MS 10

static int
take_lock(struct medsec_audit *a)
{
	const struct timespec nap = { 0, LOCK_NAP_MS * 1000000L };
	char path[4096];
	int r;

	if ((r = medsec_io_path(path, sizeof(path), a->dir, AUDIT_LOCK_NAME)) !=
	    MEDSEC_OK)
		return r;
	if ((a->lockfd = medsec_io_open(path, O_RDWR | O_CREAT, 0600)) < 0) {
		r = a->lockfd;
		a->lockfd = -1;
		return r;
	}
	/*
	 * Another command holding the trail finishes in moments: wait for it,
	 * but boundedly, so a stuck writer is reported instead of hanging
	 * every caller. Counting naps, not reading a clock, keeps the bound
	 * independent of the (settable) clocks records are stamped with.
	 */
	for (uint32_t waited = 0;; waited += LOCK_NAP_MS) {
		if (flock(a->lockfd, LOCK_EX | LOCK_NB) == 0)
			return MEDSEC_OK;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return MEDSEC_ERR_IO;
		if (waited >= a->opts.lock_wait_ms)
			return MEDSEC_ERR_BUSY;
		nanosleep(&nap, NULL);
	}
}

int
medsec_audit_open(const char *dir, struct medsec_keystore *ks,
    const struct medsec_audit_options *opts, struct medsec_audit **ap,
    struct medsec_audit_open_report *report)
{
	struct medsec_audit_open_report ignored;
	struct medsec_audit *a = NULL;
	int r;

	if (ap == NULL)
		return MEDSEC_ERR_INVALID;
	*ap = NULL;
	if (report == NULL)
		report = &ignored;
	memset(report, 0, sizeof(*report));
	if ((r = audit_new(dir, ks, opts, &a)) != MEDSEC_OK)
		return r;
	if ((r = take_lock(a)) != MEDSEC_OK) {
		if (r == MEDSEC_ERR_BUSY)
			snprintf(report->message, sizeof(report->message),
			    "another process is writing the audit trail "
			    "(its lock was held for the %u ms waited): "
			    "while medsecd runs it holds the trail, so "
			    "make the change through its API or stop it",
			    a->opts.lock_wait_ms);
		goto fail;
	}
	pthread_mutex_lock(&a->lock);
	r = audit_load_state(a, report);
	pthread_mutex_unlock(&a->lock);
	if (r != MEDSEC_OK)
		goto fail;
	*ap = a;
	return MEDSEC_OK;
fail:
	audit_free(a);
	return r;
}

int
medsec_audit_close(struct medsec_audit *a)
{
	int r;

	if (a == NULL)
		return MEDSEC_OK;
	if (audit_async_drain(a) != MEDSEC_OK) {
		/* Each submitted record's callback has heard the error, and
		 * a storage failure is sticky: it is returned below. */
	}
	pthread_mutex_lock(&a->lock);
	while (a->flushing)
		audit_wait_flush_locked(a);
	/* A checkpoint the last flushes put off is stored before the key
	 * and anchor are left behind for good. */
	r = audit_persist_checkpoint_locked(a);
	pthread_mutex_unlock(&a->lock);
	audit_free(a);
	return r;
}

/* ---- provisioning ---- */

static int
write_verifier(const char *path, const struct medsec_audit *a,
    const char *device_id, const uint8_t *pk, size_t pklen)
{
	char text[1024], keyhex[2 * AUDIT_MAC_LEN + 1];
	char pkhex[2 * MEDSEC_SIGN_PUBLIC_MAX + 1], dir[4096];
	const struct medsec_alg_info *alg = medsec_crypto_alg_by_id(a->sign_alg);
	const char *slash = strrchr(path, '/');
	int n, r;

	medsec_hex(a->mac_key, AUDIT_MAC_LEN, keyhex);
	medsec_hex(pk, pklen, pkhex);
	n = snprintf(text, sizeof(text),
	    AUDIT_VERIFIER_HEADER "\ndevice %s\nmac-alg hmac-sha256\n"
	    "mac-key-id %s\nmac-key %s\nidentity-alg %s\n"
	    "identity-key-id %s\nidentity-key %s\n",
	    device_id, a->mac_key_id, keyhex, alg ? alg->name : "?",
	    a->identity_key_id, pkhex);
	medsec_wipe(keyhex, sizeof(keyhex));
	if (n < 0 || (size_t)n >= sizeof(text) || alg == NULL) {
		medsec_wipe(text, sizeof(text));
		return MEDSEC_ERR_INVALID;
	}
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	r = medsec_io_write_file_new(dir[0] ? dir : "/", slash ? slash + 1 : path,
	    text, (size_t)n, 0600);
	medsec_wipe(text, sizeof(text));
	return r;
}

static int
valid_device_id(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n >= 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
			(id[i] >= 'A' && id[i] <= 'Z') ||
			(id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
			id[i] == '.' || id[i] == '_'))
			return 0;
	return 1;
}

static int
create_files(struct medsec_audit *a, const char *device_id,
    const char *verifier_key_path)
{
	uint8_t pk[MEDSEC_SIGN_PUBLIC_MAX];
	size_t pklen;
	int r;

	if ((r = medsec_keystore_public(a->ks, AUDIT_IDENTITY_KEY_NAME, pk,
		 &pklen, NULL)) != MEDSEC_OK ||
	    (r = medsec_random(a->mac_key, AUDIT_MAC_LEN)) != MEDSEC_OK ||
	    (r = medsec_key_id(MEDSEC_ALG_HMAC_SHA256, a->mac_key,
		 AUDIT_MAC_LEN, a->mac_key_id)) != MEDSEC_OK)
		return r;
	/* The verifier copy goes out first: without it the trail could not
	 * be checked with the MAC, so nothing else is created if it fails. */
	if ((r = write_verifier(verifier_key_path, a, device_id, pk, pklen)) !=
	    MEDSEC_OK)
		return r;
	if ((r = audit_mac_key_store(a->ks, 0, a->mac_key)) != MEDSEC_OK)
		return r;
	a->next_seq = 1;
	a->epoch = 0;
	memset(a->chain, 0, sizeof(a->chain));
	return audit_segment_create(a, 1);
}

int
medsec_audit_create(const char *dir, struct medsec_keystore *ks,
    const struct medsec_audit_options *opts, const char *device_id,
    const char *verifier_key_path)
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_AUDIT_STARTED,
		"medsec-audit", "local", "audit trail", MEDSEC_AUDIT_SUCCESS,
		NULL, NULL };
	struct medsec_audit_detail d;
	struct medsec_audit *a = NULL;
	uint64_t *segs = NULL;
	size_t nsegs = 0;
	int r;

	if (!valid_device_id(device_id) || verifier_key_path == NULL)
		return MEDSEC_ERR_INVALID;
	r = medsec_io_mkdir(dir, 0700);
	if (r == MEDSEC_ERR_EXISTS && audit_seg_list(dir, &segs, &nsegs) ==
		MEDSEC_OK && nsegs > 0)
		r = MEDSEC_ERR_EXISTS;
	else if (r == MEDSEC_ERR_EXISTS)
		r = MEDSEC_OK;
	free(segs);
	if (r != MEDSEC_OK)
		return r;
	if ((r = audit_new(dir, ks, opts, &a)) != MEDSEC_OK)
		return r;
	if ((r = take_lock(a)) == MEDSEC_OK)
		r = create_files(a, device_id, verifier_key_path);
	audit_free(a);
	a = NULL;
	if (r != MEDSEC_OK)
		return r;
	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "device", device_id);
	medsec_audit_detail_i64(&d, "format", AUDIT_FORMAT_VERSION);
	medsec_audit_detail_str(&d, "hash", "sha256");
	medsec_audit_detail_str(&d, "mac", "hmac-sha256");
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK)
		return r;
	if ((r = medsec_audit_open(dir, ks, opts, &a, NULL)) != MEDSEC_OK)
		return r;
	r = medsec_audit_append(a, &ev, NULL);
	if (r == MEDSEC_OK)
		r = medsec_audit_checkpoint(a);
	if (medsec_audit_close(a) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	return r;
}

/* ---- life-critical holding queue ---- */

static void
held_clear(struct medsec_audit *a)
{
	for (size_t i = 0; i < a->nheld; i++)
		for (int k = 0; k < 5; k++)
			free(a->held[i].strings[k]);
	a->nheld = 0;
}

static int
hold_locked(struct medsec_audit *a, const struct medsec_audit_event_in *ev,
    const char *details)
{
	struct held_event *h;
	const char *src[5] = { ev->actor, ev->source, ev->object, ev->reason,
		details };

	if (a->nheld == HELD_MAX) {
		a->dropped++;
		return MEDSEC_ERR_AUDIT_DEGRADED;
	}
	h = &a->held[a->nheld];
	memset(h, 0, sizeof(*h));
	for (int k = 0; k < 5; k++) {
		if ((h->strings[k] = strdup(src[k] ? src[k] : "")) == NULL) {
			for (int j = 0; j < k; j++)
				free(h->strings[j]);
			a->dropped++;
			return MEDSEC_ERR_AUDIT_DEGRADED;
		}
	}
	h->ev = *ev;
	h->ev.actor = h->strings[0];
	h->ev.source = h->strings[1];
	h->ev.object = h->strings[2];
	h->ev.reason = h->strings[3];
	h->ev.details = h->strings[4];
	h->time_us = medsec_clock_wall_us();
	a->nheld++;
	return MEDSEC_ERR_AUDIT_DEGRADED;
}

/* The operator hears that records are no longer made durable. */
static void
log_degraded(int event, size_t held, uint64_t dropped)
{
	const struct medsec_audit_event_info *info;

	info = medsec_audit_event_info(event);
	medsec_log(dropped > 0 ? MEDSEC_LOG_ERR : MEDSEC_LOG_WARNING, "audit",
	    "audit trail degraded: a %s record is held in memory, not "
	    "durable (%zu held, %llu lost)", info != NULL ? info->name :
	    "unknown", held, (unsigned long long)dropped);
}

int
medsec_audit_append_critical(struct medsec_audit *a,
    const struct medsec_audit_event_in *ev, uint64_t *seqp)
{
	char *details = NULL;
	uint64_t dropped;
	size_t held;
	int r;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = audit_event_check(ev, &details)) != MEDSEC_OK)
		return r;
	pthread_mutex_lock(&a->lock);
	r = audit_append_locked(a, ev, details, medsec_clock_wall_us(), 0,
	    seqp);
	if (r != MEDSEC_OK)
		r = hold_locked(a, ev, details);
	held = a->nheld;
	dropped = a->dropped;
	pthread_mutex_unlock(&a->lock);
	free(details);
	/* Once when the trail degrades, once when the queue overflows. */
	if (r != MEDSEC_OK && (held == 1 || dropped == 1))
		log_degraded(ev->event, held, dropped);
	return r;
}

int
medsec_audit_ready(struct medsec_audit *a)
{
	struct statvfs fs;
	int failed;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	failed = a->failed;
	if (failed != 0)
		return failed;
	/* The writer swaps segfd when it rotates; hold the lock across. */
	pthread_mutex_lock(&a->lock);
	failed = fstatvfs(a->segfd, &fs) != 0 ||
	    (uint64_t)fs.f_bavail * fs.f_frsize < MEDSEC_AUDIT_RESERVE_BYTES;
	pthread_mutex_unlock(&a->lock);
	return failed ? MEDSEC_ERR_AUDIT_UNAVAILABLE : MEDSEC_OK;
}

int
medsec_audit_degraded(struct medsec_audit *a, size_t *heldp,
    uint64_t *droppedp)
{
	int degraded;

	pthread_mutex_lock(&a->lock);
	if (heldp != NULL)
		*heldp = a->nheld;
	if (droppedp != NULL)
		*droppedp = a->dropped;
	degraded = a->failed != 0 || a->nheld > 0 || a->dropped > 0;
	pthread_mutex_unlock(&a->lock);
	return degraded;
}

static int
flush_held_locked(struct medsec_audit *a)
{
	struct medsec_audit_event_in ev = { MEDSEC_EV_AUDIT_DEGRADED,
		"medsec-audit", "local", "audit trail", MEDSEC_AUDIT_FAILURE,
		"audit storage failed; events were held in memory", NULL };
	struct medsec_audit_detail d;
	size_t n = a->nheld;
	int r;

	if (n == 0 && a->dropped == 0)
		return MEDSEC_OK;
	for (size_t i = 0; i < n; i++) {
		r = audit_append_locked(a, &a->held[i].ev,
		    a->held[i].ev.details, a->held[i].time_us, AUDIT_FLAG_HELD,
		    NULL);
		if (r != MEDSEC_OK)
			return r;
	}
	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "held", n);
	medsec_audit_detail_u64(&d, "dropped", a->dropped);
	if ((r = medsec_audit_detail_end(&d, &ev.details)) != MEDSEC_OK ||
	    (r = audit_append_locked(a, &ev, ev.details,
	    medsec_clock_wall_us(), 0, NULL)) != MEDSEC_OK)
		return r;
	held_clear(a);
	a->dropped = 0;
	return MEDSEC_OK;
}

int
medsec_audit_reopen(struct medsec_audit *a)
{
	struct medsec_audit_open_report report;
	int r;

	if (a == NULL)
		return MEDSEC_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	while (a->flushing)
		audit_wait_flush_locked(a);
	a->failed = 0;
	r = audit_load_state(a, &report);
	if (r == MEDSEC_OK)
		r = flush_held_locked(a);
	if (r != MEDSEC_OK && a->failed == 0)
		a->failed = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	pthread_mutex_unlock(&a->lock);
	return r;
}
