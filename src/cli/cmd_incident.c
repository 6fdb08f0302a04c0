/*
 * medsec incident open --state DIR --detected TIME --severity S
 *     --devices TEXT --versions TEXT --summary TEXT --impact TEXT
 *     --containment TEXT [--root-cause TEXT] [--prevention TEXT]
 * medsec incident update ID --state DIR --note TEXT [--status contained]
 *     [any fact as above]
 * medsec incident close ID --state DIR [--note TEXT] [--root-cause TEXT]
 *     [--prevention TEXT]
 * medsec incident list --state DIR
 * medsec incident show ID --state DIR
 * medsec incident notify ID --state DIR --out DIR --manufacturer NAME
 *     [--product NAME] [--fixed-version V] [--publisher-url URL]
 *     [--tracking-id ID] [--config FILE]
 *
 * Incidents are kept in the device's database; every change is recorded
 * in the audit trail (INCIDENT) after it commits. REQ: MFDS 2.3.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"
#include "medsec-tools/incident.h"
#include "medsec/err.h"
#include "cli.h"

/* Options shared by the verbs; a verb refuses those it does not take. */
struct args {
	const char *state, *config, *note, *status, *out;
	const char *manufacturer, *product, *fixed, *url, *tracking;
	struct medsec_incident facts;
	int given_facts;
};

enum { O_STATE = 1000, O_CONFIG, O_NOTE, O_STATUS, O_OUT, O_MANUFACTURER,
	O_PRODUCT, O_FIXED, O_URL, O_TRACKING, O_FACT };

static const struct option options[] = {
	{ "state", 1, NULL, O_STATE }, { "config", 1, NULL, O_CONFIG },
	{ "note", 1, NULL, O_NOTE }, { "status", 1, NULL, O_STATUS },
	{ "out", 1, NULL, O_OUT }, { "manufacturer", 1, NULL, O_MANUFACTURER },
	{ "product", 1, NULL, O_PRODUCT },
	{ "fixed-version", 1, NULL, O_FIXED },
	{ "publisher-url", 1, NULL, O_URL },
	{ "tracking-id", 1, NULL, O_TRACKING },
	{ "detected", 1, NULL, O_FACT + 0 }, { "severity", 1, NULL, O_FACT + 1 },
	{ "devices", 1, NULL, O_FACT + 2 }, { "versions", 1, NULL, O_FACT + 3 },
	{ "summary", 1, NULL, O_FACT + 4 }, { "impact", 1, NULL, O_FACT + 5 },
	{ "containment", 1, NULL, O_FACT + 6 },
	{ "root-cause", 1, NULL, O_FACT + 7 },
	{ "prevention", 1, NULL, O_FACT + 8 },
	{ NULL, 0, NULL, 0 }
};

/* Where each fact option lands, in the order of the options above. */
static char *
fact_slot(struct medsec_incident *f, int i, size_t *size)
{
	char *slots[] = { f->detected, f->severity, f->devices, f->versions,
		f->summary, f->impact, f->containment, f->root_cause,
		f->prevention };
	size_t sizes[] = { sizeof(f->detected), sizeof(f->severity),
		sizeof(f->devices), sizeof(f->versions), sizeof(f->summary),
		sizeof(f->impact), sizeof(f->containment),
		sizeof(f->root_cause), sizeof(f->prevention) };

	*size = sizes[i];
	return slots[i];
}

static int
set_fact(struct args *a, int i, const char *value)
{
	size_t size;
	char *dst = fact_slot(&a->facts, i, &size);

	if (strlen(value) >= size) {
		cli_fail("--%s: longer than %zu bytes", options[10 + i].name,
		    size - 1);
		return -1;
	}
	snprintf(dst, size, "%s", value);
	a->given_facts++;
	return 0;
}

static int
parse(int argc, char **argv, int first, struct args *a)
{
	const char **strs[] = { &a->state, &a->config, &a->note, &a->status,
		&a->out, &a->manufacturer, &a->product, &a->fixed, &a->url,
		&a->tracking };
	int ch;

	memset(a, 0, sizeof(*a));
	optind = first;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (ch >= O_FACT && ch < O_FACT + 9) {
			if (set_fact(a, ch - O_FACT, optarg) != 0)
				return -1;
		} else if (ch >= O_STATE && ch < O_FACT)
			*strs[ch - O_STATE] = optarg;
		else
			return -1;
	}
	return optind == argc && a->state != NULL ? 0 : -1;
}

static void
utc_now(char out[MEDSEC_INCIDENT_TIME_MAX])
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out,
	    MEDSEC_INCIDENT_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, MEDSEC_INCIDENT_TIME_MAX, "1970-01-01T00:00:00Z");
}

/* The operating-system account, as cli_audit() names the actor. */
static void
actor(char out[MEDSEC_INCIDENT_ACTOR_MAX])
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(out, MEDSEC_INCIDENT_ACTOR_MAX, "os:%s",
	    pw != NULL ? pw->pw_name : "?");
}

/* The option a refusal is about ("root_cause" is --root-cause), or NULL
 * when it is about something else (the record, the configuration). */
static const char *
option_of(const char *key)
{
	char name[64];

	snprintf(name, sizeof(name), "%s", key);
	for (char *p = name; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	for (size_t i = 0; options[i].name != NULL; i++)
		if (strcmp(options[i].name, name) == 0)
			return options[i].name;
	return NULL;
}

/* "--severity: 'x' is not ..." names the option; other refusals name
 * what they are about themselves. */
static void
refused(int r, const struct medsec_config_error *err, const char *what)
{
	const char *option = option_of(err->key);

	if (err->message[0] == '\0')
		cli_error(r, "%s", what);
	else if (option != NULL)
		cli_fail("%s refused: --%s: %s", what, option, err->message);
	else
		cli_fail("%s refused: %s", what, err->message);
}

/* The INCIDENT record of a change that has committed. */
static int
audit_change(struct cli_device *dev, const struct medsec_incident *inc,
    const char *action)
{
	struct medsec_audit_detail d;
	const char *details;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "id", inc->id);
	medsec_audit_detail_str(&d, "status", inc->status);
	medsec_audit_detail_str(&d, "severity", inc->severity);
	medsec_audit_detail_str(&d, "action", action);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	return cli_audit(dev, MEDSEC_EV_INCIDENT, inc->id, MEDSEC_AUDIT_SUCCESS,
	    action, details);
}

static int
exit_code(int r)
{
	if (r == MEDSEC_OK)
		return CLI_EXIT_OK;
	return r == MEDSEC_ERR_INVALID || r == MEDSEC_ERR_NOT_FOUND ||
	    r == MEDSEC_ERR_STATE ? CLI_EXIT_USAGE : CLI_EXIT_USAGE + 1;
}

static int
incident_open(int argc, char **argv)
{
	struct args a;
	struct cli_device dev;
	struct medsec_config_error err;
	char now[MEDSEC_INCIDENT_TIME_MAX], who[MEDSEC_INCIDENT_ACTOR_MAX];
	int r, c;

	if (parse(argc, argv, 1, &a) != 0 || a.note != NULL ||
	    a.status != NULL || a.out != NULL) {
		fprintf(stderr, "usage: medsec incident open --state DIR "
		    "--detected TIME --severity low|medium|high|critical\n"
		    "       --devices TEXT --versions TEXT --summary TEXT "
		    "--impact TEXT --containment TEXT\n"
		    "       [--root-cause TEXT] [--prevention TEXT]\n");
		return CLI_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	utc_now(now);
	actor(who);
	if ((r = cli_device_open_flags(&dev, a.state, a.config, 0)) !=
	    MEDSEC_OK)
		return CLI_EXIT_USAGE + 1;
	if ((r = medsec_incident_open(dev.db, &a.facts, who, now, &err)) !=
	    MEDSEC_OK)
		refused(r, &err, "opening the incident");
	else if ((r = audit_change(&dev, &a.facts, "opened")) == MEDSEC_OK)
		printf("%s opened (%s, detected %s)\n", a.facts.id,
		    a.facts.severity, a.facts.detected);
	c = cli_device_close(&dev);
	return exit_code(r != MEDSEC_OK ? r : c);
}

static int
change(int argc, char **argv, const char *status)
{
	struct args a;
	struct cli_device dev;
	struct medsec_config_error err;
	struct medsec_incident *rec;
	char now[MEDSEC_INCIDENT_TIME_MAX], who[MEDSEC_INCIDENT_ACTOR_MAX];
	int r, c;

	if (argc < 2 || argv[1][0] == '-' || parse(argc, argv, 2, &a) != 0 ||
	    a.out != NULL || (status[0] != '\0' && a.status != NULL) ||
	    (status[0] == '\0' && a.note == NULL)) {
		fprintf(stderr, "usage: medsec incident %s ID --state DIR %s\n"
		    "       [--detected TIME] [--severity S] [--devices TEXT] "
		    "[--versions TEXT]\n       [--summary TEXT] [--impact TEXT] "
		    "[--containment TEXT]\n       [--root-cause TEXT] "
		    "[--prevention TEXT]\n", status[0] != '\0' ? "close" :
		    "update", status[0] != '\0' ? "[--note TEXT]" :
		    "--note TEXT [--status contained]");
		return CLI_EXIT_USAGE;
	}
	if (status[0] == '\0' && a.status != NULL)
		status = a.status;
	memset(&err, 0, sizeof(err));
	utc_now(now);
	actor(who);
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return CLI_EXIT_USAGE + 1;
	if ((r = cli_device_open_flags(&dev, a.state, a.config, 0)) !=
	    MEDSEC_OK) {
		free(rec);
		return CLI_EXIT_USAGE + 1;
	}
	r = medsec_incident_update(dev.db, argv[1], &a.facts, status,
	    a.note != NULL ? a.note : "Incident closed.", who, now, rec, &err);
	if (r != MEDSEC_OK)
		refused(r, &err, strcmp(status, "closed") == 0 ?
		    "closing the incident" : "updating the incident");
	else if ((r = audit_change(&dev, rec, strcmp(status, "closed") == 0 ?
	    "closed" : "updated")) == MEDSEC_OK)
		printf("%s %s (%s)\n", rec->id, strcmp(status, "closed") == 0 ?
		    "closed" : "updated", rec->status);
	free(rec);
	c = cli_device_close(&dev);
	return exit_code(r != MEDSEC_OK ? r : c);
}

static int
incident_update(int argc, char **argv)
{
	return change(argc, argv, "");
}

static int
incident_close(int argc, char **argv)
{
	return change(argc, argv, "closed");
}

static int
print_line(const struct medsec_incident *inc, void *ctx)
{
	size_t *n = ctx;
	int len = (int)strcspn(inc->summary, "\n");

	(*n)++;
	printf("%s  %-9s %-8s detected %s  %.*s%s\n", inc->id, inc->status,
	    inc->severity, inc->detected, len > 60 ? 60 : len, inc->summary,
	    len > 60 ? "..." : "");
	return 0;
}

static int
incident_list(int argc, char **argv)
{
	struct args a;
	struct cli_device dev;
	size_t n = 0;
	int r;

	if (parse(argc, argv, 1, &a) != 0 || a.given_facts > 0) {
		fprintf(stderr, "usage: medsec incident list --state DIR\n");
		return CLI_EXIT_USAGE;
	}
	if (cli_device_open_flags(&dev, a.state, a.config,
	    MEDSEC_DEVICE_READ_ONLY) != MEDSEC_OK)
		return CLI_EXIT_USAGE + 1;
	if ((r = medsec_incident_list(dev.db, print_line, &n)) != MEDSEC_OK)
		cli_error(r, "incidents");
	else
		printf("%zu incident(s)\n", n);
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return exit_code(r);
}

static void
show(const struct medsec_incident *inc)
{
	const char *names[] = { "detected", "severity", "devices", "versions",
		"summary", "impact", "containment", "root cause", "prevention" };
	const char *values[] = { inc->detected, inc->severity, inc->devices,
		inc->versions, inc->summary, inc->impact, inc->containment,
		inc->root_cause, inc->prevention };

	printf("%s\nstatus: %s\nopened: %s\nupdated: %s\n", inc->id,
	    inc->status, inc->opened, inc->updated);
	if (inc->closed[0] != '\0')
		printf("closed: %s\n", inc->closed);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf("%s: %s\n", names[i], values[i][0] != '\0' ? values[i] :
		    "(not yet known)");
	printf("timeline:\n");
	for (size_t i = 0; i < inc->ntimeline; i++)
		printf("  %s %-9s %s: %s\n", inc->timeline[i].time,
		    inc->timeline[i].status, inc->timeline[i].actor,
		    inc->timeline[i].note);
}

static int
incident_show(int argc, char **argv)
{
	struct args a;
	struct cli_device dev;
	struct medsec_incident *inc;
	int r;

	if (argc < 2 || argv[1][0] == '-' || parse(argc, argv, 2, &a) != 0 ||
	    a.given_facts > 0) {
		fprintf(stderr, "usage: medsec incident show ID --state DIR\n");
		return CLI_EXIT_USAGE;
	}
	if ((inc = calloc(1, sizeof(*inc))) == NULL)
		return CLI_EXIT_USAGE + 1;
	if (cli_device_open_flags(&dev, a.state, a.config,
	    MEDSEC_DEVICE_READ_ONLY) != MEDSEC_OK) {
		free(inc);
		return CLI_EXIT_USAGE + 1;
	}
	if ((r = medsec_incident_get(dev.db, argv[1], inc)) ==
	    MEDSEC_ERR_NOT_FOUND)
		cli_fail("no incident '%s' on this device", argv[1]);
	else if (r != MEDSEC_OK)
		cli_error(r, "incident %s", argv[1]);
	else
		show(inc);
	medsec_incident_release(inc);
	free(inc);
	if (cli_device_close(&dev) != MEDSEC_OK && r == MEDSEC_OK)
		r = MEDSEC_ERR_IO;
	return exit_code(r);
}

/* Every notice, then the advisory: built in memory before a byte is
 * written, so a refused one leaves the directory as it was. */
#define NOTICE_FILES (MEDSEC_NOTICE_AUDIENCES * 2 * 2 + 1)

struct outputs {
	char name[NOTICE_FILES][160];
	char *text[NOTICE_FILES];
	size_t n;
};

static void
outputs_free(struct outputs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->text[i]);
	o->n = 0;
}

static int
build_notices(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, struct outputs *o,
    struct medsec_config_error *err)
{
	static const char *const langs[] = { "ko", "en" };
	int r;

	for (int aud = 0; aud < MEDSEC_NOTICE_AUDIENCES; aud++)
		for (size_t l = 0; l < 2; l++)
			for (int json = 0; json <= 1; json++) {
				snprintf(o->name[o->n], sizeof(o->name[0]),
				    "notice-%s.%s.%s",
				    medsec_incident_audience_name(aud),
				    langs[l], json ? "json" : "md");
				if ((r = medsec_incident_notice(inc, info, aud,
				    langs[l], json, &o->text[o->n], err)) !=
				    MEDSEC_OK)
					return r;
				o->n++;
			}
	return MEDSEC_OK;
}

static int
build_advisory(const struct medsec_incident *inc,
    const struct medsec_incident_notice_info *info, const char *tracking,
    struct outputs *o, struct medsec_config_error *err)
{
	char id[MEDSEC_INCIDENT_ID_MAX + 8];
	int r;

	if (tracking == NULL) {
		snprintf(id, sizeof(id), "%s-SA", inc->id);
		tracking = id;
	}
	if ((r = medsec_incident_csaf_filename(tracking, o->name[o->n],
	    sizeof(o->name[0]))) != MEDSEC_OK) {
		snprintf(err->key, sizeof(err->key), "tracking-id");
		snprintf(err->message, sizeof(err->message), "'%s' cannot name "
		    "an advisory file", tracking);
		return MEDSEC_ERR_INVALID;
	}
	if ((r = medsec_incident_csaf(inc, info, tracking, &o->text[o->n],
	    err)) != MEDSEC_OK)
		return r;
	o->n++;
	return MEDSEC_OK;
}

static int
write_outputs(const char *dir, const struct outputs *o)
{
	int r;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_fail("%s: cannot create the directory: %s", dir,
		    strerror(errno));
		return MEDSEC_ERR_IO;
	}
	for (size_t i = 0; i < o->n; i++)
		if ((r = medsec_io_write_file_atomic(dir, o->name[i],
		    o->text[i], strlen(o->text[i]), 0644)) != MEDSEC_OK) {
			cli_error(r, "%s/%s", dir, o->name[i]);
			return r;
		}
	return MEDSEC_OK;
}

static int
audit_notified(struct cli_device *dev, const struct medsec_incident *inc,
    const char *fixed, size_t files)
{
	struct medsec_audit_detail d;
	const char *details;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "id", inc->id);
	medsec_audit_detail_str(&d, "status", inc->status);
	medsec_audit_detail_str(&d, "severity", inc->severity);
	medsec_audit_detail_str(&d, "action", "notified");
	medsec_audit_detail_u64(&d, "files", files);
	medsec_audit_detail_str(&d, "fixed_version", fixed != NULL ? fixed :
	    "");
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	return cli_audit(dev, MEDSEC_EV_INCIDENT, inc->id, MEDSEC_AUDIT_SUCCESS,
	    "notified", details);
}

/* The publisher's URL: given, else the [incident] url when https. */
static const char *
publisher_url(const struct args *a, const struct medsec_config *c)
{
	if (a->url != NULL)
		return a->url;
	return strncmp(c->incident_url, "https://", 8) == 0 ?
	    c->incident_url : NULL;
}

static int
make_outputs(struct cli_device *dev, const struct args *a,
    const struct medsec_incident *inc, struct outputs *o)
{
	const struct medsec_config *c = medsec_device_config(dev->dev);
	struct medsec_incident_notice_info info;
	struct medsec_config_error err;
	char now[MEDSEC_INCIDENT_TIME_MAX];
	int r;

	memset(&err, 0, sizeof(err));
	utc_now(now);
	info = (struct medsec_incident_notice_info){ a->manufacturer,
		publisher_url(a, c), a->product != NULL ? a->product :
		dev->device_id, dev->device_id, a->fixed, now, c };
	if ((r = build_notices(inc, &info, o, &err)) != MEDSEC_OK) {
		refused(r, &err, "the notice");
		return r;
	}
	if (a->fixed == NULL)
		return MEDSEC_OK;
	if (info.namespace_url == NULL) {
		cli_fail("the advisory refused: --publisher-url: the "
		    "manufacturer's https URL (or an https [incident] url)");
		return MEDSEC_ERR_INVALID;
	}
	if ((r = build_advisory(inc, &info, a->tracking, o, &err)) !=
	    MEDSEC_OK)
		refused(r, &err, "the advisory");
	return r;
}

static int
notify(const char *id, const struct args *a)
{
	struct cli_device dev;
	struct medsec_incident *inc;
	struct outputs o;
	int r, c;

	memset(&o, 0, sizeof(o));
	if ((inc = calloc(1, sizeof(*inc))) == NULL)
		return CLI_EXIT_USAGE + 1;
	if (cli_device_open_flags(&dev, a->state, a->config, 0) !=
	    MEDSEC_OK) {
		free(inc);
		return CLI_EXIT_USAGE + 1;
	}
	if ((r = medsec_incident_get(dev.db, id, inc)) == MEDSEC_ERR_NOT_FOUND)
		cli_fail("no incident '%s' on this device", id);
	else if (r != MEDSEC_OK)
		cli_error(r, "incident %s", id);
	if (r == MEDSEC_OK && (r = make_outputs(&dev, a, inc, &o)) ==
	    MEDSEC_OK && (r = write_outputs(a->out, &o)) == MEDSEC_OK &&
	    (r = audit_notified(&dev, inc, a->fixed, o.n)) == MEDSEC_OK) {
		for (size_t i = 0; i < o.n; i++)
			printf("%s/%s\n", a->out, o.name[i]);
		if (a->fixed == NULL)
			printf("no --fixed-version: the CSAF advisory waits for "
			    "the release that fixes %s\n", inc->id);
	}
	outputs_free(&o);
	medsec_incident_release(inc);
	free(inc);
	c = cli_device_close(&dev);
	return exit_code(r != MEDSEC_OK ? r : c);
}

static int
incident_notify(int argc, char **argv)
{
	struct args a;

	if (argc < 2 || argv[1][0] == '-' || parse(argc, argv, 2, &a) != 0 ||
	    a.given_facts > 0 || a.out == NULL || a.manufacturer == NULL ||
	    a.note != NULL || a.status != NULL) {
		fprintf(stderr, "usage: medsec incident notify ID --state DIR "
		    "--out DIR --manufacturer NAME\n"
		    "       [--product NAME] [--fixed-version V] "
		    "[--publisher-url URL] [--tracking-id ID]\n"
		    "       [--config FILE]\n");
		return CLI_EXIT_USAGE;
	}
	return notify(argv[1], &a);
}

int
cmd_incident(int argc, char **argv)
{
	static const struct cli_command verbs[] = {
		{ "open", incident_open, "record a new incident (refused "
		  "without the facts a notice needs)" },
		{ "update", incident_update, "add facts, mark contained" },
		{ "close", incident_close, "close (needs root cause and "
		  "recurrence prevention)" },
		{ "list", incident_list, "the device's incidents" },
		{ "show", incident_show, "one incident with its timeline" },
		{ "notify", incident_notify, "write the notices (MFDS, "
		  "institutions, users; ko, en) and the CSAF advisory" },
	};

	return cli_dispatch("incident", verbs, sizeof(verbs) /
	    sizeof(verbs[0]), argc, argv);
}
