/*
 * Bounded login pool: a fixed ring of jobs under one mutex, threads that
 * take jobs in order, and an eventfd that wakes the loop when a job is
 * done. Memory is allocated once at start: a flood cannot grow it.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/password_policy.h"

enum job_state { JOB_FREE = 0, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	int state;
	struct medsec_login_attempt *attempt;
	char password[MEDSEC_PASSWORD_MAX];
	size_t pwlen;
	int status;
	login_pool_done_fn done;
	void *arg;
	uint64_t order; /* submission order, so jobs run first come first served */
};

struct login_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t parked_cv; /* a thread has parked */
	struct job *jobs;
	size_t njobs;
	uint64_t next_order;
	size_t pending;
	int stopping;
	int paused;      /* login_pool_quiesce: take no job */
	unsigned parked; /* threads waiting on work, holding nothing */
	int efd;
	struct event *ev;
	pthread_t *threads;
	unsigned nthreads;
};

/* The oldest queued job, or NULL. Called with the lock held. */
static struct job *
oldest_queued(struct login_pool *p)
{
	struct job *best = NULL;
	size_t i;

	for (i = 0; i < p->njobs; i++)
		if (p->jobs[i].state == JOB_QUEUED &&
		    (best == NULL || p->jobs[i].order < best->order))
			best = &p->jobs[i];
	return best;
}

static void
wake_loop(struct login_pool *p)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(p->efd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	/* EAGAIN: the counter is already non-zero, the loop will wake. */
}

static void *
pool_thread(void *arg)
{
	struct login_pool *p = arg;
	struct job *j;
	int r;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stopping &&
		    (p->paused || (j = oldest_queued(p)) == NULL)) {
			p->parked++;
			pthread_cond_broadcast(&p->parked_cv);
			pthread_cond_wait(&p->work, &p->lock);
			p->parked--;
		}
		if (p->stopping)
			break;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&p->lock);
		r = medsec_login_attempt_verify(j->attempt, j->password,
		    j->pwlen);
		medsec_wipe(j->password, sizeof(j->password));
		pthread_mutex_lock(&p->lock);
		j->status = r;
		j->state = JOB_DONE;
		wake_loop(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Runs the callbacks of finished jobs, on the loop thread. */
static void
collect_done(evutil_socket_t fd, short what, void *arg)
{
	struct login_pool *p = arg;
	struct job done;
	uint64_t count;
	size_t i;
	ssize_t n;

	(void)what;
	n = read(fd, &count, sizeof(count));
	(void)n; /* the counter only wakes us; the ring says what is done */
	for (i = 0; i < p->njobs; i++) {
		pthread_mutex_lock(&p->lock);
		if (p->jobs[i].state != JOB_DONE) {
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		done = p->jobs[i];
		memset(&p->jobs[i], 0, sizeof(p->jobs[i]));
		p->pending--;
		pthread_mutex_unlock(&p->lock);
		done.done(done.arg, done.attempt, done.status);
	}
}

int
login_pool_new(struct event_base *base, unsigned threads, unsigned queue,
    struct login_pool **pp)
{
	struct login_pool *p;
	unsigned i;

	*pp = NULL;
	if (base == NULL || threads == 0 || queue == 0 || threads > 256 ||
	    queue > 65536)
		return MEDSEC_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MEDSEC_ERR_NOMEM;
	p->efd = -1;
	/* Room for what runs and what waits. */
	p->njobs = (size_t)threads + queue;
	p->jobs = calloc(p->njobs, sizeof(*p->jobs));
	p->threads = calloc(threads, sizeof(*p->threads));
	if (p->jobs == NULL || p->threads == NULL) {
		free(p->jobs);
		free(p->threads);
		free(p);
		return MEDSEC_ERR_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->parked_cv, NULL);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		goto fail;
	p->ev = event_new(base, p->efd, EV_READ | EV_PERSIST, collect_done, p);
	if (p->ev == NULL || event_add(p->ev, NULL) != 0)
		goto fail;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_thread, p) != 0)
			goto fail;
		p->nthreads++;
	}
	*pp = p;
	return MEDSEC_OK;
fail:
	login_pool_free(p);
	return MEDSEC_ERR_INTERNAL;
}

int
login_pool_submit(struct login_pool *p, struct medsec_login_attempt *a,
    const char *password, size_t pwlen, login_pool_done_fn done, void *arg)
{
	struct job *j = NULL;
	size_t i;

	if (pwlen > MEDSEC_PASSWORD_MAX)
		return MEDSEC_ERR_TOO_LARGE;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->njobs; i++) {
		if (p->jobs[i].state == JOB_FREE) {
			j = &p->jobs[i];
			break;
		}
	}
	if (j == NULL) {
		pthread_mutex_unlock(&p->lock);
		return MEDSEC_ERR_BUSY;
	}
	j->attempt = a;
	memcpy(j->password, password, pwlen);
	j->pwlen = pwlen;
	j->done = done;
	j->arg = arg;
	j->order = p->next_order++;
	j->state = JOB_QUEUED;
	p->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return MEDSEC_OK;
}

void
login_pool_quiesce(struct login_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->paused = 1;
	while (p->parked < p->nthreads)
		pthread_cond_wait(&p->parked_cv, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void
login_pool_resume(struct login_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->paused = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

size_t
login_pool_pending(const struct login_pool *p)
{
	return p->pending;
}

void
login_pool_free(struct login_pool *p)
{
	unsigned i;
	size_t k;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (k = 0; k < p->njobs; k++) {
		struct job *j = &p->jobs[k];

		if (j->state == JOB_FREE)
			continue;
		medsec_wipe(j->password, sizeof(j->password));
		j->done(j->arg, j->attempt,
		    j->state == JOB_DONE ? j->status : MEDSEC_ERR_STATE);
	}
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->efd >= 0)
		close(p->efd);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->parked_cv);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->jobs);
	free(p);
}
