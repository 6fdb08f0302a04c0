/*
 * The control socket's request parser (ctl_request.h). Strict like the
 * API's bodies: duplicate members, unknown members, members of the wrong
 * type, embedded NULs and over-long values are refused by name, so an
 * administrator's typo is never read as something else.
 */
#include "ctl_request.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "medsec/crypto.h"

struct ctl_member {
	const char *name;
	size_t offset;	/* of the field in struct ctl_request */
	size_t size;	/* of the field, its NUL included */
	int required;
	size_t flag;	/* offset of has_*, or 0: none */
};

#define MEMBER(n, f, req, flag) \
	{ n, offsetof(struct ctl_request, f), \
	    sizeof(((struct ctl_request *)0)->f), req, flag }

static const struct ctl_member members[] = {
	MEMBER("op", op, 1, 0),
	MEMBER("as", as, 1, 0),
	MEMBER("password", password, 1, 0),
	MEMBER("target", target, 1, 0),
	MEMBER("reason", reason, 0, offsetof(struct ctl_request, has_reason)),
	MEMBER("subject", subject, 0,
	    offsetof(struct ctl_request, has_subject)),
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

static const struct ctl_member *
find_member(const char *key)
{
	size_t i;

	for (i = 0; i < NMEMBERS; i++)
		if (strcmp(members[i].name, key) == 0)
			return &members[i];
	return NULL;
}

/* The JSON string's bytes, wiped in jansson's copy once taken. */
static int
take_string(json_t *v, const struct ctl_member *mb, struct ctl_request *req,
    char *why, size_t whylen)
{
	char *dst = (char *)req + mb->offset;
	size_t n;
	int rc = -1;

	if (!json_is_string(v)) {
		snprintf(why, whylen, "member \"%s\" must be a string",
		    mb->name);
		return -1;
	}
	n = json_string_length(v);
	if (n == 0 && mb->offset != offsetof(struct ctl_request, reason) &&
	    mb->offset != offsetof(struct ctl_request, subject))
		snprintf(why, whylen, "member \"%s\" is empty", mb->name);
	else if (n >= mb->size)
		snprintf(why, whylen, "member \"%s\" is over %zu bytes",
		    mb->name, mb->size - 1);
	else {
		memcpy(dst, json_string_value(v), n);
		dst[n] = '\0';
		if (mb->offset == offsetof(struct ctl_request, password))
			req->password_len = n;
		if (mb->flag != 0)
			*(int *)(void *)((char *)req + mb->flag) = 1;
		rc = 0;
	}
	/* jansson's copy of a secret does not outlive the parse. */
	if (mb->offset == offsetof(struct ctl_request, password))
		medsec_wipe((char *)(uintptr_t)json_string_value(v), n);
	return rc;
}

static int
take_members(json_t *o, struct ctl_request *req, char *why, size_t whylen)
{
	const struct ctl_member *mb;
	const char *key;
	json_t *v;
	size_t i;
	int rc = 0;

	json_object_foreach(o, key, v) {
		if ((mb = find_member(key)) == NULL) {
			snprintf(why, whylen, "unknown member \"%.40s\"", key);
			rc = -1;
		} else if (rc == 0 && take_string(v, mb, req, why, whylen) !=
		    0)
			rc = -1;
		/* Go on, so that every password copy is wiped. */
		if (rc != 0 && mb != NULL && json_is_string(v) &&
		    mb->offset == offsetof(struct ctl_request, password))
			medsec_wipe((char *)(uintptr_t)json_string_value(v),
			    json_string_length(v));
	}
	for (i = 0; rc == 0 && i < NMEMBERS; i++) {
		if (members[i].required &&
		    ((char *)req)[members[i].offset] == '\0') {
			snprintf(why, whylen, "member \"%s\" is missing",
			    members[i].name);
			rc = -1;
		}
	}
	return rc;
}

int
ctl_request_parse(const char *text, size_t len, struct ctl_request *req,
    char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (len > CTL_REQUEST_MAX) {
		snprintf(why, whylen, "the request is over %d bytes",
		    CTL_REQUEST_MAX);
		return -1;
	}
	/* Without JSON_ALLOW_NUL a \u0000 inside a string is refused. */
	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(why, whylen, "the request is not JSON: %s at "
		    "byte %d", jerr.text, jerr.position);
		return -1;
	}
	if (!json_is_object(o))
		snprintf(why, whylen, "the request must be a JSON object");
	else
		rc = take_members(o, req, why, whylen);
	json_decref(o);
	if (rc != 0)
		ctl_request_wipe(req);
	return rc;
}

void
ctl_request_wipe(struct ctl_request *req)
{
	medsec_wipe(req, sizeof(*req));
}
