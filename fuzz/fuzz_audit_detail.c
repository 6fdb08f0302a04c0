/*
 * The audit details builder on arbitrary keys and values. Each member is
 * three header bytes (operation, key length, value length) and then the
 * key and value bytes. The result is either an error the builder is
 * allowed (MEDSEC_ERR_INVALID for a bad or repeated key,
 * MEDSEC_ERR_TOO_LARGE for overflow) or a JSON object within the bound
 * that jansson, re-encoding it as the trail does, leaves byte for byte
 * unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medsec/audit.h"
#include "medsec/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies up to n bytes of *data as a C string (stops at a NUL). */
static void
take(const uint8_t **data, size_t *size, size_t n, char *out)
{
	if (n > *size)
		n = *size;
	memcpy(out, *data, n);
	out[n] = '\0';
	*data += n;
	*size -= n;
}

static void
add(struct medsec_audit_detail *d, int op, const char *key, const char *v)
{
	switch (op % 7) {
	case 0:
		medsec_audit_detail_str(d, key, v);
		break;
	case 1:
		medsec_audit_detail_str(d, key, NULL);
		break;
	case 2:
		medsec_audit_detail_str_trunc(d, key, v, strlen(v) / 2);
		break;
	case 3:
		medsec_audit_detail_u64(d, key, strtoull(v, NULL, 10));
		break;
	case 4:
		medsec_audit_detail_i64(d, key, strtoll(v, NULL, 10));
		break;
	case 5:
		medsec_audit_detail_bool(d, key, v[0] & 1);
		break;
	default:
		medsec_audit_detail_hex(d, key, v, strlen(v));
		break;
	}
}

static void
check(const char *text)
{
	json_t *o;
	char *again;

	if (strlen(text) > MEDSEC_AUDIT_DETAILS_MAX ||
	    (o = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(o))
		abort();
	again = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (again == NULL || strcmp(again, text) != 0)
		abort();
	free(again);
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medsec_audit_detail d;
	char key[256], value[256 << 4];
	const char *text = NULL;
	size_t klen, vlen;
	int op, r;

	medsec_audit_detail_init(&d);
	while (size >= 3) {
		op = data[0];
		klen = data[1];
		vlen = (size_t)data[2] << 4;
		data += 3;
		size -= 3;
		take(&data, &size, klen, key);
		take(&data, &size, vlen, value);
		add(&d, op, key, value);
	}
	r = medsec_audit_detail_end(&d, &text);
	if (r == MEDSEC_OK)
		check(text);
	else if ((r != MEDSEC_ERR_INVALID && r != MEDSEC_ERR_TOO_LARGE) ||
	    text != NULL)
		abort();
	return 0;
}
