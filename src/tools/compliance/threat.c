/*
 * The threat model a device profile names: the Markdown tables of
 * docs/compliance/profile.md ("Threat model"), read by their header
 * names so a manufacturer's document may add columns of its own. Assets,
 * entry points, trust boundaries, data flows (with the exposure and the
 * clinical consequence the risk analysis needs) and, under a heading
 * naming the data flows they concern, the threats with their controls
 * and the tests that prove them.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compliance/compliance_int.h"
#include "compliance/threat_int.h"
#include "core/ini.h"
#include "io/io.h"
#include "medsec/err.h"

enum tm_part { TP_NONE, TP_ASSETS, TP_ENTRIES, TP_BOUNDARIES, TP_FLOWS,
	TP_THREATS };

enum col { C_ID, C_TEXT, C_STRIDE, C_CONTROL, C_TESTS, C_STATUS,
	C_EXPOSURE, C_HARM, C_NCOLS };

#define CELLS_MAX 16
#define HEADING_FLOWS 4

struct tp {
	struct medsec_threat_model *tm;
	struct medsec_config_error *err;
	int line;
	enum tm_part part;
	int in_table;	  /* 0 none, 1 header read, 2 separator read */
	int col[C_NCOLS]; /* cell index of each column, -1 when absent */
	size_t nflows;	  /* of the current threat heading */
	char flows[HEADING_FLOWS][TM_ID_MAX];
};

static int tp_fail(struct tp *t, const char *cell, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tp_fail(struct tp *t, const char *cell, const char *fmt, ...)
{
	char msg[sizeof(t->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	medsec_ini_err(t->err, t->line, NULL, cell, "%s", msg);
	return MEDSEC_ERR_CONFIG;
}

const char *
tm_exposure_name(int exposure)
{
	switch (exposure) {
	case TM_EXP_LOCAL: return "local";
	case TM_EXP_ADJACENT: return "adjacent";
	case TM_EXP_INTERNET: return "internet";
	default: return "unset";
	}
}

static int
exposure_of(const char *s)
{
	if (strcmp(s, "local") == 0 || strcmp(s, "physical") == 0)
		return TM_EXP_LOCAL;
	if (strcmp(s, "adjacent") == 0)
		return TM_EXP_ADJACENT;
	if (strcmp(s, "internet") == 0)
		return TM_EXP_INTERNET;
	return TM_EXP_UNSET;
}

static enum medsec_harm
harm_of(const char *s)
{
	int h;

	for (h = MEDSEC_HARM_TEMPORARY_DISCOMFORT;
	    h <= MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY; h++)
		if (strcmp(s, medsec_harm_name((enum medsec_harm)h)) == 0)
			return (enum medsec_harm)h;
	return MEDSEC_HARM_UNSET;
}

/* Markdown emphasis, code spans and links reduced to their text. */
static void
plain(char *out, size_t outlen, const char *s)
{
	size_t o = 0;
	const char *close;

	while (*s != '\0' && o + 1 < outlen) {
		if (s[0] == '*' && s[1] == '*') {
			s += 2;
			continue;
		}
		if (*s == '`') {
			s++;
			continue;
		}
		if (*s == ']' && s[1] == '(' &&
		    (close = strchr(s, ')')) != NULL) {
			s = close + 1;
			continue;
		}
		if (*s == '[') {
			s++;
			continue;
		}
		out[o++] = *s++;
	}
	out[o] = '\0';
}

/* Splits "| a | b |" into trimmed cells, in place. */
static size_t
split_row(char *line, char **cells)
{
	size_t n = 0;
	char *p = line, *end;

	if (*p == '|')
		p++;
	while (*p != '\0' && n < CELLS_MAX) {
		end = p;
		while (*end != '\0' && !(*end == '|' && (end == p ||
		    end[-1] != '\\')))
			end++;
		if (*end == '\0' && *p == '\0')
			break;
		while (*p == ' ')
			p++;
		cells[n] = p;
		if (*end == '|')
			*end++ = '\0';
		else if (*p == '\0')
			break;
		{
			char *t = cells[n] + strlen(cells[n]);

			while (t > cells[n] && (t[-1] == ' ' || t[-1] == '\r'))
				*--t = '\0';
		}
		n++;
		p = end;
	}
	return n;
}

static void
map_header(struct tp *t, char **cells, size_t n)
{
	static const struct {
		const char *prefix;
		enum col col;
	} names[] = {
		{ "id", C_ID }, { "asset", C_TEXT }, { "entry point", C_TEXT },
		{ "boundary", C_TEXT }, { "flow", C_TEXT },
		{ "threat", C_TEXT }, { "stride", C_STRIDE },
		{ "control", C_CONTROL }, { "proven by", C_TESTS },
		{ "status", C_STATUS }, { "exposure", C_EXPOSURE },
		{ "harm", C_HARM },
	};
	char low[64];
	size_t i, k, j;

	for (k = 0; k < C_NCOLS; k++)
		t->col[k] = -1;
	for (i = 0; i < n; i++) {
		for (j = 0; cells[i][j] != '\0' && j + 1 < sizeof(low); j++)
			low[j] = (char)tolower((unsigned char)cells[i][j]);
		low[j] = '\0';
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strncmp(low, names[k].prefix,
			    strlen(names[k].prefix)) == 0 &&
			    t->col[names[k].col] < 0) {
				t->col[names[k].col] = (int)i;
				break;
			}
	}
}

static const char *
cell(const struct tp *t, char **cells, size_t n, enum col c)
{
	return t->col[c] >= 0 && (size_t)t->col[c] < n ? cells[t->col[c]] :
	    NULL;
}

static int
id_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= TM_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != '_')
			return 0;
	return 1;
}

static int
status_planned(const char *status, int *withdrawn)
{
	char low[32];
	size_t i;

	plain(low, sizeof(low), status != NULL ? status : "");
	for (i = 0; low[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	*withdrawn = strncmp(low, "withdrawn", 9) == 0;
	return strncmp(low, "planned", 7) == 0;
}

static int
seen_id(const struct medsec_threat_model *tm, const char *id)
{
	size_t i;

	for (i = 0; i < tm->nassets; i++)
		if (strcmp(tm->assets[i].id, id) == 0)
			return 1;
	for (i = 0; i < tm->nentries; i++)
		if (strcmp(tm->entries[i].id, id) == 0)
			return 1;
	for (i = 0; i < tm->nboundaries; i++)
		if (strcmp(tm->boundaries[i].id, id) == 0)
			return 1;
	for (i = 0; i < tm->nflows; i++)
		if (strcmp(tm->flows[i].id, id) == 0)
			return 1;
	for (i = 0; i < tm->nthreats; i++)
		if (strcmp(tm->threats[i].id, id) == 0)
			return 1;
	return 0;
}

const struct tm_flow *
tm_flow_find(const struct medsec_threat_model *tm, const char *id)
{
	size_t i;

	for (i = 0; tm != NULL && i < tm->nflows; i++)
		if (strcmp(tm->flows[i].id, id) == 0)
			return &tm->flows[i];
	return NULL;
}

static int
exposure_and_harm(struct tp *t, const char *id, const char *exp,
    const char *harm, int *expp, enum medsec_harm *harmp, int required)
{
	char e[32], h[48];

	plain(e, sizeof(e), exp != NULL ? exp : "");
	plain(h, sizeof(h), harm != NULL ? harm : "");
	if (e[0] == '\0' && h[0] == '\0' && !required)
		return MEDSEC_OK;
	if ((*expp = exposure_of(e)) == TM_EXP_UNSET)
		return tp_fail(t, id, "exposure '%.40s': expected local, "
		    "physical, adjacent or internet", e);
	if ((*harmp = harm_of(h)) == MEDSEC_HARM_UNSET)
		return tp_fail(t, id, "harm '%.48s': expected "
		    "death-or-serious-injury, temporary-injury or "
		    "temporary-discomfort", h);
	return MEDSEC_OK;
}

/* The backquoted test names of a "proven by" cell: test_* or fuzz_*,
 * a trailing '*' making a prefix. */
static int
take_tests(struct tp *t, struct tm_threat *th, const char *s)
{
	const char *a, *b;
	size_t n, i;

	while ((a = strchr(s, '`')) != NULL && (b = strchr(a + 1, '`')) !=
	    NULL) {
		n = (size_t)(b - a - 1);
		s = b + 1;
		if (n < 6 || (strncmp(a + 1, "test_", 5) != 0 &&
		    strncmp(a + 1, "fuzz_", 5) != 0))
			continue;
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)a[1 + i]) && a[1 + i] !=
			    '_' && !(a[1 + i] == '*' && i == n - 1))
				break;
		if (i < n)
			continue;
		if (th->ntests >= TM_TESTS_MAX || n >= TM_TEST_MAX)
			return tp_fail(t, th->id, "more than %d tests, or a "
			    "test name over %d bytes", TM_TESTS_MAX,
			    TM_TEST_MAX - 1);
		memcpy(th->tests[th->ntests], a + 1, n);
		th->tests[th->ntests++][n] = '\0';
	}
	return MEDSEC_OK;
}

static int
add_entry(struct tp *t, struct tm_entry *v, size_t *n, const char *id,
    const char *text)
{
	if (*n >= TM_ENTRIES_MAX)
		return tp_fail(t, id, "more than %d entries", TM_ENTRIES_MAX);
	memset(&v[*n], 0, sizeof(v[*n]));
	snprintf(v[*n].id, sizeof(v[*n].id), "%s", id);
	plain(v[*n].text, sizeof(v[*n].text), text != NULL ? text : "");
	v[*n].line = t->line;
	(*n)++;
	return MEDSEC_OK;
}

static int
add_flow(struct tp *t, char **cells, size_t n, const char *id)
{
	struct medsec_threat_model *tm = t->tm;
	struct tm_flow *f;
	int withdrawn, r;

	if (tm->nflows >= TM_ENTRIES_MAX)
		return tp_fail(t, id, "more than %d data flows",
		    TM_ENTRIES_MAX);
	if (t->col[C_EXPOSURE] < 0 || t->col[C_HARM] < 0)
		return tp_fail(t, id, "the Data flows table needs the columns "
		    "'exposure' and 'harm' (the risk analysis rests on them)");
	f = &tm->flows[tm->nflows];
	memset(f, 0, sizeof(*f));
	f->planned = status_planned(cell(t, cells, n, C_STATUS), &withdrawn);
	if (withdrawn)
		return MEDSEC_OK;
	if (strlen(id) >= sizeof(f->id))
		return tp_fail(t, id, "an identifier longer than %zu "
		    "characters", sizeof(f->id) - 1);
	memcpy(f->id, id, strlen(id) + 1);
	plain(f->text, sizeof(f->text), cell(t, cells, n, C_TEXT) != NULL ?
	    cell(t, cells, n, C_TEXT) : "");
	f->line = t->line;
	if ((r = exposure_and_harm(t, id, cell(t, cells, n, C_EXPOSURE),
	    cell(t, cells, n, C_HARM), &f->exposure, &f->harm, 1)) !=
	    MEDSEC_OK)
		return r;
	tm->nflows++;
	return MEDSEC_OK;
}

static int
add_threat(struct tp *t, char **cells, size_t n, const char *id)
{
	struct medsec_threat_model *tm = t->tm;
	struct tm_threat *th;
	const char *tests;
	size_t i;
	int withdrawn, r;

	if (tm->nthreats >= TM_THREATS_MAX)
		return tp_fail(t, id, "more than %d threats", TM_THREATS_MAX);
	th = &tm->threats[tm->nthreats];
	memset(th, 0, sizeof(*th));
	th->planned = status_planned(cell(t, cells, n, C_STATUS), &withdrawn);
	if (withdrawn)
		return MEDSEC_OK;
	if (strlen(id) >= sizeof(th->id))
		return tp_fail(t, id, "an identifier longer than %zu "
		    "characters", sizeof(th->id) - 1);
	memcpy(th->id, id, strlen(id) + 1);
	th->line = t->line;
	plain(th->stride, sizeof(th->stride), cell(t, cells, n, C_STRIDE) !=
	    NULL ? cell(t, cells, n, C_STRIDE) : "");
	plain(th->threat, sizeof(th->threat), cell(t, cells, n, C_TEXT) !=
	    NULL ? cell(t, cells, n, C_TEXT) : "");
	plain(th->control, sizeof(th->control), cell(t, cells, n,
	    C_CONTROL) != NULL ? cell(t, cells, n, C_CONTROL) : "");
	if (th->threat[0] == '\0')
		return tp_fail(t, id, "the threat is not described");
	if ((r = exposure_and_harm(t, id, cell(t, cells, n, C_EXPOSURE),
	    cell(t, cells, n, C_HARM), &th->exposure, &th->harm, 0)) !=
	    MEDSEC_OK)
		return r;
	for (i = 0; i < t->nflows; i++)
		snprintf(th->flows[th->nflows++], TM_ID_MAX, "%s",
		    t->flows[i]);
	if (th->nflows == 0 && th->exposure == TM_EXP_UNSET)
		return tp_fail(t, id, "the threat's heading names no data flow "
		    "and the row gives no exposure and harm");
	if ((tests = cell(t, cells, n, C_TESTS)) != NULL &&
	    (r = take_tests(t, th, tests)) != MEDSEC_OK)
		return r;
	tm->nthreats++;
	return MEDSEC_OK;
}

static int
data_row(struct tp *t, char **cells, size_t n)
{
	struct medsec_threat_model *tm = t->tm;
	char id[TM_ID_MAX * 2];
	const char *text = cell(t, cells, n, C_TEXT);
	int withdrawn;

	if (t->col[C_ID] < 0)
		return tp_fail(t, NULL, "table without an ID column");
	plain(id, sizeof(id), cell(t, cells, n, C_ID) != NULL ?
	    cell(t, cells, n, C_ID) : "");
	if (!id_ok(id))
		return tp_fail(t, NULL, "ID '%.32s': expected letters, digits "
		    "and '-', at most %d bytes", id, TM_ID_MAX - 1);
	if (seen_id(tm, id))
		return tp_fail(t, id, "duplicate ID");
	status_planned(cell(t, cells, n, C_STATUS), &withdrawn);
	if (withdrawn && t->part != TP_FLOWS && t->part != TP_THREATS)
		return MEDSEC_OK;
	switch (t->part) {
	case TP_ASSETS:
		return add_entry(t, tm->assets, &tm->nassets, id, text);
	case TP_ENTRIES:
		return add_entry(t, tm->entries, &tm->nentries, id, text);
	case TP_BOUNDARIES:
		return add_entry(t, tm->boundaries, &tm->nboundaries, id,
		    text);
	case TP_FLOWS:
		return add_flow(t, cells, n, id);
	case TP_THREATS:
		return add_threat(t, cells, n, id);
	default:
		return MEDSEC_OK;
	}
}

/* "### DF-09 and DF-10: ..." names the flows of the threats below. */
static int
threat_heading(struct tp *t, const char *h)
{
	char tok[TM_ID_MAX];
	size_t n;

	t->nflows = 0;
	while (*h != '\0') {
		if (!isalnum((unsigned char)*h)) {
			h++;
			continue;
		}
		for (n = 0; (isalnum((unsigned char)h[n]) || h[n] == '-') &&
		    n + 1 < sizeof(tok); n++)
			tok[n] = h[n];
		tok[n] = '\0';
		h += n;
		while (isalnum((unsigned char)*h) || *h == '-')
			h++;
		if (tm_flow_find(t->tm, tok) == NULL)
			continue;
		if (t->nflows >= HEADING_FLOWS)
			return tp_fail(t, tok, "a heading names more than %d "
			    "data flows", HEADING_FLOWS);
		snprintf(t->flows[t->nflows++], TM_ID_MAX, "%s", tok);
	}
	return MEDSEC_OK;
}

static int
heading(struct tp *t, const char *s)
{
	int level = 0;

	while (s[level] == '#')
		level++;
	s += level;
	while (*s == ' ')
		s++;
	t->in_table = 0;
	if (level == 2) {
		t->nflows = 0;
		if (strncasecmp(s, "assets", 6) == 0)
			t->part = TP_ASSETS;
		else if (strncasecmp(s, "entry points", 12) == 0)
			t->part = TP_ENTRIES;
		else if (strncasecmp(s, "trust boundaries", 16) == 0)
			t->part = TP_BOUNDARIES;
		else if (strncasecmp(s, "data flows", 10) == 0)
			t->part = TP_FLOWS;
		else if (strncasecmp(s, "threats", 7) == 0)
			t->part = TP_THREATS;
		else
			t->part = TP_NONE;
		return MEDSEC_OK;
	}
	if (level >= 3 && t->part == TP_THREATS)
		return threat_heading(t, s);
	return MEDSEC_OK;
}

static int
table_line(struct tp *t, char *line)
{
	char *cells[CELLS_MAX];
	size_t n = split_row(line, cells);

	if (t->part == TP_NONE)
		return MEDSEC_OK;
	if (t->in_table == 0) {
		map_header(t, cells, n);
		t->in_table = 1;
		return MEDSEC_OK;
	}
	if (t->in_table == 1) {
		t->in_table = 2; /* the |---| separator */
		return MEDSEC_OK;
	}
	return data_row(t, cells, n);
}

/* UTF-8 without control characters; a tab or a CR before the newline
 * is allowed. */
static int
line_text_ok(const char *line)
{
	size_t i, start = 0, n = strlen(line);

	for (i = 0; i <= n; i++)
		if (i == n || line[i] == '\t' || (line[i] == '\r' && i + 1 == n)) {
			if (!cmp_text_ok(line + start, i - start))
				return 0;
			start = i + 1;
		}
	return 1;
}

static int
parse_lines(struct tp *t, char *text)
{
	char *line = text, *nl;
	int r;

	for (t->line = 1; line != NULL && *line != '\0'; t->line++) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (!line_text_ok(line))
			return tp_fail(t, NULL, "control characters or invalid "
			    "UTF-8");
		if (line[0] == '#')
			r = heading(t, line);
		else if (line[0] == '|')
			r = table_line(t, line);
		else {
			t->in_table = 0;
			r = MEDSEC_OK;
		}
		if (r != MEDSEC_OK)
			return r;
		line = nl != NULL ? nl + 1 : NULL;
	}
	return MEDSEC_OK;
}

int
threat_model_parse(const char *name, const char *text, size_t len,
    struct medsec_threat_model **tmp, struct medsec_config_error *err)
{
	struct tp t;
	char *copy = NULL;
	int r;

	*tmp = NULL;
	medsec_ini_err_clear(err, name);
	if (memchr(text, '\0', len) != NULL) {
		medsec_ini_err(err, 0, NULL, NULL, "a NUL byte: not text");
		return MEDSEC_ERR_CONFIG;
	}
	memset(&t, 0, sizeof(t));
	t.err = err;
	if ((t.tm = calloc(1, sizeof(*t.tm))) == NULL ||
	    (copy = malloc(len + 1)) == NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	snprintf(t.tm->path, sizeof(t.tm->path), "%s", name);
	if ((r = parse_lines(&t, copy)) != MEDSEC_OK)
		goto out;
	if (t.tm->nthreats == 0 || t.tm->nflows == 0) {
		medsec_ini_err(err, 0, NULL, NULL, "no data flow or no threat: "
		    "see docs/compliance/profile.md, 'Threat model'");
		r = MEDSEC_ERR_CONFIG;
		goto out;
	}
	*tmp = t.tm;
	t.tm = NULL;
out:
	free(copy);
	free(t.tm);
	return r;
}

int
threat_model_load(const char *profile_source, const char *path,
    struct medsec_threat_model **tmp, struct medsec_config_error *err)
{
	char full[MEDSEC_CONFIG_PATH_MAX], dir[MEDSEC_CONFIG_PATH_MAX];
	const char *slash;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*tmp = NULL;
	slash = profile_source != NULL ? strrchr(profile_source, '/') : NULL;
	if (path[0] == '/' || slash == NULL)
		r = snprintf(full, sizeof(full), "%s", path) <
		    (int)sizeof(full) ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
	else {
		snprintf(dir, sizeof(dir), "%.*s",
		    (int)(slash - profile_source), profile_source);
		r = snprintf(full, sizeof(full), "%s/%s", dir, path) <
		    (int)sizeof(full) ? MEDSEC_OK : MEDSEC_ERR_TOO_LARGE;
	}
	medsec_ini_err_clear(err, profile_source);
	if (r != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "threat model path '%.64s' "
		    "too long", path);
		return MEDSEC_ERR_CONFIG;
	}
	r = medsec_io_read_file(full, TM_FILE_MAX, 0, &buf, &len);
	if (r != MEDSEC_OK) {
		medsec_ini_err(err, 0, NULL, NULL, "threat model '%s': %s",
		    full, r == MEDSEC_ERR_TOO_LARGE ? "larger than 512 KiB" :
		    medsec_strerror(r));
		return r == MEDSEC_ERR_TOO_LARGE ? MEDSEC_ERR_CONFIG : r;
	}
	r = threat_model_parse(full, (const char *)buf, len, tmp, err);
	free(buf);
	return r;
}

void
threat_model_free(struct medsec_threat_model *tm)
{
	free(tm);
}
