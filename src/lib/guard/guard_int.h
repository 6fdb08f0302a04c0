/*
 * Internals of the flood guard. The source table is one array of
 * max_sources entries allocated at start, a chained hash index over it
 * (keyed SipHash, so an attacker choosing addresses cannot choose
 * collisions), and three intrusive lists threaded through the entries by
 * index: free entries, idle entries (no open connection) from the most
 * to the least recently active, and entries holding refusals that wait
 * for their report.
 */
#ifndef MEDSEC_GUARD_INT_H
#define MEDSEC_GUARD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "medsec/guard.h"

#define GUARD_NIL UINT32_MAX
/* A bucket counts millionths of a token: rate r adds r per microsecond. */
#define GUARD_TOKEN UINT64_C(1000000)
/* Idle entries looked at, from the oldest, for one that may be evicted. */
#define GUARD_EVICT_PROBES 8

enum guard_kind {
	GUARD_CONNECTION = 0,
	GUARD_REQUEST_KIND = 1,
	GUARD_LOGIN_KIND = 2,
	GUARD_KINDS = 3,
};

/* 4 for IPv4 (address in addr[0..3]), 6 for an IPv6 network. */
struct guard_key {
	uint8_t family;
	uint8_t prefix; /* IPv6 only: bits kept */
	uint8_t addr[16];
};

struct guard_bucket {
	uint64_t tokens;  /* millionths of a token */
	uint64_t last_us; /* latest time seen; earlier times add nothing */
};

struct guard_list {
	uint32_t prev;
	uint32_t next;
};

struct guard_source {
	struct guard_key key;
	uint8_t in_use;
	uint8_t due; /* on the report list */
	uint32_t hnext; /* hash chain, or the free list */
	uint32_t open;	/* connections open now */
	struct guard_list idle;
	struct guard_list report;
	struct guard_bucket bucket[GUARD_KINDS];
	uint64_t refused[GUARD_KINDS]; /* since the last report */
	uint64_t first_us;	       /* first and last refusal since then */
	uint64_t last_us;
	uint64_t next_report_us;       /* no report before this time */
};

struct guard_head {
	uint32_t first;
	uint32_t last;
};

struct medsec_guard {
	struct medsec_guard_options opts;
	uint64_t rate[GUARD_KINDS];  /* tokens per second */
	uint64_t burst[GUARD_KINDS]; /* whole tokens */
	uint8_t hash_key[16];
	struct guard_source *src; /* opts.max_sources entries */
	uint32_t *index;	  /* hash heads, index_mask + 1 of them */
	uint32_t index_mask;
	uint32_t free_first;
	struct guard_head idle;
	struct guard_head due;
	struct guard_source overflow; /* refusals of sources not admitted */
	struct medsec_guard_stats stats;
};

/* guard_table.c */
uint64_t guard_siphash24(const uint8_t key[16], const void *in, size_t len);
int guard_key_of(const struct medsec_guard *g, const struct sockaddr *addr,
    socklen_t addrlen, struct guard_key *k);
int guard_table_init(struct medsec_guard *g);
void guard_table_free(struct medsec_guard *g);
struct guard_source *guard_find(struct medsec_guard *g,
    const struct guard_key *k);
int guard_admit(struct medsec_guard *g, const struct guard_key *k,
    uint64_t now_us, struct guard_source **sp);
void guard_touch(struct medsec_guard *g, struct guard_source *s);
void guard_idle_remove(struct medsec_guard *g, struct guard_source *s);
void guard_idle_push(struct medsec_guard *g, struct guard_source *s);
void guard_due_push(struct medsec_guard *g, struct guard_source *s);
void guard_due_remove(struct medsec_guard *g, struct guard_source *s);

/* guard_bucket.c */
void guard_bucket_fill(struct guard_bucket *b, uint64_t rate,
    uint64_t burst, uint64_t now_us);
int guard_bucket_full(const struct guard_bucket *b, uint64_t rate,
    uint64_t burst, uint64_t now_us);
uint32_t guard_bucket_wait(const struct guard_bucket *b, uint64_t rate);

/* guard_report.c */
void guard_source_name(const struct guard_key *k, char *buf, size_t buflen);

#endif
