/*
 * medsec model: the signed manifest of a trained model and the provenance
 * of its data (MFDS 2025 rules: AI devices protected against data
 * manipulation). The manufacturer signs at release; on a device, verify
 * loads the model exactly as the device does and audits the outcome.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec-tools/model.h"
#include "medsec/err.h"
#include "medsec/signkey.h"
#include "cli.h"
#include "cli_people.h"
#include "cli_text.h"
#include "cli_update.h"

struct model_args {
	const char *model, *name, *version, *key, *out, *passfile, *state;
	const char *datasets_dir, *file;
	const char *dataset[MEDSEC_MODEL_DATASETS_MAX];
	size_t ndataset;
	const char *pub[MEDSEC_MODEL_TRUSTED_MAX];
	size_t npub;
	int pass_stdin;
};

static void
sign_usage(void)
{
	fprintf(stderr, "usage: medsec model sign --model FILE --name NAME "
	    "--version V --key K.key --out FILE\n"
	    "                         --dataset ROLE:NAME:VERSION:DATE:FILE "
	    "[--dataset ...]\n"
	    "                         [--passphrase-stdin | --passphrase-file "
	    "F]\n"
	    "  ROLE: training, validation or test (one training set at "
	    "least); DATE: YYYY-MM-DD;\n"
	    "  FILE: the dataset's manifest (its list of records), hashed "
	    "into the manifest\n");
}

static void
verify_usage(void)
{
	fprintf(stderr, "usage: medsec model verify MANIFEST --model FILE "
	    "--pub K.pub [--pub ...] --state DIR\n"
	    "                           [--datasets DIR]\n"
	    "  loads the model as the device does and records the outcome in "
	    "the device's audit trail\n");
}

static int
add(const char **list, size_t *n, size_t max, const char *what,
    const char *v)
{
	if (*n == max) {
		cli_fail("%s: at most %zu", what, max);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

static int
parse(int argc, char **argv, struct model_args *a)
{
	static const struct option opts[] = { { "model", 1, NULL, 'm' },
		{ "name", 1, NULL, 'n' }, { "version", 1, NULL, 'v' },
		{ "key", 1, NULL, 'k' }, { "out", 1, NULL, 'o' },
		{ "dataset", 1, NULL, 'd' }, { "datasets", 1, NULL, 'D' },
		{ "pub", 1, NULL, 'p' }, { "state", 1, NULL, 'S' },
		{ "passphrase-stdin", 0, NULL, 's' },
		{ "passphrase-file", 1, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': a->model = optarg; break;
		case 'n': a->name = optarg; break;
		case 'v': a->version = optarg; break;
		case 'k': a->key = optarg; break;
		case 'o': a->out = optarg; break;
		case 'D': a->datasets_dir = optarg; break;
		case 'S': a->state = optarg; break;
		case 's': a->pass_stdin = 1; break;
		case 'f': a->passfile = optarg; break;
		case 'd':
			if (add(a->dataset, &a->ndataset,
			    MEDSEC_MODEL_DATASETS_MAX, "--dataset", optarg))
				return -1;
			break;
		case 'p':
			if (add(a->pub, &a->npub, MEDSEC_MODEL_TRUSTED_MAX,
			    "--pub", optarg))
				return -1;
			break;
		default: return -1;
		}
	}
	if (optind < argc)
		a->file = argv[optind++];
	return optind == argc ? 0 : -1;
}

static int
copy_part(char *dst, size_t size, const char *from, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, from, n);
	dst[n] = '\0';
	return 0;
}

/* ROLE:NAME:VERSION:DATE:FILE; the file (the rest) may hold ':'. */
static int
parse_dataset(const char *spec, struct medsec_model_dataset *d,
    const char **path)
{
	char *dst[4] = { d->role, d->name, d->version, d->date };
	size_t size[4] = { sizeof(d->role), sizeof(d->name),
		sizeof(d->version), sizeof(d->date) }, i;
	const char *p = spec, *colon;

	for (i = 0; i < 4; i++) {
		if ((colon = strchr(p, ':')) == NULL ||
		    copy_part(dst[i], size[i], p, (size_t)(colon - p)) != 0)
			return -1;
		p = colon + 1;
	}
	*path = p;
	return *p != '\0' ? 0 : -1;
}

/*
 * A library message for the terminal: it may quote manifest text, so
 * control bytes are shown as \xNN; UTF-8 and the whole message are kept.
 */
static void
terminal_safe(const char *msg, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *msg != '\0' && o + 5 < outlen; msg++) {
		unsigned char c = (unsigned char)*msg;

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* Fills m and the dataset paths from the arguments; reports refusals. */
static int
sign_fields(const struct model_args *a, struct medsec_model_manifest *m,
    const char **paths)
{
	char shown[CLI_SHOWN_MAX];
	size_t i;

	memset(m, 0, sizeof(*m));
	if (copy_part(m->name, sizeof(m->name), a->name, strlen(a->name)) ||
	    copy_part(m->version, sizeof(m->version), a->version,
	    strlen(a->version))) {
		cli_fail("--name or --version: too long");
		return -1;
	}
	utc_now(m->created);
	for (i = 0; i < a->ndataset; i++) {
		if (parse_dataset(a->dataset[i], &m->datasets[i], &paths[i]) !=
		    0) {
			cli_shown(shown, a->dataset[i]);
			cli_fail("--dataset '%s': expected "
			    "ROLE:NAME:VERSION:DATE:FILE", shown);
			return -1;
		}
	}
	m->ndatasets = a->ndataset;
	return 0;
}

/* Writes path, refusing to replace a file that exists. */
static int
write_new(const char *path, const char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	if (slash == NULL)
		return medsec_io_write_file_new(".", path, text, len, 0644);
	if ((size_t)(slash - path) >= sizeof(dir))
		return MEDSEC_ERR_TOO_LARGE;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return medsec_io_write_file_new(slash == path ? "/" : dir, slash + 1,
	    text, len, 0644);
}

static int
model_sign(int argc, char **argv)
{
	struct medsec_model_manifest *m = NULL;
	struct medsec_config_error err;
	struct medsec_signkey *k = NULL;
	const char *paths[MEDSEC_MODEL_DATASETS_MAX];
	struct model_args a;
	char *text = NULL, msg[1024];
	size_t len = 0;
	int r = MEDSEC_ERR_INVALID;

	if (parse(argc, argv, &a) != 0 || a.model == NULL || a.name == NULL ||
	    a.version == NULL || a.key == NULL || a.out == NULL ||
	    a.file != NULL || a.npub != 0 || a.state != NULL ||
	    a.datasets_dir != NULL) {
		sign_usage();
		return CLI_EXIT_USAGE;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		cli_error(MEDSEC_ERR_NOMEM, "model sign");
		return CLI_EXIT_FAIL;
	}
	if (sign_fields(&a, m, paths) != 0 || cli_load_signkey(a.key,
	    a.pass_stdin, a.passfile, &k) != MEDSEC_OK)
		goto out;
	if ((r = medsec_model_manifest_sign(m, a.model, paths, k, &text, &len,
	    &err)) != MEDSEC_OK) {
		terminal_safe(err.message, msg, sizeof(msg));
		cli_fail("model sign: %s: %s", err.key, msg);
		goto out;
	}
	if ((r = write_new(a.out, text, len)) != MEDSEC_OK) {
		cli_error(r, "%s", a.out);
		goto out;
	}
	printf("model manifest: %s (%s %s, %zu datasets, signed by %s, key id "
	    "%s)\n", a.out, m->name, m->version, m->ndatasets, m->signer,
	    m->key_id);
out:
	free(text);
	free(m);
	medsec_signkey_free(k);
	return r == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static void
print_loaded(const struct medsec_model_manifest *m, size_t len, int checked)
{
	size_t i;

	printf("model verified: %s %s, %zu bytes, signed by %s (key id %s)\n",
	    m->name, m->version, len, m->signer, m->key_id);
	for (i = 0; i < m->ndatasets; i++)
		printf("  %-10s %s %s (%s) %s%s\n", m->datasets[i].role,
		    m->datasets[i].name, m->datasets[i].version,
		    m->datasets[i].date, m->datasets[i].file, checked ?
		    ": hash matches" : ": vouched for by the signature");
}

static int
run_verify(const struct model_args *a, const struct medsec_pubkey *keys)
{
	struct medsec_model_manifest *m = NULL;
	struct medsec_model_load_args la;
	struct medsec_config_error err;
	struct cli_device dev;
	struct passwd *pw = getpwuid(getuid());
	char actor[80], msg[1024];
	void *model = NULL;
	size_t len = 0;
	int r;

	memset(&dev, 0, sizeof(dev));
	snprintf(actor, sizeof(actor), "os:%s", pw != NULL ? pw->pw_name : "?");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MEDSEC_ERR_NOMEM;
	if ((r = cli_device_open(&dev, a->state, CLI_OPEN_DB |
	    CLI_OPEN_AUDIT)) != MEDSEC_OK)
		goto out;
	la = (struct medsec_model_load_args){ a->file, a->model,
		a->datasets_dir, keys, a->npub, dev.audit, actor };
	if ((r = medsec_model_load(&la, &model, &len, m, &err)) != MEDSEC_OK) {
		terminal_safe(err.message, msg, sizeof(msg));
		cli_fail("%s: model refused (%s): %s", a->model,
		    medsec_strerror(r), msg);
	} else
		print_loaded(m, len, a->datasets_dir != NULL);
out:
	if (dev.ks != NULL && cli_device_close(&dev) != MEDSEC_OK &&
	    r == MEDSEC_OK)
		r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
	free(model);
	free(m);
	return r;
}

static int
model_verify(int argc, char **argv)
{
	struct medsec_pubkey keys[MEDSEC_MODEL_TRUSTED_MAX];
	struct model_args a;
	size_t i;
	int r;

	if (parse(argc, argv, &a) != 0 || a.file == NULL || a.model == NULL ||
	    a.npub == 0 || a.state == NULL || a.key != NULL || a.out != NULL ||
	    a.ndataset != 0 || a.name != NULL || a.version != NULL) {
		verify_usage();
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < a.npub; i++) {
		if ((r = medsec_pubkey_load(a.pub[i], &keys[i])) != MEDSEC_OK) {
			cli_error(r, "%s: cannot load the public key",
			    a.pub[i]);
			return CLI_EXIT_FAIL;
		}
	}
	return run_verify(&a, keys) == MEDSEC_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_model(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
		{ "sign", model_sign,
		    "write the signed manifest of a model and its data" },
		{ "verify", model_verify,
		    "load a model on a device as the device does, audited" },
	};

	return cli_dispatch("medsec model", cmds,
	    sizeof(cmds) / sizeof(cmds[0]), argc, argv);
}
