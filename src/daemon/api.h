/*
 * Routes of the operator API that live outside api.c.
 */
#ifndef MEDSECD_API_H
#define MEDSECD_API_H

#include "privsep.h"

struct evhttp_request;
struct worker;

/*
 * POST /v1/updates after its checks: the body (the package) goes to the
 * monitor as a sealed memfd with r (token and origin filled in).
 */
void api_update_upload(struct worker *w, struct evhttp_request *req,
    struct ps_update_upload_req *r);

#endif
