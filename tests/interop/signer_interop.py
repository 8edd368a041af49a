#!/usr/bin/env python3
"""Compare the Rust signers in cloudsdk-core with the OFFICIAL Python SDK signers.

Run through ``tests/interop/run_signer_interop.sh`` (which creates the virtualenv with the pinned
official packages and builds the Rust example). Stand-alone:

    python signer_interop.py --rust-cmd "cargo run -q -p cloudsdk-core --example sign_json" [--count 400] [--seed N]

What it does:

* generates ``--count`` random requests with a fixed seed: unicode and reserved characters in
  paths, query keys/values and header values, repeated keys, empty and long values, security
  tokens, padded header values, unsigned (``_``) headers, non-JSON content types, binary bodies,
  up to ten ``SecurityGroupId.N`` parameters;
* signs each with the official functions:
    - Huawei: ``huaweicloudsdkcore.signer.signer.Signer.sign``, ``DerivationAKSKSigner.sign`` and
      ``BasicCredentials.sign_request`` (huaweicloudsdkcore),
    - Alibaba V2: ``alibabacloud_openapi_util.client.Client.get_rpcsignature`` and
      ``alibabacloud_tea_openapi.utils.Utils.get_rpcsignature``,
    - Alibaba V3: ``alibabacloud_openapi_util.client.Client.get_authorization`` and
      ``alibabacloud_tea_openapi.utils.Utils.get_authorization``;
* sends the same requests as JSON lines to the Rust ``sign_json`` example (one process) and
  compares signatures, Authorization headers, canonical requests / strings to sign (where the
  official code exposes them), canonical queries and added headers;
* prints mismatches, then ``N passed, M failed`` on its own line; exits 1 on any mismatch.

This file only imports the official packages; it contains none of their code.
"""

import argparse
import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
import types
from urllib.parse import quote

# The Huawei SDK writes ~/.huaweicloud/application_id at import time: keep it out of $HOME.
os.environ["HOME"] = tempfile.mkdtemp(prefix="cloudsdk-interop-home-")
for _k in list(os.environ):
    if _k.startswith(("HUAWEICLOUD_", "HC_CONTAINER_", "ALIBABA_CLOUD_")):
        del os.environ[_k]

from huaweicloudsdkcore.sdk_request import SdkRequest  # noqa: E402
from huaweicloudsdkcore.signer import signer as hw_signer  # noqa: E402
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from alibabacloud_openapi_util.client import Client as OpenApiUtil  # noqa: E402
from alibabacloud_tea_openapi.utils import Utils as TeaUtils  # noqa: E402

# --------------------------------------------------------------------------------------------
# Capture the official Huawei canonical request / string to sign (wrap, do not re-implement).
# --------------------------------------------------------------------------------------------
_CAPTURE = {}


def _capture_string_to_sign(cls):
    original = cls._process_string_to_sign

    def wrapped(self, canonical_request, t, *args, **kwargs):
        out = original(self, canonical_request, t, *args, **kwargs)
        _CAPTURE["canonical_request"] = canonical_request
        _CAPTURE["string_to_sign"] = out
        return out

    cls._process_string_to_sign = wrapped


_capture_string_to_sign(hw_signer.Signer)
_capture_string_to_sign(hw_signer.DerivationAKSKSigner)


class _Cred:
    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


def _wire(value):
    """Header values after the Huawei signer are latin-1 re-encoded UTF-8: undo that."""
    value = str(value)
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# --------------------------------------------------------------------------------------------
# Random inputs
# --------------------------------------------------------------------------------------------
RESERVED = "!'();:@$,?#[]%+=&/*~ "
UNICODE = ["安全组", "é", "ß", "Ωμ", "😀", "中文 规则", "ｆｕｌｌ", "\u00a0nbsp"]


def rand_text(rng, max_len=12, allow_empty=True):
    kind = rng.randrange(7)
    if kind == 0 and allow_empty:
        return ""
    if kind == 1:
        return "".join(rng.choice(RESERVED + "aZ09-_.~") for _ in range(rng.randint(1, max_len)))
    if kind == 2:
        return rng.choice(UNICODE) + rng.choice(["", " ", "+", "x"])
    if kind == 3:  # long value
        return "".join(rng.choice("abcdefXYZ0123456789 -_.~%/+") for _ in range(rng.randint(100, 300)))
    if kind == 4:
        return "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(rng.randint(1, max_len)))
    if kind == 5:
        return "".join(chr(rng.randint(0xA1, 0x2FFF)) for _ in range(rng.randint(1, 4)))
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(1, max_len)))


def rand_token(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(40, 400))) + rng.choice(["", "=", "=="])


def rand_secret(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=&%"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40)))


def rand_date(rng, fmt):
    t = rng.randint(946684800, 4102444799)  # 2000-01-01 .. 2099-12-31
    return time.strftime(fmt, time.gmtime(t))


def pad(rng, value):
    return rng.choice(["", " ", "\t", "  "]) + value + rng.choice(["", " ", "\t "])


def rand_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def huawei_request(rng, n):
    method = rng.choice(["GET", "GET", "POST", "PUT", "DELETE", "PATCH", "get"])
    host = rng.choice(["vpc.cn-north-4.myhuaweicloud.com", "ecs.ap-southeast-1.myhuaweicloud.com",
                       "127.0.0.1:8443", "[::1]:9000"])
    segments = ["v3", "%032x" % rng.getrandbits(128), "vpc", "security-groups"]
    for _ in range(rng.randint(0, 3)):
        seg = rand_text(rng, 10, allow_empty=False)
        # Path parameters are inserted as quote(value, safe='') by the official client; some raw
        # sub-delimiters are also legal in a path as sent.
        segments.append(quote(seg, safe="") if rng.random() < 0.8 else quote(seg, safe=":@!$'()*+,;="))
    path = "/" + "/".join(segments) + ("/" if rng.random() < 0.2 else "")

    # Query: string pairs (repeats allowed); occasionally one list / bool / int value under a key
    # used only once (the official signer cannot sort mixed value types under one key).
    py_query, rs_query = [], []
    keys = ["limit", "marker", "name", "Zeta", "a_b.c-d~e", "描述", "k e+y", "id", "x*y"]
    for _ in range(rng.randint(0, 8)):
        k = rng.choice(keys + [rand_text(rng, 6, allow_empty=False)])
        v = rand_text(rng)
        py_query.append((k, v))
        rs_query.append((k, v))
    if py_query and rng.random() < 0.5:
        dup = py_query[0][0]
        for v in ("b", "a", ""):
            py_query.append((dup, v))
            rs_query.append((dup, v))
    used = {k for k, _ in py_query}
    if rng.random() < 0.3 and "ids" not in used:
        values = [rand_text(rng, 8) for _ in range(rng.randint(1, 4))]
        py_query.append(("ids", list(values)))
        rs_query.extend(("ids", v) for v in values)
    if rng.random() < 0.2 and "enabled" not in used:
        b = rng.random() < 0.5
        py_query.append(("enabled", b))
        rs_query.append(("enabled", "true" if b else "false"))
    if rng.random() < 0.2 and "offset" not in used:
        i = rng.randint(0, 10**6)
        py_query.append(("offset", i))
        rs_query.append(("offset", str(i)))

    headers = {}
    content_type = rng.choice([None, "application/json", "application/json;charset=UTF-8",
                               "application/octet-stream", "text/plain", "application/bson",
                               "application/xml"])
    if content_type:
        headers["Content-Type"] = content_type  # the official signer looks up this exact spelling
    headers[rand_case(rng, "X-Sdk-Date") if rng.random() < 0.3 else "X-Sdk-Date"] = rand_date(rng, "%Y%m%dT%H%M%SZ")
    if rng.random() < 0.7:
        headers[rand_case(rng, "X-Project-Id")] = pad(rng, "%032x" % rng.getrandbits(128))
    if rng.random() < 0.3:
        headers["User-Agent"] = "huaweicloud-usdk-python/3.0; " + rand_text(rng, 20)
    if rng.random() < 0.2:
        headers["X-Security-Token"] = rand_token(rng)
    for i in range(rng.randint(0, 3)):
        value = rng.choice([rand_text(rng, 16), "中文值", "a  b", ""])
        headers[rand_case(rng, "X-Custom-%d" % i)] = pad(rng, value.strip())
    if rng.random() < 0.3:
        headers["X_Not_Signed"] = rand_text(rng)
    if rng.random() < 0.2:
        headers[rng.choice(["Host", "host", "HOST"])] = host

    body_kind = rng.randrange(4)
    if body_kind == 0:
        body = None
    elif body_kind == 1:
        body = b""
    elif body_kind == 2:
        body = json.dumps({"name": rand_text(rng), "description": "中文 " + rand_text(rng)},
                          ensure_ascii=False).encode("utf-8")
    else:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))

    ak = "HWAK%016X" % rng.getrandbits(64)
    sk = rand_secret(rng)
    mode = rng.choices(["signer", "derived", "credentials"], weights=[6, 1, 2])[0]
    req = {
        "id": "huawei-%d" % n, "mode": mode, "method": method, "host": host, "path": path,
        "py_query": py_query, "rs_query": rs_query, "headers": headers, "body": body, "ak": ak, "sk": sk,
    }
    if mode == "derived":
        req["derived"] = {"region": rng.choice(["cn-north-4", "globe", "ap-southeast-1"]),
                          "service": rng.choice(["vpc", "iotdm", "ecs"])}
    if mode == "credentials":
        req["project_id"] = "%032x" % rng.getrandbits(128) if rng.random() < 0.8 else None
        req["security_token"] = rand_token(rng) if rng.random() < 0.5 else None
        # The caller-side headers BasicCredentials adds must not already be present.
        for name in list(headers):
            if name.lower() in ("x-project-id", "x-security-token"):
                del headers[name]
    return req


def aliyun_v2_request(rng, n):
    params = {
        "AccessKeyId": "LTAI%016x" % rng.getrandbits(64),
        "Action": "DescribeSecurityGroupReferences",
        "Format": rng.choice(["JSON", "XML", "json"]),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "%032x" % rng.getrandbits(128),
        "SignatureVersion": "1.0",
        "Timestamp": rand_date(rng, "%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2014-05-26",
        "RegionId": rng.choice(["cn-hangzhou", "cn-beijing", "ap-southeast-1"]),
    }
    for i in range(1, rng.randint(1, 10) + 1):
        params["SecurityGroupId.%d" % i] = rng.choice(["sg-bp%020d" % rng.randint(0, 10**19),
                                                       rand_text(rng, 12)])
    if rng.random() < 0.4:
        params["OwnerAccount"] = rng.choice(["ECSforCloud@Alibaba.com", "ops team+audit*~/中文é@example.com",
                                             rand_text(rng)])
    if rng.random() < 0.3:
        params["SecurityToken"] = rand_token(rng)
    for _ in range(rng.randint(0, 3)):
        params[rand_text(rng, 8, allow_empty=False)] = rand_text(rng)
    return {"id": "aliyun-v2-%d" % n, "method": rng.choice(["GET", "POST"]), "params": params,
            "secret": rand_secret(rng)}


def aliyun_v3_request(rng, n):
    query = {"RegionId": rng.choice(["cn-hangzhou", "cn-shanghai"])}
    for i in range(1, rng.randint(0, 10) + 1):
        query["SecurityGroupId.%d" % i] = rng.choice(["sg-bp%020d" % rng.randint(0, 10**19), rand_text(rng, 12)])
    if rng.random() < 0.4:
        query["OwnerAccount"] = rand_text(rng)
    # The official V3 code does not encode query NAMES (ECS names never need it): keep them plain.
    for _ in range(rng.randint(0, 2)):
        query["P%d.%s" % (rng.randint(0, 99), rng.choice(["a", "B-c", "d_e~f"]))] = rand_text(rng)

    body = b""
    if rng.random() < 0.3:
        body = "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in
                        [("OwnerAccount", rand_text(rng)), ("RegionId", "cn-hangzhou")]).encode("utf-8")
    headers = {
        "host": rng.choice(["ecs.cn-hangzhou.aliyuncs.com", "ecs-cn-hangzhou.aliyuncs.com", "127.0.0.1:8080"]),
        "x-acs-action": "DescribeSecurityGroupReferences",
        "x-acs-version": "2014-05-26",
        "x-acs-date": rand_date(rng, "%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": "%032x" % rng.getrandbits(128),
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    if rng.random() < 0.3:
        headers["x-acs-security-token"] = rand_token(rng)
        headers["x-acs-accesskey-id"] = "LTAI%016x" % rng.getrandbits(64)
    if rng.random() < 0.3:
        headers["x-acs-custom"] = pad(rng, rand_text(rng).strip() or "v")
    if rng.random() < 0.15:
        # Two spellings of one header: the official code merges them (values sorted, joined by ',').
        headers["X-Acs-Dup"] = pad(rng, "b")
        headers["x-acs-dup"] = pad(rng, "a")
    # Headers the official client also sends but the documented rule does not sign.
    unsigned = {"user-agent": "AlibabaCloud (interop) Python/3", "accept": "application/json",
                "x-acs-credentials-provider": None}
    return {"id": "aliyun-v3-%d" % n, "method": rng.choice(["POST", "GET"]), "path": "/",
            "query": query, "headers": headers, "unsigned": {k: v for k, v in unsigned.items() if v},
            "body": body, "ak": "LTAI%016x" % rng.getrandbits(64), "secret": rand_secret(rng),
            "verify_all": rng.random() < 0.3}


# --------------------------------------------------------------------------------------------
# Official results + Rust requests
# --------------------------------------------------------------------------------------------
def body_fields(body):
    if body is None:
        return {}
    return {"body_hex": body.hex()}


def huawei_official(req):
    sdk_req = SdkRequest(method=req["method"], schema="https", host=req["host"], resource_path=req["path"],
                         query_params=[(k, list(v) if isinstance(v, list) else v) for k, v in req["py_query"]],
                         header_params=dict(req["headers"]), body=req["body"])
    _CAPTURE.clear()
    if req["mode"] == "signer":
        hw_signer.Signer(_Cred(req["ak"], req["sk"])).sign(sdk_req)
    elif req["mode"] == "derived":
        hw_signer.DerivationAKSKSigner(_Cred(req["ak"], req["sk"])).sign(
            sdk_req, req["derived"]["service"], req["derived"]["region"])
    else:
        cred = BasicCredentials(req["ak"], req["sk"], req["project_id"])
        if req["security_token"]:
            cred.with_security_token(req["security_token"])
        cred.sign_request(sdk_req)
    final = [(k, _wire(v)) for k, v in sdk_req.header_params.items()]
    caller_added = [(k, v) for k, v in final if k in ("X-Project-Id", "X-Security-Token")
                    and k not in req["headers"]]
    added = [(k, v) for k, v in final if k not in req["headers"] and k != "Authorization"
             and (k, v) not in caller_added]
    query = sdk_req.uri.split("?", 1)[1] if "?" in sdk_req.uri else ""
    return {
        "authorization": dict(final)["Authorization"],
        "canonical_request": _CAPTURE["canonical_request"],
        "string_to_sign": _CAPTURE["string_to_sign"],
        "canonical_query": query,
        "added_headers": [list(p) for p in added],
        "caller_added": caller_added,
        "final": final,
    }


def huawei_rust_lines(req, official):
    headers = [[k, v] for k, v in req["headers"].items()] + [list(p) for p in official["caller_added"]]
    base = {"kind": "huawei", "method": req["method"], "host": req["host"], "path": req["path"],
            "query": [list(p) for p in req["rs_query"]], "headers": headers, "ak": req["ak"], "sk": req["sk"],
            **body_fields(req["body"])}
    lines = [dict(base, id=req["id"], **({"derived": req["derived"]} if "derived" in req else {}))]
    if req["mode"] != "derived":
        # Verification: recompute from the headers the official signer left on the request,
        # over the SignedHeaders of its Authorization.
        signed = official["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
        wire = [[k, v] for k, v in official["final"] if k != "Authorization"]
        lines.append(dict(base, id=req["id"] + "-verify", headers=wire, signed_headers=signed))
    return lines


def aliyun_v2_official(req):
    a = OpenApiUtil.get_rpcsignature(dict(req["params"]), req["method"], req["secret"])
    b = TeaUtils.get_rpcsignature(dict(req["params"]), req["method"], req["secret"])
    return {"signature": a, "tea_openapi_signature": b}


def aliyun_v3_official(req):
    headers = dict(req["headers"])
    if req["verify_all"]:
        headers.update(req["unsigned"])
    request = types.SimpleNamespace(method=req["method"], pathname=req["path"], query=dict(req["query"]),
                                    headers=headers)
    payload = req["headers"]["x-acs-content-sha256"]
    a = OpenApiUtil.get_authorization(request, "ACS3-HMAC-SHA256", payload, req["ak"], req["secret"])
    b = TeaUtils.get_authorization(request, "ACS3-HMAC-SHA256", payload, req["ak"], req["secret"])
    return {"authorization": a, "tea_openapi_authorization": b}


def aliyun_v3_rust_line(req, official):
    headers = [[k, v] for k, v in req["headers"].items()] + [[k, v] for k, v in req["unsigned"].items()]
    line = {"id": req["id"], "kind": "aliyun_v3", "method": req["method"], "path": req["path"],
            "query": [[k, v] for k, v in req["query"].items()], "headers": headers, "ak": req["ak"],
            "secret": req["secret"], **body_fields(req["body"])}
    if req["verify_all"]:
        line["signed_headers"] = official["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    return line


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rust-cmd", default="cargo run -q -p cloudsdk-core --example sign_json",
                    help="command that runs the sign_json example (split like a shell would)")
    ap.add_argument("--rust-bin", help="path of a built sign_json example (overrides --rust-cmd)")
    ap.add_argument("--count", type=int, default=int(os.environ.get("INTEROP_COUNT", "400")),
                    help="number of random requests (default 400)")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("INTEROP_SEED", "20240102")))
    ap.add_argument("--show", type=int, default=10, help="mismatches to print in full")
    args = ap.parse_args()

    started = time.monotonic()
    rng = random.Random(args.seed)
    # Each case: (id, official result, expected fields to compare) ; rust lines collected in order.
    cases, lines = [], []
    for n in range(args.count):
        kind = rng.choices(["huawei", "aliyun_v2", "aliyun_v3"], weights=[5, 2, 3])[0]
        if kind == "huawei":
            req = huawei_request(rng, n)
            off = huawei_official(req)
            rust = huawei_rust_lines(req, off)
            lines.extend(rust)
            cases.append((rust[0]["id"], {
                "authorization": off["authorization"],
                "signature": off["authorization"].rsplit("Signature=", 1)[1],
                "canonical_request": off["canonical_request"],
                "string_to_sign": off["string_to_sign"],
                "canonical_query": off["canonical_query"],
                "added_headers": off["added_headers"],
            }))
            if len(rust) > 1:
                cases.append((rust[1]["id"], {"authorization": off["authorization"]}))
        elif kind == "aliyun_v2":
            req = aliyun_v2_request(rng, n)
            off = aliyun_v2_official(req)
            if off["signature"] != off["tea_openapi_signature"]:
                raise SystemExit("official V2 implementations disagree on %s" % req["id"])
            lines.append({"id": req["id"], "kind": "aliyun_v2", "method": req["method"],
                          "params": [[k, v] for k, v in req["params"].items()], "secret": req["secret"]})
            cases.append((req["id"], {"signature": off["signature"]}))
        else:
            req = aliyun_v3_request(rng, n)
            off = aliyun_v3_official(req)
            if off["authorization"] != off["tea_openapi_authorization"]:
                raise SystemExit("official V3 implementations disagree on %s" % req["id"])
            lines.append(aliyun_v3_rust_line(req, off))
            cases.append((req["id"], {"authorization": off["authorization"]}))

    cmd = [args.rust_bin] if args.rust_bin else shlex.split(args.rust_cmd)
    try:
        proc = subprocess.run(cmd, input="".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                              capture_output=True, text=True, encoding="utf-8", timeout=600)
    except FileNotFoundError as e:
        raise SystemExit("cannot run %r: %s" % (args.rust_cmd, e))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit("the Rust signer exited with status %d" % proc.returncode)
    replies = {}
    for raw in proc.stdout.splitlines():
        reply = json.loads(raw)
        replies[reply.get("id")] = reply

    passed, failed, shown = 0, 0, 0
    for case_id, expected in cases:
        got = replies.get(case_id)
        problems = []
        if got is None:
            problems.append(("reply", "a reply", "none"))
        elif "error" in got:
            problems.append(("error", "no error", got["error"]))
        else:
            for field, want in expected.items():
                if got.get(field) != want:
                    problems.append((field, want, got.get(field)))
        if problems:
            failed += 1
            if shown < args.show:
                shown += 1
                print("MISMATCH %s" % case_id)
                for field, want, have in problems:
                    print("  %s\n    official: %r\n    rust:     %r" % (field, want, have))
        else:
            passed += 1

    kinds = {}
    for case_id, _ in cases:
        k = case_id.rsplit("-", 1)[0] if not case_id.endswith("-verify") else "huawei-verify"
        kinds[k] = kinds.get(k, 0) + 1
    print("compared %d signatures (%s) from %d random requests, seed %d, in %.1f s" % (
        len(cases), ", ".join("%s: %d" % kv for kv in sorted(kinds.items())), args.count, args.seed,
        time.monotonic() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
