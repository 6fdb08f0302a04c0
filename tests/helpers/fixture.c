#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

void
fixture_setup(struct fixture *f, uint32_t epoch_records,
    uint64_t segment_bytes)
{
	const struct medsec_crypto_profile *prof;

	memset(f, 0, sizeof(*f));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	snprintf(f->root, sizeof(f->root), "/tmp/medsec-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->root);
	snprintf(f->audit, sizeof(f->audit), "%s/audit", f->root);
	snprintf(f->verifier, sizeof(f->verifier), "%s/verifier.key", f->root);
	assert_int_equal(medsec_crypto_profile_by_name("approved", &prof),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_create(f->keys, prof, &f->ks),
	    MEDSEC_OK);
	assert_int_equal(medsec_keystore_generate(f->ks, "identity",
			     MEDSEC_ALG_ED25519, NULL), MEDSEC_OK);
	medsec_audit_options_default(&f->opts);
	f->opts.epoch_records = epoch_records;
	f->opts.epoch_seconds = 0;
	f->opts.segment_bytes = segment_bytes;
	assert_int_equal(medsec_audit_create(f->audit, f->ks, &f->opts,
			     "test-device", f->verifier), MEDSEC_OK);
}

void
fixture_reopen_keys(struct fixture *f)
{
	medsec_keystore_close(f->ks);
	assert_int_equal(medsec_keystore_open(f->keys, &f->ks), MEDSEC_OK);
}

void
fixture_teardown(struct fixture *f)
{
	medsec_keystore_close(f->ks);
	f->ks = NULL;
	fixture_rmrf(f->root);
}

void
fixture_append(struct medsec_audit *a, int first, int count)
{
	char object[32], details[64];
	struct medsec_audit_event_in ev = { MEDSEC_EV_PHR_READ, "nurse01",
		"192.0.2.10", object, MEDSEC_AUDIT_SUCCESS, NULL, details };

	for (int i = first; i < first + count; i++) {
		snprintf(object, sizeof(object), "rec-%d", i);
		snprintf(details, sizeof(details), "{\"n\":%d}", i);
		assert_int_equal(medsec_audit_append(a, &ev, NULL), MEDSEC_OK);
	}
}

int
fixture_verify(const struct fixture *f, int with_key,
    struct medsec_audit_verify_result *res)
{
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	int r;

	assert_int_equal(medsec_audit_read_verifier(f->verifier, &v),
	    MEDSEC_OK);
	memset(&opts, 0, sizeof(opts));
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	if (with_key) {
		opts.verifier_key = v.mac_key;
		opts.verifier_key_len = v.mac_key_len;
	}
	r = medsec_audit_verify(f->audit, &opts, res);
	medsec_wipe(&v, sizeof(v));
	return r;
}

size_t
fixture_read_seqs(const char *audit_dir, uint64_t *seqs, size_t max)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	size_t n = 0;
	int r;

	assert_int_equal(medsec_audit_reader_open(audit_dir, &rd), MEDSEC_OK);
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (n < max)
			seqs[n] = rec.seq;
		n++;
	}
	medsec_audit_reader_close(rd);
	assert_int_equal(r, 0);
	return n;
}

void
fixture_rmrf(const char *dir)
{
	char cmd[2048];

	if (strncmp(dir, "/tmp/medsec-", 12) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

void
fixture_copy_tree(const char *from, const char *to)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cp -a -- '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static int64_t
fake_wall(void *ctx)
{
	return ((struct fixture_clock *)ctx)->wall_us;
}

static int64_t
fake_mono(void *ctx)
{
	return ((struct fixture_clock *)ctx)->mono_us;
}

static struct medsec_clock_ops fake_ops;

void
fixture_clock_install(struct fixture_clock *c)
{
	fake_ops.wall_us = fake_wall;
	fake_ops.mono_us = fake_mono;
	fake_ops.ctx = c;
	medsec_clock_set(&fake_ops);
}

void
fixture_clock_uninstall(void)
{
	medsec_clock_set(NULL);
}
