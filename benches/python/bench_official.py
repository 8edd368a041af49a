#!/usr/bin/env python3
"""Calls per second of the vendors' OFFICIAL Python SDKs against the cloudsdk emulator.

The baseline of the end-to-end benchmark (the `--e2e` stage of the `report` binary,
`cargo xtask bench --e2e`): the same operations the Rust e2e benchmark measures, through huaweicloudsdkvpc / huaweicloudsdkecs 3.1.219 and
alibabacloud-ecs20140526 7.11.8 (installed by tests/interop/venv.sh), sequentially (one client)
and threaded (one client per thread, --threads threads).

    PY="$(bash tests/interop/venv.sh)"
    "$PY" benches/python/bench_official.py --endpoint http://127.0.0.1:PORT --ak AK --sk SK \
        --project-id ID [--rounds 3] [--calls 300] [--threads 16] [--thread-calls 1200] [--tsv PATH]

Prints a markdown table; --tsv writes one line per (operation, mode):
`op  mode  python  median_calls_per_s  median_us_per_call  min_calls_per_s  max_calls_per_s  -
cpu_us_per_call` (CPU: time.process_time() of this process, every thread, per call).
This file only calls the official packages; it contains none of their code.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

# The Huawei SDK writes ~/.huaweicloud/application_id at import time: keep it out of $HOME.
os.environ["HOME"] = tempfile.mkdtemp(prefix="cloudsdk-bench-home-")
for _k in list(os.environ):
    if _k.startswith(("HUAWEICLOUD_", "HC_CONTAINER_", "ALIBABA_CLOUD_")):
        del os.environ[_k]

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkvpc.v3 import VpcClient, ShowSecurityGroupRequest  # noqa: E402
from huaweicloudsdkecs.v2 import EcsClient, NovaListServerSecurityGroupsRequest  # noqa: E402
from alibabacloud_ecs20140526.client import Client as EcsRpcClient  # noqa: E402
from alibabacloud_ecs20140526 import models as ecs_models  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402

SERVER_ID = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e"
VPC_GROUP_ID = "69c999ad-d9ef-4d79-94fd-35e6ceb75325"
ALIYUN_GROUP_ID = "sg-1133aa"
ALIYUN_REGION = "cn-hangzhou"

OPS = [
    "huawei_vpc_show_security_group",
    "huawei_ecs_nova_list_server_security_groups",
    "aliyun_describe_security_group_references_v3_json",
    "aliyun_describe_security_group_references_v2_json",
]


def make_call(op, args):
    """Builds one client for `op` and returns a function making one call (returns item count)."""
    if op.startswith("huawei_"):
        cfg = HttpConfig.get_default_config()
        cfg.ignore_ssl_verification = True
        creds = BasicCredentials(args.ak, args.sk, args.project_id)
        if op == "huawei_vpc_show_security_group":
            client = (
                VpcClient.new_builder()
                .with_credentials(creds)
                .with_endpoints([args.endpoint])
                .with_http_config(cfg)
                .build()
            )

            def call():
                resp = client.show_security_group(
                    ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID)
                )
                return len(resp.security_group.security_group_rules or [])

            return call
        client = (
            EcsClient.new_builder()
            .with_credentials(creds)
            .with_endpoints([args.endpoint])
            .with_http_config(cfg)
            .build()
        )

        def call():
            resp = client.nova_list_server_security_groups(
                NovaListServerSecurityGroupsRequest(server_id=SERVER_ID)
            )
            return sum(len(g.rules or []) + 1 for g in resp.security_groups or [])

        return call

    host = args.endpoint.split("://", 1)[1].rstrip("/")
    config = Config(
        access_key_id=args.ak,
        access_key_secret=args.sk,
        endpoint=host,
        protocol="http",
        region_id=ALIYUN_REGION,
    )
    if op.endswith("_v2_json"):
        config.signature_algorithm = "v2"
    client = EcsRpcClient(config)

    def call():
        req = ecs_models.DescribeSecurityGroupReferencesRequest(
            region_id=ALIYUN_REGION, security_group_id=[ALIYUN_GROUP_ID]
        )
        resp = client.describe_security_group_references(req)
        refs = resp.body.security_group_references.security_group_reference or []
        return sum(
            len(r.referencing_security_groups.referencing_security_group or []) + 1
            for r in refs
        )

    return call


def sequential(op, args):
    call = make_call(op, args)
    call()  # warm-up: connection, lazy imports
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(args.calls):
        call()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return args.calls / wall, cpu * 1e6 / args.calls


def threaded(op, args):
    local = threading.local()

    def one(_):
        fn = getattr(local, "call", None)
        if fn is None:
            fn = local.call = make_call(op, args)
            fn()
        return fn()

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(one, range(args.threads * 2)))  # warm every thread's client
        cpu = time.process_time()
        start = time.perf_counter()
        list(pool.map(one, range(args.thread_calls)))
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        return args.thread_calls / wall, cpu * 1e6 / args.thread_calls


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--ak", default="AK")
    p.add_argument("--sk", default="SK")
    p.add_argument("--project-id", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--thread-calls", type=int, default=1200)
    p.add_argument("--only", default=",".join(OPS))
    p.add_argument("--tsv")
    args = p.parse_args()
    ops = [o for o in args.only.split(",") if o]
    for o in ops:
        if o not in OPS:
            p.error(f"unknown operation {o}; known: {', '.join(OPS)}")

    # Check every operation once: a failing call is an error, not a number.
    for op in ops:
        try:
            items = make_call(op, args)()
        except Exception as e:  # noqa: BLE001 - report whatever the SDK raised
            print(f"bench_official: {op} failed: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        if not items:
            print(f"bench_official: {op} decoded nothing", file=sys.stderr)
            return 1

    results = {}
    cpu = {}
    for r in range(args.rounds):
        for op in ops:
            for mode, fn in (("sequential", sequential), ("threaded", threaded)):
                rate, cpu_us = fn(op, args)
                results.setdefault((op, mode), []).append(rate)
                cpu.setdefault((op, mode), []).append(cpu_us)
        print(f"bench_official: round {r + 1}/{args.rounds} done", file=sys.stderr)

    print("| operation | mode | Python calls/s | Python µs/call | Python CPU µs/call |")
    print("|---|---|---:|---:|---:|")
    lines = []
    for (op, mode), v in results.items():
        med = statistics.median(v)
        cpu_med = statistics.median(cpu[(op, mode)])
        label = "sequential" if mode == "sequential" else f"{args.threads} threads"
        print(f"| {op} | {label} | {med:.0f} | {1e6 / med:.1f} | {cpu_med:.1f} |")
        lines.append(
            f"{op}\t{mode}\tpython\t{med:.1f}\t{1e6 / med:.3f}\t{min(v):.1f}\t{max(v):.1f}"
            f"\t-\t{cpu_med:.3f}\n"
        )
    if args.tsv:
        with open(args.tsv, "w", encoding="utf-8") as f:
            f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
