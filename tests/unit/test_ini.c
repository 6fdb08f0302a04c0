/*
 * The strict INI reader under the configuration, profile and roles
 * parsers: line numbers, what it refuses before inih sees anything, and
 * the callbacks' view of sections, keys and whole values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testmain.h"
#include "core/ini.h"
#include "medsec/config.h"
#include "medsec/err.h"

#define LINE_MAX_TEST 512

/* What the callbacks saw, one "S<line>:<name>" or "K<line>:..." each. */
struct seen {
	char log[4096];
	size_t off;
	int stop_key_line;	/* key callback fails on this line */
	int stop_quietly;	/* ... without writing a message */
	int stop_section_line;	/* section callback fails on this line */
	const char *canon;	/* name handed back; NULL: as written */
	char canon_buf[64];
	char value[1024];	/* the last value, whole */
	size_t vallen;
	struct medsec_config_error *err;
};

static void
append(struct seen *s, const char *str)
{
	size_t n = strlen(str);

	assert_true(n < sizeof(s->log) - s->off);
	memcpy(s->log + s->off, str, n + 1);
	s->off += n;
}

static int
on_section(void *ctx, const char *name, size_t namelen, int line,
    const char **canon)
{
	struct seen *s = ctx;
	char shown[64], entry[96];

	medsec_ini_copy(shown, sizeof(shown), name, namelen);
	snprintf(entry, sizeof(entry), "S%d:%s|", line, shown);
	append(s, entry);
	if (line == s->stop_section_line) {
		medsec_ini_err(s->err, line, NULL, NULL, "section refused");
		return MEDSEC_ERR_CONFIG;
	}
	if (s->canon != NULL) {
		*canon = s->canon;
		return MEDSEC_OK;
	}
	medsec_ini_copy(s->canon_buf, sizeof(s->canon_buf), name, namelen);
	*canon = s->canon_buf;
	return MEDSEC_OK;
}

static int
on_key(void *ctx, const char *section, const char *key, const char *value,
    size_t vallen, int line)
{
	struct seen *s = ctx;
	char shown[64], entry[256];

	assert_non_null(value);
	assert_true(vallen < sizeof(s->value));
	memcpy(s->value, value, vallen);
	s->value[vallen] = '\0';
	s->vallen = vallen;
	medsec_ini_excerpt(shown, sizeof(shown), value, vallen);
	snprintf(entry, sizeof(entry), "K%d:%s.%s=%s|", line, section, key,
	    shown);
	append(s, entry);
	if (line == s->stop_key_line) {
		if (!s->stop_quietly)
			medsec_ini_err(s->err, line, section, key,
			    "key refused");
		return MEDSEC_ERR_CONFIG;
	}
	return MEDSEC_OK;
}

static const struct medsec_ini_handler handler = {
	"test text", on_section, on_key, NULL
};

static int
parse_len(struct seen *s, const char *text, size_t len,
    const struct medsec_ini_handler *h, struct medsec_config_error *err)
{
	s->err = err;
	medsec_ini_err_clear(err, "t.ini");
	return medsec_ini_parse(text, len, LINE_MAX_TEST, h, s, err);
}

static int
parse(struct seen *s, const char *text, struct medsec_config_error *err)
{
	return parse_len(s, text, strlen(text), &handler, err);
}

/* Asserts a refusal on line with key and message, file name kept. */
static void
refused(const char *text, int line, const char *key, const char *msg)
{
	struct medsec_config_error err;
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, text, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.file, "t.ini");
	if (err.line != line || strcmp(err.key, key) != 0 ||
	    strcmp(err.message, msg) != 0)
		fail_msg("got %d: '%s': '%s'; want %d: '%s': '%s'", err.line,
		    err.key, err.message, line, key, msg);
}

static void
test_ini_sections_and_keys_report_their_lines(void **state)
{
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s,
	    "; comment\n"
	    "\n"
	    "top = 1\n"
	    "[alpha]\n"
	    "  key.one = a value  \n"
	    "\t# indented comment\n"
	    "[beta]\n"
	    "[gamma] ; a comment after the header\n"
	    "k-2 =\n"
	    "k_3 = x ; comment\n"
	    "k4 = a;b#c\n", &err), MEDSEC_OK);
	assert_string_equal(s.log,
	    "K3:.top=1|"
	    "S4:alpha|"
	    "K5:alpha.key.one=a value|"
	    "S7:beta|"
	    "S8:gamma|"
	    "K9:gamma.k-2=|"
	    "K10:gamma.k_3=x|"
	    "K11:gamma.k4=a;b#c|");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "");
}

static void
test_ini_indented_line_is_not_a_continuation(void **state)
{
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	/* inih alone would append "  b = 2" to a's value. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, "[s]\na = 1\n  b = 2\n", &err), MEDSEC_OK);
	assert_string_equal(s.log, "S1:s|K2:s.a=1|K3:s.b=2|");
}

static void
test_ini_bom_skipped_on_first_line_only(void **state)
{
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, "\xEF\xBB\xBF[s]\nk = v\n", &err),
	    MEDSEC_OK);
	assert_string_equal(s.log, "S1:s|K2:s.k=v|");
	refused("[s]\n\xEF\xBB\xBFk = v\n", 2, "",
	    "invalid key name '???k'");
}

static void
test_ini_crlf_lines_read_as_lf(void **state)
{
	struct medsec_config_error err;
	struct seen s;
	char text[LINE_MAX_TEST + 32];
	size_t off;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, "[s]\r\nk = v\r\n\r\nj = w", &err),
	    MEDSEC_OK);
	assert_string_equal(s.log, "S1:s|K2:s.k=v|K4:s.j=w|");
	/* The CR of a CRLF does not count towards the line limit. */
	off = (size_t)snprintf(text, sizeof(text), "[s]\n;");
	memset(text + off, 'c', LINE_MAX_TEST - 1);
	off += LINE_MAX_TEST - 1;
	memcpy(text + off, "\r\n", 3);
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, text, &err), MEDSEC_OK);
}

static void
test_ini_long_line_refused_naming_line(void **state)
{
	struct medsec_config_error err;
	struct seen s;
	char text[LINE_MAX_TEST + 32];
	size_t off;

	(void)state;
	/* Exactly line_max bytes is fine, one more is refused. */
	off = (size_t)snprintf(text, sizeof(text), "[s]\n\nk = ");
	memset(text + off, 'v', LINE_MAX_TEST - 4);
	off += LINE_MAX_TEST - 4;
	memcpy(text + off, "\n", 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, text, &err), MEDSEC_OK);
	assert_int_equal(s.vallen, LINE_MAX_TEST - 4);
	memcpy(text + off, "v\n", 3);
	memset(&s, 0, sizeof(s));
	refused(text, 3, "", "line longer than 512 bytes");
	/* Refused before inih or any callback sees a line. */
	assert_int_equal(parse(&s, text, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(s.log, "");
	/* A last line without a newline is measured too. */
	text[off + 1] = '\0';
	refused(text, 3, "", "line longer than 512 bytes");
}

static void
test_ini_nul_byte_refused_naming_line(void **state)
{
	static const char text[] = "[s]\nk = v\nj = a\0b\n";
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_len(&s, text, sizeof(text) - 1, &handler,
	    &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "");
	assert_string_equal(err.message, "NUL byte in test text");
	assert_string_equal(s.log, "");
}

static void
test_ini_value_not_truncated_at_500_bytes(void **state)
{
	struct medsec_config_error err;
	struct seen s;
	char text[700], want[501];
	size_t i, off;

	(void)state;
	/* inih's own line buffer is 200 bytes; the value never passes it. */
	for (i = 0; i < 500; i++)
		want[i] = (char)('a' + i % 26);
	want[500] = '\0';
	off = (size_t)snprintf(text, sizeof(text), "[s]\nk = %s\nj = 2\n",
	    want);
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_len(&s, text, off, &handler, &err), MEDSEC_OK);
	assert_true(strstr(s.log, "K2:s.k=") != NULL);
	assert_true(strstr(s.log, "K3:s.j=2|") != NULL);
	/* The last value seen is j's; parse k alone to check it whole. */
	off = (size_t)snprintf(text, sizeof(text), "[s]\nk = %s ; c\n", want);
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_len(&s, text, off, &handler, &err), MEDSEC_OK);
	assert_int_equal(s.vallen, 500);
	assert_string_equal(s.value, want);
}

static void
test_ini_key_callback_error_stops_parsing(void **state)
{
	struct medsec_config_error err;
	struct seen s;
	const char *text = "[s]\na = 1\nb = 2\nc = 3\n[t]\n";

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_key_line = 3;
	assert_int_equal(parse(&s, text, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(s.log, "S1:s|K2:s.a=1|K3:s.b=2|");
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "s.b");
	assert_string_equal(err.message, "key refused");
	/* A callback that stops without saying why still names the line. */
	memset(&s, 0, sizeof(s));
	s.stop_key_line = 4;
	s.stop_quietly = 1;
	assert_int_equal(parse(&s, text, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.message, "internal parser error");
	assert_string_equal(s.log, "S1:s|K2:s.a=1|K3:s.b=2|K4:s.c=3|");
}

static void
test_ini_section_callback_sees_empty_ones_and_stops(void **state)
{
	struct medsec_config_error err;
	struct seen s;
	const char *text = "[a]\n[b]\n\n[c]\nk = v\n[d]\n";

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse(&s, text, &err), MEDSEC_OK);
	assert_string_equal(s.log, "S1:a|S2:b|S4:c|K5:c.k=v|S6:d|");
	memset(&s, 0, sizeof(s));
	s.stop_section_line = 4;
	assert_int_equal(parse(&s, text, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(s.log, "S1:a|S2:b|S4:c|");
	assert_int_equal(err.line, 4);
	assert_string_equal(err.message, "section refused");
}

static void
test_ini_section_name_given_raw_and_tracked_canonical(void **state)
{
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	/* The callback sees the header as written and names it for inih. */
	memset(&s, 0, sizeof(s));
	s.canon = "role x";
	assert_int_equal(parse(&s, "[ role   x ]\nk = v\n", &err),
	    MEDSEC_OK);
	assert_string_equal(s.log, "S1: role   x |K2:role x.k=v|");
	/* A name inih would read back differently is never handed over. */
	memset(&s, 0, sizeof(s));
	s.canon = "a;b";
	assert_int_equal(parse(&s, "[s]\n", &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.message, "internal parser error");
	memset(&s, 0, sizeof(s));
	s.canon = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij";
	assert_int_equal(parse(&s, "[s]\n", &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.message, "internal parser error");
}

static void
test_ini_syntax_refused_naming_line(void **state)
{
	char text[64];

	(void)state;
	refused("[s]\nk v\n", 2, "", "expected 'key = value', found 'k v'");
	refused("[s]\n = v\n", 2, "", "missing key name");
	refused("[s]\nk y = v\n", 2, "", "invalid key name 'k y'");
	refused("[s]\nk:y = v\n", 2, "", "invalid key name 'k:y'");
	refused("[s]\nk\x01 = v\n", 2, "", "invalid key name 'k?'");
	refused("\n[s\nk = v\n", 2, "",
	    "section header without closing ']': '[s'");
	refused("[s] x\n", 1, "", "unexpected text after section header: 'x'");
	refused("[s]]\n", 1, "", "unexpected text after section header: ']'");
	/* Key names: 40 characters fit, 41 do not. */
	snprintf(text, sizeof(text), "%.40s = 1\n",
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
	{
		struct medsec_config_error err;
		struct seen s;

		memset(&s, 0, sizeof(s));
		assert_int_equal(parse(&s, text, &err), MEDSEC_OK);
	}
	snprintf(text, sizeof(text), "%.41s = 1\n",
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
	refused(text, 1, "", "invalid key name "
	    "'abcdefghijabcdefghijabcdefghijabcdefghija'");
}

/* Words faults its own way, as the device profile does. */
static void
reword(void *ctx, enum medsec_ini_fault fault, const char *text, size_t len,
    struct medsec_config_error *err)
{
	char shown[48];

	(void)ctx;
	if (fault == MEDSEC_INI_BAD_KEY) {
		medsec_ini_excerpt(shown, sizeof(shown), text, len);
		medsec_ini_err(err, err->line, NULL, shown, "bad key");
	} else if (fault == MEDSEC_INI_LONG_LINE) {
		medsec_ini_err(err, err->line, NULL, NULL, "too long");
	}
}

static void
test_ini_fault_hook_rewords(void **state)
{
	static const struct medsec_ini_handler h = {
		"test text", on_section, on_key, reword
	};
	struct medsec_config_error err;
	struct seen s;
	char text[LINE_MAX_TEST + 32];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_len(&s, "[s]\n\nk y = 1\n", 12, &h, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "k y");
	assert_string_equal(err.message, "bad key");
	memset(text, 'x', sizeof(text));
	assert_int_equal(parse_len(&s, text, sizeof(text), &h, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.message, "too long");
	/* Faults it leaves alone keep the standard wording. */
	assert_int_equal(parse_len(&s, "[s]\nk\n", 6, &h, &err),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(err.message, "expected 'key = value', found 'k'");
}

static void
test_ini_empty_text_and_arguments(void **state)
{
	struct medsec_config_error err;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_len(&s, NULL, 0, &handler, &err), MEDSEC_OK);
	assert_int_equal(parse_len(&s, "", 0, &handler, &err), MEDSEC_OK);
	assert_int_equal(parse_len(&s, "\n\n; only comments\n", 18, &handler,
	    &err), MEDSEC_OK);
	assert_string_equal(s.log, "");
	assert_int_equal(parse_len(&s, NULL, 3, &handler, &err),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(parse_len(&s, "", 0, NULL, &err),
	    MEDSEC_ERR_INVALID);
	assert_string_equal(err.message, "invalid arguments");
	assert_string_equal(err.file, "t.ini");
}

static void
test_ini_err_names_section_and_key(void **state)
{
	struct medsec_config_error err;

	(void)state;
	medsec_ini_err_clear(&err, "f.ini");
	medsec_ini_err(&err, 7, "audit", "hostname", "bad %s", "name");
	assert_string_equal(err.file, "f.ini");
	assert_int_equal(err.line, 7);
	assert_string_equal(err.key, "audit.hostname");
	assert_string_equal(err.message, "bad name");
	medsec_ini_err(&err, 1, "role nurse", NULL, "m");
	assert_string_equal(err.key, "role nurse");
	medsec_ini_err(&err, 1, NULL, "top", "m");
	assert_string_equal(err.key, "top");
	medsec_ini_err(&err, 1, "", "top", "m");
	assert_string_equal(err.key, "top");
	medsec_ini_err(&err, 0, NULL, NULL, "m");
	assert_string_equal(err.key, "");
	assert_int_equal(err.line, 0);
}

static void
test_ini_excerpt_is_printable_and_marks_cuts(void **state)
{
	char out[12], tiny[3];

	(void)state;
	medsec_ini_excerpt(out, sizeof(out), "a\x1b[0m", 5);
	assert_string_equal(out, "a?[0m");
	medsec_ini_excerpt(out, sizeof(out), "\xc3\xa9\n", 3);
	assert_string_equal(out, "???");
	/* At most 8 bytes fit with the "..." and the NUL. */
	medsec_ini_excerpt(out, sizeof(out), "abcdefgh", 8);
	assert_string_equal(out, "abcdefgh");
	medsec_ini_excerpt(out, sizeof(out), "abcdefghi", 9);
	assert_string_equal(out, "abcdefgh...");
	medsec_ini_excerpt(tiny, sizeof(tiny), "abc", 3);
	assert_string_equal(tiny, "");
}

static void
test_ini_trim_blanks(void **state)
{
	const char *s = " \t\r\f\vab c \r";
	size_t n = strlen(s);

	(void)state;
	medsec_ini_trim(&s, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(s, "ab c", 4);
	s = "  ";
	n = 2;
	medsec_ini_trim(&s, &n);
	assert_int_equal(n, 0);
}

/* A parser for medsec_ini_load(): runs the reader, records the name. */
static int
load_parse(const char *name, const char *text, size_t len, void *out,
    struct medsec_config_error *err)
{
	struct seen *s = out;
	int r;

	s->err = err;
	r = medsec_ini_parse(text, len, LINE_MAX_TEST, &handler, s, err);
	medsec_ini_copy(s->value, sizeof(s->value), name, strlen(name));
	return r;
}

static void
write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_ini_load_reads_file_or_says_why_not(void **state)
{
	char dir[] = "/tmp/medsec-ini-XXXXXX", path[64], link[64], big[64];
	struct medsec_config_error err;
	struct seen s;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.ini", dir);
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	snprintf(big, sizeof(big), "%s/big.ini", dir);
	write_text(path, "[s]\nk = v\n", 10);
	memset(&s, 0, sizeof(s));
	assert_int_equal(medsec_ini_load(path, load_parse, &s, &err),
	    MEDSEC_OK);
	assert_string_equal(s.log, "S1:s|K2:s.k=v|");
	assert_string_equal(s.value, path);
	/* Errors from the text name the file and line. */
	write_text(path, "[s]\nk v\n", 8);
	assert_int_equal(medsec_ini_load(path, load_parse, &s, &err),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(medsec_ini_load(link, load_parse, &s, &err),
	    MEDSEC_ERR_PERMISSION);
	assert_string_equal(err.file, link);
	assert_string_equal(err.message,
	    "is a symbolic link; name the file itself");
	assert_int_equal(medsec_ini_load(dir, load_parse, &s, &err),
	    MEDSEC_ERR_FORMAT);
	assert_string_equal(err.message, "not a regular file");
	text = calloc(1, MEDSEC_CONFIG_FILE_MAX + 1);
	assert_non_null(text);
	memset(text, '\n', MEDSEC_CONFIG_FILE_MAX + 1);
	write_text(big, text, MEDSEC_CONFIG_FILE_MAX + 1);
	free(text);
	assert_int_equal(medsec_ini_load(big, load_parse, &s, &err),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(err.message, "file larger than 65536 bytes");
	assert_int_equal(unlink(big), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(medsec_ini_load(path, load_parse, &s, &err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_string_equal(err.message, "no such file");
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(medsec_ini_load(NULL, load_parse, &s, &err),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_ini_load(path, load_parse, NULL, NULL),
	    MEDSEC_ERR_INVALID);
}

/*
 * Every INI reader starts with medsec_ini_begin(): a file saved in CP949
 * or EUC-KR (Korean Windows editors) is named as such, with the line and
 * the byte, wherever the bytes are (a value, a key, even a comment).
 */
static void
test_ini_begin_refuses_text_that_is_not_utf8(void **state)
{
	/* "한국" in CP949: c7 d1 b1 b9. */
	static const char cp949[] = "[s]\nk = v\n; \xc7\xd1\xb1\xb9\n";
	static const char utf8[] = "[s]\nk = \xed\x95\x9c\xea\xb5\xad\n";
	static const char truncated[] = "[s]\nk = \xed\x95";
	struct medsec_config_error scratch, *err = NULL;

	(void)state;
	assert_int_equal(medsec_ini_begin("t.ini", cp949, strlen(cp949), 1,
	    &err, &scratch), MEDSEC_ERR_CONFIG);
	assert_ptr_equal(err, &scratch);
	assert_string_equal(err->file, "t.ini");
	assert_int_equal(err->line, 3);
	assert_string_equal(err->message, "not UTF-8 (CP949/EUC-KR?) at line "
	    "3 byte 3 (0xc7); save the file as UTF-8");
	err = NULL;
	assert_int_equal(medsec_ini_begin("t.ini", truncated,
	    strlen(truncated), 1, &err, &scratch), MEDSEC_ERR_CONFIG);
	assert_int_equal(err->line, 2);
	assert_non_null(strstr(err->message, "line 2 byte 5 (0xed)"));
	err = NULL;
	assert_int_equal(medsec_ini_begin("t.ini", utf8, strlen(utf8), 1,
	    &err, &scratch), MEDSEC_OK);
	assert_string_equal(err->message, "");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ini_begin_refuses_text_that_is_not_utf8),
	cmocka_unit_test(test_ini_sections_and_keys_report_their_lines),
	cmocka_unit_test(test_ini_indented_line_is_not_a_continuation),
	cmocka_unit_test(test_ini_bom_skipped_on_first_line_only),
	cmocka_unit_test(test_ini_crlf_lines_read_as_lf),
	cmocka_unit_test(test_ini_long_line_refused_naming_line),
	cmocka_unit_test(test_ini_nul_byte_refused_naming_line),
	cmocka_unit_test(test_ini_value_not_truncated_at_500_bytes),
	cmocka_unit_test(test_ini_key_callback_error_stops_parsing),
	cmocka_unit_test(test_ini_section_callback_sees_empty_ones_and_stops),
	cmocka_unit_test(test_ini_section_name_given_raw_and_tracked_canonical),
	cmocka_unit_test(test_ini_syntax_refused_naming_line),
	cmocka_unit_test(test_ini_fault_hook_rewords),
	cmocka_unit_test(test_ini_empty_text_and_arguments),
	cmocka_unit_test(test_ini_err_names_section_and_key),
	cmocka_unit_test(test_ini_excerpt_is_printable_and_marks_cuts),
	cmocka_unit_test(test_ini_trim_blanks),
	cmocka_unit_test(test_ini_load_reads_file_or_says_why_not),
};

MEDSEC_TEST_MAIN(tests)
