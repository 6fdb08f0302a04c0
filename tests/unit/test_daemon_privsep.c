/*
 * medsecd's privsep channel: framing over SOCK_SEQPACKET (one message per
 * datagram, one descriptor at most, lengths that must agree) and the
 * monitor's check of every request against the dispatch rules (known
 * type, exact size, terminated strings, allowed state). The monitor
 * treats anything refused here as a compromised worker.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "testmain.h"
#include "medsec/err.h"

/* The daemon is a program, not a library: its channel is compiled in. */
#include "../../src/daemon/privsep.c"

static union {
	uint64_t align;
	uint8_t buf[PRIVSEP_MSG_MAX];
} rx;

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void
test_privsep_message_arrives_whole_with_its_id(void **state)
{
	struct ps_login_req req, got;
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int sv[2], fd;

	(void)state;
	pair(sv);
	memset(&req, 0, sizeof(req));
	strcpy(req.user, "nurse01");
	strcpy(req.from.source, "192.0.2.1");
	assert_int_equal(privsep_send(sv[0], PS_LOGIN, 42, &req, sizeof(req),
	    -1), MEDSEC_OK);
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_OK);
	assert_int_equal(hdr.type, PS_LOGIN);
	assert_int_equal(hdr.id, 42);
	assert_int_equal(hdr.len, sizeof(req));
	assert_int_equal(fd, -1);
	memcpy(&got, payload, sizeof(got));
	assert_string_equal(got.user, "nurse01");
	/* Nothing more waiting: BUSY, not a block. */
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_ERR_BUSY);
	close(sv[0]);
	close(sv[1]);
}

static void
test_privsep_descriptor_travels_with_its_flag(void **state)
{
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int sv[2], p[2], fd;
	char c = 0;

	(void)state;
	pair(sv);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(privsep_send(sv[0], PS_HEALTH, 1, "", 0, p[0]),
	    MEDSEC_OK);
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_OK);
	assert_true(fd >= 0);
	assert_true((hdr.flags & PRIVSEP_F_FD) != 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'x');
	close(fd);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/* Raw datagrams a misbehaving worker could send. */
static void
test_privsep_lying_length_or_stray_descriptor_is_refused(void **state)
{
	struct privsep_hdr hdr, bad;
	const uint8_t *payload;
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct cmsghdr *cmsg;
	int sv[2], p[2], fd;

	(void)state;
	pair(sv);
	/* Header says 100 bytes follow; none do. */
	memset(&bad, 0, sizeof(bad));
	bad.type = PS_HEALTH;
	bad.len = 100;
	assert_int_equal(send(sv[0], &bad, sizeof(bad), 0), sizeof(bad));
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_ERR_FORMAT);
	/* Shorter than a header. */
	assert_int_equal(send(sv[0], "abc", 3, 0), 3);
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_ERR_FORMAT);
	/* A descriptor the header does not announce: refused and closed. */
	assert_int_equal(pipe(p), 0);
	bad.len = 0;
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = &bad;
	iov.iov_len = sizeof(bad);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &p[0], sizeof(int));
	assert_true(sendmsg(sv[0], &msg, 0) > 0);
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_ERR_FORMAT);
	assert_int_equal(fd, -1);
	/* Peer gone: IO, so the monitor waits for SIGCHLD. */
	close(sv[0]);
	assert_int_equal(privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd),
	    MEDSEC_ERR_IO);
	close(p[0]);
	close(p[1]);
	close(sv[1]);
}

static void
test_privsep_message_over_64k_is_not_sent(void **state)
{
	static uint8_t big[PRIVSEP_MSG_MAX];
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(privsep_send(sv[0], PS_HEALTH, 1, big,
	    PRIVSEP_BODY_MAX + 1, -1), MEDSEC_ERR_TOO_LARGE);
	assert_int_equal(privsep_send2(sv[0], PS_REPLY, 1, big, 100, big,
	    PRIVSEP_BODY_MAX), MEDSEC_ERR_TOO_LARGE);
	close(sv[0]);
	close(sv[1]);
}

static int
check(uint32_t type, const void *payload, size_t len, unsigned state,
    char *why, size_t whylen)
{
	const struct privsep_rule *rule = NULL;
	struct privsep_hdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	return privsep_check(privsep_rules, privsep_nrules, &hdr, payload,
	    state, &rule, why, whylen);
}

static void
test_privsep_dispatch_accepts_a_well_formed_request(void **state)
{
	struct ps_token_req req;
	char why[160];

	(void)state;
	memset(&req, 0, sizeof(req));
	strcpy(req.token, "abc");
	assert_int_equal(check(PS_SESSION_GET, &req, sizeof(req),
	    PS_STATE_SERVING, why, sizeof(why)), MEDSEC_OK);
}

static void
test_privsep_dispatch_refuses_unknown_type_and_wrong_size(void **state)
{
	struct ps_token_req req;
	char why[160];

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(check(9999, &req, sizeof(req), PS_STATE_SERVING, why,
	    sizeof(why)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(why, "unknown message type 9999"));
	assert_int_equal(check(PS_SESSION_GET, &req, sizeof(req) - 1,
	    PS_STATE_SERVING, why, sizeof(why)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(why, "session_get"));
	/* A monitor-to-worker type is unknown to the monitor. */
	assert_int_equal(check(PS_REPLY, &req, sizeof(req), PS_STATE_SERVING,
	    why, sizeof(why)), MEDSEC_ERR_FORMAT);
}

static void
test_privsep_dispatch_refuses_unterminated_string(void **state)
{
	struct ps_user_action_req req;
	char why[160];

	(void)state;
	memset(&req, 0, sizeof(req));
	strcpy(req.token, "abc");
	memset(req.name, 'a', sizeof(req.name));
	assert_int_equal(check(PS_USER_ACTION, &req, sizeof(req),
	    PS_STATE_SERVING, why, sizeof(why)), MEDSEC_ERR_FORMAT);
	assert_non_null(strstr(why, "not terminated"));
	req.name[0] = '\0';
	memset(req.from.source, 'x', sizeof(req.from.source));
	assert_int_equal(check(PS_USER_ACTION, &req, sizeof(req),
	    PS_STATE_SERVING, why, sizeof(why)), MEDSEC_ERR_FORMAT);
}

static void
test_privsep_dispatch_refuses_request_in_wrong_state(void **state)
{
	struct ps_worker_ready_req ready;
	struct ps_health_req health;
	char why[160];

	(void)state;
	memset(&ready, 0, sizeof(ready));
	memset(&health, 0, sizeof(health));
	/* Before the sandbox is in place, no API request is served ... */
	assert_int_equal(check(PS_HEALTH, &health, sizeof(health),
	    PS_STATE_STARTING, why, sizeof(why)), MEDSEC_ERR_STATE);
	/* ... and "ready" is said once, not again while serving. */
	assert_int_equal(check(PS_WORKER_READY, &ready, sizeof(ready),
	    PS_STATE_STARTING, why, sizeof(why)), MEDSEC_OK);
	assert_int_equal(check(PS_WORKER_READY, &ready, sizeof(ready),
	    PS_STATE_SERVING, why, sizeof(why)), MEDSEC_ERR_STATE);
}

/* Every rule's string fields lie inside its struct; types are unique. */
static void
test_privsep_rules_are_consistent(void **state)
{
	const struct ps_field *f;
	size_t i, j;

	(void)state;
	for (i = 0; i < privsep_nrules; i++) {
		assert_true(privsep_rules[i].size > 0);
		assert_true(privsep_rules[i].size <= PRIVSEP_BODY_MAX);
		for (f = privsep_rules[i].strings; f->size != 0; f++)
			assert_true(f->offset + f->size <=
			    privsep_rules[i].size);
		for (j = i + 1; j < privsep_nrules; j++)
			assert_int_not_equal(privsep_rules[i].type,
			    privsep_rules[j].type);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_privsep_message_arrives_whole_with_its_id),
	cmocka_unit_test(test_privsep_descriptor_travels_with_its_flag),
	cmocka_unit_test(test_privsep_lying_length_or_stray_descriptor_is_refused),
	cmocka_unit_test(test_privsep_message_over_64k_is_not_sent),
	cmocka_unit_test(test_privsep_dispatch_accepts_a_well_formed_request),
	cmocka_unit_test(test_privsep_dispatch_refuses_unknown_type_and_wrong_size),
	cmocka_unit_test(test_privsep_dispatch_refuses_unterminated_string),
	cmocka_unit_test(test_privsep_dispatch_refuses_request_in_wrong_state),
	cmocka_unit_test(test_privsep_rules_are_consistent),
};

MEDSEC_TEST_MAIN(tests)
