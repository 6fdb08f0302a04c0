/*
 * The document writer: each document is written once against these
 * calls, and two back ends render it as Markdown or as a self-contained,
 * print-ready HTML page. Every text passed in is data, escaped by the
 * back end; only the back ends emit markup.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compliance/report_int.h"
#include "medsec/err.h"

/* ---- Markdown ---- */

static void
md_begin(struct rw *w, const char *title, const char *subtitle)
{
	rbuf_puts(w->out, "# ");
	rbuf_md(w->out, title, 0);
	rbuf_puts(w->out, "\n\n");
	if (subtitle != NULL) {
		rbuf_puts(w->out, "*");
		rbuf_md(w->out, subtitle, 0);
		rbuf_puts(w->out, "*\n\n");
	}
}

static void
md_end(struct rw *w)
{
	(void)w;
}

static void
md_heading(struct rw *w, int level, const char *anchor, const char *text)
{
	int i;

	(void)anchor;
	for (i = 0; i < level + 1 && i < 6; i++)
		rbuf_puts(w->out, "#");
	rbuf_puts(w->out, " ");
	rbuf_md(w->out, text, 0);
	rbuf_puts(w->out, "\n\n");
}

static void
md_para(struct rw *w, const char *text, const char *cls)
{
	int ko = w->lang == REP_LANG_KO;

	if (cls != NULL) {
		rbuf_puts(w->out, "> **");
		if (strcmp(cls, "gap") == 0)
			rbuf_puts(w->out, ko ? "미충족" : "GAP");
		else if (strcmp(cls, "warn") == 0)
			rbuf_puts(w->out, ko ? "경고" : "Warning");
		else
			rbuf_puts(w->out, ko ? "참고" : "Note");
		rbuf_puts(w->out, ":** ");
	}
	rbuf_md(w->out, text, 0);
	rbuf_puts(w->out, "\n\n");
}

static void
md_open(struct rw *w, enum rw_block b)
{
	(void)w;
	(void)b;
}

static void
md_close(struct rw *w, enum rw_block b)
{
	(void)b;
	rbuf_puts(w->out, "\n");
}

static void
md_item(struct rw *w, const char *text)
{
	rbuf_puts(w->out, "- ");
	rbuf_md(w->out, text, 1);
	rbuf_puts(w->out, "\n");
}

static void
md_field(struct rw *w, const char *label, const char *value)
{
	rbuf_puts(w->out, "- **");
	rbuf_md(w->out, label, 1);
	rbuf_puts(w->out, ":** ");
	rbuf_md(w->out, value, 1);
	rbuf_puts(w->out, "\n");
}

static void
md_cells(struct rw *w, const char *const *cells)
{
	size_t i;

	rbuf_puts(w->out, "|");
	for (i = 0; i < w->ncols; i++) {
		rbuf_puts(w->out, " ");
		rbuf_md(w->out, cells[i] != NULL ? cells[i] : "", 1);
		rbuf_puts(w->out, " |");
	}
	rbuf_puts(w->out, "\n");
}

static void
md_head(struct rw *w, const char *const *cells)
{
	size_t i;

	md_cells(w, cells);
	rbuf_puts(w->out, "|");
	for (i = 0; i < w->ncols; i++)
		rbuf_puts(w->out, "---|");
	rbuf_puts(w->out, "\n");
}

static void
md_row(struct rw *w, const char *const *cells, const char *cls)
{
	(void)cls;
	md_cells(w, cells);
}

static void
md_group(struct rw *w, const char *text)
{
	size_t i;

	rbuf_puts(w->out, "| **");
	rbuf_md(w->out, text, 1);
	rbuf_puts(w->out, "** |");
	for (i = 1; i < w->ncols; i++)
		rbuf_puts(w->out, " |");
	rbuf_puts(w->out, "\n");
}

/* A fence longer than any backtick run in the text. */
static void
md_pre(struct rw *w, const char *text)
{
	size_t run = 0, longest = 0, i;
	const char *s;

	for (s = text; *s != '\0'; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		rbuf_puts(w->out, "`");
	rbuf_puts(w->out, "text\n");
	rbuf_puts(w->out, text);
	if (s != text && s[-1] != '\n')
		rbuf_puts(w->out, "\n");
	for (i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		rbuf_puts(w->out, "`");
	rbuf_puts(w->out, "\n\n");
}

static const struct rw_ops md_ops = { md_begin, md_end, md_heading, md_para,
	md_open, md_close, md_item, md_field, md_head, md_row, md_group,
	md_pre };

/* ---- HTML ---- */

/*
 * No script, no external resource: the CSP says so to the browser too,
 * so even a missed escape could not run code. Print rules keep table
 * headers on every page and rows whole.
 *
 * Fonts: a Korean face comes first, since Hangul in a Latin face falls
 * back to whatever the system picks (empty boxes when nothing covers it);
 * scripts/deps.sh installs Noto Sans CJK (fonts-noto-cjk). Its Latin
 * glyphs serve the English documents too. Korean breaks lines between
 * words (keep-all), not inside them.
 *
 * Pages: A4, numbered "n / N" in the bottom margin through the CSS
 * page-margin boxes (Chromium 131 and later print them).
 */
static const char html_style[] =
    "body{font:11pt/1.5 \"Noto Sans CJK KR\",\"Noto Sans KR\","
    "\"NanumGothic\",\"Malgun Gothic\",\"Apple SD Gothic Neo\","
    "\"DejaVu Sans\",Arial,sans-serif;color:#111;"
    "margin:2em auto;max-width:75em;padding:0 1em}"
    ":lang(ko){word-break:keep-all;overflow-wrap:anywhere}"
    "h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.3em;"
    "border-bottom:1px solid #999;margin-top:1.6em}h3{font-size:1.1em}"
    ".sub{color:#444;margin:0 0 1.2em}"
    "table{border-collapse:collapse;width:100%;margin:.6em 0 1.2em}"
    "th,td{border:1px solid #777;padding:.3em .45em;vertical-align:top;"
    "text-align:left;font-size:.92em;overflow-wrap:break-word}"
    "th{background:#e8e8e8}tr.group td{background:#f2f2f2;"
    "font-weight:bold}"
    "tr.gap td{background:#fde2e2}tr.met td{background:#e6f4e6}"
    "tr.declared td,tr.excluded td{background:#eef2fb}"
    "dl{display:grid;grid-template-columns:max-content auto;"
    "gap:.2em 1em;margin:.6em 0 1.2em}dt{font-weight:bold}dd{margin:0}"
    "p.gap{border-left:4px solid #b00;padding-left:.6em;color:#700}"
    "p.warn{border-left:4px solid #c80;padding-left:.6em}"
    "p.note{border-left:4px solid #58a;padding-left:.6em}"
    "pre{background:#f6f6f6;border:1px solid #ccc;padding:.6em;"
    "white-space:pre-wrap;font-size:.85em}"
    "@page{size:A4;margin:14mm 14mm 18mm;"
    "@bottom-center{content:counter(page) \" / \" counter(pages);"
    "font:9pt \"Noto Sans CJK KR\",\"DejaVu Sans\",sans-serif;"
    "color:#444}}"
    "@media print{body{margin:0;max-width:none;font-size:9.5pt}"
    "thead{display:table-header-group}tr{page-break-inside:avoid}"
    "h2,h3{page-break-after:avoid}a{color:inherit;text-decoration:none}"
    "tr.gap td,tr.met td,tr.declared td,tr.excluded td,th,tr.group td"
    "{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

void
rw_html_begin(struct rbuf *b, const char *lang, const char *title)
{
	rbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"");
	rbuf_html(b, lang);
	rbuf_puts(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	rbuf_html(b, title);
	rbuf_puts(b, "</title>\n<style>");
	rbuf_puts(b, html_style);
	rbuf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

void
rw_html_end(struct rbuf *b)
{
	rbuf_puts(b, "</main>\n</body>\n</html>\n");
}

static void
html_begin(struct rw *w, const char *title, const char *subtitle)
{
	rw_html_begin(w->out, w->lang == REP_LANG_KO ? "ko" : "en", title);
	rbuf_puts(w->out, "<h1>");
	rbuf_html(w->out, title);
	rbuf_puts(w->out, "</h1>\n");
	if (subtitle != NULL) {
		rbuf_puts(w->out, "<p class=\"sub\">");
		rbuf_html(w->out, subtitle);
		rbuf_puts(w->out, "</p>\n");
	}
}

static void
html_end(struct rw *w)
{
	rw_html_end(w->out);
}

/* Anchors are ours ("item-1-1"), yet escaped like everything else. */
static void
html_heading(struct rw *w, int level, const char *anchor, const char *text)
{
	int h = level + 1 > 6 ? 6 : level + 1;

	rbuf_printf(w->out, "<h%d", h);
	if (anchor != NULL) {
		rbuf_puts(w->out, " id=\"");
		rbuf_html(w->out, anchor);
		rbuf_puts(w->out, "\"");
	}
	rbuf_puts(w->out, ">");
	rbuf_html(w->out, text);
	rbuf_printf(w->out, "</h%d>\n", h);
}

/* Text with its newlines kept as line breaks. */
static void
html_lines(struct rw *w, const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		rbuf_html_n(w->out, text, (size_t)(nl - text));
		rbuf_puts(w->out, "<br>");
		text = nl + 1;
	}
	rbuf_html(w->out, text);
}

static void
html_para(struct rw *w, const char *text, const char *cls)
{
	rbuf_puts(w->out, cls != NULL ? "<p class=\"" : "<p>");
	if (cls != NULL) {
		rbuf_html(w->out, cls);
		rbuf_puts(w->out, "\">");
	}
	html_lines(w, text);
	rbuf_puts(w->out, "</p>\n");
}

static void
html_open(struct rw *w, enum rw_block b)
{
	rbuf_puts(w->out, b == RW_LIST ? "<ul>\n" : b == RW_FIELDS ?
	    "<dl>\n" : "<table>\n");
}

static void
html_close(struct rw *w, enum rw_block b)
{
	rbuf_puts(w->out, b == RW_LIST ? "</ul>\n" : b == RW_FIELDS ?
	    "</dl>\n" : "</tbody>\n</table>\n");
}

static void
html_item(struct rw *w, const char *text)
{
	rbuf_puts(w->out, "<li>");
	html_lines(w, text);
	rbuf_puts(w->out, "</li>\n");
}

static void
html_field(struct rw *w, const char *label, const char *value)
{
	rbuf_puts(w->out, "<dt>");
	rbuf_html(w->out, label);
	rbuf_puts(w->out, "</dt><dd>");
	html_lines(w, value);
	rbuf_puts(w->out, "</dd>\n");
}

static void
html_head(struct rw *w, const char *const *cells)
{
	size_t i;

	rbuf_puts(w->out, "<thead><tr>");
	for (i = 0; i < w->ncols; i++) {
		rbuf_puts(w->out, "<th>");
		rbuf_html(w->out, cells[i] != NULL ? cells[i] : "");
		rbuf_puts(w->out, "</th>");
	}
	rbuf_puts(w->out, "</tr></thead>\n<tbody>\n");
}

static void
html_row(struct rw *w, const char *const *cells, const char *cls)
{
	size_t i;

	if (cls != NULL) {
		rbuf_puts(w->out, "<tr class=\"");
		rbuf_html(w->out, cls);
		rbuf_puts(w->out, "\">");
	} else
		rbuf_puts(w->out, "<tr>");
	for (i = 0; i < w->ncols; i++) {
		rbuf_puts(w->out, "<td>");
		html_lines(w, cells[i] != NULL ? cells[i] : "");
		rbuf_puts(w->out, "</td>");
	}
	rbuf_puts(w->out, "</tr>\n");
}

static void
html_group(struct rw *w, const char *text)
{
	rbuf_printf(w->out, "<tr class=\"group\"><td colspan=\"%zu\">",
	    w->ncols);
	rbuf_html(w->out, text);
	rbuf_puts(w->out, "</td></tr>\n");
}

static void
html_pre(struct rw *w, const char *text)
{
	rbuf_puts(w->out, "<pre>");
	rbuf_html(w->out, text);
	rbuf_puts(w->out, "</pre>\n");
}

static const struct rw_ops html_ops = { html_begin, html_end, html_heading,
	html_para, html_open, html_close, html_item, html_field, html_head,
	html_row, html_group, html_pre };

/* ---- the calls documents use ---- */

void
rw_init(struct rw *w, enum medsec_report_format fmt, enum rep_lang lang,
    struct rbuf *out)
{
	memset(w, 0, sizeof(*w));
	w->ops = fmt == MEDSEC_REPORT_HTML ? &html_ops : &md_ops;
	w->out = out;
	w->lang = lang;
}

/* Closes a list, field block or table left open, opens b if needed. */
static void
block(struct rw *w, enum rw_block b)
{
	if (w->block == b)
		return;
	if (w->block != RW_NONE)
		w->ops->close(w, w->block);
	w->block = b;
	if (b != RW_NONE && b != RW_TABLE)
		w->ops->open(w, b);
}

/*
 * A document's title is the page's own heading, so it follows the page's
 * language even when the document passes the English title
 * (medsec_report_doc_title()): a Korean page never opens with an English
 * title.
 */
static const char *
title_in_lang(const struct rw *w, const char *title)
{
	enum medsec_report_lang lang = w->lang == REP_LANG_KO ?
	    MEDSEC_REPORT_LANG_KO : MEDSEC_REPORT_LANG_EN;
	unsigned d;

	for (d = 0; d < MEDSEC_REPORT_DOCS; d++)
		if (strcmp(title, medsec_report_doc_title(d)) == 0)
			return medsec_report_doc_title_lang(d, lang);
	return title;
}

void
rw_begin(struct rw *w, const char *title, const char *subtitle)
{
	w->ops->begin(w, title_in_lang(w, title), subtitle);
}

void
rw_end(struct rw *w)
{
	block(w, RW_NONE);
	w->ops->end(w);
}

void
rw_heading(struct rw *w, int level, const char *anchor, const char *text)
{
	block(w, RW_NONE);
	w->ops->heading(w, level, anchor, text);
}

void
rw_para(struct rw *w, const char *text)
{
	block(w, RW_NONE);
	w->ops->para(w, text, NULL);
}

void
rw_notice(struct rw *w, const char *cls, const char *text)
{
	block(w, RW_NONE);
	w->ops->para(w, text, cls);
}

void
rw_paraf(struct rw *w, const char *fmt, ...)
{
	struct rbuf b;
	va_list ap;

	rbuf_init(&b);
	va_start(ap, fmt);
	rbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.err == 0)
		rw_para(w, rbuf_str(&b));
	else if (w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
}

void
rw_item(struct rw *w, const char *text)
{
	block(w, RW_LIST);
	w->ops->item(w, text);
}

void
rw_field(struct rw *w, const char *label, const char *value)
{
	block(w, RW_FIELDS);
	w->ops->field(w, label, value);
}

void
rw_table(struct rw *w, size_t ncols, const char *const *head)
{
	block(w, RW_NONE);
	w->ncols = ncols;
	w->block = RW_TABLE;
	w->ops->open(w, RW_TABLE);
	w->ops->head(w, head);
}

void
rw_row(struct rw *w, const char *const *cells, const char *cls)
{
	if (w->block == RW_TABLE)
		w->ops->row(w, cells, cls);
}

void
rw_group(struct rw *w, const char *text)
{
	if (w->block == RW_TABLE)
		w->ops->group(w, text);
}

void
rw_pre(struct rw *w, const char *text)
{
	block(w, RW_NONE);
	w->ops->pre(w, text);
}
