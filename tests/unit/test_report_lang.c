/*
 * Korean first: the catalog's Korean texts each record their source (the
 * project's translation says so; a citation names title, publisher, date
 * and URL; a text without a source is refused), the report renders every
 * document in the language selected, the checklist under the Korean
 * form's headings, file names carry the language, and the index links
 * each language's documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testmain.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define CATALOG_FILE MEDSEC_SOURCE_DIR "/data/mfds/2019-table3.json"
#define PROFILE_FILE MEDSEC_SOURCE_DIR "/examples/telehealth-gateway.ini"

static char *
catalog_text(void)
{
	FILE *f = fopen(CATALOG_FILE, "rb");
	char *buf = malloc(MEDSEC_CATALOG_FILE_MAX + 1);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, MEDSEC_CATALOG_FILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The catalog text with the first from replaced by to. */
static char *
mutated(const char *from, const char *to)
{
	char *text = catalog_text(), *out, *at;
	size_t flen = strlen(from), tlen = strlen(to), len = strlen(text);

	at = strstr(text, from);
	if (at == NULL)
		fail_msg("catalog has no \"%s\"", from);
	out = malloc(len - flen + tlen + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, tlen);
	memcpy(out + (at - text) + tlen, at + flen,
	    len - (size_t)(at - text) - flen + 1);
	free(text);
	return out;
}

/* The Korean block of item 1.1, as the catalog file writes it. */
static const char ko_source_1_1[] = "\"source\": \"translation\"";

static void
test_catalog_every_korean_text_records_its_source(void **state)
{
	struct medsec_catalog *cat = NULL;
	const struct medsec_requirement *req;
	size_t i;

	(void)state;
	assert_int_equal(medsec_catalog_builtin(NULL, &cat, NULL), MEDSEC_OK);
	assert_non_null(medsec_catalog_title_ko(cat));
	assert_non_null(strstr(medsec_catalog_source_ko(cat),
	    "식품의약품안전처"));
	for (i = 0; i < medsec_catalog_count(cat); i++) {
		req = medsec_catalog_item(cat, i);
		if (req->title_ko == NULL || req->text_ko == NULL ||
		    req->text_ko_source == NULL)
			fail_msg("item %s: Korean title, text or source "
			    "missing", req->id);
		/* No public Korean original could be cited (docs/
		 * compliance.md): every text is marked as translation. */
		assert_string_equal(req->text_ko_source, "translation");
		assert_int_equal(req->text_ko_translated, 1);
	}
	medsec_catalog_free(cat);
}

static void
assert_catalog_refused(const char *from, const char *to, const char *key,
    const char *want)
{
	struct medsec_catalog *cat = NULL;
	struct medsec_config_error err;
	char *text = mutated(from, to);

	assert_int_equal(medsec_catalog_parse("t.json", text, strlen(text),
	    &cat, &err), MEDSEC_ERR_FORMAT);
	assert_null(cat);
	if (strstr(err.key, key) == NULL || strstr(err.message, want) == NULL)
		fail_msg("key '%s' message '%s'; wanted '%s' and '%s'",
		    err.key, err.message, key, want);
	free(text);
}

static void
test_catalog_korean_text_without_source_refused(void **state)
{
	(void)state;
	/* No source at all. */
	assert_catalog_refused(",\n\t\t\t\t" "\"source\": \"translation\"",
	    "", "items[0].ko", "source");
	/* A source that is neither a translation nor a citation. */
	assert_catalog_refused(ko_source_1_1, "\"source\": \"official\"",
	    "items[0].ko.source", "\"official\"");
	/* A citation without a usable address. */
	assert_catalog_refused(ko_source_1_1, "\"source\": {\"title\": "
	    "\"T\", \"publisher\": \"P\", \"date\": \"2019-11\", "
	    "\"url\": \"ftp://example.org/x\"}", "items[0].ko.source",
	    "ftp://example.org/x");
	/* A citation missing its publisher. */
	assert_catalog_refused(ko_source_1_1, "\"source\": {\"title\": "
	    "\"T\", \"date\": \"2019-11\", \"url\": "
	    "\"https://example.org/x\"}", "items[0].ko.source", "publisher");
	/* Korean verification methods that do not match the English ones
	 * one for one. */
	assert_catalog_refused("\"역할/권한 매트릭스 설계 검토\",\n\t\t\t\t\t",
	    "", "items[0].ko.verification", "2 entries for the 3");
	/* A Korean block with a field the loader does not know. */
	assert_catalog_refused(ko_source_1_1, "\"source\": \"translation\", "
	    "\"reviewed\": true", "items[0].ko", "reviewed");
}

static void
test_catalog_korean_citation_recorded(void **state)
{
	struct medsec_catalog *cat = NULL;
	const struct medsec_requirement *req;
	char *text = mutated(ko_source_1_1, "\"source\": {\"title\": "
	    "\"의료기기의 사이버보안 허가·심사 가이드라인\", \"publisher\": "
	    "\"식품의약품안전처\", \"date\": \"2019-11\", \"url\": "
	    "\"https://www.mfds.go.kr/\"}");

	(void)state;
	assert_int_equal(medsec_catalog_parse("t.json", text, strlen(text),
	    &cat, NULL), MEDSEC_OK);
	req = medsec_catalog_find(cat, "1.1");
	assert_int_equal(req->text_ko_translated, 0);
	assert_string_equal(req->text_ko_source, "의료기기의 사이버보안 "
	    "허가·심사 가이드라인; 식품의약품안전처; 2019-11; "
	    "https://www.mfds.go.kr/");
	assert_int_equal(medsec_catalog_find(cat, "1.2")->text_ko_translated,
	    1);
	medsec_catalog_free(cat);
	free(text);
}

/* ---- the report in each language ---- */

struct rctx {
	struct medsec_catalog *cat;
	struct medsec_profile prof;
	struct medsec_classification *c;
	struct medsec_report *rep;
};

/* The reference device, renamed when name is not NULL; no evidence. */
static struct rctx *
rctx_new(struct medsec_catalog *cat, const char *name)
{
	struct rctx *x = calloc(1, sizeof(*x));
	struct medsec_config_error err;

	assert_non_null(x);
	x->cat = cat;
	if (cat == NULL)
		assert_int_equal(medsec_catalog_builtin(NULL, &x->cat, NULL),
		    MEDSEC_OK);
	if (medsec_profile_load(PROFILE_FILE, &x->prof, &err) != MEDSEC_OK)
		fail_msg("%s:%d: %s", PROFILE_FILE, err.line, err.message);
	if (name != NULL)
		snprintf(x->prof.name, sizeof(x->prof.name), "%s", name);
	assert_int_equal(medsec_classify(x->cat, &x->prof, &x->c), MEDSEC_OK);
	assert_int_equal(medsec_report_build(x->cat, &x->prof, x->c, NULL,
	    &x->rep), MEDSEC_OK);
	return x;
}

static void
rctx_free(struct rctx *x)
{
	medsec_report_free(x->rep);
	medsec_classification_free(x->c);
	medsec_catalog_free(x->cat);
	free(x);
}

static char *
render_in(struct rctx *x, enum medsec_report_lang lang,
    enum medsec_report_doc doc, enum medsec_report_format fmt)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(medsec_report_set_lang(x->rep, lang), MEDSEC_OK);
	assert_int_equal(medsec_report_render(x->rep, doc, fmt, &out, &len),
	    MEDSEC_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

static void
assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("missing: %s", needle);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("should not contain: %s", needle);
}

static void
test_report_lang_korean_checklist_uses_form_headings(void **state)
{
	static const char *const ko_headings[] = {
		"<th>의료기기 사이버보안 필수원칙</th>",
		"<th>해당기기 적용여부</th>", "<th>적합성 입증방법</th>",
		"<th>적용 법령 및 규격</th>",
		"<th>해당 첨부자료 또는 문서번호</th>",
		"의료기기 사이버보안 특성 기재", "<dt>1) 사이버보안 안전성 등급</dt>",
		"<dt>2) 사용되는 통신 기술</dt>", "<dt>3) 통신 목적</dt>",
		"<dt>4) 공용 네트워크망 사용 여부</dt>"
	};
	struct rctx *x = rctx_new(NULL, NULL);
	const struct medsec_requirement *req = medsec_catalog_find(x->cat,
	    "1.1");
	char *html = render_in(x, MEDSEC_REPORT_LANG_KO,
	    MEDSEC_REPORT_CHECKLIST, MEDSEC_REPORT_HTML);
	size_t i;

	(void)state;
	assert_has(html, "<html lang=\"ko\">");
	assert_has(html, "<h1>의료기기 사이버보안 필수원칙 체크리스트</h1>");
	for (i = 0; i < sizeof(ko_headings) / sizeof(ko_headings[0]); i++)
		assert_has(html, ko_headings[i]);
	assert_has(html, req->text_ko);
	assert_has(html, "(※ 번역문: 식약처 국문 원문이 아님)");
	assert_has(html, "필수(\u25cb)");
	assert_has(html, "역할/권한 매트릭스 설계 검토");
	assert_has(html, "결과: 미충족. 증거 없음");
	assert_lacks(html, "Whether the device is subject to requirements");
	assert_lacks(html, "It shall be possible to give access authority");
	free(html);
	html = render_in(x, MEDSEC_REPORT_LANG_EN, MEDSEC_REPORT_CHECKLIST,
	    MEDSEC_REPORT_HTML);
	assert_has(html, "<html lang=\"en\">");
	assert_has(html, "<th>Whether the device is subject to "
	    "requirements</th>");
	/* HTML escapes the text's apostrophe; its start has none. */
	assert_has(html, "It shall be possible to give access authority");
	assert_has(html, "Result: GAP. No evidence");
	assert_lacks(html, "해당기기 적용여부");
	assert_lacks(html, "역할/권한 매트릭스 설계 검토");
	assert_lacks(html, req->text_ko);
	free(html);
	rctx_free(x);
}

static void
test_report_lang_every_document_titled_in_its_language(void **state)
{
	struct rctx *x = rctx_new(NULL, NULL);
	char *out, want[256];
	int d, l, f;

	(void)state;
	for (l = 0; l < MEDSEC_REPORT_LANGS; l++)
		for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
			for (f = 0; f < MEDSEC_REPORT_FORMATS; f++) {
				out = render_in(x, (enum medsec_report_lang)l,
				    (enum medsec_report_doc)d,
				    (enum medsec_report_format)f);
				snprintf(want, sizeof(want),
				    f == MEDSEC_REPORT_MD ? "# %s\n" :
				    f == MEDSEC_REPORT_HTML ? "<h1>%s</h1>" :
				    "\"title\": \"%s\"",
				    medsec_report_doc_title_lang(
				    (enum medsec_report_doc)d,
				    (enum medsec_report_lang)l));
				assert_has(out, want);
				free(out);
			}
	assert_string_equal(medsec_report_doc_title_lang(MEDSEC_REPORT_VV,
	    MEDSEC_REPORT_LANG_KO), "소프트웨어 검증 및 유효성 확인 보고서");
	rctx_free(x);
}

static json_t *
checklist_json(struct rctx *x, enum medsec_report_lang lang)
{
	char *s = render_in(x, lang, MEDSEC_REPORT_CHECKLIST,
	    MEDSEC_REPORT_JSON);
	json_error_t je;
	json_t *root = json_loads(s, 0, &je);

	if (root == NULL)
		fail_msg("JSON: line %d: %s", je.line, je.text);
	free(s);
	return root;
}

static json_t *
first_item(json_t *root)
{
	return json_array_get(json_object_get(json_object_get(root,
	    "content"), "items"), 0);
}

static void
test_report_lang_json_names_language_and_text_source(void **state)
{
	struct rctx *x = rctx_new(NULL, NULL);
	const struct medsec_requirement *req = medsec_catalog_find(x->cat,
	    "1.1");
	json_t *root = checklist_json(x, MEDSEC_REPORT_LANG_KO), *it;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(root, "lang")),
	    "ko");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(root, "identification"), "lang")), "ko");
	it = first_item(root);
	assert_string_equal(json_string_value(json_object_get(it,
	    "requirement")), req->text_ko);
	assert_string_equal(json_string_value(json_object_get(it,
	    "requirement_source")), "translation");
	assert_true(json_is_true(json_object_get(it,
	    "requirement_translated")));
	/* Machine-readable values stay the same in every language. */
	assert_string_equal(json_string_value(json_object_get(it, "verdict")),
	    "gap");
	json_decref(root);
	root = checklist_json(x, MEDSEC_REPORT_LANG_EN);
	it = first_item(root);
	assert_string_equal(json_string_value(json_object_get(root, "lang")),
	    "en");
	assert_string_equal(json_string_value(json_object_get(it,
	    "requirement")), req->checklist_text);
	assert_string_equal(json_string_value(json_object_get(it,
	    "requirement_source")), req->citation);
	assert_true(json_is_false(json_object_get(it,
	    "requirement_translated")));
	json_decref(root);
	rctx_free(x);
}

static void
test_report_lang_korean_device_name_in_every_document(void **state)
{
	static const char name[] = "케어링크 홈 게이트웨이";
	struct rctx *x = rctx_new(NULL, name);
	char *out, want[256];
	int d, l;

	(void)state;
	for (l = 0; l < MEDSEC_REPORT_LANGS; l++)
		for (d = 0; d < MEDSEC_REPORT_DOCS; d++) {
			out = render_in(x, (enum medsec_report_lang)l,
			    (enum medsec_report_doc)d, MEDSEC_REPORT_HTML);
			snprintf(want, sizeof(want), "<dd>%s, %s CLG-200, ",
			    name, l == MEDSEC_REPORT_LANG_KO ? "모델" :
			    "model");
			assert_has(out, want);
			free(out);
		}
	rctx_free(x);
}

/* A catalog whose item 1.1 has no Korean text: the Korean checklist
 * shows the English text and says so, never an empty cell. */
static void
test_report_lang_item_without_korean_shows_english_and_says_so(void **state)
{
	struct medsec_catalog *cat = NULL;
	char *text = catalog_text(), *html;
	json_t *root, *items;
	struct rctx *x;

	(void)state;
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	items = json_object_get(root, "items");
	assert_int_equal(json_object_del(json_array_get(items, 0), "ko"), 0);
	free(text);
	text = json_dumps(root, 0);
	json_decref(root);
	assert_int_equal(medsec_catalog_parse("t.json", text, strlen(text),
	    &cat, NULL), MEDSEC_OK);
	free(text);
	assert_null(medsec_catalog_find(cat, "1.1")->text_ko);
	x = rctx_new(cat, NULL);
	html = render_in(x, MEDSEC_REPORT_LANG_KO, MEDSEC_REPORT_CHECKLIST,
	    MEDSEC_REPORT_HTML);
	assert_has(html, "It shall be possible to give access authority");
	assert_has(html, "(국문 없음: 영문판 원문)");
	assert_has(html, "국문이 없는 요구사항은 영문판 원문을 그대로 싣습니다.");
	free(html);
	rctx_free(x);
}

static void
test_report_lang_file_names_and_bad_arguments(void **state)
{
	enum medsec_report_lang lang = MEDSEC_REPORT_LANG_EN;
	char name[64];

	(void)state;
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_CHECKLIST,
	    MEDSEC_REPORT_LANG_KO, "html", name, sizeof(name)), MEDSEC_OK);
	assert_string_equal(name, "checklist.ko.html");
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_VV,
	    MEDSEC_REPORT_LANG_EN, "pdf", name, sizeof(name)), MEDSEC_OK);
	assert_string_equal(name, "verification-validation.en.pdf");
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_LANG_KO, "../x", name, sizeof(name)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_LANG_KO, "HTML", name, sizeof(name)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_LANG_KO, "", name, sizeof(name)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_RISK,
	    (enum medsec_report_lang)MEDSEC_REPORT_LANGS, "md", name, sizeof(name)),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(medsec_report_file_name(MEDSEC_REPORT_RISK,
	    MEDSEC_REPORT_LANG_KO, "md", name, 10), MEDSEC_ERR_TOO_LARGE);
	assert_string_equal(name, "");
	assert_int_equal(medsec_report_lang_parse("ko", &lang), MEDSEC_OK);
	assert_int_equal(lang, MEDSEC_REPORT_LANG_KO);
	assert_int_equal(medsec_report_lang_parse("kr", &lang),
	    MEDSEC_ERR_INVALID);
	assert_int_equal(lang, MEDSEC_REPORT_LANG_KO);
	assert_string_equal(medsec_report_lang_name(MEDSEC_REPORT_LANG_EN),
	    "en");
	assert_null(medsec_report_lang_name((enum medsec_report_lang)MEDSEC_REPORT_LANGS));
	assert_int_equal(medsec_report_set_lang(NULL, MEDSEC_REPORT_LANG_KO),
	    MEDSEC_ERR_INVALID);
	assert_null(medsec_report_doc_title_lang(MEDSEC_REPORT_DOCS,
	    MEDSEC_REPORT_LANG_KO));
}

static void
test_report_lang_index_links_each_language(void **state)
{
	static const char *const exts[] = { "html", "md", "json", "pdf" };
	const enum medsec_report_lang both[] = { MEDSEC_REPORT_LANG_KO,
		MEDSEC_REPORT_LANG_EN };
	const enum medsec_report_lang twice[] = { MEDSEC_REPORT_LANG_KO,
		MEDSEC_REPORT_LANG_KO };
	struct rctx *x = rctx_new(NULL, NULL);
	char *out = NULL, name[64], href[96];
	size_t len, l, d, e;

	(void)state;
	assert_int_equal(medsec_report_render_index_langs(x->rep, both, 2, 1,
	    NULL, &out, &len), MEDSEC_OK);
	assert_has(out, "<html lang=\"ko\">");
	assert_has(out, "<h1>의료기기 사이버보안 허가·심사 제출 자료 / MFDS "
	    "cybersecurity submission package</h1>");
	assert_true(strstr(out, "id=\"docs-ko\"") <
	    strstr(out, "id=\"docs-en\""));
	for (l = 0; l < 2; l++)
		for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
			for (e = 0; e < 4; e++) {
				assert_int_equal(medsec_report_file_name(d,
				    both[l], exts[e], name, sizeof(name)),
				    MEDSEC_OK);
				snprintf(href, sizeof(href), "href=\"%s\"",
				    name);
				assert_has(out, href);
			}
	free(out);
	assert_int_equal(medsec_report_render_index_langs(x->rep, both + 1, 1,
	    0, "no chromium", &out, &len), MEDSEC_OK);
	assert_lacks(out, ".ko.");
	assert_lacks(out, ".pdf\"");
	assert_has(out, "PDFs were not rendered: no chromium");
	free(out);
	assert_int_equal(medsec_report_render_index_langs(x->rep, twice, 2, 1,
	    NULL, &out, &len), MEDSEC_ERR_INVALID);
	assert_null(out);
	assert_int_equal(medsec_report_render_index_langs(x->rep, both, 0, 1,
	    NULL, &out, &len), MEDSEC_ERR_INVALID);
	rctx_free(x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_catalog_every_korean_text_records_its_source),
	cmocka_unit_test(test_catalog_korean_text_without_source_refused),
	cmocka_unit_test(test_catalog_korean_citation_recorded),
	cmocka_unit_test(test_report_lang_korean_checklist_uses_form_headings),
	cmocka_unit_test(test_report_lang_every_document_titled_in_its_language),
	cmocka_unit_test(test_report_lang_json_names_language_and_text_source),
	cmocka_unit_test(test_report_lang_korean_device_name_in_every_document),
	cmocka_unit_test(
	    test_report_lang_item_without_korean_shows_english_and_says_so),
	cmocka_unit_test(test_report_lang_file_names_and_bad_arguments),
	cmocka_unit_test(test_report_lang_index_links_each_language),
};

MEDSEC_TEST_MAIN(tests)
