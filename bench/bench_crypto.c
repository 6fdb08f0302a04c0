/*
 * Micro-benchmark of the crypto calls on the audit verifier's hot path:
 * SHA-256 over a 240-byte record, HMAC-SHA-256 of 32 bytes under a keyed
 * context, and Ed25519 verification. Prints nanoseconds per operation.
 * For stable instruction counts use valgrind --tool=callgrind instead.
 *
 * Usage: bench_crypto [iterations-scale]   (default 1)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "medsec/crypto.h"
#include "medsec/err.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
report(const char *what, double t0, unsigned long n)
{
	printf("%-36s %10.1f ns/op  (%lu ops)\n", what,
	    (now_ns() - t0) / (double)n, n);
}

static int
bench_hash(unsigned long n)
{
	uint8_t rec[240], out[32];
	unsigned long i;
	double t0;

	memset(rec, 0x5a, sizeof(rec));
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (medsec_hash(MEDSEC_ALG_SHA256, rec, sizeof(rec), out) !=
		    MEDSEC_OK)
			return 1;
		rec[0] = out[0]; /* keeps the loop honest */
	}
	report("medsec_hash(sha256, 240 B)", t0, n);
	return 0;
}

static int
bench_hash_ctx(unsigned long n)
{
	struct medsec_hash_ctx *h = NULL;
	uint8_t prev[32], body[208];
	unsigned long i;
	double t0;
	int r = 1;

	memset(prev, 0, sizeof(prev));
	memset(body, 0xa5, sizeof(body));
	if (medsec_hash_new(MEDSEC_ALG_SHA256, &h) != MEDSEC_OK)
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		/* The audit chain: H(prev || body), 240 bytes in all. */
		if (medsec_hash_reset(h) != MEDSEC_OK ||
		    medsec_hash_update(h, prev, sizeof(prev)) != MEDSEC_OK ||
		    medsec_hash_update(h, body, sizeof(body)) != MEDSEC_OK ||
		    medsec_hash_final(h, prev) != MEDSEC_OK)
			goto out;
	}
	report("medsec_hash_ctx chain (32+208 B)", t0, n);
	r = 0;
out:
	medsec_hash_free(h);
	return r;
}

static int
bench_hmac(unsigned long n)
{
	struct medsec_hmac_ctx *m = NULL;
	uint8_t key[32], msg[32];
	unsigned long i;
	double t0;
	int r = 1;

	memset(key, 0x11, sizeof(key));
	memset(msg, 0x22, sizeof(msg));
	if (medsec_hmac_new(MEDSEC_ALG_HMAC_SHA256, key, sizeof(key), &m) !=
	    MEDSEC_OK)
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (medsec_hmac_ctx_mac(m, msg, sizeof(msg), msg) != MEDSEC_OK)
			goto out;
	report("medsec_hmac_ctx_mac(32 B)", t0, n);
	t0 = now_ns();
	for (i = 0; i < n / 4; i++)
		if (medsec_hmac(MEDSEC_ALG_HMAC_SHA256, key, sizeof(key), msg,
		    sizeof(msg), msg) != MEDSEC_OK)
			goto out;
	report("medsec_hmac one-shot (32 B)", t0, n / 4);
	r = 0;
out:
	medsec_hmac_free(m);
	return r;
}

static int
bench_verify(unsigned long n)
{
	uint8_t sk[32], pk[MEDSEC_SIGN_PUBLIC_MAX], sig[64], msg[64];
	unsigned long i;
	size_t pklen;
	double t0;

	memset(msg, 0x33, sizeof(msg));
	if (medsec_sign_keygen(MEDSEC_ALG_ED25519, sk, pk, &pklen) !=
	    MEDSEC_OK ||
	    medsec_sign(MEDSEC_ALG_ED25519, sk, msg, sizeof(msg), sig) !=
	    MEDSEC_OK)
		return 1;
	medsec_wipe(sk, sizeof(sk));
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (medsec_verify(MEDSEC_ALG_ED25519, pk, pklen, msg,
		    sizeof(msg), sig) != MEDSEC_OK)
			return 1;
	report("medsec_verify(ed25519, 64 B)", t0, n);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long scale = 1;

	if (argc > 1)
		scale = strtoul(argv[1], NULL, 10);
	if (scale == 0)
		scale = 1;
	if (medsec_crypto_init() != MEDSEC_OK) {
		fprintf(stderr, "bench_crypto: crypto init failed\n");
		return 1;
	}
	if (bench_hash(1000000 * scale) != 0 ||
	    bench_hash_ctx(1000000 * scale) != 0 ||
	    bench_hmac(1000000 * scale) != 0 ||
	    bench_verify(10000 * scale) != 0) {
		fprintf(stderr, "bench_crypto: an operation failed\n");
		return 1;
	}
	return 0;
}
