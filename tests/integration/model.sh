#!/bin/bash
# medsec model end to end (MFDS 2025 rules: an AI device protected against
# data manipulation): the manufacturer signs a model with the provenance
# of its training and validation data; on the device, verify loads the
# model as the device does and audits the outcome; a changed model, a
# changed dataset manifest, an edited provenance line or an untrusted
# key is refused and audited as INTEGRITY_FAILURE.
# Run by CTest as: bash model.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-model-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev
die() { echo "FAIL: $*" >&2; exit 1; }

setup() {
	printf 'correct horse battery\n' >"$work/pass"
	chmod 600 "$work/pass"
	"$MEDSEC" keygen --out "$work/rel" --passphrase-file "$work/pass" >/dev/null || die "keygen"
	"$MEDSEC" keygen --out "$work/other" --passphrase-file "$work/pass" >/dev/null || die "keygen other"
	"$MEDSEC" init --state "$state" --device-id ecg-0001 >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	mkdir "$work/data"
	printf 'ONNX weights: 0.12 0.98 -0.33 1.75\n' >"$work/model.onnx"
	printf 'rec-0001.dat 9f86d081884c7d65\n' >"$work/data/train.manifest"
	printf 'hold-0001.dat fd61a03af4f77d87\n' >"$work/data/valid.manifest"
	"$MEDSEC" model sign --model "$work/model.onnx" --name ecg-arrhythmia --version 2.1.0 \
	    --dataset "training:ward-ecg:2026.3:2026-09-30:$work/data/train.manifest" \
	    --dataset "validation:holdout-ecg:7:2026-10-15:$work/data/valid.manifest" \
	    --key "$work/rel.key" --passphrase-file "$work/pass" --out "$work/model.manifest" >"$work/o" 2>&1 ||
	    die "sign: $(cat "$work/o")"
	grep -q "ecg-arrhythmia 2.1.0, 2 datasets" "$work/o" || die "sign output: $(cat "$work/o")"
}

verify() { # extra arguments
	"$MEDSEC" model verify "$work/model.manifest" --model "$work/model.onnx" --state "$state" "$@" >"$work/v" 2>&1
}

audit_lines() { # event
	rm -f "$work/t.jsonl"
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	grep "\"$1\"" "$work/t.jsonl" | grep -c '"model:model.onnx"'
}

test_req_2_2_model_cli_signed_model_loads_and_is_audited() {
	setup
	verify --pub "$work/rel.pub" --datasets "$work/data" || die "verify: $(cat "$work/v")"
	grep -q "model verified: ecg-arrhythmia 2.1.0, 35 bytes" "$work/v" || die "output: $(cat "$work/v")"
	grep -q "training   ward-ecg 2026.3 (2026-09-30) train.manifest: hash matches" "$work/v" || die "provenance: $(cat "$work/v")"
	[ "$(audit_lines INTEGRITY_OK)" = 1 ] || die "success not audited"
	# The same manifest is not written over.
	"$MEDSEC" model sign --model "$work/model.onnx" --name x --version 1 \
	    --dataset "training:a:1:2026-01-01:$work/data/train.manifest" \
	    --key "$work/rel.key" --passphrase-file "$work/pass" --out "$work/model.manifest" >"$work/o" 2>&1
	[ $? = 1 ] || die "an existing manifest was replaced"
}

test_req_2_2_model_cli_manipulation_refused_and_audited() {
	setup
	printf 'hold-0001.dat 0000000000000000\n' >"$work/data/valid.manifest"
	verify --pub "$work/rel.pub" --datasets "$work/data"
	[ $? = 1 ] && grep -q "model refused (.*): validation dataset holdout-ecg 7" "$work/v" || die "dataset: $(cat "$work/v")"
	sed -i 's/;2026.3;/;2026.4;/' "$work/model.manifest"
	verify --pub "$work/rel.pub"
	[ $? = 1 ] && grep -q "does not verify" "$work/v" || die "provenance edit: $(cat "$work/v")"
	rm "$work/model.manifest"
	"$MEDSEC" model sign --model "$work/model.onnx" --name ecg-arrhythmia --version 2.1.0 \
	    --dataset "training:ward-ecg:2026.3:2026-09-30:$work/data/train.manifest" \
	    --key "$work/rel.key" --passphrase-file "$work/pass" --out "$work/model.manifest" >/dev/null 2>&1 || die "re-sign"
	verify --pub "$work/other.pub"
	[ $? = 1 ] && grep -q "not trusted" "$work/v" || die "other key: $(cat "$work/v")"
	printf 'ONNX weights: 0.12 0.98 -0.33 9.75\n' >"$work/model.onnx"
	verify --pub "$work/rel.pub"
	[ $? = 1 ] && grep -q "model.onnx: SHA-256" "$work/v" || die "model edit: $(cat "$work/v")"
	[ "$(audit_lines INTEGRITY_FAILURE)" = 4 ] || die "refusals not audited: $(audit_lines INTEGRITY_FAILURE)"
	[ "$(audit_lines INTEGRITY_OK)" = 0 ] || die "a refused model was recorded as verified"
}

test_model_cli_bad_arguments_named() {
	setup
	"$MEDSEC" model sign --model "$work/model.onnx" --name m --version 1 \
	    --dataset "training:ward-ecg:2026.3" --key "$work/rel.key" \
	    --passphrase-file "$work/pass" --out "$work/m2" >"$work/o" 2>&1
	[ $? = 1 ] && grep -q "\-\-dataset 'training:ward-ecg:2026.3': expected ROLE:NAME:VERSION:DATE:FILE" "$work/o" || die "spec: $(cat "$work/o")"
	"$MEDSEC" model sign --model "$work/model.onnx" --name m --version 1 \
	    --dataset "tuning:ward-ecg:2026.3:2026-09-30:$work/data/train.manifest" --key "$work/rel.key" \
	    --passphrase-file "$work/pass" --out "$work/m2" >"$work/o" 2>&1
	[ $? = 1 ] && grep -q "dataset 1: role 'tuning'" "$work/o" || die "role: $(cat "$work/o")"
	[ -e "$work/m2" ] && die "a refused manifest was written"
	"$MEDSEC" model verify "$work/model.manifest" --model "$work/model.onnx" --pub "$work/rel.pub" >"$work/o" 2>&1
	[ $? = 2 ] || die "verify without --state: $(cat "$work/o")"
}

"$1"
