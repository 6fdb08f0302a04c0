/*
 * The form's administrative parts, from the device profile: applicant
 * and product identification (품목명, 분류번호, 등급, model, manufacturer
 * or importer, the kind of application), the document's number, revision
 * and date, and the sign-off block that closes each document. What the
 * profile does not state is shown as not stated, never filled in.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

static const char *
stated(const struct medsec_report *r, const char *s)
{
	return s != NULL && s[0] != '\0' ? s : REP_T(r, "not stated",
	    "기재 없음");
}

static const char *
application_text(const struct medsec_report *r, const char *a)
{
	if (strcmp(a, "approval") == 0)
		return REP_T(r, "Approval (허가)", "허가");
	if (strcmp(a, "certification") == 0)
		return REP_T(r, "Certification (인증)", "인증");
	if (strcmp(a, "notification") == 0)
		return REP_T(r, "Notification (신고)", "신고");
	return stated(r, NULL);
}

static const char *
role_text(const struct medsec_report *r, const char *role)
{
	if (strcmp(role, "manufacturer") == 0)
		return REP_T(r, "Manufacturer", "제조");
	if (strcmp(role, "importer") == 0)
		return REP_T(r, "Importer", "수입");
	return stated(r, NULL);
}

void
rep_write_admin(const struct medsec_report *r, enum medsec_report_doc doc,
    struct rw *w)
{
	const struct medsec_profile_admin *a = &r->p->more.admin;
	char buf[64];

	snprintf(buf, sizeof(buf), REP_T(r, "Class %d", "%d등급"),
	    r->p->device_class);
	rw_field(w, REP_T(r, "Product item (품목명)", "품목명"),
	    stated(r, a->item_name));
	rw_field(w, REP_T(r, "Classification number (분류번호)", "분류번호"),
	    stated(r, a->item_code));
	rw_field(w, REP_T(r, "Grade (등급)", "등급"), buf);
	rw_field(w, REP_T(r, "Model", "모델명"), stated(r, r->p->model));
	rw_field(w, REP_T(r, "Applicant", "신청인"), stated(r, a->applicant));
	rw_field(w, REP_T(r, "Applicant is the", "신청인 구분"),
	    role_text(r, a->applicant_role));
	rw_field(w, REP_T(r, "Manufacturer", "제조원"),
	    stated(r, r->p->manufacturer));
	rw_field(w, REP_T(r, "Application", "신청 구분"),
	    application_text(r, a->application));
	if ((unsigned)doc < MEDSEC_PROFILE_DOC_NUMBERS)
		rw_field(w, REP_T(r, "Document number", "문서번호"),
		    stated(r, a->doc_number[doc]));
	rw_field(w, REP_T(r, "Revision", "개정"), stated(r, a->revision));
	rw_field(w, REP_T(r, "Date", "작성일"), stated(r, a->date));
}

void
rep_write_signoff(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_profile_signer *s = r->p->more.admin.signers;
	const char *head[4], *row[4];
	const char *roles_en[] = { "Prepared by", "Reviewed by",
		"Approved by" };
	const char *roles_ko[] = { "작성", "검토", "승인" };
	size_t i;

	rw_heading(w, 1, "signoff", REP_T(r, "Sign-off", "서명"));
	head[0] = REP_T(r, "Role", "구분");
	head[1] = REP_T(r, "Name", "성명");
	head[2] = REP_T(r, "Title", "직위");
	head[3] = REP_T(r, "Signature and date", "서명 및 일자");
	rw_table(w, 4, head);
	for (i = 0; i < MEDSEC_PROFILE_SIGNERS; i++) {
		row[0] = REP_T(r, roles_en[i], roles_ko[i]);
		row[1] = stated(r, s[i].name);
		row[2] = s[i].title[0] != '\0' ? s[i].title : "";
		row[3] = "";
		rw_row(w, row, NULL);
	}
}

json_t *
rep_json_admin(const struct medsec_report *r, enum medsec_report_doc doc)
{
	const struct medsec_profile_admin *a = &r->p->more.admin;
	json_t *signers = json_array();
	static const char *const roles[] = { "prepared_by", "reviewed_by",
		"approved_by" };
	size_t i;

#define OR_NULL(s) ((s)[0] != '\0' ? (s) : NULL)
	for (i = 0; signers != NULL && i < MEDSEC_PROFILE_SIGNERS; i++)
		rep_json_push(&signers, json_pack("{s:s, s:s?, s:s?}", "role",
		    roles[i], "name", OR_NULL(a->signers[i].name), "title",
		    OR_NULL(a->signers[i].title)));
	return json_pack("{s:s?, s:s?, s:i, s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:s?, s:s?, s:s?, s:o}",
	    "item_name", OR_NULL(a->item_name), "item_code",
	    OR_NULL(a->item_code), "grade", r->p->device_class, "model",
	    OR_NULL(r->p->model), "applicant", OR_NULL(a->applicant),
	    "applicant_role", OR_NULL(a->applicant_role), "manufacturer",
	    OR_NULL(r->p->manufacturer), "application",
	    OR_NULL(a->application), "document_number",
	    (unsigned)doc < MEDSEC_PROFILE_DOC_NUMBERS ?
	    OR_NULL(a->doc_number[doc]) : NULL, "revision",
	    OR_NULL(a->revision), "date", OR_NULL(a->date), "signoff",
	    signers);
#undef OR_NULL
}
