/* Test fixtures: scratch directories, a provisioned keystore and trail. */
#ifndef MEDSEC_FIXTURE_H
#define MEDSEC_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/keystore.h"

struct fixture {
	char root[256];	    /* scratch directory */
	char keys[300];	    /* root/keys */
	char audit[300];    /* root/audit */
	char verifier[300]; /* root/verifier.key */
	struct medsec_keystore *ks;
	struct medsec_audit_options opts;
};

/* Creates root, a keystore with an Ed25519 identity, and a trail. */
void fixture_setup(struct fixture *f, uint32_t epoch_records,
    uint64_t segment_bytes);
void fixture_teardown(struct fixture *f);
/* Reopens the keystore (after a child process used its own copy). */
void fixture_reopen_keys(struct fixture *f);

/* Appends `count` records numbered from `first` (object "rec-<n>"). */
void fixture_append(struct medsec_audit *a, int first, int count);

/* Verifies with the verifier key (with_key) or public key only. */
int fixture_verify(const struct fixture *f, int with_key,
    struct medsec_audit_verify_result *res);

/* Reads records' seqs into seqs (up to max); returns how many exist. */
size_t fixture_read_seqs(const char *audit_dir, uint64_t *seqs, size_t max);

void fixture_rmrf(const char *dir);
void fixture_copy_tree(const char *from, const char *to);

/* A settable clock for tests. */
struct fixture_clock {
	int64_t wall_us;
	int64_t mono_us;
};
void fixture_clock_install(struct fixture_clock *c);
void fixture_clock_uninstall(void);

#endif
