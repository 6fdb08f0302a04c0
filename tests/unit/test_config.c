/*
 * The configuration parser: defaults, a full valid file, and every class
 * of error refused with the right line and key and nothing half-applied.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testmain.h"
#include "fixture.h"
#include "medsec/config.h"
#include "medsec/err.h"

static const char full[] =
    "; gateway configuration\n"
    "[device]\n"
    "id = gw-0001\n"
    "site = HOSP-A\n"
    "state_dir = /srv/medsec\n"
    "\n"
    "[crypto]\n"
    "profile = kcmvp\n"
    "\n"
    "[audit]\n"
    "epoch_records = 500\n"
    "epoch_seconds = 60\n"
    "segment_bytes = 1048576\n"
    "hostname = gw-0001.local\n";

static int
parse(const char *text, struct medsec_config *cfg,
    struct medsec_config_error *err)
{
	return medsec_config_parse("t.ini", text, strlen(text), cfg, err);
}

/*
 * Asserts that text is refused with the given line and key, and that the
 * struct is unchanged.
 */
static void
expect_error(const char *text, int line, const char *key)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;

	medsec_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.file, "t.ini");
	assert_int_equal(err.line, line);
	assert_string_equal(err.key, key);
	assert_true(err.message[0] != '\0');
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void
test_config_defaults(void **state)
{
	struct medsec_config cfg;

	(void)state;
	memset(&cfg, 0x55, sizeof(cfg));
	medsec_config_defaults(&cfg);
	assert_string_equal(cfg.device_id, "");
	assert_string_equal(cfg.site_id, "");
	assert_string_equal(cfg.state_dir, "/var/lib/medsec");
	assert_string_equal(cfg.crypto_profile, "approved");
	assert_int_equal(cfg.audit_epoch_records, 1000);
	assert_int_equal(cfg.audit_epoch_seconds, 3600);
	assert_int_equal(cfg.audit_segment_bytes, 16777216);
	assert_string_equal(cfg.audit_hostname, "");
}

static void
test_config_full_valid(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(full, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "gw-0001");
	assert_string_equal(cfg.site_id, "HOSP-A");
	assert_string_equal(cfg.state_dir, "/srv/medsec");
	assert_string_equal(cfg.crypto_profile, "kcmvp");
	assert_int_equal(cfg.audit_epoch_records, 500);
	assert_int_equal(cfg.audit_epoch_seconds, 60);
	assert_int_equal(cfg.audit_segment_bytes, 1048576);
	assert_string_equal(cfg.audit_hostname, "gw-0001.local");
}

static void
test_config_absent_keys_keep_values(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[device]\nid = a\n", &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "a");
	assert_string_equal(cfg.state_dir, "/var/lib/medsec");
	assert_int_equal(cfg.audit_epoch_records, 1000);
	assert_int_equal(parse("", &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "a");
}

static void
test_config_crlf_and_comments(void **state)
{
	static const char text[] =
	    "\xEF\xBB\xBF; semicolon comment\r\n"
	    "# hash comment\r\n"
	    "[device] ; after section\r\n"
	    "id = gw-2 ; inline\r\n"
	    "site = S1 # inline hash\r\n"
	    "\r\n"
	    "[audit]\r\n"
	    "epoch_seconds = 0\r\n";
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "gw-2");
	assert_string_equal(cfg.site_id, "S1");
	assert_int_equal(cfg.audit_epoch_seconds, 0);
}

static void
test_config_whitespace_trimmed(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("  [crypto]  \n\t profile\t=\t approved \t\n"
	    "[audit]\n   hostname=h.example   \n", &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.crypto_profile, "approved");
	assert_string_equal(cfg.audit_hostname, "h.example");
}

static void
test_config_segment_suffixes(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[audit]\nsegment_bytes = 64k\n", &cfg, &err),
	    MEDSEC_OK);
	assert_int_equal(cfg.audit_segment_bytes, 65536);
	assert_int_equal(parse("[audit]\nsegment_bytes = 16M\n", &cfg, &err),
	    MEDSEC_OK);
	assert_int_equal(cfg.audit_segment_bytes, 16777216);
	assert_int_equal(parse("[audit]\nsegment_bytes = 1G\n", &cfg, &err),
	    MEDSEC_OK);
	assert_int_equal(cfg.audit_segment_bytes, 1073741824);
	expect_error("[audit]\nsegment_bytes = 2G\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = 63k\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = 1T\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = 1kk\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = 99999999999999999999k\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = 18014398509481984k\n", 2,
	    "audit.segment_bytes");
	expect_error("[audit]\nsegment_bytes = k\n", 2,
	    "audit.segment_bytes");
}

static void
test_config_out_of_range_message(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	char buf[300];

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[audit]\n\nepoch_records = 5\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "audit.epoch_records");
	assert_string_equal(err.message, "value 5 out of range 16..1000000");
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf,
	    "t.ini:3: audit.epoch_records: value 5 out of range 16..1000000");
	expect_error("[audit]\nepoch_records = 1000001\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_seconds = 9\n", 2, "audit.epoch_seconds");
	expect_error("[audit]\nepoch_seconds = 86401\n", 2,
	    "audit.epoch_seconds");
	expect_error("[audit]\nepoch_records = 18446744073709551616\n", 2,
	    "audit.epoch_records");
}

static void
test_config_bad_numbers_refused(void **state)
{
	(void)state;
	expect_error("[audit]\nepoch_records = 12x\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_records = -100\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_records = +100\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_records = 0x100\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_records = 1 00\n", 2,
	    "audit.epoch_records");
	expect_error("[audit]\nepoch_seconds = 1.5\n", 2,
	    "audit.epoch_seconds");
	expect_error("[audit]\nepoch_records = 100k\n", 2,
	    "audit.epoch_records");
}

static void
test_config_unknown_section_refused(void **state)
{
	(void)state;
	expect_error("[device]\nid = a\n\n[network]\n", 4, "");
	expect_error("[device\nid = a\n", 1, "");
	expect_error("[device] junk\nid = a\n", 1, "");
	expect_error("[Device]\n", 1, "");
}

static void
test_config_unknown_key_refused_names_line(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	char buf[300];

	(void)state;
	expect_error("[device]\nid = a\n; c\ncolour = blue\n", 4,
	    "device.colour");
	/* A key valid in another section is still unknown here. */
	expect_error("[crypto]\nid = a\n", 2, "crypto.id");
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[audit]\nhostname = h\nbogus = 1\n", &cfg,
	    &err), MEDSEC_ERR_CONFIG);
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "t.ini:3: audit.bogus: unknown key");
}

static void
test_config_duplicate_key_refused(void **state)
{
	(void)state;
	expect_error("[device]\nid = a\nsite = b\nid = c\n", 4, "device.id");
	/* Repeating the section does not reset what was seen. */
	expect_error("[audit]\nhostname = a\n[device]\n[audit]\nhostname = b\n",
	    5, "audit.hostname");
}

static void
test_config_empty_value_refused(void **state)
{
	(void)state;
	expect_error("[device]\nid =\n", 2, "device.id");
	expect_error("[device]\nid =    ; only a comment\n", 2, "device.id");
	expect_error("[device]\nstate_dir = \t\n", 2, "device.state_dir");
	expect_error("[crypto]\nprofile =\n", 2, "crypto.profile");
	expect_error("[audit]\nepoch_records =\n", 2, "audit.epoch_records");
	expect_error("[audit]\nepoch_seconds = ;\n", 2,
	    "audit.epoch_seconds");
	expect_error("[audit]\nsegment_bytes =\r\n", 2,
	    "audit.segment_bytes");
}

static void
test_config_empty_optional_value_clears(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(full, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.site_id, "HOSP-A");
	/* site and hostname are optional: an empty value unsets them. */
	assert_int_equal(parse("[device]\nsite =\n[audit]\n"
	    "hostname = \t ; none\n", &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.site_id, "");
	assert_string_equal(cfg.audit_hostname, "");
	assert_string_equal(cfg.device_id, "gw-0001");
	/* Still counted as set: a second one is a duplicate. */
	expect_error("[device]\nsite =\nsite = x\n", 3, "device.site");
}

static void
test_config_header_example_accepted(void **state)
{
	/* The example in include/medsec/config.h, comments and all. */
	static const char text[] =
	    "[device]\n"
	    "id = gw-0001                 ; [A-Za-z0-9._-], 1..63\n"
	    "site = HOSP-A                ; optional, same alphabet\n"
	    "state_dir = /var/lib/medsec  ; absolute path\n"
	    "\n"
	    "[crypto]\n"
	    "profile = approved           ; approved | kcmvp\n"
	    "\n"
	    "[audit]\n"
	    "epoch_records = 1000         ; 16..1000000 records per MAC "
	    "epoch\n"
	    "epoch_seconds = 3600         ; 0 (off) or 10..86400\n"
	    "segment_bytes = 16777216     ; 65536..1073741824 (suffix k, M, "
	    "G ok)\n"
	    "hostname = gw-0001.local     ; syslog HOSTNAME, optional\n";
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "gw-0001");
	assert_string_equal(cfg.site_id, "HOSP-A");
	assert_string_equal(cfg.state_dir, "/var/lib/medsec");
	assert_string_equal(cfg.crypto_profile, "approved");
	assert_int_equal(cfg.audit_epoch_records, 1000);
	assert_int_equal(cfg.audit_epoch_seconds, 3600);
	assert_int_equal(cfg.audit_segment_bytes, 16777216);
	assert_string_equal(cfg.audit_hostname, "gw-0001.local");
}

static void
test_config_overflow_message_names_range(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse("[audit]\nsegment_bytes = 99999999999999999999"
	    "\n", &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.message, "value 99999999999999999999 out of "
	    "range 65536..1073741824");
	assert_int_equal(parse("[audit]\nepoch_records = 12x\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(err.message,
	    "invalid number '12x' (digits only)");
}

static void
test_config_bad_id_refused(void **state)
{
	char text[200];

	(void)state;
	expect_error("[device]\nid = gw 0001\n", 2, "device.id");
	expect_error("[device]\nid = gw/0001\n", 2, "device.id");
	expect_error("[device]\nsite = h\xc3\xa9pital\n", 2, "device.site");
	expect_error("[device]\nid = a;b\n", 2, "device.id");
	/* 63 characters fit, 64 do not. */
	snprintf(text, sizeof(text), "[device]\nid = %s\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	expect_error(text, 2, "device.id");
}

/* Asserts the refusal of text also quotes what was written. */
static void
expect_quoted(const char *text, int line, const char *key, const char *want)
{
	struct medsec_config cfg;
	struct medsec_config_error err;

	expect_error(text, line, key);
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_ERR_CONFIG);
	if (strstr(err.message, want) == NULL)
		fail_msg("'%s' not in: %s", want, err.message);
}

static void
test_config_refusals_name_the_value(void **state)
{
	char text[200];

	(void)state;
	expect_quoted("[device]\nid = gw 0001\n", 2, "device.id",
	    "value 'gw 0001': invalid character at position 3");
	expect_quoted("[device]\nstate_dir = var/lib/medsec\n", 2,
	    "device.state_dir", "'var/lib/medsec' is not an absolute path");
	expect_quoted("[device]\nstate_dir = /a\tb\n", 2, "device.state_dir",
	    "value '/a?b': invalid character at position 3");
	expect_quoted("[auth]\nroles_file = roles.ini\n", 2, "auth.roles_file",
	    "'roles.ini' is not an absolute path");
	expect_quoted("[audit]\nhostname = gw\x7f" "1\n", 2, "audit.hostname",
	    "value 'gw?1': invalid character at position 3");
	snprintf(text, sizeof(text), "[device]\nid = %s\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	expect_quoted(text, 2, "device.id", "is 64 characters, longer than 63");
	expect_quoted(text, 2, "device.id", "value 'aaaaaaaaaa");
	expect_quoted(text, 2, "device.id", "...'");
}

/* A configuration saved in CP949 is refused as such, not as a bad key. */
static void
test_config_cp949_file_refused_as_not_utf8(void **state)
{
	(void)state;
	expect_quoted("[device]\nid = gw-1\nsite = \xbc\xad\xbf\xef\n", 3,
	    "", "not UTF-8 (CP949/EUC-KR?) at line 3 byte 8");
}

static void
test_config_state_dir_must_be_absolute(void **state)
{
	(void)state;
	expect_error("[device]\nstate_dir = var/lib/medsec\n", 2,
	    "device.state_dir");
	expect_error("[device]\nstate_dir = ./x\n", 2, "device.state_dir");
	expect_error("[device]\nstate_dir = /a\tb\n", 2, "device.state_dir");
}

static void
test_config_unknown_profile_refused(void **state)
{
	(void)state;
	expect_error("[crypto]\nprofile = legacy\n", 2, "crypto.profile");
	expect_error("[crypto]\nprofile = Approved\n", 2, "crypto.profile");
	expect_error("[crypto]\nprofile = approvedx\n", 2, "crypto.profile");
}

static void
test_config_over_long_line_refused(void **state)
{
	char text[1200];
	size_t off;

	(void)state;
	/* Exactly MEDSEC_CONFIG_LINE_MAX bytes is fine (a comment here). */
	off = (size_t)snprintf(text, sizeof(text), "[audit]\n;");
	memset(text + off, 'c', MEDSEC_CONFIG_LINE_MAX - 1);
	off += MEDSEC_CONFIG_LINE_MAX - 1;
	memcpy(text + off, "\nhostname = h\n", 15);
	{
		struct medsec_config cfg;
		struct medsec_config_error err;

		medsec_config_defaults(&cfg);
		assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
		assert_string_equal(cfg.audit_hostname, "h");
	}
	/* One byte more is refused, even in a comment, naming the line. */
	off = (size_t)snprintf(text, sizeof(text), "[audit]\n\n;");
	memset(text + off, 'c', MEDSEC_CONFIG_LINE_MAX);
	off += MEDSEC_CONFIG_LINE_MAX;
	memcpy(text + off, "\n", 2);
	expect_error(text, 3, "");
	/* The same for a last line without a newline. */
	off = (size_t)snprintf(text, sizeof(text), "[audit]\nhostname = ");
	memset(text + off, 'h', MEDSEC_CONFIG_LINE_MAX);
	text[off + MEDSEC_CONFIG_LINE_MAX] = '\0';
	expect_error(text, 2, "");
}

static void
test_config_long_values_beyond_inih_buffer(void **state)
{
	char text[700], host[256];
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	/* A 255-byte hostname makes a line longer than inih's own buffer. */
	memset(host, 'h', 255);
	host[255] = '\0';
	snprintf(text, sizeof(text), "[audit]\nhostname = %s   ; max\n"
	    "epoch_records = 20\n", host);
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.audit_hostname, host);
	assert_int_equal(cfg.audit_epoch_records, 20);
	/* 256 bytes do not fit. */
	snprintf(text, sizeof(text), "[audit]\nhostname = %sh\n", host);
	expect_error(text, 2, "audit.hostname");
}

static void
test_config_nul_byte_refused(void **state)
{
	static const char text[] = "[device]\nid = a\nsite = b\0c\n";
	struct medsec_config cfg, before;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(medsec_config_parse("t.ini", text, sizeof(text) - 1,
	    &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 3);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void
test_config_too_large_refused(void **state)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;
	char *text;

	(void)state;
	assert_non_null(text = malloc(MEDSEC_CONFIG_FILE_MAX + 1));
	memset(text, '\n', MEDSEC_CONFIG_FILE_MAX + 1);
	medsec_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(medsec_config_parse("t.ini", text,
	    MEDSEC_CONFIG_FILE_MAX, &cfg, &err), MEDSEC_OK);
	assert_int_equal(medsec_config_parse("t.ini", text,
	    MEDSEC_CONFIG_FILE_MAX + 1, &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 0);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	free(text);
}

static void
test_config_key_outside_section_refused(void **state)
{
	(void)state;
	expect_error("; c\nid = a\n[device]\n", 2, "id");
}

static void
test_config_syntax_errors_refused(void **state)
{
	(void)state;
	expect_error("[device]\nid a\n", 2, "");
	expect_error("[device]\n= a\n", 2, "");
	expect_error("[device]\nid : a\n", 2, "");
	expect_error("[device]\nid = a\n  continued\n", 3, "");
}

static void
test_config_unchanged_on_error(void **state)
{
	struct medsec_config cfg, before;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_int_equal(parse(full, &cfg, &err), MEDSEC_OK);
	before = cfg;
	/* Valid keys before the bad one must not be applied. */
	assert_int_equal(parse("[device]\nid = other\n[crypto]\n"
	    "profile = approved\n[audit]\nepoch_records = 1\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 6);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void
test_config_load_file(void **state)
{
	char dir[64], path[128], link[128], big[128], msg[400];
	struct medsec_config cfg, before;
	struct medsec_config_error err;
	FILE *f;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/medsec-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/medsec.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(full, f);
	fclose(f);
	medsec_config_defaults(&cfg);
	assert_int_equal(medsec_config_load(path, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.device_id, "gw-0001");

	/* A symlink is refused. */
	before = cfg;
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(medsec_config_load(link, &cfg, &err),
	    MEDSEC_ERR_PERMISSION);
	assert_string_equal(err.file, link);
	assert_true(err.message[0] != '\0');
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	/* A file over the limit is a configuration error. */
	snprintf(big, sizeof(big), "%s/big.ini", dir);
	assert_non_null(f = fopen(big, "w"));
	for (i = 0; i <= MEDSEC_CONFIG_FILE_MAX / 8; i++)
		fputs(";comment\n", f);
	fclose(f);
	assert_int_equal(medsec_config_load(big, &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_int_equal(err.line, 0);
	medsec_config_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, big));
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	/* A missing file keeps its I/O code. */
	snprintf(big, sizeof(big), "%s/absent.ini", dir);
	assert_int_equal(medsec_config_load(big, &cfg, &err),
	    MEDSEC_ERR_NOT_FOUND);
	assert_true(err.message[0] != '\0');

	/* Errors in a loaded file name it. */
	assert_non_null(f = fopen(path, "w"));
	fputs("[device]\nid = a\nnope = 1\n", f);
	fclose(f);
	assert_int_equal(medsec_config_load(path, &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "device.nope");
	fixture_rmrf(dir);
}

static void
test_config_error_format(void **state)
{
	struct medsec_config_error err;
	char buf[300], small[8];

	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(err.message, sizeof(err.message), "boom");
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "boom");
	snprintf(err.file, sizeof(err.file), "f.ini");
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "f.ini: boom");
	err.line = 7;
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "f.ini:7: boom");
	snprintf(err.key, sizeof(err.key), "device.id");
	medsec_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "f.ini:7: device.id: boom");
	medsec_config_error_format(&err, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* [auth] and [session]: values read, and every bad one refused. */
static void
test_req_1_9_config_auth_keys_read(void **state)
{
	static const char text[] = "[auth]\npassword_profile = nist-800-63b\n"
	    "pwhash_ops = 3\npwhash_mem = 64M\nmax_failures = 3\n"
	    "lock_seconds = 0\nemergency_access = yes\n"
	    "roles_file = /etc/medsec/roles.ini\n[session]\n"
	    "idle_seconds = 300\nlifetime_seconds = 3600\n";
	struct medsec_config cfg;
	struct medsec_config_error err;

	(void)state;
	medsec_config_defaults(&cfg);
	assert_string_equal(cfg.auth_password_profile, "kr-pipc");
	assert_int_equal(cfg.auth_pwhash_mem, 19u << 20);
	assert_int_equal(cfg.session_idle_seconds, 600);
	assert_int_equal(parse(text, &cfg, &err), MEDSEC_OK);
	assert_string_equal(cfg.auth_password_profile, "nist-800-63b");
	assert_int_equal(cfg.auth_pwhash_ops, 3);
	assert_int_equal(cfg.auth_pwhash_mem, 64u << 20);
	assert_int_equal(cfg.auth_max_failures, 3);
	assert_int_equal(cfg.auth_lock_seconds, 0);
	assert_true(cfg.auth_emergency_access);
	assert_string_equal(cfg.auth_roles_file, "/etc/medsec/roles.ini");
	assert_int_equal(cfg.session_idle_seconds, 300);
	assert_int_equal(cfg.session_lifetime_seconds, 3600);
}

static void
test_req_1_9_config_weak_argon2_refused(void **state)
{
	(void)state;
	/* Below OWASP's Argon2id floor (m = 19 MiB, t = 2). */
	expect_error("[auth]\npwhash_mem = 18M\n", 2, "auth.pwhash_mem");
	expect_error("[auth]\npwhash_ops = 1\n", 2, "auth.pwhash_ops");
}

static void
test_req_1_4_config_bad_auth_values_refused(void **state)
{
	(void)state;
	expect_error("[auth]\npassword_profile = lax\n", 2,
	    "auth.password_profile");
	expect_error("[auth]\nmax_failures = 0\n", 2, "auth.max_failures");
	expect_error("[auth]\nemergency_access = maybe\n", 2,
	    "auth.emergency_access");
	expect_error("[auth]\nroles_file = roles.ini\n", 2,
	    "auth.roles_file");
}

static void
test_req_1_8_config_session_limits_checked(void **state)
{
	(void)state;
	expect_error("[session]\nidle_seconds = 10\n", 2,
	    "session.idle_seconds");
	/* A lifetime shorter than the idle limit is refused as a whole. */
	expect_error("[session]\nidle_seconds = 3600\n"
	    "lifetime_seconds = 600\n", 0, "session.lifetime_seconds");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_config_defaults),
	cmocka_unit_test(test_req_1_9_config_auth_keys_read),
	cmocka_unit_test(test_req_1_9_config_weak_argon2_refused),
	cmocka_unit_test(test_req_1_4_config_bad_auth_values_refused),
	cmocka_unit_test(test_req_1_8_config_session_limits_checked),
	cmocka_unit_test(test_config_full_valid),
	cmocka_unit_test(test_config_absent_keys_keep_values),
	cmocka_unit_test(test_config_crlf_and_comments),
	cmocka_unit_test(test_config_whitespace_trimmed),
	cmocka_unit_test(test_config_segment_suffixes),
	cmocka_unit_test(test_config_out_of_range_message),
	cmocka_unit_test(test_config_bad_numbers_refused),
	cmocka_unit_test(test_config_unknown_section_refused),
	cmocka_unit_test(test_config_unknown_key_refused_names_line),
	cmocka_unit_test(test_config_duplicate_key_refused),
	cmocka_unit_test(test_config_empty_value_refused),
	cmocka_unit_test(test_config_empty_optional_value_clears),
	cmocka_unit_test(test_config_header_example_accepted),
	cmocka_unit_test(test_config_overflow_message_names_range),
	cmocka_unit_test(test_config_bad_id_refused),
	cmocka_unit_test(test_config_refusals_name_the_value),
	cmocka_unit_test(test_config_cp949_file_refused_as_not_utf8),
	cmocka_unit_test(test_config_state_dir_must_be_absolute),
	cmocka_unit_test(test_config_unknown_profile_refused),
	cmocka_unit_test(test_config_over_long_line_refused),
	cmocka_unit_test(test_config_long_values_beyond_inih_buffer),
	cmocka_unit_test(test_config_nul_byte_refused),
	cmocka_unit_test(test_config_too_large_refused),
	cmocka_unit_test(test_config_key_outside_section_refused),
	cmocka_unit_test(test_config_syntax_errors_refused),
	cmocka_unit_test(test_config_unchanged_on_error),
	cmocka_unit_test(test_config_load_file),
	cmocka_unit_test(test_config_error_format),
};

MEDSEC_TEST_MAIN(tests)
