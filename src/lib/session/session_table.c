/*
 * The in-process table of live sessions: open addressing with linear
 * probing. Keys are SHA-256 values of random tokens, so their first bytes
 * are already uniform and serve as the probe start.
 */
#include <stdlib.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "session/session_int.h"

static size_t
slot_of(const struct medsec_sessions *s, const uint8_t *hash)
{
	uint64_t h;

	memcpy(&h, hash, sizeof(h));
	return (size_t)h & (s->cap - 1);
}

int
session_table_init(struct medsec_sessions *s, size_t cap)
{
	if ((s->tab = calloc(cap, sizeof(*s->tab))) == NULL)
		return MEDSEC_ERR_NOMEM;
	s->cap = cap;
	s->live = 0;
	s->deleted = 0;
	return MEDSEC_OK;
}

void
session_table_free(struct medsec_sessions *s)
{
	if (s->tab != NULL) {
		medsec_wipe(s->tab, s->cap * sizeof(*s->tab));
		free(s->tab);
	}
	s->tab = NULL;
	s->cap = 0;
	s->live = 0;
	s->deleted = 0;
}

struct session_entry *
session_table_find(struct medsec_sessions *s,
    const uint8_t hash[SESSION_HASH_LEN])
{
	size_t i, n;
	struct session_entry *e;

	for (i = slot_of(s, hash), n = 0; n < s->cap;
	    i = (i + 1) & (s->cap - 1), n++) {
		e = &s->tab[i];
		if (e->state == SESSION_SLOT_EMPTY)
			return NULL;
		if (e->state == SESSION_SLOT_LIVE &&
		    medsec_ct_equal(e->hash, hash, SESSION_HASH_LEN) == 0)
			return e;
	}
	return NULL;
}

struct session_entry *
session_table_find_id(struct medsec_sessions *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		if (s->tab[i].state == SESSION_SLOT_LIVE &&
		    strcmp(s->tab[i].info.id, id) == 0)
			return &s->tab[i];
	return NULL;
}

struct session_entry *
session_table_find_user(struct medsec_sessions *s, const char *user)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		if (s->tab[i].state == SESSION_SLOT_LIVE &&
		    strcmp(s->tab[i].info.user, user) == 0)
			return &s->tab[i];
	return NULL;
}

static void
insert_fresh(struct medsec_sessions *s, const struct session_entry *e)
{
	size_t i = slot_of(s, e->hash);

	while (s->tab[i].state == SESSION_SLOT_LIVE)
		i = (i + 1) & (s->cap - 1);
	if (s->tab[i].state == SESSION_SLOT_DELETED)
		s->deleted--;
	s->tab[i] = *e;
	s->tab[i].state = SESSION_SLOT_LIVE;
	s->live++;
}

/* Rebuilds into a table of newcap slots, dropping tombstones. */
static int
rehash(struct medsec_sessions *s, size_t newcap)
{
	struct session_entry *old = s->tab;
	size_t i, oldcap = s->cap;

	if ((s->tab = calloc(newcap, sizeof(*s->tab))) == NULL) {
		s->tab = old;
		return MEDSEC_ERR_NOMEM;
	}
	s->cap = newcap;
	s->live = 0;
	s->deleted = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].state == SESSION_SLOT_LIVE)
			insert_fresh(s, &old[i]);
	medsec_wipe(old, oldcap * sizeof(*old));
	free(old);
	return MEDSEC_OK;
}

int
session_table_put(struct medsec_sessions *s, const struct session_entry *e)
{
	struct session_entry *cur;
	size_t cap = s->cap;
	int r;

	if ((cur = session_table_find(s, e->hash)) != NULL) {
		*cur = *e;
		cur->state = SESSION_SLOT_LIVE;
		return MEDSEC_OK;
	}
	/* Keep the load (live and tombstones) at or under one half. */
	if ((s->live + s->deleted + 1) * 2 > s->cap) {
		while ((s->live + 1) * 2 > cap)
			cap *= 2;
		if ((r = rehash(s, cap)) != MEDSEC_OK)
			return r;
	}
	insert_fresh(s, e);
	return MEDSEC_OK;
}

void
session_table_remove(struct medsec_sessions *s, struct session_entry *e)
{
	medsec_wipe(e, sizeof(*e));
	e->state = SESSION_SLOT_DELETED;
	s->live--;
	s->deleted++;
}
