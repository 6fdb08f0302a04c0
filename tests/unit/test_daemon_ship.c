/*
 * Audit shipping's framing and cursor (src/daemon/shipper_frame.c, MFDS
 * 2.1): RFC 5425 octet counting, the RFC 5424 and IHE ATNA messages with
 * the record's sequence number, and the shipped cursor file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/config.h"
#include "medsec/err.h"
#include "../../src/daemon/shipper_frame.c"

static const struct medsec_audit_export_source source = { "pump-0042",
	"HOSP-A", NULL, "medsec", "1.0.0" };

static struct medsec_audit_record
record(uint64_t seq, const char *actor)
{
	struct medsec_audit_record r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.time_us = 1767225600000000LL; /* 2026-01-01T00:00:00Z */
	r.event = MEDSEC_EV_LOGIN_FAILURE;
	r.outcome = MEDSEC_AUDIT_FAILURE;
	r.actor = actor;
	r.source = "192.0.2.10";
	r.object = "session";
	r.reason = "bad password";
	r.details = "{\"attempt\":3}";
	return r;
}

/* Splits RFC 5425 frames; returns how many, each NUL-terminated copy in
 * msgs (caller frees). Fails the test on a malformed frame. */
static size_t
split_frames(const char *buf, size_t len, char *msgs[], size_t max)
{
	size_t n = 0, off = 0, mlen;
	char *end;

	while (off < len) {
		assert_true(n < max);
		assert_true(buf[off] >= '1' && buf[off] <= '9');
		mlen = strtoul(buf + off, &end, 10);
		assert_int_equal(*end, ' ');
		off = (size_t)(end - buf) + 1;
		assert_true(mlen <= len - off);
		msgs[n] = strndup(buf + off, mlen);
		assert_int_equal(strlen(msgs[n]), mlen);
		off += mlen;
		n++;
	}
	return n;
}

static void
test_daemon_ship_frame_counts_octets(void **state)
{
	char buf[32];
	size_t used = 0;

	(void)state;
	assert_int_equal(ship_frame(buf, sizeof(buf), &used, "abc", 3), 0);
	/* Octets, not characters: "é" is two. */
	assert_int_equal(ship_frame(buf, sizeof(buf), &used, "\xc3\xa9", 2),
	    0);
	assert_int_equal(used, 9);
	assert_memory_equal(buf, "3 abc2 \xc3\xa9", 9);
	/* No room: nothing written, nothing counted. */
	assert_int_equal(ship_frame(buf, sizeof(buf), &used,
	    "0123456789012345678901234", 25), -1);
	assert_int_equal(used, 9);
}

static void
test_req_2_1_daemon_ship_frames_carry_the_sequence_number(void **state)
{
	struct medsec_audit_record r = record(42, "nurse01");
	char *out = NULL, *msgs[4];
	size_t len = 0, n, i;

	(void)state;
	assert_int_equal(ship_render(&source, &r, MEDSEC_SHIP_SYSLOG |
	    MEDSEC_SHIP_ATNA, &out, &len), MEDSEC_OK);
	n = split_frames(out, len, msgs, 4);
	assert_int_equal(n, 2);
	/* RFC 5424: facility 10, the event as MSGID, seq in [meta]. */
	assert_non_null(strstr(msgs[0], " LOGIN_FAILURE [meta "
	    "sequenceId=\"42\"]"));
	assert_true(strncmp(msgs[0], "<8", 2) == 0);
	assert_non_null(strstr(msgs[0], "2026-01-01T00:00:00"));
	/* ATNA over syslog (ITI-20): MSGID IHE+RFC-3881, BOM, then XML. */
	assert_non_null(strstr(msgs[1], " pump-0042 medsec - IHE+RFC-3881 "
	    "[meta sequenceId=\"42\"] \xef\xbb\xbf<"));
	assert_non_null(strstr(msgs[1], "<AuditMessage"));
	assert_non_null(strstr(msgs[1], "110114"));
	for (i = 0; i < n; i++) {
		assert_null(strchr(msgs[i], '\n'));
		free(msgs[i]);
	}
	free(out);
	/* One format alone gives one frame. */
	assert_int_equal(ship_render(&source, &r, MEDSEC_SHIP_ATNA, &out,
	    &len), MEDSEC_OK);
	assert_int_equal(split_frames(out, len, msgs, 4), 1);
	assert_non_null(strstr(msgs[0], "IHE+RFC-3881"));
	free(msgs[0]);
	free(out);
}

static void
test_req_2_1_daemon_ship_hostile_field_cannot_forge_a_frame(void **state)
{
	struct medsec_audit_record r = record(7, "x\n20 <13>1 - forged\r\n");
	char *out = NULL, *msgs[4];
	size_t len = 0, n, i;

	(void)state;
	assert_int_equal(ship_render(&source, &r, MEDSEC_SHIP_SYSLOG |
	    MEDSEC_SHIP_ATNA, &out, &len), MEDSEC_OK);
	n = split_frames(out, len, msgs, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_null(strchr(msgs[i], '\n'));
		assert_null(strchr(msgs[i], '\r'));
		free(msgs[i]);
	}
	free(out);
}

static void
test_req_2_1_daemon_ship_cursor_kept_atomically_per_target(void **state)
{
	char dir[] = "/tmp/medsec-cursor-XXXXXX", path[64], tmp[80];
	uint64_t acked = 99;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ship.cursor", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* No file yet: nothing shipped. */
	assert_int_equal(ship_cursor_load(path, "127.0.0.1:6514", &acked),
	    MEDSEC_OK);
	assert_int_equal(acked, 0);
	assert_int_equal(ship_cursor_save(path, "127.0.0.1:6514", 1234),
	    MEDSEC_OK);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(ship_cursor_load(path, "127.0.0.1:6514", &acked),
	    MEDSEC_OK);
	assert_int_equal(acked, 1234);
	/* Another collector has seen nothing: it gets the whole trail. */
	assert_int_equal(ship_cursor_load(path, "192.0.2.1:6514", &acked),
	    MEDSEC_OK);
	assert_int_equal(acked, 0);
	/* A damaged file is said so; the caller starts from 0. */
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) >= 0);
	assert_int_equal(write(fd, "medsec-ship-cursor 1\nacked x\n", 29), 29);
	close(fd);
	assert_int_equal(ship_cursor_load(path, "127.0.0.1:6514", &acked),
	    MEDSEC_ERR_FORMAT);
	assert_int_equal(acked, 0);
	/* A target that would break the file's lines is refused. */
	assert_int_equal(ship_cursor_save(path, "a b", 1), MEDSEC_ERR_INVALID);
	unlink(path);
	rmdir(dir);
}

static void
test_req_2_1_daemon_ship_replay_window_before_the_cursor(void **state)
{
	(void)state;
	assert_int_equal(ship_resume_after(100, 16), 84);
	assert_int_equal(ship_resume_after(10, 16), 0);
	assert_int_equal(ship_resume_after(0, 0), 0);
	assert_int_equal(ship_resume_after(5, 0), 5);
}

#define SHIP_PIN "cert-sha256:" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static int
parse_ship(const char *lines, struct medsec_config *cfg,
    struct medsec_config_error *err)
{
	char text[2048];

	snprintf(text, sizeof(text), "[device]\nstate_dir = /tmp/x\n[ship]\n"
	    "%s", lines);
	medsec_config_defaults(cfg);
	memset(err, 0, sizeof(*err));
	return medsec_config_parse("ship.conf", text, strlen(text), cfg, err);
}

static void
test_daemon_ship_config_section_checked(void **state)
{
	struct medsec_config cfg;
	struct medsec_config_error err;
	const char *full = "target = 127.0.0.1:6514\nca_file = /etc/ca.pem\n"
	    "cert_file = /etc/c.pem\nkey_file = /etc/c.key\npin = " SHIP_PIN
	    "\n";
	char text[1024];

	(void)state;
	assert_int_equal(parse_ship(full, &cfg, &err), MEDSEC_OK);
	assert_true(cfg.ship_target.set);
	assert_int_equal(cfg.ship_formats, MEDSEC_SHIP_SYSLOG);
	assert_int_equal(cfg.ship_replay_window, 64);
	snprintf(text, sizeof(text), "%sformats = atna, syslog\n"
	    "replay_window = 0\n", full);
	assert_int_equal(parse_ship(text, &cfg, &err), MEDSEC_OK);
	assert_int_equal(cfg.ship_formats, MEDSEC_SHIP_SYSLOG |
	    MEDSEC_SHIP_ATNA);
	assert_int_equal(cfg.ship_replay_window, 0);
	/* No section, no shipping. */
	assert_int_equal(parse_ship("", &cfg, &err), MEDSEC_OK);
	assert_false(cfg.ship_target.set);
	/* A target without its pin is refused, naming the key. */
	assert_int_equal(parse_ship("target = 127.0.0.1:6514\nca_file = "
	    "/etc/ca.pem\ncert_file = /etc/c.pem\nkey_file = /etc/c.key\n",
	    &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.key, "ship.pin");
	assert_int_equal(parse_ship("target = 127.0.0.1:6514\npin = " SHIP_PIN
	    "\n", &cfg, &err), MEDSEC_ERR_CONFIG);
	assert_string_equal(err.key, "ship.ca_file");
	assert_int_equal(parse_ship("pin = sha1:00\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err.message, "sha1:00"));
	assert_int_equal(parse_ship("pin = cert-sha256:0011\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err.message, "64 hex digits"));
	assert_int_equal(parse_ship("formats = json\n", &cfg, &err),
	    MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err.message, "json"));
	assert_int_equal(parse_ship("target = collector.example:6514\n", &cfg,
	    &err), MEDSEC_ERR_CONFIG);
	assert_non_null(strstr(err.message, "collector.example"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_daemon_ship_config_section_checked),
	cmocka_unit_test(test_daemon_ship_frame_counts_octets),
	cmocka_unit_test(test_req_2_1_daemon_ship_frames_carry_the_sequence_number),
	cmocka_unit_test(test_req_2_1_daemon_ship_hostile_field_cannot_forge_a_frame),
	cmocka_unit_test(test_req_2_1_daemon_ship_cursor_kept_atomically_per_target),
	cmocka_unit_test(test_req_2_1_daemon_ship_replay_window_before_the_cursor),
};

MEDSEC_TEST_MAIN(tests)
