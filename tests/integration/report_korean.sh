#!/bin/bash
# The submission package in Korean and in English: each language in its
# own files (<stem>.ko.<ext>, <stem>.en.<ext>), --lang choosing them, the
# Table 4 checklist under the Korean form's headings with every Korean
# requirement text marked as what it is, no English sentence of ours left
# in a Korean document, and the PDFs of a device whose
# names are Korean carrying the Korean text (embedded fonts, text that
# pdftotext gives back, page numbers n / N). Run by CTest as:
# bash report_korean.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-korean-XXXXXX)
trap 'rm -rf "$work"' EXIT
ref=$MEDSEC_SOURCE_DIR/examples/telehealth-gateway.ini
ev=$work/evidence
out=$work/submission
docs="checklist risk-management verification-validation"
product="케어링크 홈 게이트웨이"
maker="한빛메디칼 주식회사"

die() { echo "FAIL: $*" >&2; exit 1; }

# The reference device under a Korean product and company name.
korean_profile() {
	sed -e "s/^name = .*/name = $product/" \
	    -e "s/^manufacturer = .*/manufacturer = $maker/" \
	    -e "s|^threat_model = .*|threat_model = $MEDSEC_SOURCE_DIR/docs/threat-model.md|" \
	    "$ref" >"$work/ko.ini"
	grep -q "^name = $product\$" "$work/ko.ini" || die "profile not rewritten"
}

# Evidence with one passing test per requirement the device has.
make_evidence() {
	local ids id tag n=0 body=""
	"$MEDSEC" classify "$ref" --json >"$work/cls.json" || die "classify failed"
	ids=$(grep -o '"id":"[0-9.]*"' "$work/cls.json" | cut -d'"' -f4)
	for id in $ids; do
		tag=test_req_$(echo "$id" | tr . _)_korean_evidence
		body="$body<testcase name=\"$tag\" classname=\"$tag\" time=\"0.1\" status=\"run\"/>
"
		n=$((n + 1))
	done
	rm -rf "$ev"
	mkdir -p "$ev"
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="(empty)" tests="%d" hostname="" time="1" timestamp="2026-03-04T05:06:07">\n%s</testsuite>\n' "$n" "$body" >"$ev/junit.xml"
	printf '{"schema":"medsec-evidence-1","commit":"89abcdef0123456789abcdef0123456789abcdef","dirty":false,"collected":"2026-03-04T05:10:00Z"}\n' >"$ev/meta.json"
}

# medsec report without Chromium; status in $rc.
report_nopdf() {
	MEDSEC_CHROMIUM=/nonexistent/chromium "$MEDSEC" report "$@" --evidence "$ev" --out "$out" >"$work/r.out" 2>"$work/r.err"
	rc=$?
}

# Every document of language $1 in every format, and nothing of the
# other languages named in $2.
expect_languages() {
	local have=$1 absent=$2 d l e
	for d in $docs; do
		for e in md json html; do
			[ -s "$out/$d.$have.$e" ] || die "no $d.$have.$e: $(ls "$out")"
			for l in $absent; do
				[ ! -e "$out/$d.$l.$e" ] || die "$d.$l.$e written for --lang $have"
			done
		done
		grep -q "\"lang\": \"$have\"" "$out/$d.$have.json" || die "$d.$have.json does not say lang $have"
		grep -q "<html lang=\"$have\">" "$out/$d.$have.html" || die "$d.$have.html is not lang=$have"
	done
}

test_report_lang_both_languages_by_default() {
	make_evidence
	report_nopdf "$ref"
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	expect_languages ko ""
	expect_languages en ""
	# Three documents and the MDS2 draft, three formats, two languages.
	[ "$(ls "$out" | wc -l)" = 26 ] || die "unexpected files: $(ls "$out")"
	grep -q '^language: ko en$' "$work/r.out" || die "summary: $(cat "$work/r.out")"
	head -n 1 "$out/checklist.ko.md" | grep -q '^# 의료기기 사이버보안 필수원칙 체크리스트$' || die "Korean title: $(head -n 1 "$out/checklist.ko.md")"
	head -n 1 "$out/checklist.en.md" | grep -q '^# Checklist for Essential Principles' || die "English title: $(head -n 1 "$out/checklist.en.md")"
	grep -q '해당기기 적용여부' "$out/checklist.en.md" && die "Korean heading in the English checklist"
	grep -q 'Whether the device is subject' "$out/checklist.ko.md" && die "English heading in the Korean checklist"
	# The index links both languages, Korean first.
	for d in $docs; do
		for l in ko en; do
			grep -q "href=\"$d.$l.html\"" "$out/index.html" || die "index does not link $d.$l.html"
		done
	done
	[ "$(grep -o 'id="docs-[a-z]*"' "$out/index.html" | tr '\n' ' ')" = 'id="docs-ko" id="docs-en" ' ] || die "index sections: $(grep -o 'id="docs-[a-z]*"' "$out/index.html")"
}

test_report_lang_selects_one_language() {
	make_evidence
	report_nopdf "$ref" --lang ko
	[ $rc = 0 ] || die "--lang ko: exit $rc: $(cat "$work/r.err")"
	expect_languages ko en
	[ "$(ls "$out" | wc -l)" = 14 ] || die "unexpected files: $(ls "$out")"
	ls "$out"/mds2-draft.en.* >/dev/null 2>&1 && die "English MDS2 draft written for --lang ko"
	grep -q 'checklist\.en\.' "$out/index.html" && die "index links English files that were not written"
	report_nopdf "$ref" --lang en
	[ $rc = 0 ] || die "--lang en: exit $rc: $(cat "$work/r.err")"
	# The Korean package it replaces is gone, file by file.
	expect_languages en ko
	[ "$(ls "$out" | wc -l)" = 14 ] || die "unexpected files: $(ls "$out")"
	ls "$out"/mds2-draft.ko.* >/dev/null 2>&1 && die "Korean MDS2 draft left from the package replaced"
	cp -r "$out" "$work/before"
	report_nopdf "$ref" --lang kr
	[ $rc = 2 ] || die "--lang kr: exit $rc"
	grep -q -- '--lang kr: expected ko, en or both' "$work/r.err" || die "unclear: $(cat "$work/r.err")"
	diff -r "$work/before" "$out" >/dev/null || die "a refused --lang changed the package"
}

test_report_korean_checklist_uses_form_headings() {
	local h n
	make_evidence
	report_nopdf "$ref" --lang ko
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	for h in '의료기기 사이버보안 특성 기재' '1) 사이버보안 안전성 등급' \
	    '2) 사용되는 통신 기술' '3) 통신 목적' '4) 공용 네트워크망 사용 여부' \
	    '| 의료기기 사이버보안 필수원칙 | 해당기기 적용여부 | 적합성 입증방법 | 적용 법령 및 규격 | 해당 첨부자료 또는 문서번호 |' \
	    "1. ‘식별’ 및 ‘보호’" "2. ‘탐지’, ‘대응’ 및 ‘복구’" '☐ 상  ☒ 중  ☐ 하'; do
		grep -qF -- "$h" "$out/checklist.ko.md" || die "no heading: $h"
	done
	# Every requirement text is the project's translation, and every row
	# says so; the notice above the table says what that means.
	n=$(grep -c '(※ 번역문: 식약처 국문 원문이 아님)' "$out/checklist.ko.md")
	[ "$n" = 24 ] || die "$n of 24 rows marked as translation"
	grep -q '식약처 국문 원문이 아닙니다' "$out/checklist.ko.md" || die "no notice on the translation"
	grep -q '"requirement_source": "translation"' "$out/checklist.ko.json" || die "JSON does not record the source"
	grep -q '"requirement_translated": true' "$out/checklist.ko.json" || die "JSON does not mark the translation"
	grep -qF '1.1 접근통제 및 인증' "$out/checklist.ko.md" || die "Korean item title missing"
}

# The English sentences of $1 (a capitalised word and three or more
# lower-case ones) that $2 repeats and that no input of the document (the
# files after $2, backquotes dropped: the manufacturer's own words and
# the catalog's) contains. Prints them; nothing when the Korean rendering
# has none.
english_left_in_korean() {
	local en=$1 ko=$2 s
	shift 2
	sed 's/`//g' "$@" >"$work/inputs"
	grep -oE "[A-Z][a-z']+( [a-z'][a-z'-]*[,;:]?){3,}" "$en" | sort -u >"$work/sentences"
	[ -s "$work/sentences" ] || die "$(basename "$en"): no English sentence found"
	grep -oF -f "$work/sentences" "$ko" | sort -u | while IFS= read -r s; do
		grep -qF -- "$s" "$work/inputs" || echo "$s"
	done
}

# The profile's threat model, resolved against the profile's directory.
threat_model_of() {
	local tm
	tm=$(sed -n 's/^threat_model *= *//p' "$1")
	case $tm in
	"") echo /dev/null ;;
	/*) echo "$tm" ;;
	*) echo "$(dirname "$1")/$tm" ;;
	esac
}

test_report_korean_has_no_english_sentence() {
	local p d left
	make_evidence
	for p in telehealth-gateway infusion-pump electronic-thermometer implantable-insulin-pump; do
		p=$MEDSEC_SOURCE_DIR/examples/$p.ini
		report_nopdf "$p"
		[ $rc = 0 ] || die "$(basename "$p"): exit $rc: $(cat "$work/r.err")"
		for d in $docs mds2-draft; do
			# Hangul syllables start with bytes EA-ED in UTF-8.
			LC_ALL=C grep -q $'[\xea-\xed]' "$out/$d.ko.md" || die "$d.ko.md has no Korean"
			left=$(english_left_in_korean "$out/$d.en.md" "$out/$d.ko.md" \
			    "$p" "$(threat_model_of "$p")" "$MEDSEC_SOURCE_DIR"/data/mfds/*.json)
			[ -z "$left" ] || die "$(basename "$p") $d.ko.md keeps English sentences of $d.en.md: $left"
		done
	done
}

have_pdf_tools() {
	if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
		echo "SKIPPED: chromium is not installed (scripts/deps.sh check installs it)"
		return 1
	fi
	if ! command -v pdffonts >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
		echo "SKIPPED: pdffonts/pdftotext are not installed (poppler-utils; scripts/deps.sh check)"
		return 1
	fi
	if ! fc-list :lang=ko family | grep -q .; then
		echo "SKIPPED: no Korean font installed (fonts-noto-cjk; scripts/deps.sh check)"
		return 1
	fi
	return 0
}

# pdftotext's text in the order the page draws it (-raw: a table cell's
# lines stay together) with spaces and line breaks removed, so that a
# sentence wrapped across lines still matches.
pdf_text_flat() {
	pdftotext -raw "$1" - | tr -d ' \n'
}

# Each of $1's pages carries "n / N" (pdftotext drops the spaces).
expect_page_numbers() {
	local pdf=$1 pages i
	pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	[ -n "$pages" ] && [ "$pages" -ge 1 ] || die "$pdf: no page count"
	for i in $(seq 1 "$pages"); do
		pdftotext -f "$i" -l "$i" "$pdf" - | tr -d ' ' | grep -qx "$i/$pages" || die "$(basename "$pdf"): page $i has no '$i / $pages'"
	done
}

# Every font in the PDF is embedded, and there is one at least.
expect_fonts_embedded() {
	local pdf=$1
	pdffonts "$pdf" >"$work/fonts" 2>&1 || die "pdffonts $pdf: $(cat "$work/fonts")"
	[ "$(tail -n +3 "$work/fonts" | wc -l)" -ge 1 ] || die "$(basename "$pdf"): no fonts"
	awk 'NR > 2 && $(NF - 4) != "yes" { bad = 1 } END { exit bad }' "$work/fonts" ||
	    die "$(basename "$pdf"): a font is not embedded: $(cat "$work/fonts")"
}

test_report_pdf_carries_korean_text() {
	local d flat req heading
	have_pdf_tools || return 77
	command -v node >/dev/null 2>&1 || die "node is required for the browser check"
	korean_profile
	make_evidence
	"$MEDSEC" report "$work/ko.ini" --evidence "$ev" --out "$out" >"$work/r.out" 2>"$work/r.err" || die "report: $(cat "$work/r.err")"
	grep -q '^pdf:      rendered with Chromium$' "$work/r.out" || die "PDFs not rendered: $(cat "$work/r.err")"
	# The catalog's Korean text of item 1.1 and a heading of the form.
	req=$(sed -n 's/^| 1\.1 [^<]*<br>\([^<]*\)<br>.*/\1/p' "$out/checklist.ko.md" | head -n 1)
	[ -n "$req" ] || die "no Korean text of 1.1 in checklist.ko.md"
	heading='의료기기 사이버보안 특성 기재'
	for d in $docs; do
		expect_fonts_embedded "$out/$d.ko.pdf"
		expect_page_numbers "$out/$d.ko.pdf"
		expect_page_numbers "$out/$d.en.pdf"
		flat=$(pdf_text_flat "$out/$d.ko.pdf")
		case $flat in *"$(echo "$product" | tr -d ' ')"*) ;; *) die "$d.ko.pdf: product name lost" ;; esac
		case $flat in *"$(echo "$maker" | tr -d ' ')"*) ;; *) die "$d.ko.pdf: manufacturer lost" ;; esac
		case $(pdf_text_flat "$out/$d.en.pdf") in *"$(echo "$product" | tr -d ' ')"*) ;; *) die "$d.en.pdf: product name lost" ;; esac
	done
	flat=$(pdf_text_flat "$out/checklist.ko.pdf")
	case $flat in *"$(echo "$heading" | tr -d ' ')"*) ;; *) die "checklist.ko.pdf: heading lost" ;; esac
	case $flat in *"$(echo "$req" | tr -d ' ')"*) ;; *) die "checklist.ko.pdf: requirement text lost: $req" ;; esac
	case $flat in *의료기기사이버보안필수원칙체크리스트*) ;; *) die "checklist.ko.pdf: title lost" ;; esac
	node "$MEDSEC_SOURCE_DIR/tests/browser/check_package.js" "$out" || die "browser check failed"
}

"$1"
