/*
 * The flood guard's decisions, one per accepted connection and one per
 * request, taken before the caller spends any TLS or password work. Each
 * is a hash lookup and a few additions: no allocation, no loop over
 * sources.
 */
#include <string.h>

#include "guard/guard_int.h"
#include "medsec/err.h"

static void
count_refusal(struct guard_source *s, int kind, uint64_t now_us)
{
	if (s->refused[GUARD_CONNECTION] + s->refused[GUARD_REQUEST_KIND] +
	    s->refused[GUARD_LOGIN_KIND] == 0)
		s->first_us = s->last_us = now_us;
	else if (now_us > s->last_us)
		s->last_us = now_us;
	s->refused[kind]++;
}

static void
count_stats(struct medsec_guard *g, int kind)
{
	if (kind == GUARD_CONNECTION)
		g->stats.refused_connections++;
	else if (kind == GUARD_REQUEST_KIND)
		g->stats.refused_requests++;
	else
		g->stats.refused_logins++;
}

static int
refuse(struct medsec_guard *g, struct guard_source *s, int kind,
    uint64_t now_us, int err, uint32_t wait, uint32_t *retry_after_s)
{
	count_refusal(s, kind, now_us);
	guard_due_push(g, s);
	count_stats(g, kind);
	*retry_after_s = wait;
	return err;
}

/*
 * A new source that the full table could not take: counted under the
 * overflow source, so the trail still shows the flood, and refused.
 */
static int
refuse_unlisted(struct medsec_guard *g, int kind, uint64_t now_us,
    uint32_t *retry_after_s)
{
	count_refusal(&g->overflow, kind, now_us);
	g->overflow.due = 1;
	count_stats(g, kind);
	g->stats.refused_sources++;
	*retry_after_s = 1;
	return MEDSEC_ERR_BUSY;
}

static int
source_of(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, struct guard_key *k)
{
	if (g == NULL)
		return MEDSEC_ERR_INVALID;
	return guard_key_of(g, addr, addrlen, k);
}

static struct guard_bucket *
filled(struct medsec_guard *g, struct guard_source *s, int kind,
    uint64_t now_us)
{
	struct guard_bucket *b = &s->bucket[kind];

	guard_bucket_fill(b, g->rate[kind], g->burst[kind], now_us);
	return b;
}

int
medsec_guard_connect(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, uint64_t now_us, uint32_t *retry_after_s)
{
	struct guard_key k;
	struct guard_source *s;
	struct guard_bucket *b;
	int r;

	if (retry_after_s == NULL)
		return MEDSEC_ERR_INVALID;
	*retry_after_s = 0;
	if ((r = source_of(g, addr, addrlen, &k)) != MEDSEC_OK)
		return r;
	if (guard_admit(g, &k, now_us, &s) != MEDSEC_OK)
		return refuse_unlisted(g, GUARD_CONNECTION, now_us,
		    retry_after_s);
	/* Caps first: a refused connection spends no token. */
	if (g->stats.open_connections >= g->opts.max_connections ||
	    s->open >= g->opts.source_connections)
		return refuse(g, s, GUARD_CONNECTION, now_us, MEDSEC_ERR_BUSY,
		    1, retry_after_s);
	b = filled(g, s, GUARD_CONNECTION, now_us);
	if (b->tokens < GUARD_TOKEN)
		return refuse(g, s, GUARD_CONNECTION, now_us,
		    MEDSEC_ERR_THROTTLED,
		    guard_bucket_wait(b, g->rate[GUARD_CONNECTION]),
		    retry_after_s);
	b->tokens -= GUARD_TOKEN;
	if (s->open++ == 0)
		guard_idle_remove(g, s);
	g->stats.open_connections++;
	return MEDSEC_OK;
}

void
medsec_guard_disconnect(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen)
{
	struct guard_key k;
	struct guard_source *s;

	if (source_of(g, addr, addrlen, &k) != MEDSEC_OK)
		return;
	if ((s = guard_find(g, &k)) == NULL || s->open == 0)
		return;
	g->stats.open_connections--;
	if (--s->open == 0)
		guard_idle_push(g, s);
}

static uint32_t
longer(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

int
medsec_guard_request(struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, enum medsec_guard_class cls, uint64_t now_us,
    uint32_t *retry_after_s)
{
	struct guard_key k;
	struct guard_source *s;
	struct guard_bucket *req, *login = NULL;
	int kind, r;
	uint32_t wait = 0;

	if (retry_after_s == NULL)
		return MEDSEC_ERR_INVALID;
	*retry_after_s = 0;
	if (cls != MEDSEC_GUARD_REQUEST && cls != MEDSEC_GUARD_LOGIN)
		return MEDSEC_ERR_INVALID;
	if ((r = source_of(g, addr, addrlen, &k)) != MEDSEC_OK)
		return r;
	kind = cls == MEDSEC_GUARD_LOGIN ? GUARD_LOGIN_KIND : GUARD_REQUEST_KIND;
	if (guard_admit(g, &k, now_us, &s) != MEDSEC_OK)
		return refuse_unlisted(g, kind, now_us, retry_after_s);
	req = filled(g, s, GUARD_REQUEST_KIND, now_us);
	if (req->tokens < GUARD_TOKEN)
		wait = guard_bucket_wait(req, g->rate[GUARD_REQUEST_KIND]);
	if (cls == MEDSEC_GUARD_LOGIN) {
		login = filled(g, s, GUARD_LOGIN_KIND, now_us);
		if (login->tokens < GUARD_TOKEN)
			wait = longer(wait, guard_bucket_wait(login,
			    g->rate[GUARD_LOGIN_KIND]));
	}
	/* All or nothing: a refused login spends no request token. */
	if (wait != 0)
		return refuse(g, s, kind, now_us, MEDSEC_ERR_THROTTLED, wait,
		    retry_after_s);
	req->tokens -= GUARD_TOKEN;
	if (login != NULL)
		login->tokens -= GUARD_TOKEN;
	return MEDSEC_OK;
}
