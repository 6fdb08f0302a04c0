/*
 * Classification: MFDS 2020 guideline, I.2 (scope), III.1 Tables 1 and 2
 * (safety level) and III.2 Table 3 (applicability per level). The rules
 * and the Table 2 rows they rest on are listed in
 * docs/compliance/classification.md; each rationale line cites its row so
 * a reviewer can follow the decision without reading this file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compliance/compliance_int.h"
#include "compliance/threat_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

/* The Table 2 Major rows for class II and III devices (functions). */
static const struct {
	unsigned fn;
	const char *row;
} major_rows[] = {
	{ MEDSEC_FN_SURGERY, "medical devices for operation in which "
	    "malfunction can occur with cybersecurity breach" },
	{ MEDSEC_FN_RADIATION_THERAPY, "medical devices using radiation for "
	    "treatment" },
	{ MEDSEC_FN_DEFIBRILLATION, "medical device that could impact the "
	    "life of patients due to malfunction (defibrillators)" },
	{ MEDSEC_FN_LIFE_SUPPORT, "medical devices for life-supporting" },
	{ MEDSEC_FN_VITAL_SIGN_ALARM, "medical devices for measuring vital "
	    "signs which could impact the life of patients due to missed "
	    "alarm or warning" },
};

/*
 * Functions that put a class II device on the Moderate row (III.1:
 * "Class II ... medical devices for treatment", "for sending and
 * receiving vital signs", "for analysis and diagnosis"). Measurement
 * alone is not here: Table 2 lists class II measuring devices (electronic
 * thermometer, automatic electronic sphygmomanometer) under Minor.
 */
#define MODERATE_CLASS2_FNS                                                  \
	(MEDSEC_FN_TREATMENT | MEDSEC_FN_VITAL_SIGN_TRANSMISSION |           \
	    MEDSEC_FN_ANALYSIS_DIAGNOSIS)

/*
 * The example items of Table 2 (MFDS 2020 guideline, III.1), each with
 * the level of its row and the class the row names. Entries marked by
 * analogy are not in Table 2: the project places them beside the named
 * example they resemble, and says so wherever the placement is shown.
 */
struct category {
	const char *key;
	const char *label;
	enum medsec_level floor;
	int cls;	     /* the class the row names; 0 for "II and III" */
	const char *source;
};

#define T2 "MFDS 2020 guideline, Table 2, "
#define T2_IV T2 "Major row 'Class IV medical devices'"
#define T2_OP T2 "Major row 'medical devices for operation' (class II/III)"
#define T2_RT T2 "Major row 'medical devices using radiation for " \
	"treatment' (class II/III)"
#define T2_DF T2 "Major row 'could impact the life of patients due to " \
	"malfunction' (class II/III)"
#define T2_LS T2 "Major row 'medical devices for life-supporting' " \
	"(class II/III)"
#define T2_VS T2 "Major row 'medical devices for measuring vital signs " \
	"... missed alarm or warning' (class II/III)"
#define T2_M3 T2 "Moderate row 'Class III medical devices'"
#define T2_M2 T2 "Moderate row 'Class II medical devices'"
#define T2_N2 T2 "Minor row 'Class II medical devices' (not intended to " \
	"treat, monitor, analyze or diagnose)"
#define T2_N1 T2 "Minor row 'Class I medical devices'"
#define ANALOGY "not named in Table 2; placed by analogy with "

static const struct category categories[] = {
	{ "implantable-defibrillator", "Implantable defibrillator",
	    MEDSEC_LEVEL_MAJOR, 4, T2_IV },
	{ "implantable-pacemaker", "Implantable pacemaker",
	    MEDSEC_LEVEL_MAJOR, 4, T2_IV },
	{ "implantable-insulin-pump", "Implantable insulin pump",
	    MEDSEC_LEVEL_MAJOR, 4, T2_IV },
	{ "implantable-analgesic-stimulator", "Implantable analgesic "
	    "stimulator", MEDSEC_LEVEL_MAJOR, 4, T2_IV },
	{ "insulin-infusion-pump", "Insulin infusion pump",
	    MEDSEC_LEVEL_MAJOR, 4, T2_IV },
	{ "infusion-pump", "Infusion pump (drug or fluid)",
	    MEDSEC_LEVEL_MAJOR, 0, ANALOGY "'Insulin infusion pump' ("
	    T2_IV "): a wrong rate or volume can cause serious injury" },
	{ "robotic-surgical-system", "Robotic surgical system",
	    MEDSEC_LEVEL_MAJOR, 3, T2_OP },
	{ "laser-surgical-instrument", "Laser surgical instrument",
	    MEDSEC_LEVEL_MAJOR, 3, T2_OP },
	{ "electrosurgical-system", "Electrosurgical system",
	    MEDSEC_LEVEL_MAJOR, 3, T2_OP },
	{ "therapeutic-radiation-device", "Therapeutic X-ray or neutron "
	    "irradiation device, accelerator system", MEDSEC_LEVEL_MAJOR, 3,
	    T2_RT },
	{ "defibrillator", "Low- or high-powered defibrillator",
	    MEDSEC_LEVEL_MAJOR, 3, T2_DF },
	{ "ventilator", "Ventilator for general purpose or home use",
	    MEDSEC_LEVEL_MAJOR, 3, T2_LS },
	{ "patient-monitor", "Patient monitoring system",
	    MEDSEC_LEVEL_MAJOR, 2, T2_VS },
	{ "intense-pulsed-light", "Intense pulsed light generator",
	    MEDSEC_LEVEL_MODERATE, 3, T2_M3 },
	{ "shock-wave-therapy", "Extracorporeal shock wave treatment system",
	    MEDSEC_LEVEL_MODERATE, 3, T2_M3 },
	{ "computer-aided-diagnosis", "Computer aided diagnosis system",
	    MEDSEC_LEVEL_MODERATE, 3, T2_M3 },
	{ "u-health-diagnosis-support", "U-health diagnosis support system",
	    MEDSEC_LEVEL_MODERATE, 3, T2_M3 },
	{ "glucose-meter", "Blood glucose meter for self-test, U-healthcare "
	    "glucose meter", MEDSEC_LEVEL_MODERATE, 3, T2_M3 },
	{ "telemetry-transmitter", "Telemetry system transmitter",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "computer-aided-detection", "Computer aided detection system",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "u-healthcare-device", "U-healthcare medical device",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "ultrasound-imaging", "Ultrasound imaging system",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "mri", "MRI system", MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "phototherapy", "Ultraviolet phototherapy unit",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "stereotaxic-navigation", "Stereotaxic navigation unit",
	    MEDSEC_LEVEL_MODERATE, 2, T2_M2 },
	{ "electronic-thermometer", "Electronic thermometer",
	    MEDSEC_LEVEL_MINOR, 2, T2_N2 },
	{ "sphygmomanometer", "Automatic electronic sphygmomanometer",
	    MEDSEC_LEVEL_MINOR, 2, T2_N2 },
	{ "sterilizer", "Dry heat, UV or water sterilizer",
	    MEDSEC_LEVEL_MINOR, 2, T2_N2 },
	{ "electric-wheelchair", "Electric wheelchair", MEDSEC_LEVEL_MINOR,
	    2, T2_N2 },
	{ "u-healthcare-gateway", "U-healthcare gateway", MEDSEC_LEVEL_MINOR,
	    1, T2_N1 },
	{ "laboratory-analyzer", "Protein or lactate analyzer",
	    MEDSEC_LEVEL_MINOR, 1, T2_N1 },
};
#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

static const struct category *
category_of(const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < NCATEGORIES; i++)
		if (strcmp(categories[i].key, key) == 0)
			return &categories[i];
	return NULL;
}

const char *
medsec_category_key(size_t i)
{
	return i < NCATEGORIES ? categories[i].key : NULL;
}

const char *
medsec_category_label(const char *key)
{
	const struct category *c = category_of(key);

	return c != NULL ? c->label : NULL;
}

enum medsec_level
medsec_category_floor(const char *key)
{
	const struct category *c = category_of(key);

	return c != NULL ? c->floor : MEDSEC_LEVEL_NONE;
}

const char *
medsec_category_source(const char *key)
{
	const struct category *c = category_of(key);

	return c != NULL ? c->source : NULL;
}

static void add_line(char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t *n,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
add_line(char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t *n,
    const char *fmt, ...)
{
	va_list ap;

	if (*n >= MEDSEC_CLASSIFY_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(lines[*n], MEDSEC_CLASSIFY_LINE_MAX, fmt, ap);
	va_end(ap);
	(*n)++;
}

static void line_ko(char (*lines)[MEDSEC_CLASSIFY_LINE_KO_MAX], size_t n,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The Korean text of the line just added. A line dropped at the cap left
 * the previous line's Korean text in place, so a filled slot is kept.
 */
static void
line_ko(char (*lines)[MEDSEC_CLASSIFY_LINE_KO_MAX], size_t n,
    const char *fmt, ...)
{
	va_list ap;

	if (n == 0 || lines[n - 1][0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(lines[n - 1], MEDSEC_CLASSIFY_LINE_KO_MAX, fmt, ap);
	va_end(ap);
}

/* Each rationale or warning line is followed by its Korean text. */
#define RATIONALE(c, ...)                                                    \
	add_line((c)->rationale, &(c)->n_rationale, __VA_ARGS__)
#define RATIONALE_KO(c, ...)                                                 \
	line_ko((c)->rationale_ko, (c)->n_rationale, __VA_ARGS__)
#define WARN(c, ...) add_line((c)->warnings, &(c)->n_warnings, __VA_ARGS__)
#define WARN_KO(c, ...) line_ko((c)->warnings_ko, (c)->n_warnings, __VA_ARGS__)

/* The level as the Korean form names it (상, 중, 하). */
static const char *
level_ko(enum medsec_level l)
{
	switch (l) {
	case MEDSEC_LEVEL_MAJOR: return "상";
	case MEDSEC_LEVEL_MODERATE: return "중";
	case MEDSEC_LEVEL_MINOR: return "하";
	default: return "-";
	}
}

static enum medsec_level
max_level(enum medsec_level a, enum medsec_level b)
{
	return a > b ? a : b;
}

static const char *
class_roman(int cls)
{
	static const char *const roman[] = { "?", "I", "II", "III", "IV" };

	return cls >= 1 && cls <= 4 ? roman[cls] : "?";
}

/* Writes the purposes as "health-records, maintenance". */
static void
purpose_list(unsigned purposes, char *buf, size_t buflen)
{
	unsigned bit;
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (bit = 1; bit <= MEDSEC_PURPOSE_ALL; bit <<= 1) {
		if (!(purposes & bit))
			continue;
		n = snprintf(buf + off, buflen - off, "%s%s",
		    off > 0 ? ", " : "", medsec_purpose_name(bit));
		if (n < 0 || (size_t)n >= buflen - off)
			return;
		off += (size_t)n;
	}
}

static void
scope(const struct medsec_profile *p, struct medsec_classification *c)
{
	char list[96];

	c->in_scope = p->purposes != 0;
	if (!c->in_scope) {
		RATIONALE(c, "Out of scope: the profile declares no "
		    "communication purpose. The guideline (I.2 Scope) covers "
		    "devices that send or receive personal health records, "
		    "are controlled, or are maintained (firmware or software "
		    "update) over wired or wireless communication.");
		RATIONALE_KO(c, "적용 범위 밖: 프로파일에 통신 목적이 없다. "
		    "가이드라인(I.2 적용범위)은 유·무선 통신으로 개인건강정보를 "
		    "주고받거나, 제어되거나, 유지보수(펌웨어 또는 소프트웨어 "
		    "업데이트)되는 의료기기를 대상으로 한다.");
		return;
	}
	purpose_list(p->purposes, list, sizeof(list));
	RATIONALE(c, "In scope (guideline I.2 Scope): communication "
	    "purposes %s.", list);
	RATIONALE_KO(c, "적용 범위 안(가이드라인 I.2 적용범위): 통신 목적 "
	    "%s.", list);
}

/* Table 1: the worst credible harm from a breach sets the level. */
static void
harm_level(const struct medsec_profile *p, struct medsec_classification *c)
{
	switch (p->worst_harm) {
	case MEDSEC_HARM_DEATH_OR_SERIOUS_INJURY:
		c->harm_level = MEDSEC_LEVEL_MAJOR;
		RATIONALE(c, "Table 1, row 'major': worst harm "
		    "death-or-serious-injury (serious injury or death, "
		    "permanent impairment of body function or damage to body "
		    "structure) gives level major.");
		RATIONALE_KO(c, "표 1 '상' 행: 최악의 위해 "
		    "death-or-serious-injury(중대한 상해 또는 사망, 신체 기능의 "
		    "영구적 손상 또는 신체 구조의 손상)이므로 등급 상.");
		break;
	case MEDSEC_HARM_TEMPORARY_INJURY:
		c->harm_level = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 1, row 'moderate': worst harm "
		    "temporary-injury (temporary and minor injury, medical "
		    "intervention may be necessary) gives level moderate.");
		RATIONALE_KO(c, "표 1 '중' 행: 최악의 위해 temporary-injury"
		    "(일시적이고 경미한 상해, 의학적 처치가 필요할 수 있음)이므로 "
		    "등급 중.");
		break;
	case MEDSEC_HARM_TEMPORARY_DISCOMFORT:
		c->harm_level = MEDSEC_LEVEL_MINOR;
		RATIONALE(c, "Table 1, row 'minor': worst harm "
		    "temporary-discomfort (reversible, minor and short-term "
		    "discomfort without medical intervention) gives level "
		    "minor.");
		RATIONALE_KO(c, "표 1 '하' 행: 최악의 위해 "
		    "temporary-discomfort(의학적 처치 없이 회복되는 경미하고 "
		    "일시적인 불편)이므로 등급 하.");
		break;
	default:
		c->harm_level = MEDSEC_LEVEL_NONE;
		WARN(c, "worst_harm is not stated: the level rests on the "
		    "class and functions alone (Table 2); Table 1 asks for "
		    "the worst credible harm of a breach.");
		WARN_KO(c, "worst_harm이 기재되지 않아 등급은 등급(class)과 "
		    "기능만으로 정했다(표 2). 표 1은 보안 침해로 생길 수 있는 "
		    "최악의 위해를 요구한다.");
		break;
	}
}

/* Table 2: class and functions set a floor under the level. */
static void
table2_floor(const struct medsec_profile *p, struct medsec_classification *c)
{
	const char *cls = class_roman(p->device_class);
	size_t i;

	c->floor = MEDSEC_LEVEL_NONE;
	if (p->device_class == 4) {
		c->floor = MEDSEC_LEVEL_MAJOR;
		RATIONALE(c, "Table 2, Major row 'Class IV medical devices' "
		    "(e.g. implantable defibrillator, pacemaker, insulin "
		    "pump): floor major.");
		RATIONALE_KO(c, "표 2 상 행 '4등급 의료기기'(예: 이식형 "
		    "제세동기, 심장박동기, 인슐린 펌프): 하한 상.");
		return;
	}
	if (p->device_class == 2 || p->device_class == 3)
		for (i = 0; i < sizeof(major_rows) / sizeof(major_rows[0]); i++)
			if (p->functions & major_rows[i].fn) {
				c->floor = MEDSEC_LEVEL_MAJOR;
				RATIONALE(c, "Table 2, Major row 'following "
				    "medical devices among Class II and III': "
				    "%s (function %s, class %s): floor major.",
				    major_rows[i].row,
				    medsec_function_name(major_rows[i].fn),
				    cls);
				RATIONALE_KO(c, "표 2 상 행 '2·3등급 의료기기 "
				    "중 다음 의료기기': 기능 %s, 등급 %s: 하한 "
				    "상.", medsec_function_name(
				    major_rows[i].fn), cls);
			}
	if (c->floor == MEDSEC_LEVEL_MAJOR)
		return;
	if (p->device_class == 3) {
		c->floor = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 2, Moderate row 'Class III medical "
		    "devices' (e.g. blood glucose meter for self-test): floor "
		    "moderate.");
		RATIONALE_KO(c, "표 2 중 행 '3등급 의료기기'(예: 자가 검사용 "
		    "혈당측정기): 하한 중.");
		return;
	}
	if (p->device_class == 2 && (p->functions & MODERATE_CLASS2_FNS)) {
		c->floor = MEDSEC_LEVEL_MODERATE;
		RATIONALE(c, "Table 2, Moderate row 'Class II medical devices' "
		    "with III.1: class II devices for treatment, for sending "
		    "and receiving vital signs, or for analysis and diagnosis "
		    "(e.g. telemetry system transmitter, U-healthcare medical "
		    "devices): floor moderate.");
		RATIONALE_KO(c, "표 2 중 행 '2등급 의료기기'(III.1): 치료, "
		    "생체신호 송수신, 분석·진단용 2등급 의료기기(예: 원격측정 "
		    "시스템 송신기, U-헬스케어 의료기기): 하한 중.");
		return;
	}
	if (p->device_class == 2) {
		RATIONALE(c, "Table 2, Minor row 'Class II medical devices' "
		    "not for treatment, vital-sign transmission or analysis "
		    "and diagnosis (e.g. electronic thermometer, automatic "
		    "electronic sphygmomanometer): no floor above minor.");
		RATIONALE_KO(c, "표 2 하 행 '2등급 의료기기'(치료, 생체신호 "
		    "전송, 분석·진단용이 아님. 예: 전자체온계, 자동전자혈압계): "
		    "하한은 하.");
	} else {
		RATIONALE(c, "Table 2, Minor row 'Class I medical devices' "
		    "(e.g. U-healthcare gateway): no floor above minor.");
		RATIONALE_KO(c, "표 2 하 행 '1등급 의료기기'(예: U-헬스케어 "
		    "게이트웨이): 하한은 하.");
	}
}

/* Table 2 by the device's own type: the category's row. */
static void
category_floor(const struct medsec_profile *p,
    struct medsec_classification *c)
{
	const struct category *cat = category_of(p->more.category);

	if (strcmp(p->more.category, "other") == 0) {
		RATIONALE(c, "Device category 'other': no Table 2 example "
		    "applies; the level rests on the class, functions and "
		    "harm.");
		RATIONALE_KO(c, "기기 범주 'other': 표 2의 예시 품목에 해당하지 "
		    "않아 등급은 등급(class), 기능, 위해로 정했다.");
		return;
	}
	if (cat == NULL) {
		WARN(c, "category is not stated: the device type could not "
		    "be checked against the examples of Table 2.");
		WARN_KO(c, "category가 기재되지 않아 기기 유형을 표 2의 예시와 "
		    "대조하지 못했다.");
		return;
	}
	RATIONALE(c, "Device category %s: %s (%s): floor %s.", cat->key,
	    cat->label, cat->source, medsec_level_name(cat->floor));
	RATIONALE_KO(c, "기기 범주 %s: 표 2의 예시 품목(출처는 영문본 "
	    "참조)에 따라 하한 %s.", cat->key, level_ko(cat->floor));
	if (cat->floor > c->floor)
		c->floor = cat->floor;
	if (cat->cls != 0 && cat->cls != p->device_class) {
		WARN(c, "category %s is listed in Table 2 as a class %s "
		    "device, but the profile gives class %s: check the class "
		    "or the category.", cat->key, class_roman(cat->cls),
		    class_roman(p->device_class));
		WARN_KO(c, "범주 %s는 표 2에 %s등급 의료기기로 나오나 "
		    "프로파일의 등급은 %s이다. 등급 또는 범주를 확인할 것.",
		    cat->key, class_roman(cat->cls),
		    class_roman(p->device_class));
	}
}

static void
settle_level(const struct medsec_profile *p, struct medsec_classification *c)
{
	const char *name;

	c->level = max_level(max_level(c->harm_level, c->floor),
	    MEDSEC_LEVEL_MINOR);
	name = medsec_level_name(c->level);
	if (c->harm_level != MEDSEC_LEVEL_NONE && c->floor > c->harm_level) {
		RATIONALE(c, "Level %s: the Table 2 floor is above the level "
		    "the worst harm gives (Table 1).", name);
		WARN(c, "worst_harm %s implies level %s (Table 1), but class "
		    "%s and the functions place the device at %s or above "
		    "(Table 2): the level is %s; revisit the harm analysis.",
		    medsec_harm_name(p->worst_harm),
		    medsec_level_name(c->harm_level),
		    class_roman(p->device_class), name, name);
		RATIONALE_KO(c, "등급 %s: 표 2의 하한이 최악의 위해로 정한 "
		    "등급(표 1)보다 높다.", level_ko(c->level));
		WARN_KO(c, "worst_harm %s는 등급 %s(표 1)에 해당하나, 등급(class) "
		    "%s와 기능으로 기기는 %s 이상(표 2)이다. 등급은 %s이며 위해 "
		    "분석을 다시 검토할 것.", medsec_harm_name(p->worst_harm),
		    level_ko(c->harm_level), class_roman(p->device_class),
		    level_ko(c->level), level_ko(c->level));
	} else if (c->harm_level == MEDSEC_LEVEL_NONE) {
		RATIONALE(c, "Level %s, from Table 2 only.", name);
		RATIONALE_KO(c, "등급 %s: 표 2만으로 정했다.",
		    level_ko(c->level));
	} else {
		RATIONALE(c, "Level %s: set by the worst harm (Table 1), at "
		    "or above the Table 2 floor.", name);
		RATIONALE_KO(c, "등급 %s: 최악의 위해(표 1)로 정했으며 표 2 "
		    "하한 이상이다.", level_ko(c->level));
	}
	if (p->device_class == 1 && c->harm_level > MEDSEC_LEVEL_MINOR) {
		WARN(c, "class I device with worst_harm %s: Table 2 places "
		    "class I devices under Minor; check the class or the harm "
		    "analysis.", medsec_harm_name(p->worst_harm));
		WARN_KO(c, "worst_harm이 %s인 1등급 의료기기: 표 2는 1등급 "
		    "의료기기를 하에 둔다. 등급 또는 위해 분석을 확인할 것.",
		    medsec_harm_name(p->worst_harm));
	}
}

/* Whole-word, case-insensitive search (so "5GHz" is not "5G"). */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w), i, k;

	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && isalnum((unsigned char)s[i - 1]))
			continue;
		for (k = 0; k < n && s[i + k] != '\0' &&
		    tolower((unsigned char)s[i + k]) == w[k]; k++)
			;
		if (k == n && !isalnum((unsigned char)s[i + n]))
			return 1;
	}
	return 0;
}

/* A technology that runs over a public (carrier or Internet) network. */
static const char *
public_technology(const struct medsec_profile *p)
{
	static const char *const words[] = { "lte", "5g", "4g", "3g", "gsm",
		"umts", "cellular", "nb-iot", "internet", NULL };
	size_t i, k;

	for (i = 0; i < p->n_technologies; i++)
		for (k = 0; words[k] != NULL; k++)
			if (has_word(p->technologies[i], words[k]))
				return p->technologies[i];
	return NULL;
}

static void
contradictions(const struct medsec_profile *p,
    struct medsec_classification *c)
{
	const char *tech;

	if (p->implantable && p->device_class < 4) {
		WARN(c, "implantable = yes but class %d: Table 2 lists "
		    "implantable devices (defibrillator, pacemaker, insulin "
		    "pump) among Class IV; check the class.", p->device_class);
		WARN_KO(c, "implantable = yes이나 등급이 %d이다. 표 2는 이식형 "
		    "의료기기(제세동기, 심장박동기, 인슐린 펌프)를 4등급에 둔다. "
		    "등급을 확인할 것.", p->device_class);
	}
	if (p->device_class == 1 && (p->functions & (MEDSEC_FN_SURGERY |
	    MEDSEC_FN_RADIATION_THERAPY | MEDSEC_FN_LIFE_SUPPORT |
	    MEDSEC_FN_DEFIBRILLATION | MEDSEC_FN_VITAL_SIGN_ALARM))) {
		WARN(c, "class I with a function that Table 2's Major rows "
		    "name for Class II and III devices: check the class.");
		WARN_KO(c, "1등급이나 표 2의 상 행이 2·3등급 의료기기에 대해 "
		    "정한 기능이 있다. 등급을 확인할 것.");
	}
	if (p->functions == MEDSEC_FN_NONE &&
	    (p->purposes & MEDSEC_PURPOSE_CONTROL)) {
		WARN(c, "functions = none but purposes include control: a "
		    "device controlled over a network has a function that "
		    "Table 2 may place higher; state it.");
		WARN_KO(c, "functions = none이나 통신 목적에 제어가 있다. "
		    "네트워크로 제어되는 기기는 표 2가 더 높게 둘 수 있는 기능이 "
		    "있으니 기재할 것.");
	}
	if (p->functions == 0) {
		WARN(c, "functions are not stated: the Table 2 function rows "
		    "could not be checked.");
		WARN_KO(c, "functions가 기재되지 않아 표 2의 기능 행을 확인하지 "
		    "못했다.");
	}
	tech = public_technology(p);
	if (p->public_network == 0 && tech != NULL) {
		WARN(c, "public_network = no, but technology '%s' runs over a "
		    "public carrier or Internet network: check Table 4 item "
		    "4 and requirement 2.4.", tech);
		WARN_KO(c, "public_network = no이나 통신 기술 '%s'는 공중 "
		    "통신망이나 인터넷을 쓴다. 표 4 항목 4와 요구사항 2.4를 "
		    "확인할 것.", tech);
	}
	if (!c->in_scope) {
		if (p->n_technologies > 0) {
			WARN(c, "technologies are listed but no purpose: if "
			    "any link carries health records, control or "
			    "updates, the device is in scope.");
			WARN_KO(c, "통신 기술은 있으나 통신 목적이 없다. 어느 "
			    "연결이든 건강정보, 제어, 업데이트를 전달하면 적용 "
			    "범위 안이다.");
		}
		return;
	}
	if (p->n_technologies == 0) {
		WARN(c, "purposes are declared but no communication "
		    "technology (Table 4 item 2).");
		WARN_KO(c, "통신 목적은 있으나 통신 기술이 없다(표 4 항목 2).");
	}
	if (p->public_network < 0) {
		WARN(c, "public_network is not stated (Table 4 item 4); "
		    "requirement 2.4 was assessed as if the device used no "
		    "public network.");
		WARN_KO(c, "public_network가 기재되지 않았다(표 4 항목 4). "
		    "요구사항 2.4는 공용 네트워크를 쓰지 않는 것으로 보고 "
		    "판단했다.");
	}
}

/*
 * Conditions in the text of a 2019 Table 3 item that a profile can show
 * do not arise. The applicability stays as Table 3 says: leaving an item
 * out needs a justification in the checklist (IV.2), which the reason
 * points to.
 */
static const struct {
	const char *id;
	unsigned purpose;
	const char *what, *what_ko;
} conditional[] = {
	{ "1.12", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update",
	    "펌웨어 또는 소프트웨어 업데이트" },
	{ "1.13", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update",
	    "펌웨어 또는 소프트웨어 업데이트" },
	{ "1.14", MEDSEC_PURPOSE_MAINTENANCE, "firmware or software update",
	    "펌웨어 또는 소프트웨어 업데이트" },
	{ "1.15", MEDSEC_PURPOSE_CONTROL, "control information on a network",
	    "네트워크상의 제어 정보" },
	{ "1.16", MEDSEC_PURPOSE_HEALTH_RECORDS,
	    "personal health records on a network",
	    "네트워크상의 개인건강정보" },
};

static void
append(char *buf, size_t buflen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t buflen, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 1 >= buflen)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, buflen - off, fmt, ap);
	va_end(ap);
}

static void
condition_notes(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_decision *d)
{
	size_t i;

	if (strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return;
	for (i = 0; i < sizeof(conditional) / sizeof(conditional[0]); i++)
		if (strcmp(d->req->id, conditional[i].id) == 0 &&
		    !(p->purposes & conditional[i].purpose))
			append(d->reason, sizeof(d->reason), " The profile "
			    "declares no '%s' purpose, so the item's subject "
			    "(%s) may not arise; excluding it needs a "
			    "justification in the checklist.",
			    medsec_purpose_name(conditional[i].purpose),
			    conditional[i].what);
	for (i = 0; i < sizeof(conditional) / sizeof(conditional[0]); i++)
		if (strcmp(d->req->id, conditional[i].id) == 0 &&
		    !(p->purposes & conditional[i].purpose))
			append(d->reason_ko, sizeof(d->reason_ko), " 프로파일에 "
			    "'%s' 목적이 없어 이 항목의 대상(%s)이 생기지 않을 "
			    "수 있다. 제외하려면 체크리스트에 근거를 적어야 한다.",
			    medsec_purpose_name(conditional[i].purpose),
			    conditional[i].what_ko);
	if (strcmp(d->req->id, "2.4") != 0)
		return;
	append(d->reason, sizeof(d->reason), " Table 3 no. 24 concerns "
	    "devices on a public network that control a device or exchange "
	    "life-critical information in real time.");
	append(d->reason_ko, sizeof(d->reason_ko), " 표 3 제24번은 공용 "
	    "네트워크에서 기기를 제어하거나 생명에 직결되는 정보를 실시간으로 "
	    "주고받는 기기에 관한 것이다.");
	if (p->public_network != 1) {
		append(d->reason, sizeof(d->reason), " public_network = %s: "
		    "the condition may not arise; justify an exclusion in the "
		    "checklist.", p->public_network == 0 ? "no" : "unstated");
		append(d->reason_ko, sizeof(d->reason_ko), " public_network = "
		    "%s: 조건이 생기지 않을 수 있다. 제외하려면 체크리스트에 "
		    "근거를 적을 것.", p->public_network == 0 ? "no" :
		    "미기재");
	}
}

static void
decide(const struct medsec_catalog *cat, const struct medsec_profile *p,
    struct medsec_classification *c)
{
	const struct medsec_requirement *req;
	struct medsec_decision *d;
	const char *lvl = medsec_level_name(c->level), *decl;
	size_t i;

	for (i = 0; i < medsec_catalog_count(cat) &&
	    i < MEDSEC_CATALOG_ITEMS_MAX; i++) {
		req = medsec_catalog_item(cat, i);
		d = &c->decisions[c->n_decisions++];
		d->req = req;
		d->applicability = req->by_level[c->level];
		d->table3 = d->applicability;
		snprintf(d->reason, sizeof(d->reason), "%s at level %s "
		    "(Table 3, no. %d: %s).",
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "Required" :
		    "Recommended", lvl, req->no,
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "\u25cb" :
		    "\u25b3");
		snprintf(d->reason_ko, sizeof(d->reason_ko), "등급 %s에서 "
		    "%s(표 3 제%d번: %s).", level_ko(c->level),
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "필수" :
		    "권고", req->no,
		    d->applicability == MEDSEC_APPLIC_REQUIRED ? "\u25cb" :
		    "\u25b3");
		if (p->implantable && req->implantable_may_exclude) {
			d->applicability = MEDSEC_APPLIC_MAY_EXCLUDE;
			snprintf(d->reason, sizeof(d->reason), "Implantable "
			    "device: the Table 3 footnote allows not applying "
			    "no. %d (otherwise %s at level %s); give the "
			    "justification in the checklist.", req->no,
			    medsec_applicability_name(
			    req->by_level[c->level]), lvl);
			snprintf(d->reason_ko, sizeof(d->reason_ko), "이식형 "
			    "의료기기: 표 3의 주석에 따라 제%d번을 적용하지 않을 "
			    "수 있다(그렇지 않으면 등급 %s에서 %s). 체크리스트에 "
			    "근거를 적을 것.", req->no, level_ko(c->level),
			    req->by_level[c->level] == MEDSEC_APPLIC_REQUIRED ?
			    "필수" : "권고");
		}
		condition_notes(cat, p, d);
		if ((decl = medsec_profile_declaration(p, req->id)) != NULL) {
			append(d->reason, sizeof(d->reason), " Declared: %s",
			    decl);
			append(d->reason_ko, sizeof(d->reason_ko), " 제조자 "
			    "선언: %s", decl);
		}
	}
	req = medsec_catalog_find(cat, "2.4");
	if (req != NULL && p->public_network == 0 &&
	    medsec_profile_applicability(p, "2.4") == NULL &&
	    req->by_level[c->level] == MEDSEC_APPLIC_REQUIRED &&
	    strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) == 0) {
		WARN(c, "requirement 2.4 (DDoS) is required at level %s, but "
		    "public_network = no: Table 3 no. 24 concerns devices on "
		    "a public network; if that holds for the device's whole "
		    "life, justify the exclusion in the checklist.", lvl);
		WARN_KO(c, "요구사항 2.4(DDoS)는 등급 %s에서 필수이나 "
		    "public_network = no이다. 표 3 제24번은 공용 네트워크의 "
		    "기기에 관한 것이므로, 기기 수명 내내 그렇다면 체크리스트에 "
		    "제외 근거를 적을 것.", level_ko(c->level));
	}
	for (i = 0; i < p->n_decls; i++) {
		if (medsec_catalog_find(cat, p->decls[i].id) != NULL)
			continue;
		WARN(c, "%s:%d: [implementation] %s names no requirement of "
		    "catalog %s.", p->source, p->decls[i].line,
		    p->decls[i].id, medsec_catalog_name(cat));
		WARN_KO(c, "%s:%d: [implementation] %s는 목록 %s의 요구사항이 "
		    "아니다.", p->source, p->decls[i].line, p->decls[i].id,
		    medsec_catalog_name(cat));
	}
}

/* ---- refusals: what a submission cannot do without ---- */

static int refuse(const struct medsec_profile *p,
    struct medsec_config_error *err, int line, const char *section,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
refuse(const struct medsec_profile *p, struct medsec_config_error *err,
    int line, const char *section, const char *key, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	medsec_ini_err_clear(err, p->source);
	medsec_ini_err(err, line, section, key, "%s", msg);
	return MEDSEC_ERR_CONFIG;
}

static int
require_harm_and_functions(const struct medsec_profile *p, unsigned flags,
    struct medsec_classification *c, struct medsec_config_error *err)
{
	if (!c->in_scope || (flags & MEDSEC_CLASSIFY_DRAFT))
		return MEDSEC_OK;
	if (p->worst_harm == MEDSEC_HARM_UNSET)
		return refuse(p, err, p->more.device_line, "device",
		    "worst_harm", "missing key: Table 1 sets the level from "
		    "the worst credible harm of a breach (death-or-serious-"
		    "injury, temporary-injury or temporary-discomfort); "
		    "classify with --draft to go on without it");
	if (p->functions == 0)
		return refuse(p, err, p->more.device_line, "device",
		    "functions", "missing key: Table 2 places a device by its "
		    "functions (or 'none'); classify with --draft to go on "
		    "without them");
	return MEDSEC_OK;
}

/*
 * A harm two levels under the device type's Table 2 row (an infusion
 * pump declared temporary-discomfort) is not an oversight the level can
 * quietly absorb: the harm analysis contradicts the guideline's own
 * example. One level under is raised to the floor with a warning.
 */
static int
check_category_harm(const struct medsec_profile *p,
    struct medsec_classification *c, struct medsec_config_error *err)
{
	const struct category *cat = category_of(p->more.category);

	if (cat == NULL || !c->in_scope || c->harm_level == MEDSEC_LEVEL_NONE)
		return MEDSEC_OK;
	if (cat->floor >= c->harm_level + 2)
		return refuse(p, err, p->more.harm_line, "device", "worst_harm",
		    "'%s' contradicts category %s (%s): %s places it at %s, "
		    "where a breach can cause serious injury or death; "
		    "correct the harm analysis or the category",
		    medsec_harm_name(p->worst_harm), cat->key, cat->label,
		    cat->source, medsec_level_name(cat->floor));
	if (cat->floor > c->harm_level) {
		WARN(c, "worst_harm %s is under the Table 2 row of category "
		    "%s (%s, %s): the level is raised to %s; revisit the harm "
		    "analysis.", medsec_harm_name(p->worst_harm), cat->key,
		    cat->label, medsec_level_name(cat->floor),
		    medsec_level_name(c->level));
		WARN_KO(c, "worst_harm %s는 범주 %s의 표 2 행(%s)보다 낮다. "
		    "등급을 %s(으)로 올렸으니 위해 분석을 다시 검토할 것.",
		    medsec_harm_name(p->worst_harm), cat->key,
		    level_ko(cat->floor), level_ko(c->level));
	}
	return MEDSEC_OK;
}

/* Items that apply only to hardware (IV.2, standalone software). */
static int
hardware_only(const struct medsec_catalog *cat, const char *id)
{
	return strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) == 0 &&
	    strcmp(id, "1.18") == 0;
}

/* The item's own condition that the profile shows does not arise, or
 * NULL when it may arise (or the item has none). */
static const char *
condition_absent(const struct medsec_catalog *cat,
    const struct medsec_profile *p, const char *id, const char **kop)
{
	size_t i;

	*kop = NULL;
	if (strcmp(medsec_catalog_name(cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return NULL;
	for (i = 0; i < sizeof(conditional) / sizeof(conditional[0]); i++) {
		if (strcmp(id, conditional[i].id) != 0)
			continue;
		if (p->purposes & conditional[i].purpose)
			return NULL;
		*kop = conditional[i].what_ko;
		return conditional[i].what;
	}
	if (strcmp(id, "2.4") == 0 && p->public_network == 0) {
		*kop = "공용 네트워크 접속(public_network = no)";
		return "public network access (public_network = no)";
	}
	return NULL;
}

/* Whether the basis stated holds for this device and item; the
 * explanation the checklist shows into buf. */
static int
basis_holds(const struct medsec_catalog *cat, const struct medsec_profile *p,
    const struct medsec_decision *d, const struct medsec_profile_applic *a,
    char *buf, size_t buflen, char *ko, size_t kolen)
{
	const char *gone, *gone_ko;

	switch (a->basis) {
	case MEDSEC_BASIS_IMPLANTABLE:
		snprintf(buf, buflen, "Table 3 footnote: nos. 18 and 21 may "
		    "not be applied to implantable devices");
		snprintf(ko, kolen, "표 3 주석: 이식형 의료기기는 제18번과 "
		    "제21번을 적용하지 않을 수 있음");
		return p->implantable && d->req->implantable_may_exclude;
	case MEDSEC_BASIS_STANDALONE_SW:
		snprintf(buf, buflen, "guideline IV.2: for standalone "
		    "software, requirements that apply only to hardware may "
		    "be excluded");
		snprintf(ko, kolen, "가이드라인 IV.2: 독립형 소프트웨어는 "
		    "하드웨어에만 해당하는 요구사항을 제외할 수 있음");
		return p->more.standalone_software &&
		    hardware_only(cat, d->req->id);
	case MEDSEC_BASIS_CONDITION:
		gone = condition_absent(cat, p, d->req->id, &gone_ko);
		snprintf(buf, buflen, "the item's condition does not arise: "
		    "no %s", gone != NULL ? gone : "?");
		snprintf(ko, kolen, "항목의 조건이 생기지 않음: %s 없음",
		    gone_ko != NULL ? gone_ko : "?");
		return gone != NULL;
	case MEDSEC_BASIS_RISK_ANALYSIS:
		snprintf(buf, buflen, "guideline IV.1: excluded on the "
		    "manufacturer's risk analysis (%s), whose test standard "
		    "and ground are submitted", a->reference);
		snprintf(ko, kolen, "가이드라인 IV.1: 제조자의 위험분석(%s)에 "
		    "따라 제외하며, 그 시험 기준과 근거를 제출함", a->reference);
		return 1;
	default:
		snprintf(buf, buflen, "not applied by the manufacturer's "
		    "decision");
		snprintf(ko, kolen, "제조자의 결정으로 적용하지 않음");
		return 1;
	}
}

static const char *
basis_rule(enum medsec_basis b)
{
	switch (b) {
	case MEDSEC_BASIS_IMPLANTABLE:
		return "the Table 3 footnote covers only nos. 18 and 21 of an "
		    "implantable device (implantable = yes)";
	case MEDSEC_BASIS_STANDALONE_SW:
		return "IV.2 covers hardware-only requirements (1.18) of "
		    "standalone software (form = standalone-software)";
	default:
		return "the profile shows the item's condition can arise (its "
		    "communication purpose or public network is declared, or "
		    "the item has no condition)";
	}
}

static int
apply_decision(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_decision *d,
    const struct medsec_profile_applic *a, struct medsec_config_error *err)
{
	const char *lvl_note;
	char basis[256], basis_ko[512];

	d->decision = *a;
	if (a->decision == MEDSEC_DECIDE_APPLIED) {
		append(d->reason, sizeof(d->reason), " Decided applied: %s",
		    a->reason);
		append(d->reason_ko, sizeof(d->reason_ko), " 적용하기로 결정: "
		    "%s", a->reason);
		return MEDSEC_OK;
	}
	if (!basis_holds(cat, p, d, a, basis, sizeof(basis), basis_ko,
	    sizeof(basis_ko)))
		return refuse(p, err, a->line, "applicability", a->id,
		    "basis '%s' does not hold for item %s (%s): %s",
		    medsec_basis_name(a->basis), a->id, d->req->title,
		    basis_rule(a->basis));
	if (d->applicability == MEDSEC_APPLIC_REQUIRED &&
	    a->basis == MEDSEC_BASIS_NONE)
		return refuse(p, err, a->line, "applicability", a->id,
		    "item %s (%.60s) is required (\u25cb) and left out "
		    "without a basis the guideline allows (reason given: "
		    "'%.60s'); name one: implantable, standalone-software, "
		    "condition, risk-analysis DOC", a->id, d->req->title,
		    a->reason);
	lvl_note = d->table3 == MEDSEC_APPLIC_REQUIRED ? "\u25cb" : "\u25b3";
	d->applicability = MEDSEC_APPLIC_MAY_EXCLUDE;
	snprintf(d->reason, sizeof(d->reason), "Table 3 no. %d: %s; not "
	    "applied: %s. Reason: %s", d->req->no, lvl_note, basis,
	    a->reason);
	snprintf(d->reason_ko, sizeof(d->reason_ko), "표 3 제%d번: %s. 적용 "
	    "안 함: %s. 사유: %s", d->req->no, lvl_note, basis_ko,
	    a->reason);
	return MEDSEC_OK;
}

static int
apply_decisions(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_classification *c,
    struct medsec_config_error *err)
{
	const struct medsec_profile_applic *a;
	size_t i, k;
	int r;

	for (i = 0; i < p->more.n_applic; i++) {
		a = &p->more.applic[i];
		if (medsec_catalog_find(cat, a->id) == NULL)
			return refuse(p, err, a->line, "applicability", a->id,
			    "names no requirement of catalog %s",
			    medsec_catalog_name(cat));
		for (k = 0; k < c->n_decisions; k++)
			if (strcmp(c->decisions[k].req->id, a->id) == 0 &&
			    (r = apply_decision(cat, p, &c->decisions[k], a,
			    err)) != MEDSEC_OK)
				return r;
	}
	return MEDSEC_OK;
}

/* Today's UTC date as YYYY-MM-DD. */
static void
today(char out[16])
{
	struct tm tm;
	time_t now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 16, "9999-12-31");
}

/*
 * MFDS 2025 rules (legacy devices): a device past its end of support
 * needs a plan for patches and vulnerabilities, compensating controls and
 * the deletion of personal data.
 */
static void
legacy_plan(const struct medsec_profile *p, struct medsec_classification *c)
{
	const struct medsec_profile_legacy *l = &p->more.legacy;
	char now[16], missing[160] = "";

	if (l->end_of_support[0] == '\0') {
		WARN(c, "no end-of-support date ([legacy] end_of_support): the "
		    "MFDS 2025 rules ask for a plan for devices past their "
		    "support.");
		WARN_KO(c, "지원 종료일이 없다([legacy] end_of_support). 식약처 "
		    "2025년 규정은 지원이 끝난 기기에 대한 계획을 요구한다.");
		return;
	}
	today(now);
	if (strcmp(l->end_of_support, now) >= 0)
		return;
	if (l->patch_policy[0] == '\0')
		append(missing, sizeof(missing), " patch_policy");
	if (l->vulnerability_policy[0] == '\0')
		append(missing, sizeof(missing), " vulnerability_policy");
	if (l->compensating_controls[0] == '\0')
		append(missing, sizeof(missing), " compensating_controls");
	if (l->data_deletion[0] == '\0')
		append(missing, sizeof(missing), " data_deletion");
	if (missing[0] != '\0') {
		WARN(c, "%s:%d: the device is past its end of support (%s) "
		    "and has no legacy-device plan: [legacy] lacks%s (MFDS "
		    "2025 rules: patches, vulnerability response, "
		    "compensating controls, deletion of personal data).",
		    p->source, l->line, l->end_of_support, missing);
		WARN_KO(c, "%s:%d: 기기가 지원 종료일(%s)을 지났으나 레거시 "
		    "기기 계획이 없다. [legacy]에 빠진 항목:%s(식약처 2025년 "
		    "규정: 패치, 취약점 대응, 보완 통제, 개인정보 삭제).",
		    p->source, l->line, l->end_of_support, missing);
	} else {
		RATIONALE(c, "Past its end of support (%s): the legacy-device "
		    "plan is in the profile and the risk management document.",
		    l->end_of_support);
		RATIONALE_KO(c, "지원 종료일(%s)이 지났다. 레거시 기기 계획은 "
		    "프로파일과 위험관리 문서에 있다.", l->end_of_support);
	}
}

static int
threat_model(const struct medsec_profile *p, struct medsec_classification *c,
    struct medsec_config_error *err)
{
	int r;

	/* Without one the risk document says it analyses generic hazards
	 * only; that is the document's matter, not the level's. */
	if (p->more.threat_model[0] == '\0')
		return MEDSEC_OK;
	if ((r = threat_model_load(p->source, p->more.threat_model,
	    &c->threats, err)) != MEDSEC_OK) {
		if (err->line == 0 && err->key[0] == '\0') {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "%s", err->message);
			medsec_ini_err_clear(err, p->source);
			medsec_ini_err(err, p->more.threat_model_line, "risk",
			    "threat_model", "%s", msg);
		}
		return r;
	}
	return MEDSEC_OK;
}

int
medsec_classify_profile(const struct medsec_catalog *cat,
    const struct medsec_profile *p, unsigned flags,
    struct medsec_classification **outp, struct medsec_config_error *err)
{
	struct medsec_classification *c = NULL;
	struct medsec_config_error scratch;
	int r = MEDSEC_ERR_INTERNAL;

	if (err == NULL)
		err = &scratch;
	medsec_ini_err_clear(err, p != NULL ? p->source : NULL);
	if (outp == NULL)
		return MEDSEC_ERR_INVALID;
	*outp = NULL;
	if (cat == NULL || p == NULL || p->device_class < 1 ||
	    p->device_class > 4)
		return MEDSEC_ERR_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MEDSEC_ERR_NOMEM;
	scope(p, c);
	if (c->in_scope) {
		harm_level(p, c);
		table2_floor(p, c);
		category_floor(p, c);
		settle_level(p, c);
	}
	contradictions(p, c);
	legacy_plan(p, c);
	if ((r = require_harm_and_functions(p, flags, c, err)) != MEDSEC_OK ||
	    (r = check_category_harm(p, c, err)) != MEDSEC_OK)
		goto out;
	if (c->in_scope)
		decide(cat, p, c);
	if ((r = apply_decisions(cat, p, c, err)) != MEDSEC_OK ||
	    (r = threat_model(p, c, err)) != MEDSEC_OK)
		goto out;
	*outp = c;
	c = NULL;
	r = MEDSEC_OK;
out:
	medsec_classification_free(c);
	return r;
}

int
medsec_classify(const struct medsec_catalog *cat,
    const struct medsec_profile *p, struct medsec_classification **outp)
{
	return medsec_classify_profile(cat, p, MEDSEC_CLASSIFY_DRAFT, outp,
	    NULL);
}

void
medsec_classification_free(struct medsec_classification *c)
{
	if (c == NULL)
		return;
	threat_model_free(c->threats);
	free(c);
}

const struct medsec_decision *
medsec_classification_find(const struct medsec_classification *c,
    const char *id)
{
	size_t i;

	if (c == NULL || id == NULL)
		return NULL;
	for (i = 0; i < c->n_decisions; i++)
		if (strcmp(c->decisions[i].req->id, id) == 0)
			return &c->decisions[i];
	return NULL;
}

static json_t *
lines_json(const char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(lines[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
decision_json(const struct medsec_decision *d)
{
	const struct medsec_profile_applic *a = &d->decision;

	if (a->decision == MEDSEC_DECIDE_UNSET)
		return json_null();
	return json_pack("{s:s, s:s?, s:s?, s:s, s:i}", "decision",
	    a->decision == MEDSEC_DECIDE_APPLIED ? "applied" : "not-applied",
	    "basis", medsec_basis_name(a->basis), "reference",
	    a->reference[0] != '\0' ? a->reference : NULL, "reason",
	    a->reason, "line", a->line);
}

static json_t *
decisions_json(const struct medsec_classification *c)
{
	const struct medsec_decision *d;
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < c->n_decisions; i++) {
		d = &c->decisions[i];
		o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "id",
		    d->req->id, "no", d->req->no, "title", d->req->title,
		    "applicability",
		    medsec_applicability_name(d->applicability),
		    "reason", d->reason, "table3",
		    medsec_applicability_name(d->table3), "decision",
		    decision_json(d));
		if (json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
medsec_classification_to_json(const struct medsec_classification *c,
    char **jsonp)
{
	json_t *root = NULL, *level;
	char *s;
	int r = MEDSEC_ERR_INTERNAL;

	if (jsonp == NULL)
		return MEDSEC_ERR_INVALID;
	*jsonp = NULL;
	if (c == NULL)
		return MEDSEC_ERR_INVALID;
	level = c->in_scope ? json_string(medsec_level_name(c->level)) :
	    json_null();
	root = json_pack("{s:b, s:o, s:o, s:o, s:o}", "in_scope",
	    c->in_scope, "level", level,
	    "rationale", lines_json(c->rationale, c->n_rationale),
	    "warnings", lines_json(c->warnings, c->n_warnings),
	    "requirements", decisions_json(c));
	if (root == NULL) {
		/* json_pack steals "o" references even when it fails. */
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	if ((s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		r = MEDSEC_ERR_NOMEM;
		goto out;
	}
	*jsonp = s;
	r = MEDSEC_OK;
out:
	json_decref(root);
	return r;
}
