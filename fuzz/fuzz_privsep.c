/*
 * The monitor's check of a worker message: the bytes come from the
 * unprivileged worker, which may be compromised. Whatever the datagram,
 * the framing and the dispatch check either refuse it or hand on a
 * payload of exactly the rule's size with every string field
 * terminated inside its array, in a state the rule allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "medsec/err.h"
#include "../src/daemon/privsep.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static union {
	uint64_t align;
	uint8_t buf[PRIVSEP_MSG_MAX];
} rx;

static void
check_in_state(const struct privsep_hdr *hdr, const uint8_t *payload,
    unsigned state)
{
	const struct privsep_rule *rule = NULL;
	const struct ps_field *f;
	char why[160];

	if (privsep_check(privsep_rules, privsep_nrules, hdr, payload, state,
	    &rule, why, sizeof(why)) != MEDSEC_OK) {
		if (memchr(why, '\0', sizeof(why)) == NULL)
			abort();
		return;
	}
	if (rule == NULL || rule->type != hdr->type ||
	    rule->size != hdr->len || (rule->states & state) == 0)
		abort();
	for (f = rule->strings; f->size != 0; f++)
		if (memchr(payload + f->offset, '\0', f->size) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int sv[2] = { -1, -1 };
	struct privsep_hdr hdr;
	const uint8_t *payload;
	int fd;

	if (size > PRIVSEP_MSG_MAX)
		return 0;
	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		abort();
	/* The datagram as the worker would send it, through the framing. */
	if (send(sv[0], data, size, 0) != (ssize_t)size)
		return 0;
	if (privsep_recv(sv[1], rx.buf, &hdr, &payload, &fd) != MEDSEC_OK)
		return 0;
	if (fd >= 0 || hdr.len != size - sizeof(hdr))
		abort();
	check_in_state(&hdr, payload, PS_STATE_STARTING);
	check_in_state(&hdr, payload, PS_STATE_SERVING);
	return 0;
}
