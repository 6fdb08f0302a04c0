#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medsec/err.h"
#include "cli.h"
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
cli_device_open(struct cli_device *dev, const char *state, int what)
{
	char path[4096];
	int r;

	memset(dev, 0, sizeof(*dev));
	if (strlen(state) >= sizeof(dev->state)) {
		cli_fail("state directory path too long");
		return MEDSEC_ERR_TOO_LARGE;
	}
	memcpy(dev->state, state, strlen(state) + 1);
	if ((r = cli_state_path(path, sizeof(path), state, "keys")) != MEDSEC_OK)
		return r;
	if ((r = medsec_keystore_open(path, &dev->ks)) != MEDSEC_OK) {
		cli_error(r, "%s: cannot open the keystore", path);
		goto fail;
	}
	if ((what & (CLI_OPEN_DB | CLI_OPEN_AUDIT)) != 0) {
		if ((r = cli_state_path(path, sizeof(path), state,
			 "medsec.db")) != MEDSEC_OK ||
		    (r = medsec_db_open(path, 0, &dev->db)) != MEDSEC_OK) {
			cli_error(r, "%s: cannot open the database", path);
			goto fail;
		}
		if (medsec_db_meta_get(dev->db, "device_id", dev->device_id,
			sizeof(dev->device_id)) != MEDSEC_OK)
			snprintf(dev->device_id, sizeof(dev->device_id), "unknown");
	}
	if ((what & CLI_OPEN_AUDIT) != 0) {
		struct medsec_audit_open_report rep;

		if ((r = cli_state_path(path, sizeof(path), state, "audit")) !=
			MEDSEC_OK ||
		    (r = medsec_audit_open(path, dev->ks, NULL, &dev->audit,
			 &rep)) != MEDSEC_OK) {
			cli_error(r, "%s: cannot open the audit trail", path);
			goto fail;
		}
		if (rep.recovered)
			fprintf(stderr, "medsec: audit: recovered from a crash: "
			    "%llu bytes of a torn tail kept and cut away\n",
			    (unsigned long long)rep.cut_bytes);
	}
	return MEDSEC_OK;
fail:
	cli_device_close(dev);
	return r;
}

int
cli_device_close(struct cli_device *dev)
{
	int r = MEDSEC_OK;

	if (dev->audit != NULL) {
		/* Seal what this command wrote so that cutting it off is
		 * detectable from the signed anchor. */
		r = medsec_audit_checkpoint(dev->audit);
		if (medsec_audit_close(dev->audit) != MEDSEC_OK && r == MEDSEC_OK)
			r = MEDSEC_ERR_AUDIT_UNAVAILABLE;
		if (r != MEDSEC_OK)
			cli_error(r, "audit trail");
	}
	medsec_db_close(dev->db);
	medsec_keystore_close(dev->ks);
	memset(dev, 0, sizeof(*dev));
	return r;
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
