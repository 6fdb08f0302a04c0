/* Update package internals shared by its files. */
#ifndef MEDSEC_UPDATE_INT_H
#define MEDSEC_UPDATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/errf.h"

#include <jansson.h>

#include "medsec/signkey.h"
#include "medsec/update.h"

/* Domain separation: what a signature is over. */
#define UPDATE_SIG_CONTEXT "medsec-update-manifest-v1"
#define KEYSET_SIG_CONTEXT "medsec-update-keyset-v1"

struct update_header {
	uint32_t format;
	uint32_t manifest_len;
	uint32_t sigs_len;
};

struct update_sig {
	char key_id[MEDSEC_KEY_ID_LEN];
	uint8_t sig[MEDSEC_SIGN_LEN];
};

struct medsec_update_trust {
	struct medsec_pubkey root[MEDSEC_UPDATE_KEYS_MAX];
	size_t n_root;
	unsigned root_threshold;
	struct medsec_pubkey keys[MEDSEC_UPDATE_KEYS_MAX];
	size_t n_keys;
	unsigned threshold;
	char revoked[MEDSEC_UPDATE_KEYS_MAX][MEDSEC_KEY_ID_LEN];
	size_t n_revoked;
	uint64_t keyset_version;
	int64_t keyset_expires_us;
};

/* update_util.c */
void update_header_encode(const struct update_header *h,
    uint8_t out[MEDSEC_UPDATE_HEADER_LEN]);
int update_header_decode(const uint8_t in[MEDSEC_UPDATE_HEADER_LEN],
    struct update_header *h, char *err, size_t errlen);
/* Reads exactly len bytes; MEDSEC_ERR_FORMAT on a short file. */
int update_read_exact(int fd, void *buf, size_t len);
/* The message signed for a manifest or key set: context || SHA-256. */
int update_signed_message(const char *context, const void *data,
    size_t len, uint8_t *msg, size_t *msglen);
int update_sigs_parse(const char *json, size_t len, struct update_sig *sigs,
    size_t max, size_t *np, char *err, size_t errlen);
char *update_sigs_encode(const struct update_sig *sigs, size_t n);
/* Counts distinct allowed keys in keys[] with a valid signature. */
unsigned update_count_valid(const struct medsec_pubkey *keys, size_t nkeys,
    const char (*revoked)[MEDSEC_KEY_ID_LEN], size_t nrevoked,
    const struct update_sig *sigs, size_t nsigs, const uint8_t *msg,
    size_t msglen);
json_t *update_pubkey_json(const struct medsec_pubkey *pk);
int update_pubkey_from_json(json_t *o, struct medsec_pubkey *pk);
int update_valid_name(const char *name);

/* update_manifest.c */
void update_files_free(struct medsec_update_file *files, size_t n);
/*
 * MEDSEC_ERR_FORMAT (with the names in err) if a name repeats or a name
 * is also a directory of another ("bin" and "bin/app").
 */
int update_names_conflict(const char *const *names, size_t n, char *err,
    size_t errlen);
char *update_manifest_build(const struct medsec_update_pack_args *a,
    const struct medsec_update_file *files, char *err, size_t errlen);

#endif
