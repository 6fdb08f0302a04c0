#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "updates.h"
#include "medsec/clock.h"
#include "medsec/crypto.h"
#include "medsec/err.h"

#define YEAR_US (INT64_C(365) * 86400 * 1000000)

void
updates_keyset(struct updates *u, uint64_t version, unsigned threshold,
    const char *revoked, const struct medsec_signkey *signer)
{
	struct medsec_pubkey keys[2];
	const struct medsec_signkey *roots[1] = { signer };
	const char *rev[1] = { revoked };
	char path[160], err[256] = "";

	keys[0] = *medsec_signkey_public(u->rel[0]);
	keys[1] = *medsec_signkey_public(u->rel[1]);
	snprintf(path, sizeof(path), "%s/keyset.json", u->trust);
	(void)unlink(path);
	assert_int_equal(medsec_update_keyset_write(path, version,
			     u->now_us + 10 * YEAR_US, threshold, keys, 2, rev,
			     revoked != NULL, roots, 1, err, sizeof(err)),
	    MEDSEC_OK);
}

void
updates_setup(struct updates *u, unsigned threshold)
{
	char path[160], err[256] = "";
	char name[16];

	memset(u, 0, sizeof(*u));
	assert_int_equal(medsec_crypto_init(), MEDSEC_OK);
	u->now_us = medsec_clock_wall_us();
	snprintf(u->dir, sizeof(u->dir), "/tmp/medsec-upd-XXXXXX");
	assert_non_null(mkdtemp(u->dir));
	snprintf(u->trust, sizeof(u->trust), "%s/trust", u->dir);
	assert_int_equal(mkdir(u->trust, 0700), 0);
	assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519, "root",
			     &u->root), MEDSEC_OK);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "rel%d", i);
		assert_int_equal(medsec_signkey_generate(MEDSEC_ALG_ED25519,
				     name, &u->rel[i]), MEDSEC_OK);
	}
	snprintf(path, sizeof(path), "%s/root.json", u->trust);
	assert_int_equal(medsec_update_root_write(path, 1,
			     medsec_signkey_public(u->root), 1, err,
			     sizeof(err)), MEDSEC_OK);
	updates_keyset(u, 1, threshold, NULL, u->root);
}

void
updates_teardown(struct updates *u)
{
	medsec_signkey_free(u->root);
	for (int i = 0; i < 3; i++)
		medsec_signkey_free(u->rel[i]);
	fixture_rmrf(u->dir);
}

void
updates_pack(struct updates *u, const char *name, uint64_t counter,
    const char *version, const size_t *sizes, size_t n, char *path,
    size_t pathlen)
{
	static const char *const hw[] = { "hw-1", "hw-2" };
	struct medsec_update_pack_args a;
	const char *paths[8], *names[8];
	char files[8][160], names_buf[8][32], err[256] = "";
	FILE *f;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		snprintf(files[i], sizeof(files[i]), "%s/%s-f%zu", u->dir, name,
		    i);
		snprintf(names_buf[i], sizeof(names_buf[i]), "bin/file%zu", i);
		assert_non_null(f = fopen(files[i], "w"));
		for (size_t j = 0; j < sizes[i]; j++)
			fputc((int)((j * 31 + i) & 0xff), f);
		fclose(f);
		paths[i] = files[i];
		names[i] = names_buf[i];
	}
	memset(&a, 0, sizeof(a));
	a.product = u->product != NULL ? u->product : "carelink";
	a.hardware = hw;
	a.n_hardware = 2;
	a.version = version;
	a.security_counter = counter;
	a.expires_us = u->now_us + YEAR_US;
	a.distributor = "Example-Medical";
	a.distributor_key = medsec_signkey_public(u->rel[0])->key_id;
	a.paths = paths;
	a.names = names;
	a.n_files = n;
	a.downgrade_of = u->downgrade_of;
	snprintf(path, pathlen, "%s/%s.msu", u->dir, name);
	assert_int_equal(medsec_update_pack(&a, path, err, sizeof(err)),
	    MEDSEC_OK);
}

void
updates_sign(const char *pkg, const struct medsec_signkey *k)
{
	char err[256] = "";

	assert_int_equal(medsec_update_sign(pkg, k, err, sizeof(err)),
	    MEDSEC_OK);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Signatures as docs/formats/update-package.md defines them. */
static size_t
raw_sigs(const char *manifest, const struct medsec_signkey *const *signers,
    size_t n, char *out, size_t outlen)
{
	static const char ctx[] = "medsec-update-manifest-v1";
	uint8_t msg[sizeof(ctx) + 32], sig[MEDSEC_SIGN_LEN];
	char hex[2 * MEDSEC_SIGN_LEN + 1];
	size_t off;

	if (n == 0)
		return 0;
	memcpy(msg, ctx, sizeof(ctx));
	assert_int_equal(medsec_hash(MEDSEC_ALG_SHA256, manifest,
			     strlen(manifest), msg + sizeof(ctx)), MEDSEC_OK);
	off = (size_t)snprintf(out, outlen, "{\"signatures\":[");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(medsec_signkey_sign(signers[i], msg,
				     sizeof(msg), sig), MEDSEC_OK);
		medsec_hex(sig, sizeof(sig), hex);
		off += (size_t)snprintf(out + off, outlen - off,
		    "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "",
		    medsec_signkey_public(signers[i])->key_id, hex);
	}
	off += (size_t)snprintf(out + off, outlen - off, "]}");
	return off;
}

void
updates_raw(const char *path, const char *manifest,
    const struct medsec_signkey *const *signers, size_t nsigners,
    const void *payload, size_t payload_len)
{
	uint8_t hdr[MEDSEC_UPDATE_HEADER_LEN];
	char sigs[4096];
	size_t siglen;
	FILE *f;

	siglen = raw_sigs(manifest, signers, nsigners, sigs, sizeof(sigs));
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, MEDSEC_UPDATE_MAGIC, 8);
	put32(hdr + 8, MEDSEC_UPDATE_FORMAT);
	put32(hdr + 12, (uint32_t)strlen(manifest));
	put32(hdr + 16, (uint32_t)siglen);
	assert_non_null(f = fopen(path, "w"));
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(manifest, 1, strlen(manifest), f);
	fwrite(sigs, 1, siglen, f);
	if (payload_len > 0)
		fwrite(payload, 1, payload_len, f);
	fclose(f);
}

void
updates_policy(const struct updates *u, struct medsec_update_policy *p,
    uint64_t min_counter)
{
	memset(p, 0, sizeof(*p));
	p->hardware_id = "hw-1";
	p->product = "carelink";
	p->min_counter = min_counter;
	p->now_us = u->now_us;
}
