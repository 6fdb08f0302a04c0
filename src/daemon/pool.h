/*
 * The monitor's login pool: a bounded set of threads running the
 * Argon2id check of a login attempt (medsec_login_attempt_verify), so a
 * flood of logins never blocks the monitor's event loop. The attempt is
 * begun and finished on the loop thread (they touch the device handle,
 * which is not thread-safe); only the verification runs here. A
 * finished verification is handed back through an eventfd the loop
 * watches, and its callback runs on the loop thread.
 */
#ifndef MEDSECD_POOL_H
#define MEDSECD_POOL_H

#include <stddef.h>

#include "medsec/identity.h"

struct event_base;
struct login_pool;

/* Called on the loop thread with the verify result (MEDSEC_OK: checked). */
typedef void (*login_pool_done_fn)(void *arg,
    struct medsec_login_attempt *a, int verify_status);

/*
 * Starts threads (>= 1) workers with room for queue (>= 1) waiting
 * verifications. MEDSEC_OK, MEDSEC_ERR_INVALID, MEDSEC_ERR_NOMEM, or
 * MEDSEC_ERR_INTERNAL when a thread or the eventfd cannot be made.
 */
int login_pool_new(struct event_base *base, unsigned threads, unsigned queue,
    struct login_pool **pp);

/*
 * Queues the verification of a against password (pwlen bytes, copied and
 * wiped after use). MEDSEC_OK: done(arg, a, status) will be called once,
 * on the loop thread. MEDSEC_ERR_BUSY: the queue is full, nothing queued
 * (answer 429 at once); MEDSEC_ERR_TOO_LARGE: pwlen over
 * MEDSEC_PASSWORD_MAX.
 */
int login_pool_submit(struct login_pool *p, struct medsec_login_attempt *a,
    const char *password, size_t pwlen, login_pool_done_fn done, void *arg);

/*
 * Waits until every thread is parked with no verification running and
 * keeps them parked until login_pool_resume. The monitor forks its
 * worker between the two: a thread busy in the allocator, OpenSSL or
 * libsodium at the fork would leave that lock held forever in the child
 * (seen as a worker hung in malloc under AddressSanitizer). Blocks the
 * caller for at most one running verification. NULL: no-op.
 */
void login_pool_quiesce(struct login_pool *p);
void login_pool_resume(struct login_pool *p);

/* Verifications queued or running now. */
size_t login_pool_pending(const struct login_pool *p);

/*
 * Stops the threads (a running verification finishes first), wipes what
 * is queued and frees; callbacks of unfinished work are called with
 * MEDSEC_ERR_STATE so their owners can release the attempts. NULL: no-op.
 */
void login_pool_free(struct login_pool *p);

#endif
