/* Session internals shared by the table, store and API files. */
#ifndef MEDSEC_SESSION_INT_H
#define MEDSEC_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/session.h"

#define SESSION_HASH_LEN 32

enum session_slot {
	SESSION_SLOT_EMPTY = 0,
	SESSION_SLOT_LIVE = 1,
	SESSION_SLOT_DELETED = 2, /* tombstone: keeps probe chains intact */
};

struct session_entry {
	uint8_t hash[SESSION_HASH_LEN];
	int state; /* enum session_slot */
	struct medsec_session_info info;
	int64_t created_mono;
	int64_t last_mono;
	int64_t reauth_mono;
	int64_t persisted_last_us;
};

struct medsec_hash_ctx;

struct medsec_sessions {
	struct medsec_db *db;
	struct medsec_audit *audit;
	struct medsec_session_options o;
	struct medsec_hash_ctx *sha;
	struct session_entry *tab; /* cap slots, cap a power of two */
	size_t cap;
	size_t live;
	size_t deleted;
	int64_t data_version;
	int64_t polled_mono;
};

/* session_table.c */
int session_table_init(struct medsec_sessions *s, size_t cap);
void session_table_free(struct medsec_sessions *s);
struct session_entry *session_table_find(struct medsec_sessions *s,
    const uint8_t hash[SESSION_HASH_LEN]);
struct session_entry *session_table_find_id(struct medsec_sessions *s,
    const char *id);
struct session_entry *session_table_find_user(struct medsec_sessions *s,
    const char *user);
/* Inserts or replaces; may grow the table (entry pointers then move). */
int session_table_put(struct medsec_sessions *s,
    const struct session_entry *e);
void session_table_remove(struct medsec_sessions *s, struct session_entry *e);

/* session_store.c */
int session_reload(struct medsec_sessions *s);
int session_end_entry(struct medsec_sessions *s, struct session_entry *e,
    int reason, const char *actor, struct medsec_session_info *info);
int session_lookup_ended(struct medsec_sessions *s,
    const uint8_t hash[SESSION_HASH_LEN], struct medsec_session_info *info);
int session_store_last(struct medsec_sessions *s, struct session_entry *e);
int session_store_flag(struct medsec_sessions *s, struct session_entry *e,
    const char *column, int value);

/* session.c */
/* medsec_audit_ready() for a handle with a trail (tests may have none). */
int session_ready(struct medsec_sessions *s);
/*
 * The live entry of a token, ending it if past a limit. force_poll: look
 * for other processes' changes now. info describes an ended one too.
 */
int session_live_entry(struct medsec_sessions *s, const char *token,
    int force_poll, struct session_entry **ep,
    struct medsec_session_info *info);
int session_token_hash(struct medsec_sessions *s, const char *token,
    uint8_t hash[SESSION_HASH_LEN]);
int session_end_error(int reason);
void session_audit(struct medsec_sessions *s, int event, const char *actor,
    const struct medsec_session_info *info, const char *reason);

#endif
