/*
 * Aggregate throttle reports: the caller turns each into one audit record,
 * so a flood of refusals costs the trail one record per source per
 * interval, never one per refusal.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "guard/guard_int.h"
#include "medsec/err.h"

void
guard_source_name(const struct guard_key *k, char *buf, size_t buflen)
{
	char text[INET6_ADDRSTRLEN];
	int family = k->family == 4 ? AF_INET : AF_INET6;

	if (k->family != 4 && k->family != 6) {
		snprintf(buf, buflen, "%s", MEDSEC_GUARD_SOURCE_OVERFLOW);
		return;
	}
	if (inet_ntop(family, k->addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	if (k->family == 4)
		snprintf(buf, buflen, "%s", text);
	else
		snprintf(buf, buflen, "%s/%u", text, (unsigned)k->prefix);
}

static int
report_due(const struct guard_source *s, uint64_t now_us)
{
	return s->due && s->next_report_us <= now_us;
}

/* Hands one source's counts to fn and starts its next interval. */
static void
report_one(const struct medsec_guard *g, struct guard_source *s,
    uint64_t now_us, void (*fn)(const struct medsec_guard_report *, void *),
    void *arg)
{
	struct medsec_guard_report rep;

	memset(&rep, 0, sizeof(rep));
	guard_source_name(&s->key, rep.source, sizeof(rep.source));
	rep.refused_connections = s->refused[GUARD_CONNECTION];
	rep.refused_requests = s->refused[GUARD_REQUEST_KIND];
	rep.refused_logins = s->refused[GUARD_LOGIN_KIND];
	rep.first_us = (int64_t)s->first_us;
	rep.last_us = (int64_t)s->last_us;
	memset(s->refused, 0, sizeof(s->refused));
	s->first_us = s->last_us = 0;
	s->next_report_us = now_us +
	    (uint64_t)g->opts.report_seconds * 1000000u;
	fn(&rep, arg);
}

int
medsec_guard_reports(struct medsec_guard *g, uint64_t now_us,
    void (*fn)(const struct medsec_guard_report *, void *), void *arg)
{
	struct guard_source *s;
	uint32_t i, next;
	int n = 0;

	if (g == NULL || fn == NULL)
		return MEDSEC_ERR_INVALID;
	for (i = g->due.first; i != GUARD_NIL; i = next) {
		s = &g->src[i];
		next = s->report.next;
		if (!report_due(s, now_us))
			continue;
		guard_due_remove(g, s);
		report_one(g, s, now_us, fn, arg);
		n++;
	}
	if (report_due(&g->overflow, now_us)) {
		g->overflow.due = 0;
		report_one(g, &g->overflow, now_us, fn, arg);
		n++;
	}
	return n;
}
