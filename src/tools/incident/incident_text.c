/*
 * The fixed wording of the notices. The English is the reference; the
 * Korean is the project's own translation, written for the MFDS and for
 * hospital staff (formal, 합니다체) and for users (polite, plain). The
 * Korean titles of the law and the 2025 guideline are our rendering of
 * the English names (docs/incident.md). Facts typed by the manufacturer
 * (what happened, impact, ...) are printed as recorded, in whatever
 * language they were written.
 */
#include <string.h>

#include "incident_int.h"

static const struct incident_words english = {
	"en",
	{ "Cybersecurity incident report to the Ministry of Food and Drug "
	  "Safety",
	  "Cybersecurity incident notice to medical institutions",
	  "Security notice to users of the device" },
	{ "Under the Digital Medical Products Act and the MFDS security "
	  "guidelines on electronic infringement of digital medical devices "
	  "(2025), we report the following cybersecurity incident.",
	  "A cybersecurity incident that may affect our medical devices in "
	  "use at your institution has been confirmed. Please review the "
	  "details below and carry out the steps listed.",
	  "We have confirmed a security incident involving the medical "
	  "device you use. Please follow the steps below and contact us "
	  "with any questions." },
	"Incident number", "Status", "Detected (UTC)", "Severity",
	"Manufacturer", "Product", "Device where recorded",
	"Affected devices", "Affected software versions", "What happened",
	"Impact on patients and data", "Containment measures taken",
	"Root cause", "Recurrence prevention", "Security update",
	"What you should do", "Contact", "Timeline", "Issued (UTC)",
	"Department", "Phone", "Email", "Web",
	"Under analysis; a follow-up notice will state it.",
	"Software version %s fixes the problem. Install it once your "
	"administrator has approved the update.",
	"We will announce the security update as soon as it is available.",
	"We will send a follow-up report once the root cause and the "
	"recurrence prevention measures are established.",
	"If you suspect any effect on a patient's safety, contact the "
	"care team or us immediately.",
	{ "low", "medium", "high", "critical" },
	{ "open (response in progress)", "contained", "closed" },
};

static const struct incident_words korean = {
	"ko",
	{ "사이버보안 침해사고 발생 보고 (식품의약품안전처)",
	  "의료기관 안내: 사이버보안 침해사고 발생 및 조치 사항",
	  "사용자 안내: 보안 침해사고 발생 및 조치 방법" },
	{ "「디지털의료제품법」 및 「디지털의료기기 전자적 침해행위 "
	  "보안지침」(2025)에 따라 아래와 같이 사이버보안 침해사고 발생 "
	  "사실을 보고합니다.",
	  "귀 기관에서 사용 중인 당사 의료기기에 영향을 줄 수 있는 "
	  "사이버보안 침해사고가 확인되어 알려 드립니다. 아래 내용을 "
	  "확인하시고 안내된 조치를 시행해 주시기 바랍니다.",
	  "사용하고 계신 의료기기와 관련된 보안 사고가 확인되어 안내해 "
	  "드립니다. 아래 안내에 따라 조치해 주시고, 궁금하신 점은 "
	  "연락처로 문의해 주십시오." },
	"사고 번호", "진행 상태", "탐지 일시 (UTC)", "심각도",
	"제조업체", "제품명", "기록된 기기",
	"영향받는 기기", "영향받는 소프트웨어 버전", "발생 내용",
	"환자 및 데이터에 미치는 영향", "긴급 조치(확산 차단) 내용",
	"근본 원인", "재발 방지 대책", "보안 업데이트",
	"사용자 조치 사항", "연락처", "경과", "발행 일시 (UTC)",
	"담당 부서", "전화", "이메일", "웹사이트",
	"분석 중이며, 확인되는 대로 추가로 알려 드리겠습니다.",
	"이 문제를 해결한 소프트웨어 버전은 %s입니다. 기관 관리자의 "
	"승인을 받은 후 업데이트를 설치해 주십시오.",
	"보안 업데이트가 준비되는 대로 즉시 안내해 드리겠습니다.",
	"근본 원인 분석 결과와 재발 방지 대책이 확정되면 추가로 "
	"보고하겠습니다.",
	"환자 안전에 영향이 있다고 의심되는 경우 즉시 담당 의료진 또는 "
	"아래 연락처로 연락해 주십시오.",
	{ "낮음", "보통", "높음", "심각" },
	{ "대응 중", "확산 차단됨", "종결" },
};

const struct incident_words *
incident_words(const char *lang)
{
	if (lang != NULL && strcmp(lang, "en") == 0)
		return &english;
	if (lang != NULL && strcmp(lang, "ko") == 0)
		return &korean;
	return NULL;
}
