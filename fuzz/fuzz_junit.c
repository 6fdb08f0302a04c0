/*
 * The JUnit reader on untrusted bytes: any input is accepted or refused
 * with MEDSEC_ERR_FORMAT naming a line no later than the last; an
 * accepted file has well-formed cases, and the V&V report built from it
 * never lets a test name through to the HTML unescaped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct medsec_catalog *cat;
static struct medsec_classification *cls;
static struct medsec_profile prof;

/* The reference device: every catalog item in scope. */
static void
setup(void)
{
	static const char ini[] = "[device]\nclass = 2\nfunctions = "
	    "measurement\nworst_harm = temporary-injury\n[communication]\n"
	    "technologies = Wi-Fi\npurposes = health-records, control, "
	    "maintenance\npublic_network = yes\n";

	if (cat != NULL)
		return;
	if (medsec_catalog_builtin(NULL, &cat, NULL) != MEDSEC_OK ||
	    medsec_profile_parse("fuzz.ini", ini, sizeof(ini) - 1, &prof,
	    NULL) != MEDSEC_OK || medsec_classify(cat, &prof, &cls) !=
	    MEDSEC_OK)
		abort();
}

static void
check_cases(const struct medsec_junit *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (j->cases[i].name == NULL || j->cases[i].name[0] == '\0' ||
		    strlen(j->cases[i].name) > MEDSEC_JUNIT_NAME_MAX ||
		    (unsigned)j->cases[i].status > MEDSEC_TEST_NOTRUN)
			abort();
}

/* A name holding '<' must never appear raw in the HTML. */
static void
check_html(struct medsec_junit *j)
{
	struct medsec_evidence *ev = calloc(1, sizeof(*ev));
	struct medsec_report *rep = NULL;
	char *html = NULL;
	size_t len, i;

	if (ev == NULL)
		abort();
	ev->junit = j;
	memcpy(ev->commit, "unknown", sizeof("unknown"));
	ev->dirty = -1;
	if (medsec_report_build(cat, &prof, cls, ev, &rep) != MEDSEC_OK ||
	    medsec_report_render(rep, MEDSEC_REPORT_VV, MEDSEC_REPORT_HTML,
	    &html, &len) != MEDSEC_OK)
		abort();
	for (i = 0; i < j->n; i++)
		if (strchr(j->cases[i].name, '<') != NULL &&
		    strstr(html, j->cases[i].name) != NULL)
			abort();
	free(html);
	medsec_report_free(rep);
	ev->junit = NULL;
	medsec_evidence_free(ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_config_error err;
	struct medsec_junit *j = NULL;
	size_t i, lines = 1;
	int r;

	setup();
	r = medsec_junit_parse("fuzz.xml", (const char *)data, size, &j, &err);
	if (r == MEDSEC_OK) {
		check_cases(j);
		if (j->n <= 64)
			check_html(j);
		medsec_junit_free(j);
		return 0;
	}
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if ((r != MEDSEC_ERR_FORMAT && r != MEDSEC_ERR_NOMEM) || j != NULL ||
	    err.line < 0 || (size_t)err.line > lines || err.message[0] == '\0')
		abort();
	return 0;
}
