/*
 * The Cybersecurity Risk Management Document, in the ISO 14971 order the
 * guideline's Figure 1 follows: analysis, evaluation, control, residual
 * risk, production and post-production information.
 *
 * With a threat model ([risk] threat_model) every threat on every data
 * flow it concerns is a hazard: severity 1-3 from the flow's clinical
 * consequence (Table 1 wording), exploitability 1-3 from its exposure,
 * evaluated with the manufacturer's acceptance matrix ([risk] matrix, the
 * default stated in the document). A control is described only as the
 * threat model states it for the device; its risk is reduced (the
 * exploitability taken as 1) only when the control exists and every test
 * cited for it passed in the evidence. A device that runs a model (ai =
 * yes) adds the data-manipulation hazards.
 *
 * Without a threat model the document falls back to hazards from the loss
 * of confidentiality, integrity and availability per communication
 * purpose, and says so.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define C_ (1u << 0)
#define I_ (1u << 1)
#define A_ (1u << 2)
#define ALLP MEDSEC_PURPOSE_ALL

/*
 * Which requirement of catalog mfds-2019-table3 controls which loss, for
 * which purpose. This is our risk analysis, not MFDS text; items of any
 * other catalog are taken to control every hazard.
 */
static const struct {
	const char *id;
	unsigned cia;
	unsigned purposes;
} control_map[] = {
	{ "1.1", C_ | I_, ALLP }, { "1.2", C_ | I_, ALLP },
	{ "1.3", C_ | I_, ALLP }, { "1.4", C_ | I_, ALLP },
	{ "1.5", C_ | I_ | A_, ALLP }, { "1.6", C_ | I_, ALLP },
	{ "1.7", C_ | I_, ALLP }, { "1.8", C_ | I_, ALLP },
	{ "1.9", C_ | I_, ALLP }, { "1.10", C_ | I_, ALLP },
	{ "1.11", C_, ALLP },
	{ "1.12", I_ | A_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.13", I_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.14", I_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.15", C_ | I_, MEDSEC_PURPOSE_CONTROL },
	{ "1.16", C_ | I_, MEDSEC_PURPOSE_HEALTH_RECORDS },
	{ "1.17", C_ | I_, ALLP }, { "1.18", C_ | I_, ALLP },
	{ "1.19", C_ | I_ | A_, ALLP },
	{ "1.20", C_, MEDSEC_PURPOSE_HEALTH_RECORDS },
	{ "2.1", C_ | I_, ALLP }, { "2.2", I_ | A_, ALLP },
	{ "2.3", C_ | I_ | A_, ALLP }, { "2.4", A_, ALLP },
};

/* Hazards in our words; the harms follow guideline III.1 where it names
 * them ("wrong treatment, deprivation of treatment opportunities or
 * possibility of treatment delay"). */
static const struct {
	unsigned purpose;
	const char *code;
	const char *hazard[RISK_CIA];
	const char *harm[RISK_CIA];
	const char *hazard_ko[RISK_CIA];
	const char *harm_ko[RISK_CIA];
} hazards[] = {
	{ MEDSEC_PURPOSE_HEALTH_RECORDS, "HR",
	    { "Personal health records disclosed to an unauthorized party "
	      "(in transit, stored on the device, or through an account)",
	      "Vital signs or health records forged, altered or replayed",
	      "Vital signs or health records not delivered when needed" },
	    { "Loss of the patient's privacy; misuse of health information",
	      "Wrong treatment or delayed treatment based on false data",
	      "Deprivation of treatment opportunity or treatment delay" },
	    { "개인건강정보가 권한 없는 자에게 노출됨(전송 중, 기기 저장 "
	      "중 또는 계정을 통해)",
	      "생체신호 또는 건강정보의 위조, 변조 또는 재전송",
	      "필요한 때 생체신호 또는 건강정보가 전달되지 않음" },
	    { "환자의 사생활 침해, 건강정보의 오용",
	      "거짓 데이터에 근거한 잘못된 치료 또는 치료 지연",
	      "치료 기회 상실 또는 치료 지연" } },
	{ MEDSEC_PURPOSE_CONTROL, "CT",
	    { "Control commands or therapy settings disclosed",
	      "Forged, altered or replayed control commands executed",
	      "Device cannot be controlled, or stops responding" },
	    { "Settings revealed to an attacker, aiding a further attack",
	      "Device malfunction: wrong therapy or wrong delivery",
	      "Therapy cannot be adjusted or stopped when needed" },
	    { "제어 명령 또는 치료 설정의 노출",
	      "위조, 변조 또는 재전송된 제어 명령의 실행",
	      "기기를 제어할 수 없거나 기기가 응답하지 않음" },
	    { "설정이 공격자에게 드러나 추가 공격을 도움",
	      "기기 오작동: 잘못된 치료 또는 잘못된 투여",
	      "필요한 때 치료를 조정하거나 멈출 수 없음" } },
	{ MEDSEC_PURPOSE_MAINTENANCE, "MT",
	    { "Firmware, keys or credentials exposed through maintenance",
	      "Unauthorized or tampered firmware or software installed",
	      "Update disrupted, leaving the device inoperable" },
	    { "Secrets that enable attacks on this and other devices",
	      "Device malfunction under an attacker's control",
	      "Monitoring or therapy interrupted" },
	    { "유지보수를 통한 펌웨어, 키 또는 자격 증명의 노출",
	      "인가되지 않았거나 변조된 펌웨어 또는 소프트웨어의 설치",
	      "업데이트가 중단되어 기기를 쓸 수 없게 됨" },
	    { "이 기기와 다른 기기를 공격할 수 있게 하는 비밀 정보",
	      "공격자의 조종에 의한 기기 오작동",
	      "모니터링 또는 치료의 중단" } },
};
#define NHAZARD_PURPOSES (sizeof(hazards) / sizeof(hazards[0]))

static const char *const property_names[RISK_CIA] = { "confidentiality",
	"integrity", "availability" };

const char *
risk_property_name(int property)
{
	return property >= 0 && property < RISK_CIA ?
	    property_names[property] : "?";
}

/* The acceptance criteria stated in the document's method section. */
const char *
risk_acceptability(int index)
{
	if (index <= 0)
		return "not demonstrated";
	if (index <= 2)
		return "acceptable";
	if (index <= 4)
		return "acceptable only with verified controls (as low as "
		       "reasonably practicable)";
	return "unacceptable";
}

static const char *
property_ko(int property)
{
	static const char *const names[RISK_CIA] = { "기밀성", "무결성",
		"가용성" };

	return property >= 0 && property < RISK_CIA ? names[property] : "?";
}

/* risk_acceptability() in the rendering's language. */
static const char *
acceptability_text(const struct medsec_report *r, int index)
{
	if (index <= 0)
		return REP_T(r, risk_acceptability(index), "입증되지 않음");
	if (index <= 2)
		return REP_T(r, risk_acceptability(index), "수용 가능");
	if (index <= 4)
		return REP_T(r, risk_acceptability(index), "검증된 통제가 "
		    "있을 때만 수용 가능(합리적으로 실행 가능한 한 낮게)");
	return REP_T(r, risk_acceptability(index), "수용 불가");
}

int
risk_severity(const struct medsec_report *r)
{
	switch (r->c->level) {
	case MEDSEC_LEVEL_MAJOR: return 3;
	case MEDSEC_LEVEL_MODERATE: return 2;
	default: return 1;
	}
}

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* w as a whole word of s, ignoring case ("BLE" yes, "cable" no). */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((p == s || !alnum(p[-1])) && strncasecmp(p, w, n) == 0 &&
		    !alnum(p[n]))
			return 1;
	return 0;
}

static int
wireless(const struct medsec_profile *p)
{
	static const char *const words[] = { "bluetooth", "ble", "wi-fi",
		"wifi", "wireless", "lte", "5g", "4g", "3g", "nfc", "zigbee",
		"cellular", "radio", "wlan", "mics", "rf" };
	size_t i, k;

	for (i = 0; i < p->n_technologies; i++)
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (has_word(p->technologies[i], words[k]))
				return 1;
	return 0;
}

int
risk_exploitability(const struct medsec_report *r, char *why, size_t whylen)
{
	if (r->p->public_network == 1) {
		snprintf(why, whylen, "3 (high): the device connects to a "
		    "public network (public_network = yes)");
		return 3;
	}
	if (wireless(r->p)) {
		snprintf(why, whylen, "2 (medium): wireless technology, "
		    "reachable by anyone in radio range");
		return 2;
	}
	snprintf(why, whylen, "1 (low): no public network and no wireless "
	    "technology stated");
	return 1;
}

static unsigned
control_cia(const struct medsec_report *r, const char *id, unsigned purpose)
{
	size_t i;

	if (strcmp(medsec_catalog_name(r->cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return C_ | I_ | A_;
	for (i = 0; i < sizeof(control_map) / sizeof(control_map[0]); i++)
		if (strcmp(control_map[i].id, id) == 0)
			return (control_map[i].purposes & purpose) ?
			    control_map[i].cia : 0;
	return C_ | I_ | A_;
}

size_t
risk_hazard_count(const struct medsec_report *r)
{
	size_t i, n = 0;

	if (!r->c->in_scope)
		return 0;
	for (i = 0; i < NHAZARD_PURPOSES; i++)
		if (r->p->purposes & hazards[i].purpose)
			n += RISK_CIA;
	return n;
}

void
risk_hazard(const struct medsec_report *r, size_t k, struct risk_hazard *h)
{
	static const char cia[] = "CIA";
	char why[160];
	size_t i, seen = 0;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < NHAZARD_PURPOSES; i++) {
		if (!(r->p->purposes & hazards[i].purpose))
			continue;
		if (k < seen + RISK_CIA)
			break;
		seen += RISK_CIA;
	}
	if (i == NHAZARD_PURPOSES)
		return;
	h->purpose = hazards[i].purpose;
	h->property = (int)(k - seen);
	snprintf(h->id, sizeof(h->id), "H-%s-%c", hazards[i].code,
	    cia[h->property]);
	h->hazard = hazards[i].hazard[h->property];
	h->harm = hazards[i].harm[h->property];
	h->hazard_ko = hazards[i].hazard_ko[h->property];
	h->harm_ko = hazards[i].harm_ko[h->property];
	h->severity = risk_severity(r);
	h->exploitability = risk_exploitability(r, why, sizeof(why));
	h->initial = h->severity * h->exploitability;
	for (i = 0; i < r->n; i++) {
		const struct rep_item *it = &r->items[i];

		if (!(control_cia(r, it->d->req->id, h->purpose) &
		    (1u << h->property)))
			continue;
		h->controls[h->ncontrols++] = it;
		h->ngaps += it->verdict == MEDSEC_VERDICT_GAP;
	}
	/* Verified controls bring exploitability down to 1; one gap and
	 * nothing is claimed. */
	h->residual = h->ngaps == 0 ? h->severity : 0;
}

/* ---- the risk model from the threat model ---- */

static const char default_matrix[] = "AAR/ARU/RUU";

char
risk_grade(const struct medsec_report *r, int severity, int exploitability)
{
	const char *m = r->p->more.matrix[0] != '\0' ? r->p->more.matrix :
	    default_matrix;

	if (severity < 1 || severity > 3 || exploitability < 1 ||
	    exploitability > 3)
		return 'U';
	return m[(severity - 1) * 4 + (exploitability - 1)];
}

const char *
risk_grade_text(const struct medsec_report *r, char grade)
{
	switch (grade) {
	case 'A':
		return REP_T(r, "acceptable", "수용 가능");
	case 'R':
		return REP_T(r, "acceptable only with verified controls (as low "
		    "as reasonably practicable)", "검증된 위험통제 조치가 있을 "
		    "때에만 수용 가능(ALARP)");
	default:
		return REP_T(r, "unacceptable", "수용 불가");
	}
}

static int
harm_severity(enum medsec_harm h)
{
	switch (h) {
	case MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY: return 3;
	case MEDSEC_HARM_TEMPORARY_INJURY: return 2;
	default: return 1;
	}
}

static const char *
harm_text(const struct medsec_report *r, enum medsec_harm h)
{
	switch (h) {
	case MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY:
		return REP_T(r, "serious injury or death (Table 1, major)",
		    "중대한 상해 또는 사망(표 1, 상)");
	case MEDSEC_HARM_TEMPORARY_INJURY:
		return REP_T(r, "temporary and minor injury, medical "
		    "intervention may be necessary (Table 1, moderate)",
		    "일시적이고 경미한 상해, 의학적 처치가 필요할 수 있음(표 1, "
		    "중)");
	default:
		return REP_T(r, "temporary discomfort without medical "
		    "intervention (Table 1, minor)", "의학적 처치가 필요 없는 "
		    "일시적 불편(표 1, 하)");
	}
}

/* The data-manipulation hazards of a device that runs a model, with the
 * requirements whose mechanisms answer them. */
static const struct {
	const char *code, *en, *ko;
	const char *reqs[RISK_ITEMS_MAX];
} ai_hazards[] = {
	{ "H-AI-1", "Model file replaced or altered on the device, so the "
	  "device computes its output with a model the manufacturer did not "
	  "release", "기기의 모델 파일이 교체되거나 변조되어 제조자가 배포하지 "
	  "않은 모델로 결과를 산출함", { "2.2", "1.13", "1.14", NULL } },
	{ "H-AI-2", "Model update or its training and validation data "
	  "manifests forged in distribution (data poisoning through the "
	  "update path)", "모델 업데이트 또는 학습·검증 데이터 목록이 배포 "
	  "과정에서 위조됨(업데이트 경로를 통한 데이터 오염)",
	  { "1.13", "1.14", "1.12", NULL } },
	{ "H-AI-3", "Input data manipulated in transit so the model returns "
	  "a wrong result", "전송 중 입력 데이터가 조작되어 모델이 잘못된 "
	  "결과를 반환함", { "1.16", "1.15", NULL, NULL } },
};
#define NAI (sizeof(ai_hazards) / sizeof(ai_hazards[0]))

static size_t
threat_rows(const struct medsec_threat_model *tm)
{
	size_t i, n = 0;

	for (i = 0; tm != NULL && i < tm->nthreats; i++)
		n += tm->threats[i].nflows > 0 ? tm->threats[i].nflows : 1;
	return n;
}

size_t
risk_row_count(const struct medsec_report *r)
{
	if (!r->c->in_scope)
		return 0;
	return threat_rows(r->c->threats) + (r->p->more.ai ? NAI : 0);
}

static int
status_rank(enum medsec_test_status s)
{
	return s == MEDSEC_TEST_PASS ? 0 : s == MEDSEC_TEST_SKIP ? 1 :
	    s == MEDSEC_TEST_NOTRUN ? 2 : 3;
}

/* The cases of one JUnit file a cited name matches, into t. */
static void
find_in_junit(const struct medsec_junit *j, struct risk_test *t)
{
	size_t i, n = strlen(t->name);
	int prefix = n > 0 && t->name[n - 1] == '*', hit;

	for (i = 0; j != NULL && i < j->n; i++) {
		hit = prefix ? strncmp(j->cases[i].name, t->name, n - 1) == 0 :
		    strcmp(j->cases[i].name, t->name) == 0;
		if (!hit)
			continue;
		t->found++;
		if (status_rank(j->cases[i].status) > status_rank(t->status))
			t->status = j->cases[i].status;
	}
}

/*
 * The evidence for one cited name: exact, or every case a "prefix*"
 * names, in medsec's suite and in the tests run against the device (a
 * control of the device's own software is proven there); the worst
 * status counts.
 */
static void
find_test(const struct medsec_report *r, struct risk_test *t)
{
	size_t i;

	t->found = 0;
	t->status = MEDSEC_TEST_PASS;
	if (r->ev == NULL)
		return;
	find_in_junit(medsec_evidence_junit(r->ev), t);
	for (i = 0; i < medsec_evidence_device_count(r->ev); i++)
		find_in_junit(medsec_evidence_device_junit(r->ev, i), t);
}

/* Digits at *sp, as a number of at most two digits, then '_'. */
static int
small_number(const char **sp)
{
	const char *s = *sp;
	int v = 0, n = 0;

	while (*s >= '0' && *s <= '9' && n < 3) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	if (n == 0 || n > 2 || *s != '_')
		return -1;
	*sp = s + 1;
	return v;
}

int
risk_test_requirement(const char *test, char out[8])
{
	const char *s = test;
	int a, b;

	if (strncmp(s, "test_req_", 9) != 0)
		return 0;
	s += 9;
	if ((a = small_number(&s)) < 1 || a > 9 || (b = small_number(&s)) < 1 ||
	    b > 99)
		return 0;
	snprintf(out, 8, "%d.%d", a, b);
	return 1;
}

static void
add_requirement(struct risk_row *row, const char *test)
{
	char id[8];
	size_t i;

	if (!risk_test_requirement(test, id))
		return;
	for (i = 0; i < row->nreqs; i++)
		if (strcmp(row->reqs[i], id) == 0)
			return;
	memcpy(row->reqs[row->nreqs++], id, sizeof(id));
}

static void
judge_threat_row(const struct medsec_report *r, struct risk_row *row)
{
	const struct tm_threat *th = row->threat;
	size_t i, missing = 0, bad = 0;

	for (i = 0; i < th->ntests; i++) {
		row->tests[i].name = th->tests[i];
		find_test(r, &row->tests[i]);
		missing += row->tests[i].found == 0;
		bad += row->tests[i].found > 0 &&
		    row->tests[i].status != MEDSEC_TEST_PASS;
		add_requirement(row, th->tests[i]);
	}
	row->ntests = th->ntests;
	if (th->planned) {
		row->why_en = "the control is planned, not in the device";
		row->why_ko = "위험통제 조치가 계획 단계이며 기기에 없음";
	} else if (th->ntests == 0) {
		row->why_en = "no test proves the control";
		row->why_ko = "위험통제 조치를 입증하는 시험이 없음";
	} else if (missing > 0) {
		row->why_en = "a cited test is not in the evidence";
		row->why_ko = "인용한 시험이 증거에 없음";
	} else if (bad > 0) {
		row->why_en = "a cited test did not pass";
		row->why_ko = "인용한 시험이 통과하지 않음";
	} else
		row->reduced = 1;
}

static const struct rep_item *
item_of(const struct medsec_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->items[i].d->req->id, id) == 0)
			return &r->items[i];
	return NULL;
}

static void
ai_row(const struct medsec_report *r, size_t k, struct risk_row *row)
{
	char why[160];
	size_t i, unmet = 0;
	const struct rep_item *it;

	snprintf(row->id, sizeof(row->id), "%s", ai_hazards[k].code);
	row->hazard_en = ai_hazards[k].en;
	row->hazard_ko = ai_hazards[k].ko;
	row->harm = r->p->worst_harm != MEDSEC_HARM_UNSET ? r->p->worst_harm :
	    (enum medsec_harm)r->c->level;
	row->exploitability = risk_exploitability(r, why, sizeof(why));
	for (i = 0; i < RISK_ITEMS_MAX && ai_hazards[k].reqs[i] != NULL; i++) {
		if ((it = item_of(r, ai_hazards[k].reqs[i])) == NULL)
			continue;
		row->items[row->nitems++] = it;
		unmet += it->verdict != MEDSEC_VERDICT_MET;
	}
	row->reduced = row->nitems > 0 && unmet == 0;
	row->why_en = "a controlling requirement is not met by passing tests";
	row->why_ko = "통제 요구사항이 통과한 시험으로 충족되지 않음";
}

void
risk_row(const struct medsec_report *r, size_t k, struct risk_row *row)
{
	const struct medsec_threat_model *tm = r->c->threats;
	size_t i, n, seen = 0;

	memset(row, 0, sizeof(*row));
	for (i = 0; tm != NULL && i < tm->nthreats; i++) {
		n = tm->threats[i].nflows > 0 ? tm->threats[i].nflows : 1;
		if (k < seen + n)
			break;
		seen += n;
	}
	if (tm == NULL || i == tm->nthreats) {
		if (k - seen < NAI)
			ai_row(r, k - seen, row);
	} else {
		row->threat = &tm->threats[i];
		if (row->threat->nflows > 0)
			row->flow = tm_flow_find(tm,
			    row->threat->flows[k - seen]);
		snprintf(row->id, sizeof(row->id), "H-%s%s%s", row->threat->id,
		    row->flow != NULL ? "/" : "", row->flow != NULL ?
		    row->flow->id : "");
		row->hazard_en = row->hazard_ko = row->threat->threat;
		row->harm = row->threat->harm != MEDSEC_HARM_UNSET ?
		    row->threat->harm : row->flow != NULL ? row->flow->harm :
		    MEDSEC_HARM_TEMPORARY_DISCOMFORT;
		row->exploitability = row->threat->exposure != TM_EXP_UNSET ?
		    row->threat->exposure : row->flow != NULL ?
		    row->flow->exposure : TM_EXP_LOCAL;
		judge_threat_row(r, row);
	}
	row->severity = harm_severity(row->harm);
	row->initial = risk_grade(r, row->severity, row->exploitability);
	row->residual = row->reduced ? risk_grade(r, row->severity, 1) :
	    row->initial;
}

/* Residual risk is acceptable when no hazard stays unacceptable and none
 * stays ALARP without verified controls. */
static int
row_open(const struct risk_row *row)
{
	return row->residual == 'U' || (row->residual == 'R' && !row->reduced);
}

/* ---- the document ---- */

static void
scope(const struct medsec_report *r, struct rw *w)
{
	char why[160];

	rw_heading(w, 1, "scope", REP_T(r, "1. Scope and intended "
	    "communication", "1. 적용 범위 및 통신 목적"));
	if (!r->c->in_scope) {
		rw_para(w, REP_T(r, "The device communicates for none of the "
		    "purposes of guideline I.2 (health records, control, "
		    "maintenance): the cybersecurity requirements do not apply "
		    "and no cybersecurity hazard is analysed.", "이 기기는 "
		    "가이드라인 I.2의 통신 목적(개인건강정보 송수신, 기기 제어, "
		    "유지보수) 중 어느 것에도 해당하지 않으므로 사이버보안 "
		    "요구사항이 적용되지 않으며 사이버보안 위해요인을 분석하지 "
		    "않는다."));
		return;
	}
	rw_paraf(w, REP_T(r, "Safety level %s (MFDS guideline Tables 1 and 2; "
	    "see the Checklist for the rationale).", "사이버보안 안전등급 "
	    "%s(식약처 가이드라인 표 1, 표 2; 근거는 체크리스트 참조)."),
	    medsec_level_name(r->c->level));
	if (r->c->threats == NULL) {
		risk_exploitability(r, why, sizeof(why));
		rw_notice(w, "warn", REP_T(r, "The device profile names no "
		    "threat model ([risk] threat_model): the hazards below are "
		    "the generic loss of confidentiality, integrity and "
		    "availability per communication purpose, with one severity "
		    "from the safety level. A submission needs the device's own "
		    "threat model.", "기기 프로파일에 위협 모델([risk] "
		    "threat_model)이 없어 아래 위해요인은 통신 목적별 기밀성·"
		    "무결성·가용성 상실이라는 일반 위해요인이며 심각도는 "
		    "안전등급 하나로 정하였다. 허가 신청에는 기기 고유의 위협 "
		    "모델이 필요하다."));
		rw_field(w, REP_T(r, "Exploitability", "악용 가능성"), why);
		return;
	}
	rw_paraf(w, REP_T(r, "Hazards are derived from the device's threat "
	    "model, %s: %zu assets, %zu entry points, %zu trust boundaries, "
	    "%zu data flows, %zu threats.", "위해요인은 기기의 위협 모델 %s"
	    "에서 도출하였다: 자산 %zu개, 진입점 %zu개, 신뢰 경계 %zu개, "
	    "데이터 흐름 %zu개, 위협 %zu개."), r->p->more.threat_model,
	    r->c->threats->nassets, r->c->threats->nentries,
	    r->c->threats->nboundaries, r->c->threats->nflows,
	    r->c->threats->nthreats);
	if (r->p->more.ai)
		rw_para(w, REP_T(r, "The device runs a trained model (ai = "
		    "yes): the data-manipulation hazards H-AI-1 to H-AI-3 are "
		    "analysed as well.", "이 기기는 학습된 모델을 사용하므로"
		    "(ai = yes) 데이터 조작 위해요인 H-AI-1 ~ H-AI-3도 "
		    "분석한다."));
}

static void
matrix_table(const struct medsec_report *r, struct rw *w)
{
	static const char *const sev_en[] = { "1 minor", "2 moderate",
		"3 major" };
	static const char *const sev_ko[] = { "1 하", "2 중", "3 상" };
	const char *head[4], *row[4];
	char cells[3][8];
	int s, e;

	head[0] = REP_T(r, "Severity \\ exploitability", "심각도 \\ 악용 "
	    "가능성");
	head[1] = REP_T(r, "1 local or physical", "1 로컬 또는 물리적");
	head[2] = REP_T(r, "2 adjacent (radio range, local network)",
	    "2 인접(무선 범위, 로컬 네트워크)");
	head[3] = REP_T(r, "3 internet", "3 인터넷");
	rw_table(w, 4, head);
	for (s = 3; s >= 1; s--) {
		row[0] = REP_T(r, sev_en[s - 1], sev_ko[s - 1]);
		for (e = 1; e <= 3; e++) {
			snprintf(cells[e - 1], sizeof(cells[e - 1]), "%c",
			    risk_grade(r, s, e));
			row[e] = cells[e - 1];
		}
		rw_row(w, row, NULL);
	}
}

static void
method(const struct medsec_report *r, struct rw *w)
{
	rw_heading(w, 1, "method", REP_T(r, "2. Risk analysis method and "
	    "acceptance criteria", "2. 위험분석 방법 및 수용 기준"));
	rw_para(w, REP_T(r, "Each threat of the threat model is a hazard on "
	    "each data flow it concerns (ISO 14971, ISO/TR 24971; STRIDE per "
	    "data flow). Severity 1-3 comes from the clinical consequence "
	    "the threat model states for the flow, in the words of Table 1; "
	    "exploitability 1-3 from the flow's exposure (local or physical "
	    "1, adjacent 2, internet 3). The acceptance matrix below grades "
	    "each pair: A acceptable, R acceptable only with verified "
	    "controls (as low as reasonably practicable), U unacceptable.",
	    "위협 모델의 각 위협은 해당 데이터 흐름마다 하나의 위해요인이다"
	    "(ISO 14971, ISO/TR 24971; 데이터 흐름별 STRIDE). 심각도 1~3은 "
	    "위협 모델이 데이터 흐름에 기재한 임상적 결과(표 1의 표현)로, "
	    "악용 가능성 1~3은 데이터 흐름의 노출 범위(로컬·물리적 1, 인접 "
	    "2, 인터넷 3)로 정한다. 아래 수용 매트릭스로 각 조합을 판정한다: "
	    "A 수용 가능, R 검증된 위험통제 조치가 있을 때에만 수용 가능"
	    "(ALARP), U 수용 불가."));
	rw_paraf(w, REP_T(r, "Acceptance matrix: %s.", "수용 매트릭스: %s."),
	    r->p->more.matrix[0] != '\0' ? REP_T(r, "the manufacturer's own "
	    "([risk] matrix in the device profile)", "제조자 정의(기기 "
	    "프로파일의 [risk] matrix)") : REP_T(r, "the default of this "
	    "generator, a common ISO 14971 practice (ISO 14971 asks the "
	    "manufacturer to define its own criteria in the risk management "
	    "plan)", "본 도구의 기본값으로 ISO 14971의 일반적 관행을 따름"
	    "(ISO 14971은 제조자가 위험관리 계획에서 자체 기준을 정하도록 "
	    "요구함)"));
	matrix_table(r, w);
	rw_para(w, REP_T(r, "Residual risk: a control reduces the risk only "
	    "when it exists in the device (threat model status not "
	    "'planned') and every test cited for it passed in the evidence of "
	    "this package; the exploitability is then taken as 1. Otherwise "
	    "no reduction is claimed.", "잔여 위험: 위험통제 조치가 기기에 "
	    "존재하고(위협 모델 상태가 'planned'가 아님) 이를 위해 인용한 "
	    "모든 시험이 본 자료의 증거에서 통과한 경우에만 위험이 감소한 "
	    "것으로 보며, 이때 악용 가능성을 1로 본다. 그렇지 않으면 감소를 "
	    "주장하지 않는다."));
}

static void
join_reqs(const struct medsec_report *r, const struct risk_row *row,
    struct rbuf *b)
{
	const struct rep_item *it;
	size_t i;

	for (i = 0; i < row->nreqs; i++) {
		it = item_of(r, row->reqs[i]);
		rbuf_printf(b, "%s%s [%s]", i ? ", " : "", row->reqs[i],
		    it != NULL ? rep_verdict_label(r, it->verdict) :
		    REP_T(r, "not in the catalog", "목록에 없음"));
	}
	for (i = 0; i < row->nitems; i++)
		rbuf_printf(b, "%s%s %s [%s]", i ? "\n" : "",
		    row->items[i]->d->req->id, rep_req_title(r,
		    row->items[i]->d->req),
		    rep_verdict_label(r, row->items[i]->verdict));
}

static void
row_cells(const struct medsec_report *r, const struct risk_row *row,
    struct rbuf *b, size_t off[7])
{
	off[0] = b->len;
	rbuf_printf(b, "%s", row->id);
	if (row->threat != NULL && row->threat->stride[0] != '\0')
		rbuf_printf(b, "\nSTRIDE %s", row->threat->stride);
	rbuf_put(b, "", 1);
	off[1] = b->len;
	rbuf_printf(b, "%s", REP_T(r, row->hazard_en, row->hazard_ko));
	if (row->flow != NULL)
		rbuf_printf(b, "\n%s %s: %s", REP_T(r, "Data flow",
		    "데이터 흐름"), row->flow->id, row->flow->text);
	rbuf_printf(b, "\n%s: %s", REP_T(r, "Harm", "위해"),
	    harm_text(r, row->harm));
	rbuf_put(b, "", 1);
	off[2] = b->len;
	rbuf_printf(b, "S%d \u00d7 E%d (%s): %c, %s", row->severity,
	    row->exploitability, tm_exposure_name(row->exploitability),
	    row->initial, risk_grade_text(r, row->initial));
	rbuf_put(b, "", 1);
	off[3] = b->len;
	if (row->threat != NULL)
		rbuf_printf(b, "%s%s", row->threat->planned ? REP_T(r,
		    "Planned, not in the device: ", "계획 단계(기기에 없음): ") :
		    "", row->threat->control[0] != '\0' ?
		    row->threat->control : REP_T(r, "none stated",
		    "기재 없음"));
	else
		rbuf_puts(b, REP_T(r, "The mechanisms verified for the "
		    "requirements opposite", "오른쪽 요구사항에 대해 검증된 "
		    "보안 기능"));
	rbuf_put(b, "", 1);
	off[4] = b->len;
	join_reqs(r, row, b);
	if (row->nreqs == 0 && row->nitems == 0)
		rbuf_puts(b, REP_T(r, "none traced", "추적된 요구사항 없음"));
	rbuf_put(b, "", 1);
	off[5] = b->len;
	if (row->reduced)
		rbuf_printf(b, "S%d \u00d7 E1: %c, %s", row->severity,
		    row->residual, risk_grade_text(r, row->residual));
	else
		rbuf_printf(b, "%s: %s. %c, %s", REP_T(r, "Not reduced",
		    "감소 주장 없음"), REP_T(r, row->why_en, row->why_ko),
		    row->residual, risk_grade_text(r, row->residual));
	rbuf_put(b, "", 1);
	off[6] = b->len;
}

static size_t
threat_hazards_table(const struct medsec_report *r, struct rw *w)
{
	const char *head[6], *cells[6];
	struct risk_row row;
	struct rbuf b;
	size_t k, n = risk_row_count(r), open = 0, off[7], i;

	head[0] = REP_T(r, "Hazard", "위해요인");
	head[1] = REP_T(r, "Hazardous situation and harm", "위해상황 및 위해");
	head[2] = REP_T(r, "Initial risk", "초기 위험");
	head[3] = REP_T(r, "Risk control in the device", "기기의 위험통제 "
	    "조치");
	head[4] = REP_T(r, "Requirements [verdict]", "요구사항 [판정]");
	head[5] = REP_T(r, "Residual risk", "잔여 위험");
	rbuf_init(&b);
	rw_table(w, 6, head);
	for (k = 0; k < n; k++) {
		risk_row(r, k, &row);
		open += row_open(&row);
		rbuf_clear(&b);
		row_cells(r, &row, &b, off);
		if (b.err != 0)
			break;
		for (i = 0; i < 6; i++)
			cells[i] = b.s + off[i];
		rw_row(w, cells, row_open(&row) ? "gap" : "met");
	}
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
	return open;
}

static void
model_tables(const struct medsec_report *r, struct rw *w)
{
	const struct medsec_threat_model *tm = r->c->threats;
	const char *head[4], *row[4];
	char exp[48];
	size_t i;

	rw_heading(w, 2, "flows", REP_T(r, "Data flows, exposure and "
	    "clinical consequence", "데이터 흐름, 노출 범위 및 임상적 결과"));
	head[0] = "ID";
	head[1] = REP_T(r, "Data flow", "데이터 흐름");
	head[2] = REP_T(r, "Exposure", "노출 범위");
	head[3] = REP_T(r, "Harm of a breach", "침해 시 위해");
	rw_table(w, 4, head);
	for (i = 0; i < tm->nflows; i++) {
		snprintf(exp, sizeof(exp), "%s (E%d)%s",
		    tm_exposure_name(tm->flows[i].exposure),
		    tm->flows[i].exposure, tm->flows[i].planned ?
		    REP_T(r, ", planned", ", 계획") : "");
		row[0] = tm->flows[i].id;
		row[1] = tm->flows[i].text;
		row[2] = exp;
		row[3] = harm_text(r, tm->flows[i].harm);
		rw_row(w, row, NULL);
	}
	rw_heading(w, 2, "assets", REP_T(r, "Assets", "자산"));
	for (i = 0; i < tm->nassets; i++)
		rw_field(w, tm->assets[i].id, tm->assets[i].text);
	rw_heading(w, 2, "entries", REP_T(r, "Entry points", "진입점"));
	for (i = 0; i < tm->nentries; i++)
		rw_field(w, tm->entries[i].id, tm->entries[i].text);
	rw_heading(w, 2, "boundaries", REP_T(r, "Trust boundaries",
	    "신뢰 경계"));
	for (i = 0; i < tm->nboundaries; i++)
		rw_field(w, tm->boundaries[i].id, tm->boundaries[i].text);
}

/* ---- the generic fallback: loss of C, I, A per purpose ---- */

static void
generic_controls(const struct medsec_report *r, const struct risk_hazard *h,
    struct rbuf *b)
{
	size_t i;

	for (i = 0; i < h->ncontrols; i++) {
		const struct rep_item *it = h->controls[i];

		rbuf_printf(b, "%s%s %s [%s]", i ? "\n" : "",
		    it->d->req->id, rep_req_title(r, it->d->req),
		    rep_verdict_label(r, it->verdict));
	}
}

static void
generic_row(const struct medsec_report *r, size_t k, struct rw *w,
    struct rbuf *b)
{
	struct risk_hazard h;
	size_t off[7], i;
	const char *row[7];

	risk_hazard(r, k, &h);
	rbuf_clear(b);
	off[0] = 0;
	rbuf_printf(b, REP_T(r, "%s\n%s, loss of %s", "%s\n%s, %s 상실"), h.id,
	    medsec_purpose_name(h.purpose), REP_T(r,
	    risk_property_name(h.property), property_ko(h.property)));
	rbuf_put(b, "", 1);
	off[1] = b->len;
	rbuf_printf(b, "%s\n%s: %s", REP_T(r, h.hazard, h.hazard_ko),
	    REP_T(r, "Harm", "위해"), REP_T(r, h.harm, h.harm_ko));
	rbuf_put(b, "", 1);
	off[2] = b->len;
	rbuf_printf(b, "S%d x E%d = %d", h.severity, h.exploitability,
	    h.initial);
	rbuf_put(b, "", 1);
	off[3] = b->len;
	rbuf_puts(b, acceptability_text(r, h.initial));
	rbuf_put(b, "", 1);
	off[4] = b->len;
	generic_controls(r, &h, b);
	rbuf_put(b, "", 1);
	off[5] = b->len;
	if (h.residual > 0)
		rbuf_printf(b, "S%d x E1 = %d", h.severity, h.residual);
	else
		rbuf_printf(b, REP_T(r, "not reduced: %zu control(s) with a "
		    "gap", "감소 주장 없음: 미충족 통제 %zu건"), h.ngaps);
	rbuf_put(b, "", 1);
	off[6] = b->len;
	rbuf_puts(b, acceptability_text(r, h.residual));
	if (b->err != 0)
		return;
	for (i = 0; i < 7; i++)
		row[i] = b->s + off[i];
	rw_row(w, row, h.residual > 0 ? "met" : "gap");
}

static size_t
generic_table(const struct medsec_report *r, struct rw *w)
{
	static const char *const cols_en[7] = { "Hazard",
		"Hazardous situation and harm", "Initial risk", "Initial evaluation",
		"Risk controls (requirement [verdict])", "Residual risk",
		"Residual evaluation" };
	static const char *const cols_ko[7] = { "위해요인", "위해상황 및 위해",
		"초기 위험", "초기 평가", "위험통제(요구사항 [판정])",
		"잔여 위험", "잔여 평가" };
	const char *cols[7];
	struct rbuf b;
	size_t k, n = risk_hazard_count(r), open = 0, i;
	struct risk_hazard h;

	for (i = 0; i < 7; i++)
		cols[i] = REP_T(r, cols_en[i], cols_ko[i]);
	rbuf_init(&b);
	rw_table(w, 7, cols);
	for (k = 0; k < n; k++) {
		generic_row(r, k, w, &b);
		risk_hazard(r, k, &h);
		open += h.residual == 0;
	}
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
	return open;
}

static size_t
hazards_section(const struct medsec_report *r, struct rw *w, size_t *nh)
{
	size_t open;

	rw_heading(w, 1, "analysis", REP_T(r, "3. Risk analysis, evaluation "
	    "and control", "3. 위험분석, 위험평가 및 위험통제"));
	if (!r->c->in_scope) {
		rw_para(w, REP_T(r, "No hazard: no communication purpose.",
		    "통신 목적이 없어 위해요인이 없다."));
		*nh = 0;
		return 0;
	}
	if (r->c->threats != NULL) {
		model_tables(r, w);
		rw_heading(w, 2, "hazards", REP_T(r, "Hazards", "위해요인"));
		*nh = risk_row_count(r);
		return threat_hazards_table(r, w);
	}
	*nh = risk_hazard_count(r);
	open = generic_table(r, w);
	if (r->p->more.ai) {
		rw_heading(w, 2, "ai", REP_T(r, "Data-manipulation hazards "
		    "(AI)", "데이터 조작 위해요인(AI)"));
		*nh += NAI;
		open += threat_hazards_table(r, w);
	}
	return open;
}

/* What each requirement rests on: the tests and declarations of this
 * package, never a mechanism the device may not have. */
static void
controls(const struct medsec_report *r, struct rw *w)
{
	size_t i;

	if (r->n == 0)
		return;
	rw_heading(w, 1, "controls", REP_T(r, "4. Risk control measures and "
	    "their verification", "4. 위험통제 조치 및 검증"));
	rw_para(w, REP_T(r, "The controls are those the threat model states "
	    "for the device (section 3). Each Table 3 requirement is listed "
	    "with what verifies it in this package: the tests of the "
	    "Software Verification and Validation Report, or the "
	    "manufacturer's declaration with its document number.",
	    "위험통제 조치는 위협 모델이 기기에 대해 기재한 것이다(3절). "
	    "표 3의 각 요구사항을 본 자료에서 이를 검증하는 근거와 함께 "
	    "나열한다: 소프트웨어 검증 및 유효성 확인 보고서의 시험, 또는 "
	    "문서번호를 기재한 제조자의 선언."));
	for (i = 0; i < r->n; i++) {
		const struct rep_item *it = &r->items[i];
		char line[MEDSEC_CLASSIFY_LINE_MAX + MEDSEC_PROFILE_DECL_TEXT_MAX +
		    512];

		snprintf(line, sizeof(line), "%s %s: %s. %s", it->d->req->id,
		    rep_req_title(r, it->d->req),
		    rep_verdict_label(r, it->verdict), rep_why(r, it));
		rw_item(w, line);
	}
}

static void
overall(const struct medsec_report *r, struct rw *w, size_t open, size_t n)
{
	rw_heading(w, 1, "overall", REP_T(r, "5. Evaluation of overall "
	    "residual risk", "5. 전체 잔여 위험 평가"));
	if (n == 0)
		rw_para(w, REP_T(r, "Nothing to evaluate.", "평가할 위해요인이 "
		    "없다."));
	else if (open == 0)
		rw_para(w, REP_T(r, "Every hazard's residual risk is acceptable "
		    "under the criteria of section 2, with its controls "
		    "verified: the overall residual risk is acceptable.",
		    "모든 위해요인의 잔여 위험이 2절의 기준에서 수용 가능하며 "
		    "위험통제 조치가 검증되었으므로 전체 잔여 위험은 수용 "
		    "가능하다."));
	else
		rw_notice(w, "gap", REP_T(r, "Overall residual risk cannot be "
		    "concluded acceptable (not demonstrated): hazards remain "
		    "unacceptable, or acceptable only with controls that are "
		    "planned or not verified (rows marked 'not reduced').",
		    "전체 잔여 위험이 수용 가능하다고 결론 내릴 수 없다(입증되지 "
		    "않음): 수용 불가이거나, 계획 단계이거나 검증되지 않은 "
		    "위험통제 조치에 의존하는 위해요인이 남아 있다('감소 주장 "
		    "없음' 행)."));
}

static void
file_line(const struct medsec_report *r, const struct medsec_evidence *ev,
    enum ev_kind kind, const char *what, const char *pending, struct rw *w)
{
	size_t i, found = 0;
	char line[256];

	for (i = 0; ev != NULL && i < ev->nfiles; i++) {
		if (ev->files[i].kind != kind)
			continue;
		snprintf(line, sizeof(line), REP_T(r, "%s (%zu bytes) in the "
		    "evidence", "증거의 %s(%zu 바이트)"), ev->files[i].name,
		    ev->files[i].size);
		rw_field(w, what, line);
		found++;
	}
	if (found == 0)
		rw_field(w, what, pending);
}

static void
production(const struct medsec_report *r, struct rw *w)
{
	char buf[512];

	rw_heading(w, 1, "production", REP_T(r, "7. Production and "
	    "post-production information", "7. 생산 및 생산 후 정보"));
	file_line(r, r->ev, EV_SBOM, REP_T(r, "Software bill of materials",
	    "소프트웨어 자재명세서(SBOM)"), REP_T(r, "Pending: the evidence "
	    "holds no SBOM (sbom.*).", "미제출: 증거에 SBOM(sbom.*)이 없다."),
	    w);
	file_line(r, r->ev, EV_VULN, REP_T(r, "Vulnerability monitoring",
	    "취약점 모니터링"), REP_T(r, "Pending: the evidence holds no "
	    "vulnerability assessment (vulnerabilities.*).", "미제출: 증거에 "
	    "취약점 평가(vulnerabilities.*)가 없다."), w);
	if (strcmp(medsec_catalog_name(r->cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return;
	snprintf(buf, sizeof(buf), REP_T(r, "Security events are recorded "
	    "in the device's audit trail (requirement 2.1: %s); users receive "
	    "the incident contact and countermeasures of requirement 2.3 "
	    "(%s). Findings feed back into this analysis throughout the "
	    "product life cycle (guideline III).", "보안 이벤트는 기기의 감사 "
	    "기록에 남는다(요구사항 2.1: %s). 사용자는 요구사항 2.3의 사고 "
	    "연락처와 대응 방법을 제공받는다(%s). 발견 사항은 제품 수명 주기 "
	    "전반에 걸쳐 이 분석에 반영한다(가이드라인 III)."),
	    rep_verdict_label(r, medsec_report_verdict(r, "2.1")),
	    rep_verdict_label(r, medsec_report_verdict(r, "2.3")));
	rw_field(w, REP_T(r, "Field information", "현장 정보"), buf);
}

void
rep_write_risk(const struct medsec_report *r, struct rw *w)
{
	size_t open, n = 0;

	rw_begin(w, rep_doc_title(r, MEDSEC_REPORT_RISK),
	    REP_T(r, "Risk management of cybersecurity (MFDS guideline III, "
	    "Figure 1; ISO 14971)", "사이버보안 위험관리(식약처 가이드라인 "
	    "III, 그림 1; ISO 14971)"));
	rep_write_ident(r, w);
	rep_write_admin(r, MEDSEC_REPORT_RISK, w);
	scope(r, w);
	method(r, w);
	open = hazards_section(r, w, &n);
	controls(r, w);
	overall(r, w, open, n);
	rep_write_legacy(r, w, 1, REP_T(r, "6. End of support: the "
	    "legacy-device plan", "6. 지원 종료: 레거시 의료기기 관리 계획"));
	production(r, w);
	rep_write_trace(r, w);
	rep_write_signoff(r, w);
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
tests_json(const struct risk_row *row)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < row->ntests; i++)
		rep_json_push(&a, json_pack("{s:s, s:I, s:s}", "test",
		    row->tests[i].name, "found", (json_int_t)row->tests[i].found,
		    "result", row->tests[i].found == 0 ? "not in evidence" :
		    medsec_test_status_name(row->tests[i].status)));
	return a;
}

static json_t *
reqs_json(const struct risk_row *row)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < row->nreqs; i++)
		rep_json_push(&a, json_string(row->reqs[i]));
	for (i = 0; a != NULL && i < row->nitems; i++)
		rep_json_push(&a, json_string(row->items[i]->d->req->id));
	return a;
}

static json_t *
row_json(const struct medsec_report *r, size_t k, int *open)
{
	struct risk_row row;
	char g[2][2];

	risk_row(r, k, &row);
	*open = row_open(&row);
	g[0][0] = row.initial;
	g[1][0] = row.residual;
	g[0][1] = g[1][1] = '\0';
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s, s:i, s:i, s:s, "
	    "s:i, s:s, s:s?, s:o, s:o, s:b, s:s?, s:o, s:s, s:s}",
	    "id", row.id, "threat", row.threat != NULL ? row.threat->id : NULL,
	    "flow", row.flow != NULL ? row.flow->id : NULL,
	    "stride", row.threat != NULL ? row.threat->stride : NULL,
	    "hazard", row.hazard_en, "harm", medsec_harm_name(row.harm),
	    "severity", row.severity, "exploitability", row.exploitability,
	    "exposure", tm_exposure_name(row.exploitability),
	    "initial_risk", row.severity * row.exploitability,
	    "initial_grade", g[0],
	    "control", row.threat != NULL ? row.threat->control : NULL,
	    "requirements", reqs_json(&row), "tests", tests_json(&row),
	    "reduced", row.reduced, "not_reduced_because", row.reduced ? NULL :
	    row.why_en, "residual_risk", row.reduced ?
	    json_integer(row.severity) : json_null(),
	    "residual_grade", g[1],
	    "residual_evaluation", row_open(&row) ? "not demonstrated" :
	    "acceptable");
}

static json_t *
generic_json(const struct medsec_report *r, size_t k)
{
	struct risk_hazard h;
	json_t *ctl = json_array();
	size_t i;

	risk_hazard(r, k, &h);
	for (i = 0; ctl != NULL && i < h.ncontrols; i++)
		rep_json_push(&ctl, json_pack("{s:s, s:s, s:s}",
		    "id", h.controls[i]->d->req->id,
		    "title", h.controls[i]->d->req->title,
		    "verdict", medsec_verdict_name(h.controls[i]->verdict)));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, "
	    "s:o, s:o, s:s}",
	    "id", h.id, "purpose", medsec_purpose_name(h.purpose),
	    "property", risk_property_name(h.property),
	    "hazard", h.hazard, "harm", h.harm,
	    "severity", h.severity, "exploitability", h.exploitability,
	    "initial_risk", h.initial,
	    "initial_evaluation", risk_acceptability(h.initial),
	    "controls", ctl,
	    "residual_risk", h.residual > 0 ? json_integer(h.residual) :
	    json_null(),
	    "residual_evaluation", risk_acceptability(h.residual));
}

static json_t *
files_json(const struct medsec_evidence *ev, enum ev_kind kind)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && ev != NULL && i < ev->nfiles; i++)
		if (ev->files[i].kind == kind)
			rep_json_push(&a, json_pack("{s:s, s:I}",
			    "file", ev->files[i].name,
			    "bytes", (json_int_t)ev->files[i].size));
	return a;
}

json_t *
rep_json_risk(const struct medsec_report *r)
{
	json_t *hz = json_array();
	size_t k, n, open = 0;
	struct risk_hazard h;
	int o;

	if (r->c->threats != NULL || !r->c->in_scope) {
		n = risk_row_count(r);
		for (k = 0; hz != NULL && k < n; k++) {
			rep_json_push(&hz, row_json(r, k, &o));
			open += o;
		}
	} else {
		n = risk_hazard_count(r);
		for (k = 0; hz != NULL && k < n; k++) {
			rep_json_push(&hz, generic_json(r, k));
			risk_hazard(r, k, &h);
			open += h.residual == 0;
		}
		for (k = 0; hz != NULL && r->p->more.ai && k < NAI; k++) {
			rep_json_push(&hz, row_json(r, k, &o));
			open += o;
			n++;
		}
	}
	return json_pack("{s:b, s:{s:s, s:s, s:s?}, s:o, s:s, s:o, "
	    "s:{s:o, s:o}, s:o, s:o}",
	    "in_scope", r->c->in_scope,
	    "method", "source", r->c->threats != NULL ? "threat-model" :
	    "generic", "matrix", r->p->more.matrix[0] != '\0' ?
	    r->p->more.matrix : default_matrix, "threat_model",
	    r->p->more.threat_model[0] != '\0' ? r->p->more.threat_model :
	    NULL, "hazards", hz,
	    "overall_residual_risk", n == 0 ? "not applicable" : open == 0 ?
	    "acceptable" : "not demonstrated",
	    "legacy_plan", rep_json_legacy(r),
	    "production", "sbom", files_json(r->ev, EV_SBOM),
	    "vulnerability_monitoring", files_json(r->ev, EV_VULN),
	    "traceability", rep_json_trace(r),
	    "administration", rep_json_admin(r, MEDSEC_REPORT_RISK));
}
