#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/config.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "cli.h"
#include "cli_escape.h"
#include "io/io.h"

void
cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("medsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", medsec_strerror(code));
}

void
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("medsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_state_path(char *out, size_t outlen, const char *state, const char *name)
{
	return medsec_io_path(out, outlen, state, name);
}

static void
usage(const char *group, const struct cli_command *cmds, size_t ncmds)
{
	fprintf(stderr, "usage: %s <command> [options]\n\ncommands:\n", group);
	for (size_t i = 0; i < ncmds; i++)
		fprintf(stderr, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
}

int
cli_dispatch(const char *group, const struct cli_command *cmds, size_t ncmds,
    int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(group, cmds, ncmds);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	cli_fail("%s: unknown command '%s'", group, argv[1]);
	usage(group, cmds, ncmds);
	return CLI_EXIT_USAGE;
}

int
cli_device_open_flags(struct cli_device *dev, const char *state,
    const char *config, unsigned flags)
{
	struct medsec_device_options o = { state, config, flags };
	const struct medsec_audit_open_report *rep;
	char err[1024];
	int r;

	memset(dev, 0, sizeof(*dev));
	if (strlen(state) >= sizeof(dev->state)) {
		cli_fail("state directory path too long");
		return MEDSEC_ERR_TOO_LARGE;
	}
	memcpy(dev->state, state, strlen(state) + 1);
	if ((r = medsec_device_open(&o, &dev->dev, err, sizeof(err))) !=
	    MEDSEC_OK) {
		cli_fail_escaped("", err[0] != '\0' ? err : medsec_strerror(r));
		return r;
	}
	if ((rep = medsec_device_audit_report(dev->dev)) != NULL &&
	    rep->recovered)
		fprintf(stderr, "medsec: audit: recovered from a crash: "
		    "%llu bytes of a torn tail kept and cut away\n",
		    (unsigned long long)rep->cut_bytes);
	dev->ks = medsec_device_keystore(dev->dev);
	dev->db = medsec_device_db(dev->dev);
	dev->audit = medsec_device_audit(dev->dev);
	snprintf(dev->device_id, sizeof(dev->device_id), "%s",
	    medsec_device_id(dev->dev));
	return MEDSEC_OK;
}

int
cli_device_open(struct cli_device *dev, const char *state, int what)
{
	return cli_device_open_flags(dev, state, NULL,
	    (what & CLI_OPEN_AUDIT) != 0 ? 0 : MEDSEC_DEVICE_READ_ONLY);
}

int
cli_device_close(struct cli_device *dev)
{
	int r = medsec_device_close(dev->dev);

	if (r != MEDSEC_OK)
		cli_error(r, "audit trail");
	memset(dev, 0, sizeof(*dev));
	return r;
}

int
cli_verify_trail(struct cli_device *dev,
    const struct medsec_audit_verify_options *opts,
    const struct medsec_audit_expect *given,
    struct medsec_audit_verify_result *res, struct cli_device_check *chk)
{
	struct medsec_audit_expect expect[3];
	char dir[4096];
	size_t n = 0;
	int r;

	memset(chk, 0, sizeof(*chk));
	if ((r = cli_state_path(dir, sizeof(dir), dev->state, "audit")) !=
	    MEDSEC_OK)
		return r;
	if (dev->ks != NULL) {
		memset(&expect[n], 0, sizeof(expect[n]));
		expect[n].source = "the keystore";
		if ((r = medsec_audit_key_epoch(dev->ks,
			 &expect[n].mac_epoch)) != MEDSEC_OK) {
			cli_error(r, "the audit MAC key in the keystore");
			return r;
		}
		expect[n].have_mac_epoch = 1;
		chk->mac_epoch = expect[n].mac_epoch;
		chk->keystore = 1;
		n++;
	}
	if (dev->db != NULL) {
		if ((r = medsec_audit_db_state(dev->db, &expect[n])) !=
		    MEDSEC_OK) {
			cli_error(r, "the database's record of the audit trail");
			return r;
		}
		chk->generation = expect[n].generation;
		chk->head_seq = expect[n].head_seq;
		chk->database = 1;
		n++;
	}
	if (given != NULL)
		expect[n++] = *given;
	return medsec_audit_verify_against(dir, opts, expect, n, res);
}

int
cli_audit(struct cli_device *dev, int event, const char *object, int outcome,
    const char *reason, const char *details)
{
	/* The operating-system account, not $USER, which anyone can set. */
	struct passwd *pw = getpwuid(getuid());
	char actor[80];
	struct medsec_audit_event_in ev = { event, actor, "local", object,
		outcome, reason, details };
	int r;

	snprintf(actor, sizeof(actor), "os:%s", pw != NULL ? pw->pw_name : "?");
	r = medsec_audit_append(dev->audit, &ev, NULL);

	if (r != MEDSEC_OK)
		cli_error(r, "cannot write the audit record");
	return r;
}

int
cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	/* Digits only, all of them, no sign, no overflow. */
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}
