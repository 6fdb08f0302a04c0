/*
 * Test fixture for update packages: a scratch directory with a root key,
 * two signing keys (threshold configurable), a trust directory, payload
 * files, and a raw package writer for hand-crafted (hostile) packages.
 */
#ifndef MEDSEC_TEST_UPDATES_H
#define MEDSEC_TEST_UPDATES_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/signkey.h"
#include "medsec/update.h"

struct updates {
	char dir[64];
	char trust[96];
	struct medsec_signkey *root;
	struct medsec_signkey *rel[3]; /* rel[2] is not in the key set */
	int64_t now_us;
	const char *downgrade_of; /* next packs authorise a downgrade */
	const char *product;	  /* next packs' product (NULL: carelink) */
};

/* Keys, root.json and keyset.json (rel[0], rel[1]; threshold). */
void updates_setup(struct updates *u, unsigned threshold);
void updates_teardown(struct updates *u);
/* Rewrites keyset.json (version, threshold, revoked id or NULL). */
void updates_keyset(struct updates *u, uint64_t version, unsigned threshold,
    const char *revoked, const struct medsec_signkey *signer);

/* Packs dir/NAME.msu from n payload files of the given sizes. */
void updates_pack(struct updates *u, const char *name, uint64_t counter,
    const char *version, const size_t *sizes, size_t n, char *path,
    size_t pathlen);
void updates_sign(const char *pkg, const struct medsec_signkey *k);

/*
 * Writes a raw package: manifest text as given, signed by the keys in
 * signers (may be none), then payload bytes as given.
 */
void updates_raw(const char *path, const char *manifest,
    const struct medsec_signkey *const *signers, size_t nsigners,
    const void *payload, size_t payload_len);

/* The default device policy: hardware hw-1, counter >= min. */
void updates_policy(const struct updates *u,
    struct medsec_update_policy *p, uint64_t min_counter);

#endif
