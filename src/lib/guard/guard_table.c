/*
 * The source table of the flood guard: addresses to keys, the keyed hash
 * index, admission of new sources with eviction, and the lists threaded
 * through the entries. Nothing here allocates after guard_table_init().
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "guard/guard_int.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static inline void
sipcompress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
}

/*
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash that hash tables
 * facing attacker-chosen keys use. libsodium has it, but libsodium stays
 * in the crypto module, and these few lines are checked against its
 * output in the tests.
 */
uint64_t
guard_siphash24(const uint8_t key[16], const void *in, size_t len)
{
	const uint8_t *p = in;
	uint64_t k0 = load64(key), k1 = load64(key + 8);
	uint64_t v[4], last = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	v[0] = k0 ^ UINT64_C(0x736f6d6570736575);
	v[1] = k1 ^ UINT64_C(0x646f72616e646f6d);
	v[2] = k0 ^ UINT64_C(0x6c7967656e657261);
	v[3] = k1 ^ UINT64_C(0x7465646279746573);
	for (i = 0; i + 8 <= len; i += 8)
		sipcompress(v, load64(p + i));
	while (tail-- > 0)
		last |= (uint64_t)p[i + tail] << (8 * tail);
	sipcompress(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void
mask_prefix(uint8_t addr[16], unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8)
			prefix -= 8;
		else {
			addr[i] &= (uint8_t)(0xff00u >> prefix);
			prefix = 0;
		}
	}
}

/*
 * The key of a source. An IPv4-mapped IPv6 address is its IPv4 address:
 * a dual-stack listener would otherwise put every IPv4 client in the one
 * network ::ffff:0:0/64.
 */
int
guard_key_of(const struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, struct guard_key *k)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(k, 0, sizeof(*k));
	if (addr == NULL)
		return MEDSEC_ERR_INVALID;
	if (addr->sa_family == AF_INET &&
	    addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
		sin = (const struct sockaddr_in *)(const void *)addr;
		k->family = 4;
		memcpy(k->addr, &sin->sin_addr, 4);
		return MEDSEC_OK;
	}
	if (addr->sa_family != AF_INET6 ||
	    addrlen < (socklen_t)sizeof(struct sockaddr_in6))
		return MEDSEC_ERR_INVALID;
	sin6 = (const struct sockaddr_in6 *)(const void *)addr;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		k->family = 4;
		memcpy(k->addr, &sin6->sin6_addr.s6_addr[12], 4);
		return MEDSEC_OK;
	}
	k->family = 6;
	k->prefix = (uint8_t)g->opts.ipv6_prefix;
	memcpy(k->addr, &sin6->sin6_addr, 16);
	mask_prefix(k->addr, k->prefix);
	return MEDSEC_OK;
}

/*
 * Only the address bytes are hashed: 4 for IPv4, 16 for IPv6 (the prefix
 * is the same for every key of a table). The lengths differ, and SipHash
 * mixes the length in, so the two families never share a hash input.
 */
static uint32_t
index_slot(const struct medsec_guard *g, const struct guard_key *k)
{
	size_t len = k->family == 4 ? 4 : sizeof(k->addr);

	return (uint32_t)guard_siphash24(g->hash_key, k->addr, len) &
	    g->index_mask;
}

static int
key_equal(const struct guard_key *a, const struct guard_key *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Twice as many heads as entries, a power of two: chains stay short. */
static uint32_t
index_size(uint32_t max_sources)
{
	uint32_t n = 1;

	while (n < max_sources * 2u)
		n <<= 1;
	return n;
}

size_t
medsec_guard_memory(const struct medsec_guard_options *o)
{
	if (o == NULL || o->max_sources > MEDSEC_GUARD_SOURCES_MAX)
		return 0;
	return sizeof(struct medsec_guard) +
	    (size_t)o->max_sources * sizeof(struct guard_source) +
	    (size_t)index_size(o->max_sources) * sizeof(uint32_t);
}

int
guard_table_init(struct medsec_guard *g)
{
	uint32_t i, n = g->opts.max_sources, heads = index_size(n);
	int r;

	if ((r = medsec_random(g->hash_key, sizeof(g->hash_key))) != MEDSEC_OK)
		return r;
	g->src = calloc(n, sizeof(*g->src));
	g->index = malloc((size_t)heads * sizeof(*g->index));
	if (g->src == NULL || g->index == NULL) {
		guard_table_free(g);
		return MEDSEC_ERR_NOMEM;
	}
	g->index_mask = heads - 1;
	for (i = 0; i < heads; i++)
		g->index[i] = GUARD_NIL;
	for (i = 0; i < n; i++)
		g->src[i].hnext = i + 1 < n ? i + 1 : GUARD_NIL;
	g->free_first = 0;
	g->idle.first = g->idle.last = GUARD_NIL;
	g->due.first = g->due.last = GUARD_NIL;
	return MEDSEC_OK;
}

void
guard_table_free(struct medsec_guard *g)
{
	free(g->src);
	free(g->index);
	g->src = NULL;
	g->index = NULL;
}

struct guard_source *
guard_find(struct medsec_guard *g, const struct guard_key *k)
{
	uint32_t i;

	for (i = g->index[index_slot(g, k)]; i != GUARD_NIL;
	    i = g->src[i].hnext)
		if (key_equal(&g->src[i].key, k))
			return &g->src[i];
	return NULL;
}

static uint32_t
source_id(const struct medsec_guard *g, const struct guard_source *s)
{
	return (uint32_t)(s - g->src);
}

/*
 * Intrusive doubly linked lists by index. The member offset picks the
 * list, so the idle and report lists share the code.
 */
static struct guard_list *
link_of(struct medsec_guard *g, uint32_t i, size_t member)
{
	return (struct guard_list *)(void *)((char *)&g->src[i] + member);
}

static void
list_remove(struct medsec_guard *g, struct guard_head *h, size_t member,
    uint32_t i)
{
	struct guard_list *l = link_of(g, i, member);

	if (l->prev != GUARD_NIL)
		link_of(g, l->prev, member)->next = l->next;
	else
		h->first = l->next;
	if (l->next != GUARD_NIL)
		link_of(g, l->next, member)->prev = l->prev;
	else
		h->last = l->prev;
	l->prev = l->next = GUARD_NIL;
}

static void
list_push(struct medsec_guard *g, struct guard_head *h, size_t member,
    uint32_t i)
{
	struct guard_list *l = link_of(g, i, member);

	l->prev = GUARD_NIL;
	l->next = h->first;
	if (h->first != GUARD_NIL)
		link_of(g, h->first, member)->prev = i;
	else
		h->last = i;
	h->first = i;
}

void
guard_idle_remove(struct medsec_guard *g, struct guard_source *s)
{
	list_remove(g, &g->idle, offsetof(struct guard_source, idle),
	    source_id(g, s));
}

void
guard_idle_push(struct medsec_guard *g, struct guard_source *s)
{
	list_push(g, &g->idle, offsetof(struct guard_source, idle),
	    source_id(g, s));
}

/* Marks activity: an idle source moves to the young end of the list. */
void
guard_touch(struct medsec_guard *g, struct guard_source *s)
{
	if (s->open == 0 && g->idle.first != source_id(g, s)) {
		guard_idle_remove(g, s);
		guard_idle_push(g, s);
	}
}

void
guard_due_push(struct medsec_guard *g, struct guard_source *s)
{
	if (s->due)
		return;
	s->due = 1;
	list_push(g, &g->due, offsetof(struct guard_source, report),
	    source_id(g, s));
}

void
guard_due_remove(struct medsec_guard *g, struct guard_source *s)
{
	if (!s->due)
		return;
	s->due = 0;
	list_remove(g, &g->due, offsetof(struct guard_source, report),
	    source_id(g, s));
}

/*
 * Forgetting a source must lose nothing an attacker could profit from: a
 * fresh entry starts with full buckets, no open connection and a report
 * due at once, so only an entry in exactly that state may go.
 */
static int
evictable(const struct medsec_guard *g, const struct guard_source *s,
    uint64_t now_us)
{
	int kind;

	if (s->open != 0 || s->due || s->next_report_us > now_us)
		return 0;
	for (kind = 0; kind < GUARD_KINDS; kind++)
		if (!guard_bucket_full(&s->bucket[kind], g->rate[kind],
			g->burst[kind], now_us))
			return 0;
	return 1;
}

static void
unlink_hash(struct medsec_guard *g, struct guard_source *s)
{
	uint32_t *pp = &g->index[index_slot(g, &s->key)];
	uint32_t id = source_id(g, s);

	while (*pp != GUARD_NIL && *pp != id)
		pp = &g->src[*pp].hnext;
	if (*pp == id)
		*pp = s->hnext;
}

/* The oldest of the few least recently active idle sources that may go. */
static struct guard_source *
evict_one(struct medsec_guard *g, uint64_t now_us)
{
	uint32_t i = g->idle.last;
	int n;

	for (n = 0; n < GUARD_EVICT_PROBES && i != GUARD_NIL; n++) {
		if (evictable(g, &g->src[i], now_us)) {
			guard_idle_remove(g, &g->src[i]);
			unlink_hash(g, &g->src[i]);
			g->stats.evictions++;
			g->stats.sources--;
			return &g->src[i];
		}
		i = g->src[i].idle.prev;
	}
	return NULL;
}

static struct guard_source *
take_entry(struct medsec_guard *g, uint64_t now_us)
{
	struct guard_source *s;

	if (g->free_first == GUARD_NIL)
		return evict_one(g, now_us);
	s = &g->src[g->free_first];
	g->free_first = s->hnext;
	return s;
}

static void
init_entry(struct medsec_guard *g, struct guard_source *s,
    const struct guard_key *k, uint64_t now_us)
{
	int kind;
	uint32_t slot = index_slot(g, k);

	memset(s, 0, sizeof(*s));
	s->key = *k;
	s->in_use = 1;
	s->idle.prev = s->idle.next = GUARD_NIL;
	s->report.prev = s->report.next = GUARD_NIL;
	for (kind = 0; kind < GUARD_KINDS; kind++) {
		s->bucket[kind].tokens = g->burst[kind] * GUARD_TOKEN;
		s->bucket[kind].last_us = now_us;
	}
	s->hnext = g->index[slot];
	g->index[slot] = source_id(g, s);
	guard_idle_push(g, s);
	g->stats.sources++;
}

/*
 * The entry of a source, made if it is new. MEDSEC_ERR_BUSY when the table
 * is full and no entry may be evicted: the source is refused rather than
 * some other source's limits forgotten.
 */
int
guard_admit(struct medsec_guard *g, const struct guard_key *k,
    uint64_t now_us, struct guard_source **sp)
{
	struct guard_source *s;

	if ((s = guard_find(g, k)) != NULL) {
		guard_touch(g, s);
		*sp = s;
		return MEDSEC_OK;
	}
	if ((s = take_entry(g, now_us)) == NULL) {
		*sp = NULL;
		return MEDSEC_ERR_BUSY;
	}
	init_entry(g, s, k, now_us);
	*sp = s;
	return MEDSEC_OK;
}
