/*
 * A draft of the Manufacturer Disclosure Statement for Medical Device
 * Security (MDS2, HN 1-2019), answered section by section from what the
 * package can show: the profile for the device description, the verdicts
 * of the catalog items that map to each section (the catalog's mds2
 * crosswalk, our judgment), the SBOM files for the SBOM section. A
 * section is answered only from device evidence; anything else is marked
 * unanswered with what is missing. The form's individual questions are
 * not reproduced: the manufacturer answers them from the cited evidence.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* The MDS2 (HN 1-2019) sections, in the form's order. */
static const struct {
	const char *code, *name, *name_ko;
} sections[] = {
	{ "DOC", "Documentation (manufacturer and device)",
	    "문서(제조자 및 기기)" },
	{ "MPII", "Management of personally identifiable information",
	    "개인식별정보 관리" },
	{ "ALOF", "Automatic logoff", "자동 로그오프" },
	{ "AUDT", "Audit controls", "감사 통제" },
	{ "AUTH", "Authorization", "권한 부여" },
	{ "CSUP", "Cyber security product upgrades",
	    "사이버보안 제품 업그레이드" },
	{ "DIDT", "Health data de-identification", "건강 데이터 비식별화" },
	{ "DTBK", "Data backup and disaster recovery",
	    "데이터 백업 및 재해 복구" },
	{ "EMRG", "Emergency access", "비상 접근" },
	{ "IGAU", "Health data integrity and authenticity",
	    "건강 데이터 무결성 및 진본성" },
	{ "MLDP", "Malware detection and protection", "악성코드 탐지 및 보호" },
	{ "NAUT", "Node authentication", "노드 인증" },
	{ "CONN", "Connectivity capabilities", "연결 기능" },
	{ "PAUT", "Person authentication", "사용자 인증" },
	{ "PLOK", "Physical locks", "물리적 잠금" },
	{ "RDMP", "Roadmap for third-party components in device life cycle",
	    "기기 수명 주기 동안의 제3자 구성요소 로드맵" },
	{ "SBOM", "Software bill of materials", "소프트웨어 자재명세서(SBOM)" },
	{ "SAHD", "System and application hardening",
	    "시스템 및 애플리케이션 보안 강화" },
	{ "SGUD", "Security guidance", "보안 지침" },
	{ "STCF", "Health data storage confidentiality",
	    "건강 데이터 저장 기밀성" },
	{ "TXCF", "Transmission confidentiality", "전송 기밀성" },
	{ "TXIG", "Transmission integrity", "전송 무결성" },
	{ "RMOT", "Remote service", "원격 서비스" },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

enum mds2_answer { A_UNANSWERED, A_SHOWN, A_PARTLY };

/* The catalog maps item to code ("DOC-8" maps to section "DOC"). */
static int
maps_to(const struct medsec_requirement *req, const char *code)
{
	size_t i, n = strlen(code);

	for (i = 0; i < req->mds2.n; i++)
		if (strncmp(req->mds2.v[i], code, n) == 0 &&
		    (req->mds2.v[i][n] == '\0' || req->mds2.v[i][n] == '-'))
			return 1;
	return 0;
}

static int
has_sbom(const struct medsec_report *r)
{
	size_t i;

	for (i = 0; r->ev != NULL && i < r->ev->nfiles; i++)
		if (r->ev->files[i].kind == EV_SBOM &&
		    r->ev->files[i].summary != NULL)
			return 1;
	return 0;
}

/*
 * The answer for section s, with the items it rests on in b. Shown: every
 * mapped item met by device evidence. Partly: some are. Otherwise
 * unanswered, saying why.
 */
static enum mds2_answer
answer(const struct medsec_report *r, size_t s, struct rbuf *b)
{
	const char *code = sections[s].code;
	size_t i, n = 0, met = 0;

	rbuf_clear(b);
	if (strcmp(code, "DOC") == 0) {
		rbuf_printf(b, REP_T(r, "From the profile: %s, model %s, "
		    "manufacturer %s.", "프로파일 기준: %s, 모델 %s, 제조자 %s."),
		    r->p->name[0] ? r->p->name : "-",
		    r->p->model[0] ? r->p->model : "-",
		    r->p->manufacturer[0] ? r->p->manufacturer : "-");
		return r->p->name[0] && r->p->model[0] &&
		    r->p->manufacturer[0] ? A_SHOWN : A_PARTLY;
	}
	if (strcmp(code, "SBOM") == 0) {
		if (!has_sbom(r)) {
			rbuf_puts(b, REP_T(r, "No SBOM in the evidence.",
			    "증거에 SBOM이 없습니다."));
			return A_UNANSWERED;
		}
		rbuf_puts(b, REP_T(r, "The package carries the SBOM (V&V "
		    "report, section 7.1).", "패키지에 SBOM이 포함되어 있습니다"
		    "(V&V 보고서 7.1절)."));
		return A_SHOWN;
	}
	for (i = 0; i < r->n; i++) {
		const struct rep_item *it = &r->items[i];

		if (!maps_to(it->d->req, code))
			continue;
		n++;
		met += it->verdict == MEDSEC_VERDICT_MET &&
		    it->basis == MEDSEC_EVIDENCE_DEVICE;
		rbuf_printf(b, "%s%s %s (%s)", n > 1 ? "; " : "",
		    it->d->req->id, rep_verdict_label(r, it->verdict),
		    it->basis == MEDSEC_EVIDENCE_DEVICE ? REP_T(r, "device",
		    "기기") : it->basis == MEDSEC_EVIDENCE_COMPONENT ?
		    REP_T(r, "component", "구성요소") : REP_T(r, "none",
		    "없음"));
	}
	if (n == 0) {
		rbuf_puts(b, REP_T(r, "No catalog requirement maps to this "
		    "section and the profile does not answer it.",
		    "이 절에 대응하는 카탈로그 요구사항이 없고 프로파일도 답하지 "
		    "않습니다."));
		return A_UNANSWERED;
	}
	return met == n ? A_SHOWN : met > 0 ? A_PARTLY : A_UNANSWERED;
}

static const char *
answer_label(const struct medsec_report *r, enum mds2_answer a)
{
	switch (a) {
	case A_SHOWN:
		return REP_T(r, "answerable from the evidence",
		    "증거로 답변 가능");
	case A_PARTLY:
		return REP_T(r, "partly answerable: complete the rest",
		    "일부만 답변 가능: 나머지를 보완해야 함");
	default:
		return REP_T(r, "unanswered", "미답변");
	}
}

static const char *
answer_name(enum mds2_answer a)
{
	return a == A_SHOWN ? "answered" : a == A_PARTLY ? "partly" :
	    "unanswered";
}

static void
write_mds2(const struct medsec_report *r, struct rw *w)
{
	const char *head[4];
	const char *row[4];
	struct rbuf b;
	enum mds2_answer a;
	size_t s, counts[3] = { 0 };

	rw_begin(w, REP_T(r, "MDS2 Draft", "MDS2 초안"), REP_T(r,
	    "Manufacturer Disclosure Statement for Medical Device Security "
	    "(HN 1-2019), section by section: a draft for the manufacturer "
	    "to complete", "의료기기 보안에 관한 제조자 공개 진술서(MDS2, "
	    "HN 1-2019)의 절별 초안: 제조자가 완성해야 함"));
	rep_write_ident(r, w);
	rw_para(w, REP_T(r, "Each section is answered only from what this "
	    "package shows: the profile for the device description, the SBOM "
	    "files, and the verdicts of the requirements the catalog maps to "
	    "the section (the mapping is this project's judgment, not MFDS "
	    "or MDS2 text). A section is answerable only when every such "
	    "requirement is met by device evidence; component evidence "
	    "alone leaves it unanswered. The form's individual questions are "
	    "not reproduced here: answer them from the cited evidence.",
	    "각 절은 이 패키지가 보여 주는 것만으로 답합니다. 기기 설명은 "
	    "프로파일, SBOM 절은 SBOM 파일, 나머지는 카탈로그가 그 절에 "
	    "대응시킨 요구사항의 판정을 근거로 합니다(대응은 이 프로젝트의 "
	    "판단이며 식약처나 MDS2의 문구가 아닙니다). 대응 요구사항이 모두 "
	    "기기 증거로 충족된 경우에만 답변 가능하며, 구성요소 증거만으로는 "
	    "미답변으로 남습니다. 양식의 개별 질문은 여기에 옮기지 않았으니 "
	    "인용된 증거를 바탕으로 답하십시오."));
	head[0] = REP_T(r, "Section", "절");
	head[1] = REP_T(r, "Status", "상태");
	head[2] = REP_T(r, "Rests on", "근거");
	head[3] = REP_T(r, "Code", "코드");
	rbuf_init(&b);
	rw_table(w, 4, head);
	for (s = 0; s < NSECTIONS; s++) {
		a = answer(r, s, &b);
		counts[a]++;
		row[0] = REP_T(r, sections[s].name, sections[s].name_ko);
		row[1] = answer_label(r, a);
		row[2] = rbuf_str(&b);
		row[3] = sections[s].code;
		rw_row(w, row, a == A_SHOWN ? "met" : "gap");
	}
	rw_paraf(w, REP_T(r, "%zu sections answerable, %zu partly, %zu "
	    "unanswered.", "답변 가능 %zu절, 일부 %zu절, 미답변 %zu절."),
	    counts[A_SHOWN], counts[A_PARTLY], counts[A_UNANSWERED]);
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
	rw_end(w);
}

static json_t *
json_mds2(const struct medsec_report *r)
{
	json_t *a = json_array();
	struct rbuf b;
	enum mds2_answer ans;
	size_t s;

	rbuf_init(&b);
	for (s = 0; a != NULL && s < NSECTIONS; s++) {
		ans = answer(r, s, &b);
		rep_json_push(&a, json_pack("{s:s, s:s, s:s, s:s}", "code",
		    sections[s].code, "section", sections[s].name, "status",
		    answer_name(ans), "rests_on", rbuf_str(&b)));
	}
	if (b.err != 0) {
		json_decref(a);
		a = NULL;
	}
	rbuf_free(&b);
	return json_pack("{s:s, s:o, s:o?}", "document", "mds2-draft",
	    "identification", rep_json_ident(r), "sections", a);
}

int
medsec_report_render_mds2(const struct medsec_report *r,
    enum medsec_report_format fmt, char **outp, size_t *lenp)
{
	struct rbuf b;
	struct rw w;
	json_t *root;
	char *s;

	if (outp == NULL || lenp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	*lenp = 0;
	if (r == NULL || (unsigned)fmt >= MEDSEC_REPORT_FORMATS)
		return MEDSEC_ERR_INVALID;
	if (fmt == MEDSEC_REPORT_JSON) {
		if ((root = json_mds2(r)) == NULL)
			return MEDSEC_ERR_NOMEM;
		s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(root);
		if (s == NULL)
			return MEDSEC_ERR_NOMEM;
		*outp = s;
		*lenp = strlen(s);
		return MEDSEC_OK;
	}
	rbuf_init(&b);
	rw_init(&w, fmt, r->lang, &b);
	write_mds2(r, &w);
	return rbuf_take(&b, outp, lenp);
}
