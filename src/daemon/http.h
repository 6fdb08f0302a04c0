/*
 * HTTP helpers of the worker: answers in the API's JSON error format,
 * request checks (smuggling forms, bearer token, strict JSON bodies).
 */
#ifndef MEDSECD_HTTP_H
#define MEDSECD_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "medsec/session.h"

struct evhttp_request;
struct worker;

/* Answers {"error":{"code","message"}}; retry_after > 0 adds Retry-After. */
void http_error(struct evhttp_request *req, int status, const char *code,
    const char *message, unsigned retry_after);

/* As http_error, and the connection is closed after the answer. */
void http_error_close(struct evhttp_request *req, int status,
    const char *code, const char *message);

/* Answers status with a JSON body (len bytes; NULL/0 for none). */
void http_json(struct evhttp_request *req, int status, const char *body,
    size_t len);

/*
 * Refuses what a request smuggler sends (Content-Length with
 * Transfer-Encoding, two Content-Lengths, a bare LF, an obs-fold line)
 * and over-long header sections: answers (400/411/431, connection
 * closed) and returns -1; 0 when the request may go on.
 */
int http_check_request(struct worker *w, struct evhttp_request *req);

/*
 * The bearer token of Authorization into token. 0, or -1 after
 * answering 401 (absent, another scheme, malformed).
 */
int http_bearer(struct evhttp_request *req,
    char token[MEDSEC_TOKEN_TEXT_LEN]);

/*
 * Parses the body as one JSON object (no duplicate keys) of at most max
 * bytes. The object, or NULL after answering 400/413/415.
 */
json_t *http_json_body(struct evhttp_request *req, size_t max);

/* The client's numeric address into source (PS_SOURCE_LEN). */
void http_source(struct evhttp_request *req, char *source, size_t len);

#endif
