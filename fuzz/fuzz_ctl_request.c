/*
 * The control socket's request parser (src/daemon/ctl_request.c): the
 * bytes come from a local client before its password is checked.
 * Whatever they are, the parser either refuses them with a terminated
 * reason and leaves the request wiped, or fills every required field,
 * each terminated inside its array, with the password's length exact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/daemon/ctl_request.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *f, size_t size, int required)
{
	if (memchr(f, '\0', size) == NULL)
		abort();
	if (required && f[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ctl_request zero;
	struct ctl_request req;
	char why[256];

	memset(why, 'x', sizeof(why));
	if (ctl_request_parse((const char *)data, size, &req, why,
	    sizeof(why)) != 0) {
		if (memchr(why, '\0', sizeof(why)) == NULL ||
		    memcmp(&req, &zero, sizeof(req)) != 0)
			abort();
		return 0;
	}
	if (size > CTL_REQUEST_MAX)
		abort();
	check_field(req.op, sizeof(req.op), 1);
	check_field(req.as, sizeof(req.as), 1);
	check_field(req.password, sizeof(req.password), 1);
	check_field(req.target, sizeof(req.target), 1);
	check_field(req.reason, sizeof(req.reason), 0);
	check_field(req.subject, sizeof(req.subject), 0);
	if (req.password_len != strlen(req.password) ||
	    (req.reason[0] != '\0' && !req.has_reason) ||
	    (req.subject[0] != '\0' && !req.has_subject))
		abort();
	ctl_request_wipe(&req);
	return 0;
}
