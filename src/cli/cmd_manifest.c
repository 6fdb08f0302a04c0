/*
 * medsec manifest: signed integrity manifests of executables and settings
 * (MFDS 2.2). The manufacturer creates one at build time over the staged
 * tree with a signing key; the device (or anyone holding the public key)
 * verifies a tree against it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/clock.h"
#include "medsec/err.h"
#include "medsec/integrity.h"
#include "medsec/signkey.h"
#include "cli.h"
#include "cli_people.h"
#include "cli_text.h"
#include "cli_update.h"

struct manifest_args {
	const char *root;
	const char *key;
	const char *out;
	const char *label;
	const char *owner;
	const char *passfile;
	const char *pub[MEDSEC_INTEGRITY_TRUSTED_MAX];
	size_t npub;
	const char *file; /* verify: the manifest */
	const char *state; /* verify on a device: its state directory */
	unsigned threads;
	int pass_stdin;
	int json;
};

static void
create_usage(void)
{
	fprintf(stderr, "usage: medsec manifest create --root DIR --key K.key "
	    "--out FILE [--label TEXT]\n"
	    "                              [--owner UID:GID] "
	    "[--passphrase-stdin | --passphrase-file F]\n");
}

static void
verify_usage(void)
{
	fprintf(stderr, "usage: medsec manifest verify FILE --root DIR --pub "
	    "K.pub [--pub K2.pub ...] [--json]\n"
	    "                              [--threads N] [--state DIR]\n"
	    "  --state DIR: on a device, refuse a manifest older than the "
	    "newest one\n"
	    "               verified there, raise that floor, and audit "
	    "both\n");
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v <= max ? 0 : -1;
}

static int
parse_owner(const char *s, struct medsec_integrity_options *o)
{
	char uid[16];
	const char *colon = strchr(s, ':');
	unsigned long u, g;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(uid))
		return -1;
	memcpy(uid, s, (size_t)(colon - s));
	uid[colon - s] = '\0';
	if (parse_uint(uid, UINT32_MAX, &u) != 0 ||
	    parse_uint(colon + 1, UINT32_MAX, &g) != 0)
		return -1;
	o->force_owner = 1;
	o->owner_uid = (uint32_t)u;
	o->owner_gid = (uint32_t)g;
	return 0;
}

static int
add_pub(struct manifest_args *a, const char *path)
{
	if (a->npub == MEDSEC_INTEGRITY_TRUSTED_MAX) {
		cli_fail("--pub: at most %d trusted keys",
		    MEDSEC_INTEGRITY_TRUSTED_MAX);
		return -1;
	}
	a->pub[a->npub++] = path;
	return 0;
}

static int
parse(int argc, char **argv, struct manifest_args *a)
{
	static const struct option opts[] = { { "root", 1, NULL, 'r' },
		{ "key", 1, NULL, 'k' }, { "out", 1, NULL, 'o' },
		{ "label", 1, NULL, 'l' }, { "owner", 1, NULL, 'O' },
		{ "passphrase-stdin", 0, NULL, 's' },
		{ "passphrase-file", 1, NULL, 'f' }, { "pub", 1, NULL, 'p' },
		{ "json", 0, NULL, 'j' }, { "threads", 1, NULL, 't' },
		{ "state", 1, NULL, 'S' }, { NULL, 0, NULL, 0 } };
	unsigned long n;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->root = optarg; break;
		case 'k': a->key = optarg; break;
		case 'o': a->out = optarg; break;
		case 'l': a->label = optarg; break;
		case 'O': a->owner = optarg; break;
		case 's': a->pass_stdin = 1; break;
		case 'f': a->passfile = optarg; break;
		case 'j': a->json = 1; break;
		case 'S': a->state = optarg; break;
		case 'p':
			if (add_pub(a, optarg) != 0)
				return -1;
			break;
		case 't':
			if (parse_uint(optarg, 64, &n) != 0 || n == 0) {
				char shown[CLI_SHOWN_MAX];

				cli_shown(shown, optarg);
				cli_fail("--threads '%s': expected 1 to 64",
				    shown);
				return -1;
			}
			a->threads = (unsigned)n;
			break;
		default: return -1;
		}
	}
	if (optind < argc)
		a->file = argv[optind++];
	return optind == argc ? 0 : -1;
}

/* Reads the manifest back with the key's public half: a self-check. */
static int
summarise(const char *path, const struct medsec_signkey *k)
{
	struct medsec_integrity_manifest *m = NULL;
	char err[512];
	int r;

	r = medsec_integrity_load(path, medsec_signkey_public(k), 1, &m, err,
	    sizeof(err));
	if (r != MEDSEC_OK) {
		cli_fail("%s: written but does not read back: %s", path, err);
		return r;
	}
	printf("manifest: %s (%zu entries, signed by %s, key id %s)\n", path,
	    medsec_integrity_count(m), medsec_integrity_header(m)->signer,
	    medsec_integrity_header(m)->key_id);
	medsec_integrity_free(m);
	return MEDSEC_OK;
}

static int
manifest_create(int argc, char **argv)
{
	struct medsec_integrity_options o;
	struct medsec_signkey *k = NULL;
	struct manifest_args a;
	char err[512];
	int r;

	if (parse(argc, argv, &a) != 0 || a.root == NULL || a.key == NULL ||
	    a.out == NULL || a.file != NULL || a.npub != 0 || a.json ||
	    a.state != NULL) {
		create_usage();
		return CLI_EXIT_USAGE;
	}
	medsec_integrity_options_default(&o);
	o.root_label = a.label;
	if (a.owner != NULL && parse_owner(a.owner, &o) != 0) {
		char shown[CLI_SHOWN_MAX];

		cli_shown(shown, a.owner);
		cli_fail("--owner '%s': expected UID:GID (numbers)", shown);
		return CLI_EXIT_USAGE;
	}
	if ((r = cli_load_signkey(a.key, a.pass_stdin, a.passfile, &k)) !=
	    MEDSEC_OK)
		return CLI_EXIT_FAIL;
	r = medsec_integrity_create_file(a.root, k, &o, a.out, err,
	    sizeof(err));
	if (r != MEDSEC_OK)
		cli_fail("manifest create: %s", err);
	else
		r = summarise(a.out, k);
	medsec_signkey_free(k);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
load_trusted(const struct manifest_args *a, struct medsec_pubkey *keys)
{
	size_t i;
	int r;

	for (i = 0; i < a->npub; i++) {
		if ((r = medsec_pubkey_load(a->pub[i], &keys[i])) != MEDSEC_OK) {
			cli_error(r, "%s: cannot load the public key", a->pub[i]);
			return r;
		}
	}
	return MEDSEC_OK;
}

static void
print_finding(const struct medsec_integrity_finding *f)
{
	char esc[3 * MEDSEC_INTEGRITY_PATH_MAX + 1];

	if (medsec_integrity_escape(f->path, esc, sizeof(esc)) != MEDSEC_OK)
		snprintf(esc, sizeof(esc), "?");
	printf("%-16s %s", medsec_integrity_finding_name(f->kind), esc);
	if (f->kind == MEDSEC_INTEGRITY_MODE_CHANGED)
		printf(" (mode %04o, expected %04o)", (unsigned)f->actual_mode,
		    (unsigned)f->expected_mode);
	else if (f->kind == MEDSEC_INTEGRITY_OWNER_CHANGED)
		printf(" (owner %u:%u, expected %u:%u)", (unsigned)f->actual_uid,
		    (unsigned)f->actual_gid, (unsigned)f->expected_uid,
		    (unsigned)f->expected_gid);
	else if (f->kind == MEDSEC_INTEGRITY_TYPE_CHANGED ||
	    f->kind == MEDSEC_INTEGRITY_SYMLINK_SWAPPED)
		printf(" (%s, expected %s)",
		    medsec_integrity_type_name(f->actual_type),
		    medsec_integrity_type_name(f->expected_type));
	putchar('\n');
}

static void
print_report(const struct medsec_integrity_manifest *m,
    const struct medsec_integrity_report *rep)
{
	const struct medsec_integrity_header *h = medsec_integrity_header(m);
	char when[MEDSEC_RFC3339_LEN];
	size_t i;

	for (i = 0; i < rep->count; i++)
		print_finding(&rep->findings[i]);
	if (medsec_time_format_digits(h->created_us, 0, when, sizeof(when)) !=
	    MEDSEC_OK)
		snprintf(when, sizeof(when), "?");
	if (rep->count == 0)
		printf("tree matches the manifest: %zu entries", rep->entries);
	else
		printf("tree does NOT match the manifest: %zu finding(s) over "
		    "%zu entries", rep->count, rep->entries);
	printf(" (%zu files, %.1f MiB hashed, %u threads)\nmanifest: root %s, "
	    "created %s, signed by %s (key id %s)\n", rep->files_hashed,
	    (double)rep->bytes_hashed / (1024.0 * 1024.0), rep->threads,
	    h->root_label, when, h->signer, h->key_id);
}

static int
print_json(const struct medsec_integrity_report *rep)
{
	char *json = NULL;
	int r;

	if ((r = medsec_integrity_report_json(rep, &json)) != MEDSEC_OK) {
		cli_error(r, "report");
		return r;
	}
	printf("%s\n", json);
	free(json);
	return MEDSEC_OK;
}

/* The audit actor of this command: the operating-system account. */
static void
os_actor(char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(out, outlen, "os:%s", pw != NULL ? pw->pw_name : "?");
}

static void
print_floor(const struct medsec_integrity_floor *fl)
{
	char from[MEDSEC_RFC3339_LEN], to[MEDSEC_RFC3339_LEN];

	if (medsec_time_format_digits(fl->previous_us, 0, from,
	    sizeof(from)) != MEDSEC_OK || fl->previous_us == 0)
		snprintf(from, sizeof(from), "none");
	if (medsec_time_format_digits(fl->floor_us, 0, to, sizeof(to)) !=
	    MEDSEC_OK)
		snprintf(to, sizeof(to), "?");
	if (fl->raised)
		printf("manifest floor on this device: raised from %s to %s\n",
		    from, to);
	else
		printf("manifest floor on this device: %s (unchanged)\n", to);
}

/* On a device: the verification's outcome goes to the audit trail. */
static int
record_outcome(struct cli_device *dev, const struct medsec_integrity_manifest
    *m, const struct medsec_integrity_report *rep)
{
	struct medsec_audit_detail d;
	const char *details;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_u64(&d, "entries", rep->entries);
	medsec_audit_detail_u64(&d, "findings", rep->count);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	return cli_audit(dev, rep->count == 0 ? MEDSEC_EV_INTEGRITY_OK :
	    MEDSEC_EV_INTEGRITY_FAILURE, medsec_integrity_header(m)->root_label,
	    rep->count == 0 ? MEDSEC_AUDIT_SUCCESS : MEDSEC_AUDIT_FAILURE,
	    rep->count == 0 ? "tree matches the manifest" :
	    "tree does not match the manifest", details);
}

/*
 * With --state, the floor is checked before the tree is walked (an older
 * manifest is refused outright) and raised only once the tree verified.
 */
static int
run_verify(const struct manifest_args *a, const struct medsec_pubkey *keys)
{
	struct medsec_integrity_manifest *m = NULL;
	struct medsec_integrity_report *rep = NULL;
	struct medsec_integrity_options o;
	struct medsec_integrity_floor fl;
	struct cli_device dev;
	char err[1024], actor[80];
	int r, rr;

	memset(&dev, 0, sizeof(dev));
	os_actor(actor, sizeof(actor));
	if ((r = medsec_integrity_load(a->file, keys, a->npub, &m, err,
	    sizeof(err))) != MEDSEC_OK) {
		cli_fail("%s: manifest refused: %s", a->file, err);
		return r;
	}
	if (a->state != NULL) {
		if ((r = cli_device_open(&dev, a->state, CLI_OPEN_DB |
		    CLI_OPEN_AUDIT)) != MEDSEC_OK)
			goto out;
		if ((r = medsec_integrity_floor_check(dev.db, dev.audit, actor,
		    a->root, m, &fl, err, sizeof(err))) != MEDSEC_OK) {
			cli_fail("%s: manifest refused: %s", a->file, err);
			goto out;
		}
	}
	medsec_integrity_options_default(&o);
	o.threads = a->threads;
	r = medsec_integrity_verify(m, a->root, &o, &rep, err, sizeof(err));
	if (rep == NULL) {
		cli_fail("manifest verify: %s", err);
		goto out;
	}
	if (a->json && print_json(rep) != MEDSEC_OK)
		r = MEDSEC_ERR_NOMEM;
	else if (!a->json)
		print_report(m, rep);
	if (a->state == NULL)
		goto out;
	if ((rr = record_outcome(&dev, m, rep)) != MEDSEC_OK && r == MEDSEC_OK)
		r = rr;
	if (r != MEDSEC_OK)
		goto out;
	if ((r = medsec_integrity_floor_raise(dev.db, dev.audit, actor,
	    a->root, m, &fl, err, sizeof(err))) != MEDSEC_OK)
		cli_fail("%s: %s", a->file, err);
	else if (!a->json)
		print_floor(&fl);
out:
	if (a->state != NULL && dev.ks != NULL &&
	    cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	medsec_integrity_report_free(rep);
	medsec_integrity_free(m);
	return r;
}

static int
manifest_verify(int argc, char **argv)
{
	struct medsec_pubkey keys[MEDSEC_INTEGRITY_TRUSTED_MAX];
	struct manifest_args a;

	if (parse(argc, argv, &a) != 0 || a.file == NULL || a.root == NULL ||
	    a.npub == 0 || a.key != NULL || a.out != NULL) {
		verify_usage();
		return CLI_EXIT_USAGE;
	}
	if (load_trusted(&a, keys) != MEDSEC_OK)
		return CLI_EXIT_FAIL;
	return run_verify(&a, keys) == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_manifest(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
		{ "create", manifest_create,
		    "scan a tree and write its signed manifest" },
		{ "verify", manifest_verify,
		    "compare a tree with a signed manifest" },
	};

	return cli_dispatch("medsec manifest", cmds,
	    sizeof(cmds) / sizeof(cmds[0]), argc, argv);
}
