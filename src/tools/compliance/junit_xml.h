/* The JUnit reader's XML tokenizer (junit_xml.c), for junit.c only. */
#ifndef MEDSEC_JUNIT_XML_H
#define MEDSEC_JUNIT_XML_H

#include <stddef.h>
#include <stdint.h>

#include "medsec-tools/compliance.h"
#include "medsec/config.h"

#define XML_NAME_MAX 64 /* element and attribute names */

struct xattr {
	const char *name;
	size_t namelen;
	const char *raw; /* between the quotes, not yet decoded */
	size_t rawlen;
	int line;
};

struct xtag {
	const char *name;
	size_t namelen;
	int line;
	int empty; /* <name/> */
	size_t nattrs;
	struct xattr attrs[MEDSEC_JUNIT_ATTRS_MAX];
};

struct xml {
	const char *p, *end;
	int line;
	struct medsec_config_error *err;
};

int xml_fail(struct xml *x, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int xml_check_encoding(struct xml *x, const char *s, size_t n);
int xml_is_ws(char c);
void xml_advance(struct xml *x, size_t n);
int xml_at(const struct xml *x, const char *lit);
const char *xml_find(const struct xml *x, const char *lit);
int xml_decode(struct xml *x, const char *raw, size_t n, int line, int attr,
    char *out, size_t outlen);
int xml_read_start(struct xml *x, struct xtag *t);
int xml_read_end(struct xml *x, const char **namep, size_t *lenp);
const struct xattr *xml_attr_find(const struct xtag *t, const char *name);
int xml_read_decl(struct xml *x);

#endif
