#!/usr/bin/env bash
# Seeds the corpora from the spec examples and runs every fuzz target for SECONDS_PER_TARGET
# (default 240) seconds, one after the other, with memory limits. Logs go to fuzz/logs/.
# Usage: bash fuzz/run-all.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
secs="${SECONDS_PER_TARGET:-240}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(decode_huawei_vpc decode_huawei_ecs decode_aliyun_ecs error_body sign_huawei
             sign_aliyun percent_encoding spec_loader)
fi
ex=../specs/examples
seed() { mkdir -p "corpus/$1"; }
seed decode_huawei_vpc; cp -n "$ex"/huawei-vpc-v3/*.json corpus/decode_huawei_vpc/ 2>/dev/null || true
seed decode_huawei_ecs; cp -n "$ex"/huawei-ecs-v2/*.json corpus/decode_huawei_ecs/ 2>/dev/null || true
seed decode_aliyun_ecs
for f in "$ex"/aliyun-ecs/*; do
    name=$(basename "$f")
    case "$f" in
        *.xml) { printf '\001'; cat "$f"; } > "corpus/decode_aliyun_ecs/$name" ;;
        *) { printf '\000'; cat "$f"; } > "corpus/decode_aliyun_ecs/$name" ;;
    esac
done
seed spec_loader; cp -n ../specs/*.yaml corpus/spec_loader/ 2>/dev/null || true
mkdir -p logs
cargo fuzz build -O
for t in "${targets[@]}"; do
    seed "$t"
    echo "== $t (${secs}s)"
    cargo fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=512 -malloc_limit_mb=256 \
        -timeout=10 -print_final_stats=1 > "logs/$t.log" 2>&1 || echo "!! $t exited non-zero (see logs/$t.log)"
    tail -n 12 "logs/$t.log" | grep -E 'stat::|Done|ERROR|SUMMARY|cov:' | tail -n 8 || true
done
