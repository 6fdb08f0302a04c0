/*
 * The flood guard's life cycle: options, creation, reload, statistics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logf.h"
#include "guard/guard_int.h"
#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

void
medsec_guard_options_default(struct medsec_guard_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->max_connections = 512;
	o->source_connections = 16;
	o->connection_rate = 10;
	o->connection_burst = 20;
	o->request_rate = 20;
	o->request_burst = 40;
	o->login_rate = 1;
	o->login_burst = 5;
	o->report_seconds = 60;
	o->max_sources = 16384;
	o->ipv6_prefix = 64;
}

void
medsec_guard_options_from_config(const struct medsec_config *cfg,
    struct medsec_guard_options *o)
{
	if (o == NULL)
		return;
	medsec_guard_options_default(o);
	if (cfg == NULL)
		return;
	o->max_connections = cfg->limits_max_connections;
	o->source_connections = cfg->limits_source_connections;
	o->connection_rate = cfg->limits_connection_rate;
	o->connection_burst = cfg->limits_connection_rate > UINT32_MAX / 2 ?
	    UINT32_MAX : cfg->limits_connection_rate * 2;
	o->request_rate = cfg->limits_request_rate;
	o->request_burst = cfg->limits_request_burst;
	o->login_rate = cfg->limits_login_rate;
	o->login_burst = cfg->limits_login_burst;
	o->report_seconds = cfg->limits_throttle_report_seconds;
}

struct option_bound {
	const char *name;
	size_t offset;
	uint32_t min;
	uint32_t max;
};

#define BOUND(field, lo, hi) \
	{ #field, offsetof(struct medsec_guard_options, field), lo, hi }

static const struct option_bound bounds[] = {
	BOUND(max_connections, 1, UINT32_MAX),
	BOUND(source_connections, 1, UINT32_MAX),
	BOUND(connection_rate, 1, MEDSEC_GUARD_RATE_MAX),
	BOUND(connection_burst, 1, MEDSEC_GUARD_BURST_MAX),
	BOUND(request_rate, 1, MEDSEC_GUARD_RATE_MAX),
	BOUND(request_burst, 1, MEDSEC_GUARD_BURST_MAX),
	BOUND(login_rate, 1, MEDSEC_GUARD_RATE_MAX),
	BOUND(login_burst, 1, MEDSEC_GUARD_BURST_MAX),
	BOUND(report_seconds, 1, MEDSEC_GUARD_REPORT_MAX),
	BOUND(max_sources, MEDSEC_GUARD_SOURCES_MIN, MEDSEC_GUARD_SOURCES_MAX),
	BOUND(ipv6_prefix, MEDSEC_GUARD_PREFIX_MIN, 128),
};

static void MEDSEC_PRINTF(3, 4)
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int
medsec_guard_options_check(const struct medsec_guard_options *o, char *why,
    size_t whylen)
{
	size_t i;
	uint32_t v;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (o == NULL) {
		say(why, whylen, "guard options missing");
		return MEDSEC_ERR_INVALID;
	}
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		memcpy(&v, (const char *)o + bounds[i].offset, sizeof(v));
		if (v < bounds[i].min || v > bounds[i].max) {
			say(why, whylen, "guard option %s = %u: must be %u to %u",
			    bounds[i].name, v, bounds[i].min, bounds[i].max);
			return MEDSEC_ERR_INVALID;
		}
	}
	if (o->source_connections > o->max_connections) {
		say(why, whylen, "guard option source_connections = %u: must "
		    "not exceed max_connections = %u", o->source_connections,
		    o->max_connections);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

static void
apply_options(struct medsec_guard *g, const struct medsec_guard_options *o)
{
	g->opts = *o;
	g->rate[GUARD_CONNECTION] = o->connection_rate;
	g->burst[GUARD_CONNECTION] = o->connection_burst;
	g->rate[GUARD_REQUEST_KIND] = o->request_rate;
	g->burst[GUARD_REQUEST_KIND] = o->request_burst;
	g->rate[GUARD_LOGIN_KIND] = o->login_rate;
	g->burst[GUARD_LOGIN_KIND] = o->login_burst;
}

static int
checked(const struct medsec_guard_options *o)
{
	char why[160];
	int r;

	if ((r = medsec_guard_options_check(o, why, sizeof(why))) !=
	    MEDSEC_OK)
		medsec_log(MEDSEC_LOG_ERR, "guard", "%s", why);
	return r;
}

int
medsec_guard_new(const struct medsec_guard_options *o,
    struct medsec_guard **guardp)
{
	struct medsec_guard *g = NULL;
	int r = MEDSEC_ERR_INTERNAL;

	if (guardp == NULL)
		return MEDSEC_ERR_INVALID;
	*guardp = NULL;
	if ((r = checked(o)) != MEDSEC_OK)
		goto out;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	apply_options(g, o);
	if ((r = guard_table_init(g)) != MEDSEC_OK)
		goto out;
	*guardp = g;
	g = NULL;
	r = MEDSEC_OK;
out:
	medsec_guard_free(g);
	return r;
}

void
medsec_guard_free(struct medsec_guard *g)
{
	if (g == NULL)
		return;
	/* The table holds client addresses: wiped like any personal data. */
	if (g->src != NULL)
		medsec_wipe(g->src, (size_t)g->opts.max_sources *
		    sizeof(*g->src));
	guard_table_free(g);
	medsec_wipe(g, sizeof(*g));
	free(g);
}

int
medsec_guard_set_options(struct medsec_guard *g,
    const struct medsec_guard_options *o)
{
	int r;

	if (g == NULL)
		return MEDSEC_ERR_INVALID;
	if ((r = checked(o)) != MEDSEC_OK)
		return r;
	if (o->max_sources != g->opts.max_sources ||
	    o->ipv6_prefix != g->opts.ipv6_prefix) {
		medsec_log(MEDSEC_LOG_ERR, "guard", "guard options max_sources "
		    "= %u and ipv6_prefix = %u cannot change from %u and %u "
		    "without a restart", o->max_sources, o->ipv6_prefix,
		    g->opts.max_sources, g->opts.ipv6_prefix);
		return MEDSEC_ERR_INVALID;
	}
	apply_options(g, o);
	return MEDSEC_OK;
}

void
medsec_guard_stats(const struct medsec_guard *g, struct medsec_guard_stats *st)
{
	if (st == NULL)
		return;
	if (g == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = g->stats;
}
