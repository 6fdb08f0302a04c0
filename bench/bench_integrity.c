/*
 * Integrity check benchmarks (MFDS 2.2), driven by bench/run.sh:
 *
 *   bench_integrity tree DIR NFILES MIB
 *       writes a tree of NFILES files, about MIB MiB in all, under DIR:
 *       nine in ten files small (4-64 KiB, settings and scripts), the rest
 *       large (libraries and binaries) sharing the remaining bytes, in
 *       nested directories. Content is pseudo-random (incompressible) and
 *       the same on every run.
 *   bench_integrity verify MANIFEST ROOT PUB THREADS
 *       loads the manifest and verifies ROOT in-process with THREADS
 *       hashing workers (0: one per CPU); prints seconds and counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/integrity.h"
#include "medsec/signkey.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_file(const char *path, uint64_t size, uint8_t *buf, size_t buflen)
{
	uint64_t left = size;
	size_t n, i;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return -1;
	while (left > 0) {
		n = left < buflen ? (size_t)left : buflen;
		for (i = 0; i + 8 <= n; i += 8) {
			uint64_t v = next();

			memcpy(buf + i, &v, 8);
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		left -= n;
	}
	return close(fd);
}

/* Sizes: small files first, then large ones sharing what is left. */
static uint64_t
file_size(long i, long nfiles, uint64_t total, uint64_t *used)
{
	long nsmall = nfiles * 9 / 10;
	uint64_t s, share;

	if (i < nsmall)
		s = 4096 + next() % (60u << 10);
	else if (i == nfiles - 1)
		s = total > *used ? total - *used : 0;
	else {
		share = total > *used ? (total - *used) /
		    (uint64_t)(nfiles - i) : 0;
		s = share / 2 + next() % (share + 1);
	}
	*used += s;
	return s;
}

static int
make_tree(const char *dir, long nfiles, long mib)
{
	char path[4096];
	uint64_t used = 0, total = (uint64_t)mib << 20;
	uint8_t *buf;
	long i;

	if ((buf = malloc(1u << 20)) == NULL)
		return 1;
	mkdir(dir, 0755);
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%s/d%02ld", dir, i % 8);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/d%02ld/s%02ld", dir, i % 8, i);
		mkdir(path, 0755);
	}
	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/d%02ld/s%02ld/f%05ld", dir,
		    (i % 40) % 8, i % 40, i);
		if (write_file(path, file_size(i, nfiles, total, &used), buf,
		    1u << 20) != 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			free(buf);
			return 1;
		}
	}
	free(buf);
	printf("files=%ld bytes=%" PRIu64 "\n", nfiles, used);
	return 0;
}

static int
verify(const char *manifest, const char *root, const char *pub,
    unsigned threads)
{
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_integrity_report *rep = NULL;
	struct medsec_integrity_options o;
	struct medsec_pubkey pk;
	char err[512];
	double t0, t1;
	int r;

	t0 = now();
	if (medsec_pubkey_load(pub, &pk) != MEDSEC_OK ||
	    medsec_integrity_load(manifest, &pk, 1, &m, err, sizeof(err)) !=
	    MEDSEC_OK) {
		fprintf(stderr, "cannot load %s\n", manifest);
		return 1;
	}
	medsec_integrity_options_default(&o);
	o.threads = threads;
	r = medsec_integrity_verify(m, root, &o, &rep, err, sizeof(err));
	t1 = now();
	if (rep == NULL) {
		fprintf(stderr, "verify: %s\n", err);
		medsec_integrity_free(m);
		return 1;
	}
	printf("seconds=%.3f threads=%u entries=%zu files=%zu bytes=%" PRIu64
	       " findings=%zu mib_per_second=%.0f\n", t1 - t0, rep->threads,
	    rep->entries, rep->files_hashed, rep->bytes_hashed, rep->count,
	    (double)rep->bytes_hashed / (1024.0 * 1024.0) / (t1 - t0));
	medsec_integrity_report_free(rep);
	medsec_integrity_free(m);
	return r == MEDSEC_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (medsec_crypto_init() != MEDSEC_OK)
		return 1;
	if (argc == 5 && strcmp(argv[1], "tree") == 0)
		return make_tree(argv[2], strtol(argv[3], NULL, 10),
		    strtol(argv[4], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], argv[3], argv[4],
		    (unsigned)strtoul(argv[5], NULL, 10));
	fprintf(stderr, "usage: bench_integrity tree DIR NFILES MIB\n"
	    "       bench_integrity verify MANIFEST ROOT PUB THREADS\n");
	return 2;
}
