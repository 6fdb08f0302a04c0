/*
 * The notice printed for a decommissioned device's users. The English
 * is the reference; the Korean is the project's own translation
 * (docs/decommission.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decommission_int.h"

struct words {
	const char *lang, *title, *ended, *shredded, *database, *certificate;
	const char *no_updates, *contact, *phone, *email;
};

static const struct words english = { "en",
	"Notice of end of service: the data on this device has been deleted",
	"This medical device (device ID %s) was taken out of service on %s "
	"(UTC).",
	"The keys that protected the data stored on the device (%zu keys) "
	"have been destroyed beyond recovery, so the data left on it can no "
	"longer be read by anyone.",
	"The database holding user accounts and sessions has been "
	"overwritten and deleted.",
	"A digitally signed deletion certificate (%s) records what was "
	"destroyed, when and by whom.",
	"The device no longer receives security updates. Do not connect it "
	"to a network again. For disposal or return, contact us:",
	"Contact", "Phone", "Email" };

static const struct words korean = { "ko",
	"사용 종료 안내: 기기에 저장된 데이터를 파기하였습니다",
	"이 의료기기(기기 ID %s)는 %s(UTC)에 사용이 종료되었습니다.",
	"기기에 저장된 데이터를 보호하던 암호 키 %zu개를 복구할 수 없도록 "
	"파기하였으므로, 기기에 남아 있는 데이터는 더 이상 누구도 읽을 수 "
	"없습니다.",
	"사용자 계정과 세션 정보가 담긴 데이터베이스도 덮어쓴 후 "
	"삭제하였습니다.",
	"파기 대상, 일시, 수행자는 전자서명된 삭제 확인서(%s)에 기록되어 "
	"있습니다.",
	"이 기기는 더 이상 보안 업데이트를 받지 않으므로 네트워크에 다시 "
	"연결하지 마십시오. 폐기 또는 반납 절차는 아래로 문의해 주십시오.",
	"담당 부서", "전화", "이메일" };

static void
line(FILE *f, const char *wording, const char *a, const char *b)
{
	/* The wordings hold at most two %s, filled in order. */
	const char *p = wording;

	for (const char *s = strstr(p, "%s"); s != NULL; s = strstr(p, "%s")) {
		fwrite(p, 1, (size_t)(s - p), f);
		fputs(a != NULL ? a : "", f);
		a = b;
		b = NULL;
		p = s + 2;
	}
	fputs(p, f);
	fputc('\n', f);
}

static void
count_line(FILE *f, const char *wording, size_t n)
{
	const char *s = strstr(wording, "%zu");

	if (s == NULL) {
		fprintf(f, "%s\n", wording);
		return;
	}
	fprintf(f, "%.*s%zu%s\n", (int)(s - wording), wording, n, s + 3);
}

int
medsec_decommission_notice(const struct medsec_decommission_result *res,
    const char *lang, const char *certificate_name, char **textp)
{
	const struct words *w = NULL;
	size_t len = 0;
	FILE *f;

	if (res == NULL || lang == NULL || certificate_name == NULL ||
	    textp == NULL)
		return MEDSEC_ERR_INVALID;
	if (strcmp(lang, "en") == 0)
		w = &english;
	else if (strcmp(lang, "ko") == 0)
		w = &korean;
	else
		return MEDSEC_ERR_INVALID;
	if ((f = open_memstream(textp, &len)) == NULL)
		return MEDSEC_ERR_NOMEM;
	fprintf(f, "# %s\n\n", w->title);
	line(f, w->ended, res->device_id, res->time);
	count_line(f, w->shredded, res->keys);
	line(f, w->database, NULL, NULL);
	line(f, w->certificate, certificate_name, NULL);
	line(f, w->no_updates, NULL, NULL);
	if (res->contact[0] != '\0')
		fprintf(f, "\n- %s: %s\n", w->contact, res->contact);
	if (res->phone[0] != '\0')
		fprintf(f, "- %s: %s\n", w->phone, res->phone);
	if (res->email[0] != '\0')
		fprintf(f, "- %s: %s\n", w->email, res->email);
	if (fclose(f) != 0) {
		free(*textp);
		*textp = NULL;
		return MEDSEC_ERR_NOMEM;
	}
	return MEDSEC_OK;
}
