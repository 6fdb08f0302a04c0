/* medsec audit: verify, export and follow the audit trail (MFDS 2.1). */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/clock.h"
#include "medsec/err.h"
#include "cli.h"
#include "cli_escape.h"

struct audit_args {
	const char *state;
	const char *verifier;
	const char *format;
	const char *since;
	const char *until;
	const char *out;
	const char *expect_head;
	long lines;
	int follow;
};

static int
parse(int argc, char **argv, struct audit_args *a)
{
	static const struct option opts[] = { { "state", 1, NULL, 's' },
		{ "verifier-key", 1, NULL, 'k' }, { "format", 1, NULL, 'F' },
		{ "since", 1, NULL, 'S' }, { "until", 1, NULL, 'U' },
		{ "out", 1, NULL, 'o' }, { "lines", 1, NULL, 'n' },
		{ "follow", 0, NULL, 'f' }, { "expect-head", 1, NULL, 'e' },
		{ NULL, 0, NULL, 0 } };
	char *end;
	int c;

	memset(a, 0, sizeof(*a));
	a->lines = 20;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:k:F:S:U:o:n:fe:", opts,
		    NULL)) != -1) {
		switch (c) {
		case 's': a->state = optarg; break;
		case 'k': a->verifier = optarg; break;
		case 'F': a->format = optarg; break;
		case 'S': a->since = optarg; break;
		case 'U': a->until = optarg; break;
		case 'o': a->out = optarg; break;
		case 'f': a->follow = 1; break;
		case 'e': a->expect_head = optarg; break;
		case 'n':
			a->lines = strtol(optarg, &end, 10);
			if (*end != '\0' || a->lines < 1 || a->lines > 1000000)
				return -1;
			break;
		default: return -1;
		}
	}
	return a->state != NULL && optind == argc ? 0 : -1;
}

static int
audit_dir(char *out, size_t len, const char *state)
{
	return cli_state_path(out, len, state, "audit");
}

static void
report(const struct medsec_audit_verify_result *res,
    const struct cli_device_check *chk, int r)
{
	char head[2 * MEDSEC_AUDIT_CHAIN_LEN + 1];

	if (r == MEDSEC_OK) {
		printf("audit trail intact: %" PRIu64 " records, %" PRIu64
		       " checkpoints in %" PRIu64 " segments verified\n",
		    res->records, res->checkpoints, res->segments);
		printf(res->macs_checked
			? "checked: hash chain, forward-secure MACs, checkpoint "
			  "signatures, anchor\n"
			: "checked: hash chain, checkpoint signatures, anchor; "
			  "MACs NOT checked (no --verifier-key given)\n");
		if (chk->keystore || chk->database)
			printf("checked against the device: MAC key epoch %"
			       PRIu64 " (trail: %" PRIu64 "), database state "
			       "generation %" PRIu64 " (trail recorded %" PRIu64
			       "), saved head record %" PRIu64 "\n",
			    chk->mac_epoch, res->epoch, chk->generation,
			    res->state_generation, chk->head_seq);
		else
			printf("NOT checked against the device (no keystore "
			       "here): a rollback of the whole trail is "
			       "detected only with --expect-head\n");
		medsec_hex(res->head_chain, sizeof(res->head_chain), head);
		printf("head: %" PRIu64 ":%s\n  (keep it off the device; "
		       "--expect-head with it later detects an older trail "
		       "put back)\n", res->head_seq, head);
		return;
	}
	if (r == MEDSEC_ERR_TAMPERED) {
		printf("audit trail TAMPERED (%s): first bad record %" PRIu64
		       " (segment %" PRIu64 ", offset %" PRIu64 "): %s\n",
		    medsec_audit_problem_name(res->problem), res->bad_seq,
		    res->bad_segment, res->bad_offset, res->message);
		printf("verified before it: %" PRIu64 " records, %" PRIu64
		       " checkpoints\n", res->records, res->checkpoints);
		return;
	}
	cli_error(r, "audit verify");
}

/* "SEQ:HEX", as `audit verify` prints the head. */
static int
parse_head(const char *s, struct medsec_audit_expect *e)
{
	const char *colon = strchr(s, ':');
	char digits[24];

	memset(e, 0, sizeof(*e));
	e->source = "the head given with --expect-head";
	if (colon == NULL || colon == s ||
	    (size_t)(colon - s) >= sizeof(digits) ||
	    strlen(colon + 1) != 2 * MEDSEC_AUDIT_CHAIN_LEN)
		return -1;
	memcpy(digits, s, (size_t)(colon - s));
	digits[colon - s] = '\0';
	if (cli_parse_u64(digits, &e->head_seq) != 0 || e->head_seq == 0 ||
	    medsec_unhex(colon + 1, e->head_chain, MEDSEC_AUDIT_CHAIN_LEN) !=
		MEDSEC_OK)
		return -1;
	return 0;
}

/* Whether DIR holds a device (a keystore), not a copy of a trail. */
static int
is_device(const char *state)
{
	char path[4096];

	return cli_state_path(path, sizeof(path), state, "keys") == MEDSEC_OK &&
	    access(path, F_OK) == 0;
}

static int
audit_verify(int argc, char **argv)
{
	struct audit_args a;
	struct medsec_audit_verifier v;
	struct medsec_audit_verify_options opts;
	struct medsec_audit_verify_result res;
	struct medsec_audit_expect given;
	struct medsec_key_info info;
	struct cli_device_check chk;
	struct cli_device dev;
	int r;

	if (parse(argc, argv, &a) != 0) {
		fprintf(stderr, "usage: medsec audit verify --state DIR "
				"[--verifier-key FILE] [--expect-head SEQ:HEX]\n");
		return CLI_EXIT_USAGE;
	}
	if (a.expect_head != NULL && parse_head(a.expect_head, &given) != 0) {
		char shown[128];

		cli_escape(a.expect_head, shown, sizeof(shown));
		cli_fail("--expect-head: '%s' is not SEQ:HEX as audit verify "
		    "prints the head (a record number, a colon, 64 hex digits)",
		    shown);
		return CLI_EXIT_USAGE;
	}
	memset(&v, 0, sizeof(v));
	memset(&dev, 0, sizeof(dev));
	if (is_device(a.state)) {
		/* On the device: the keystore and the database are checked
		 * against the trail too. */
		if (cli_device_open(&dev, a.state, CLI_OPEN_DB) != MEDSEC_OK)
			return CLI_EXIT_FAIL;
	} else if (strlen(a.state) < sizeof(dev.state)) {
		memcpy(dev.state, a.state, strlen(a.state) + 1);
	}
	if (a.verifier != NULL) {
		if ((r = medsec_audit_read_verifier(a.verifier, &v)) != MEDSEC_OK) {
			cli_error(r, "%s: cannot read the verifier key", a.verifier);
			goto out;
		}
	} else if (dev.ks == NULL) {
		cli_fail("%s: no keystore here to take the device's public key "
		    "from: give --verifier-key", a.state);
		r = MEDSEC_ERR_INVALID;
		goto out;
	} else if ((r = medsec_keystore_public(dev.ks, "identity",
			v.public_key, &v.public_key_len, &info)) != MEDSEC_OK) {
		cli_error(r, "identity public key");
		goto out;
	} else {
		v.public_key_alg = info.alg;
	}
	memset(&opts, 0, sizeof(opts));
	opts.public_key = v.public_key;
	opts.public_key_len = v.public_key_len;
	opts.public_key_alg = v.public_key_alg;
	if (a.verifier != NULL) {
		opts.verifier_key = v.mac_key;
		opts.verifier_key_len = v.mac_key_len;
	}
	memset(&res, 0, sizeof(res));
	r = cli_verify_trail(&dev, &opts, a.expect_head ? &given : NULL, &res,
	    &chk);
	report(&res, &chk, r);
out:
	medsec_wipe(&v, sizeof(v));
	if (dev.ks != NULL)
		cli_device_close(&dev);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
write_stream(void *ctx, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? MEDSEC_OK : MEDSEC_ERR_IO;
}

static int
time_arg(const char *s, int64_t dflt, int64_t *outp, const char *what)
{
	if (s == NULL) {
		*outp = dflt;
		return MEDSEC_OK;
	}
	if (medsec_time_parse(s, outp) != MEDSEC_OK) {
		cli_fail("--%s: '%s' is not an RFC 3339 time or date", what, s);
		return MEDSEC_ERR_INVALID;
	}
	return MEDSEC_OK;
}

static int
export_to(FILE *f, const struct audit_args *a, int fmt, int64_t since,
    int64_t until, struct cli_device *dev)
{
	struct medsec_audit_export_source src = { dev->device_id, NULL, NULL,
		"medsec", MEDSEC_VERSION };
	struct medsec_audit_detail d;
	const char *details;
	char dir[4096];
	uint64_t count = 0;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "format", a->format);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	if ((r = cli_audit(dev, MEDSEC_EV_AUDIT_EXPORTED, "audit trail",
		 MEDSEC_AUDIT_SUCCESS, NULL, details)) != MEDSEC_OK)
		return r;
	if ((r = audit_dir(dir, sizeof(dir), a->state)) != MEDSEC_OK)
		return r;
	r = medsec_audit_export(dir, fmt, &src, since, until, write_stream, f,
	    &count);
	if (r != MEDSEC_OK)
		cli_error(r, "audit export");
	else
		fprintf(stderr, "medsec: exported %" PRIu64 " records\n", count);
	return r;
}

/* Exports name patients and users: never readable by others. */
static FILE *
create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);
	return f;
}

static int
audit_export(int argc, char **argv)
{
	struct audit_args a;
	struct cli_device dev;
	int64_t since, until;
	FILE *f = stdout;
	int fmt, r;

	if (parse(argc, argv, &a) != 0 || a.format == NULL) {
		fprintf(stderr, "usage: medsec audit export --state DIR --format "
		    "jsonl|syslog|atna|fhir [--since T] [--until T] [--out FILE]\n");
		return CLI_EXIT_USAGE;
	}
	if (medsec_audit_format_by_name(a.format, &fmt) != MEDSEC_OK) {
		cli_fail("--format: unknown format '%s' (jsonl, syslog, atna, "
		    "fhir)", a.format);
		return CLI_EXIT_USAGE;
	}
	if (time_arg(a.since, INT64_MIN, &since, "since") != MEDSEC_OK ||
	    time_arg(a.until, INT64_MAX, &until, "until") != MEDSEC_OK)
		return CLI_EXIT_USAGE;
	if (a.out != NULL && (f = create_private(a.out)) == NULL) {
		cli_fail("%s: cannot create (it must not exist)", a.out);
		return CLI_EXIT_FAIL;
	}
	if ((r = cli_device_open(&dev, a.state, CLI_OPEN_AUDIT)) == MEDSEC_OK) {
		r = export_to(f, &a, fmt, since, until, &dev);
		if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
			r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	}
	if (f != stdout && fclose(f) != 0 && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* A field with anything unprintable escaped: no terminal tricks. */
static void
print_safe(const char *s)
{
	cli_print_escaped(stdout, s);
}

static void
print_record(const struct medsec_audit_record *rec)
{
	const struct medsec_audit_event_info *info =
	    medsec_audit_event_info(rec->event);
	char when[MEDSEC_RFC3339_LEN];

	if (medsec_time_format(rec->time_us, when, sizeof(when)) != MEDSEC_OK)
		snprintf(when, sizeof(when), "?");
	printf("%s #%" PRIu64 " %s %s actor=", when, rec->seq,
	    info ? info->name : "?",
	    rec->outcome == MEDSEC_AUDIT_SUCCESS ? "success" : "failure");
	print_safe(rec->actor);
	printf(" source=");
	print_safe(rec->source);
	printf(" object=");
	print_safe(rec->object);
	if (rec->reason[0] != '\0') {
		printf(" reason=");
		print_safe(rec->reason);
	}
	printf(" ");
	print_safe(rec->details);
	putchar('\n');
}

/* Prints records after `after`, keeping only the last `keep` if nonzero. */
static int
print_new(const char *dir, uint64_t *after, long keep)
{
	struct medsec_audit_reader *rd;
	struct medsec_audit_record rec;
	uint64_t total = 0, skip = 0;
	int r;

	if (keep > 0) {
		if ((r = medsec_audit_reader_open(dir, &rd)) != MEDSEC_OK)
			return r;
		while ((r = medsec_audit_reader_next(rd, &rec)) == 1)
			total++;
		medsec_audit_reader_close(rd);
		if (r < 0)
			return r;
		skip = total > (uint64_t)keep ? total - (uint64_t)keep : 0;
	}
	if ((r = medsec_audit_reader_open(dir, &rd)) != MEDSEC_OK)
		return r;
	while ((r = medsec_audit_reader_next(rd, &rec)) == 1) {
		if (rec.seq <= *after || skip > 0) {
			skip -= skip > 0;
			continue;
		}
		print_record(&rec);
		*after = rec.seq;
	}
	medsec_audit_reader_close(rd);
	fflush(stdout);
	return r < 0 ? r : MEDSEC_OK;
}

static int
audit_tail(int argc, char **argv)
{
	struct audit_args a;
	char dir[4096];
	uint64_t after = 0;
	int r;

	if (parse(argc, argv, &a) != 0) {
		fprintf(stderr, "usage: medsec audit tail --state DIR [-n N] "
				"[-f]\n");
		return CLI_EXIT_USAGE;
	}
	if ((r = audit_dir(dir, sizeof(dir), a.state)) != MEDSEC_OK ||
	    (r = print_new(dir, &after, a.lines)) != MEDSEC_OK) {
		cli_error(r, "audit tail");
		return CLI_EXIT_FAIL;
	}
	while (a.follow) {
		sleep(1);
		if ((r = print_new(dir, &after, 0)) != MEDSEC_OK) {
			cli_error(r, "audit tail");
			return CLI_EXIT_FAIL;
		}
	}
	return CLI_EXIT_OK;
}

static const struct cli_command verbs[] = {
	{ "verify", audit_verify, "check the trail for tampering" },
	{ "export", audit_export, "write records as jsonl, syslog, atna, fhir" },
	{ "tail", audit_tail, "show the newest records (-f to follow)" },
};

int
cmd_audit(int argc, char **argv)
{
	return cli_dispatch("medsec audit", verbs,
	    sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}
