#!/usr/bin/env python3
"""Call the cloudsdk emulator with the vendors' OFFICIAL Python SDKs.

Run through ``tests/interop/run_emulator_interop.sh``, which creates the pinned virtualenv
(``tests/interop/venv.sh``), builds and starts two emulators (one without and one with a security
token) and passes their endpoints here. Stand-alone, against emulators you started yourself:

    python emulator_interop.py --endpoint http://127.0.0.1:PORT --ak AK --sk SK \\
        --token-endpoint http://127.0.0.1:PORT2 --token TOKEN --project-id ID

What it checks, each with the official client and its own signer, decoder and exception types:

* Huawei ECS (huaweicloudsdkecs): ``nova_list_server_security_groups`` (the SDK's ``/v2.1/`` path)
  and the same request definition sent to ``/v2/`` through the SDK's own ``_call_api`` (the SDK
  has no ``/v2/`` switch); the decoded groups equal the document's example; unknown server ->
  ``ClientRequestException`` 404 from the Nova ``itemNotFound`` fault.
* Huawei VPC (huaweicloudsdkvpc): ``show_security_group`` with an explicit project id and with
  project discovery through IAM (``BasicCredentials.with_iam_endpoint`` + a ``Region`` whose
  endpoint is the emulator); unknown group -> 404 ``error_code``/``error_msg``; unknown region ->
  discovery fails.
* Alibaba ECS (alibabacloud-ecs20140526 on tea-openapi): ``describe_security_group_references``
  with the default V3 signer (ACS3-HMAC-SHA256) and with ``signature_algorithm='v2'`` (RPC
  signature 1.0); ``Format=XML`` through the SDK's generic ``call_api`` (the typed client only
  decodes JSON), parsed with darabonba's XML parser; the documented errors raise
  ``ClientException`` with the documented code.
* Both vendors: a wrong secret is refused (``APIGW.0301`` / ``SignatureDoesNotMatch``), an unknown
  key id is refused, and a security token is accepted by an emulator started with one.
* Optionally (``--tour-output FILE``): the output of ``cargo run --example tour`` shows the
  documents' values.

Expected values come from the documents' examples in ``specs/examples/`` (never from the
emulator). Prints one line per check and ends with ``N passed, M failed``; exits 1 on failure.
"""

import argparse
import json
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

# The Huawei SDK writes ~/.huaweicloud/application_id at import time: keep it out of $HOME, and
# keep the caller's cloud settings out of the SDKs' default chains.
os.environ["HOME"] = tempfile.mkdtemp(prefix="cloudsdk-interop-home-")
for _k in list(os.environ):
    if _k.startswith(("HUAWEICLOUD_", "HC_CONTAINER_", "ALIBABA_CLOUD_", "ALICLOUD_")):
        del os.environ[_k]
warnings.filterwarnings("ignore", category=DeprecationWarning)

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions import exceptions as hw_exceptions  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkcore.region.region import Region  # noqa: E402
from huaweicloudsdkecs.v2 import EcsClient, NovaListServerSecurityGroupsRequest  # noqa: E402
from huaweicloudsdkvpc.v3 import ShowSecurityGroupRequest, VpcClient  # noqa: E402

from alibabacloud_ecs20140526 import models as ali_models  # noqa: E402
from alibabacloud_ecs20140526.client import Client as AliEcsClient  # noqa: E402
from alibabacloud_tea_openapi import exceptions as ali_exceptions  # noqa: E402
from alibabacloud_tea_openapi import utils_models as ali_open_api  # noqa: E402
from alibabacloud_tea_openapi.utils import Utils as AliUtils  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402
from darabonba.utils.xml import XML as DaraXML  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "specs" / "examples"

SERVER_ID = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e"
VPC_GROUP_ID = "69c999ad-d9ef-4d79-94fd-35e6ceb75325"
REFERENCED_GROUP = "sg-1133aa"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


# --------------------------------------------------------------------------------------------
# Expected values, from the documents' examples.
# --------------------------------------------------------------------------------------------
def load_json(rel):
    with open(EXAMPLES / rel, encoding="utf-8") as f:
        return json.load(f)


def expected_references():
    """[(group id, [(referencing group id, ali uid as text), ...]), ...] from the wire example."""
    doc = load_json("aliyun-ecs/doc_data_wire.json")
    out = []
    for ref in doc["SecurityGroupReferences"]["SecurityGroupReference"]:
        refs = ref["ReferencingSecurityGroups"]["ReferencingSecurityGroup"]
        out.append((ref["SecurityGroupId"], [(r["SecurityGroupId"], str(r["AliUid"])) for r in refs]))
    return out


# --------------------------------------------------------------------------------------------
# Check bookkeeping.
# --------------------------------------------------------------------------------------------
class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        return cond

    def run(self, name, fn):
        """Runs fn(); it returns (cond, detail). An unexpected exception is a failure."""
        try:
            cond, detail = fn()
        except Exception as e:  # noqa: BLE001 - report any SDK exception as a failed check
            cond, detail = False, f"unexpected {type(e).__name__}: {e}"
            if os.environ.get("INTEROP_TRACEBACK"):
                traceback.print_exc()
        return self.ok(name, cond, detail)

    def raises(self, name, fn, exc_type, **attrs):
        """fn() must raise exc_type whose attributes equal attrs (callables are predicates)."""

        def body():
            try:
                result = fn()
            except exc_type as e:
                bad = []
                for key, want in attrs.items():
                    got = getattr(e, key, None)
                    good = want(got) if callable(want) else got == want
                    if not good:
                        shown = (want.__doc__ or "a predicate") if callable(want) else repr(want)
                        bad.append(f"{key}={got!r} (want {shown})")
                return (not bad), "; ".join(bad)
            return False, f"no exception; got {result!r:.200}"

        return self.run(name, body)


def where(description, predicate):
    """A predicate for Checks.raises, with the description shown when it fails."""
    predicate.__doc__ = description
    return predicate


def subset(want, got, path="$"):
    """None if every key/value of `want` is in `got` (lists: same length, element-wise)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: want an object, got {got!r}"
        for k, v in want.items():
            if v is None:
                if got.get(k) is not None:
                    return f"{path}.{k}: want null, got {got.get(k)!r}"
                continue
            if k not in got:
                return f"{path}.{k}: missing"
            err = subset(v, got[k], f"{path}.{k}")
            if err:
                return err
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path}: want {len(want)} items, got {got!r:.200}"
        for i, (w, g) in enumerate(zip(want, got)):
            err = subset(w, g, f"{path}[{i}]")
            if err:
                return err
        return None
    return None if want == got else f"{path}: want {want!r}, got {got!r}"


# --------------------------------------------------------------------------------------------
# Huawei
# --------------------------------------------------------------------------------------------
def hw_config():
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True  # plain http anyway
    config.timeout = (5, 10)
    return config


def hw_client(cls, endpoint, ak, sk, project_id=None, token=None, region=None):
    """A client on an http:// endpoint; with `region`, the project id is discovered via IAM."""
    creds = BasicCredentials(ak, sk, project_id)
    if token:
        creds.with_security_token(token)
    builder = cls.new_builder().with_http_config(hw_config()).with_credentials(creds)
    if region:
        creds.with_iam_endpoint(endpoint)
        builder = builder.with_region(Region(region, endpoint))
    else:
        builder = builder.with_endpoints([endpoint])
    return builder.build()


def clear_project_cache():
    # BasicCredentials caches discovered project ids per (ak + region) for the process.
    cache = getattr(BasicCredentials, "_CACHE", None)
    if cache is not None:
        cache.clear()


def nova_v2(client, server_id):
    """The SDK's own request definition, sent to /v2/ instead of /v2.1/ (the SDK has no switch)."""
    req = NovaListServerSecurityGroupsRequest(server_id=server_id)
    info = client._nova_list_server_security_groups_http_info(req)
    assert info["resource_path"].startswith("/v2.1/"), info["resource_path"]
    info["resource_path"] = "/v2/" + info["resource_path"][len("/v2.1/") :]
    return client._call_api(**info)


def is_status(code):
    def pred(got):
        return got == code

    pred.__doc__ = f"== {code}"
    return pred


def huawei_checks(c, a):
    ecs_doc = load_json("huawei-ecs-v2/doc_example.json")
    vpc_doc = load_json("huawei-vpc-v3/doc_example.json")

    if not a.project_id:
        # Without the emulator's project id, take the one IAM discovery returns (checked below).
        clear_project_cache()
        a.project_id = hw_client(
            VpcClient, a.endpoint, a.ak, a.sk, region=a.huawei_region
        )._credentials.project_id
        clear_project_cache()
        print(f"note: no --project-id given; using {a.project_id!r} from IAM discovery")
    ecs = hw_client(EcsClient, a.endpoint, a.ak, a.sk, project_id=a.project_id)
    vpc = hw_client(VpcClient, a.endpoint, a.ak, a.sk, project_id=a.project_id)

    def nova(call, label):
        def body():
            resp = call()
            got = resp.to_dict()["security_groups"]
            err = subset(ecs_doc["security_groups"], got)
            if err:
                return False, err
            names = [g.name for g in resp.security_groups]
            rule = resp.security_groups[1].rules[0]
            return (
                names == [g["name"] for g in ecs_doc["security_groups"]]
                and (rule.ip_protocol, rule.from_port, rule.to_port, rule.ip_range.cidr)
                == ("tcp", 200, 400, "0.0.0.0/0"),
                f"names {names}, first test-sg rule {rule}",
            )

        c.run(f"huawei ecs {label} NovaListServerSecurityGroups decodes the document's groups", body)

    nova(
        lambda: ecs.nova_list_server_security_groups(
            NovaListServerSecurityGroupsRequest(server_id=SERVER_ID)
        ),
        "/v2.1/",
    )
    nova(lambda: nova_v2(ecs, SERVER_ID), "/v2/")

    c.raises(
        "huawei ecs /v2.1/ unknown server -> ClientRequestException 404 (Nova itemNotFound)",
        lambda: ecs.nova_list_server_security_groups(
            NovaListServerSecurityGroupsRequest(server_id=UNKNOWN_UUID)
        ),
        hw_exceptions.ClientRequestException,
        status_code=404,
        error_code=where("404 (the Nova fault's code)", lambda got: str(got) in ("404", "itemNotFound")),
        error_msg=where("the fault's message", lambda got: bool(got)),
    )
    c.raises(
        "huawei ecs /v2/ unknown server -> ClientRequestException 404",
        lambda: nova_v2(ecs, UNKNOWN_UUID),
        hw_exceptions.ClientRequestException,
        status_code=404,
        error_code=where("404 (the Nova fault's code)", lambda got: str(got) in ("404", "itemNotFound")),
    )

    def show(client, label):
        def body():
            resp = client.show_security_group(ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID))
            err = subset(vpc_doc["security_group"], resp.security_group.to_dict())
            if err:
                return False, err
            rules = resp.security_group.security_group_rules
            return (
                resp.security_group.name == "security_group_1"
                and [r.id for r in rules]
                == [r["id"] for r in vpc_doc["security_group"]["security_group_rules"]]
                and all(r.action == "allow" and r.priority == 100 for r in rules),
                f"{resp.security_group.name} {[(r.id, r.action, r.priority) for r in rules]}",
            )

        c.run(f"huawei vpc ShowSecurityGroup ({label}) decodes the document's group", body)

    show(vpc, "explicit project id")

    clear_project_cache()
    c.raises(
        "huawei vpc IAM project discovery with a wrong secret -> refused (APIGW.0301)",
        lambda: hw_client(VpcClient, a.endpoint, a.ak, a.sk + "x", region=a.huawei_region),
        hw_exceptions.SdkException,
        error_msg=where("mentions APIGW.0301", lambda got: "APIGW.0301" in str(got)),
    )
    clear_project_cache()

    def discovery():
        client = hw_client(VpcClient, a.endpoint, a.ak, a.sk, region=a.huawei_region)
        discovered = client._credentials.project_id
        if a.project_id and discovered != a.project_id:
            return False, f"discovered project id {discovered!r}, want {a.project_id!r}"
        show(client, f"project id discovered via IAM for {a.huawei_region}")
        return bool(discovered), f"discovered {discovered!r}"

    c.run(f"huawei IAM GET /v3/projects?name={a.huawei_region} gives the project id", discovery)
    clear_project_cache()
    c.raises(
        "huawei IAM discovery for an unknown region fails (no project)",
        lambda: hw_client(VpcClient, a.endpoint, a.ak, a.sk, region="xx-nowhere-9"),
        hw_exceptions.SdkException,
    )
    clear_project_cache()

    c.raises(
        "huawei vpc unknown group -> ClientRequestException 404 with error_code/error_msg",
        lambda: vpc.show_security_group(ShowSecurityGroupRequest(security_group_id=UNKNOWN_UUID)),
        hw_exceptions.ClientRequestException,
        status_code=404,
        error_code=where("VPC.*", lambda got: isinstance(got, str) and got.startswith("VPC.")),
        error_msg=where("a message", lambda got: bool(got)),
    )

    bad = hw_client(VpcClient, a.endpoint, a.ak, a.sk + "x", project_id=a.project_id)
    c.raises(
        "huawei vpc wrong secret -> 401 APIGW.0301",
        lambda: bad.show_security_group(ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID)),
        hw_exceptions.ClientRequestException,
        status_code=401,
        error_code="APIGW.0301",
    )
    bad = hw_client(EcsClient, a.endpoint, a.ak, a.sk + "x", project_id=a.project_id)
    c.raises(
        "huawei ecs wrong secret -> 401 APIGW.0301",
        lambda: bad.nova_list_server_security_groups(
            NovaListServerSecurityGroupsRequest(server_id=SERVER_ID)
        ),
        hw_exceptions.ClientRequestException,
        status_code=401,
        error_code="APIGW.0301",
    )
    bad = hw_client(VpcClient, a.endpoint, "NOSUCHKEY", a.sk, project_id=a.project_id)
    c.raises(
        "huawei vpc unknown access key -> 401 APIGW.0301",
        lambda: bad.show_security_group(ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID)),
        hw_exceptions.ClientRequestException,
        status_code=401,
        error_code="APIGW.0301",
    )

    if a.token_endpoint:
        for what, token in (
            ("without its security token", None),
            ("with a wrong security token", a.token + "x"),
        ):
            bad = hw_client(VpcClient, a.token_endpoint, a.ak, a.sk, project_id=a.project_id, token=token)
            c.raises(
                f"huawei vpc temporary key {what} -> 401 APIGW.0301",
                lambda bad=bad: bad.show_security_group(
                    ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID)
                ),
                hw_exceptions.ClientRequestException,
                status_code=401,
                error_code="APIGW.0301",
            )
        tok = hw_client(VpcClient, a.token_endpoint, a.ak, a.sk, project_id=a.project_id, token=a.token)
        show(tok, "security token (X-Security-Token)")
        tok = hw_client(EcsClient, a.token_endpoint, a.ak, a.sk, project_id=a.project_id, token=a.token)
        nova(
            lambda: tok.nova_list_server_security_groups(
                NovaListServerSecurityGroupsRequest(server_id=SERVER_ID)
            ),
            "/v2.1/ with security token",
        )


# --------------------------------------------------------------------------------------------
# Alibaba
# --------------------------------------------------------------------------------------------
def ali_client(endpoint, ak, sk, token=None, v2=False, region="cn-hangzhou"):
    host = endpoint.split("://", 1)[1].rstrip("/")
    config = ali_open_api.Config(
        access_key_id=ak,
        access_key_secret=sk,
        security_token=token,
        protocol="http",
        endpoint=host,
        region_id=region,
        connect_timeout=5000,
        read_timeout=10000,
    )
    if v2:
        config.signature_algorithm = "v2"
    return AliEcsClient(config)


def describe(client, region, ids):
    req = ali_models.DescribeSecurityGroupReferencesRequest(region_id=region, security_group_id=ids)
    return client.describe_security_group_references_with_options(req, RuntimeOptions())


def decoded_references(body):
    out = []
    refs = body.security_group_references
    for ref in (refs.security_group_reference if refs else None) or []:
        groups = ref.referencing_security_groups
        out.append(
            (
                ref.security_group_id,
                [
                    (g.security_group_id, str(g.ali_uid))
                    for g in ((groups.referencing_security_group if groups else None) or [])
                ],
            )
        )
    return out


def describe_xml(client, region, ids):
    """Format=XML through the SDK's generic call_api; the body comes back as text."""
    query = {"RegionId": region, "SecurityGroupId": ids, "Format": "XML"}
    req = ali_open_api.OpenApiRequest(query=AliUtils.query(query))
    params = ali_open_api.Params(
        action="DescribeSecurityGroupReferences",
        version="2014-05-26",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="string",
    )
    return client.call_api(params, req, RuntimeOptions())


def as_list(x):
    # darabonba's XML parser turns a single child into an object, repeated ones into a list.
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def xml_references(text):
    root = DaraXML.parse_xml(text, None)
    resp = root.get("DescribeSecurityGroupReferencesResponse") or {}
    out = []
    for ref in as_list((resp.get("SecurityGroupReferences") or {}).get("SecurityGroupReference")):
        groups = as_list((ref.get("ReferencingSecurityGroups") or {}).get("ReferencingSecurityGroup"))
        out.append(
            (ref.get("SecurityGroupId"), [(g.get("SecurityGroupId"), str(g.get("AliUid"))) for g in groups])
        )
    return out, resp.get("RequestId")


def aliyun_checks(c, a):
    want = expected_references()
    region = a.aliyun_region
    for label, v2 in (("V3 ACS3-HMAC-SHA256", False), ("V2 RPC signature 1.0", True)):
        client = ali_client(a.endpoint, a.ak, a.sk, v2=v2, region=region)

        def success(client=client):
            resp = describe(client, region, [REFERENCED_GROUP])
            got = decoded_references(resp.body)
            return got == want and bool(resp.body.request_id), f"got {got}, want {want}"

        c.run(
            f"aliyun {label} JSON DescribeSecurityGroupReferences decodes the document's references", success
        )

        def xml(client=client):
            out = describe_xml(client, region, [REFERENCED_GROUP])
            ctype = (out.get("headers") or {}).get("content-type", "")
            got, request_id = xml_references(out["body"])
            return (
                got == want and bool(request_id) and "xml" in ctype,
                f"got {got}, content-type {ctype!r}, want {want}",
            )

        c.run(f"aliyun {label} Format=XML (call_api) parses to the document's references", xml)

        errors = [
            (
                "unknown group",
                [REFERENCED_GROUP, "sg-doesnotexist"],
                region,
                404,
                "InvalidSecurityGroupId.NotFound",
            ),
            ("11 ids", [f"sg-{i:06d}" for i in range(11)], region, 400, "InvalidSecurityGroupId.Malformed"),
            ("no ids", None, region, 400, "InvalidSecurityGroupId.Malformed"),
            ("unknown region", [REFERENCED_GROUP], "xx-nowhere-9", None, "InvalidRegionId.NotFound"),
            ("no RegionId", [REFERENCED_GROUP], None, 400, "MissingParameter"),
        ]
        for what, ids, reg, status, code in errors:
            attrs = {
                "code": where(f"{code}[.*]", lambda got, code=code: got == code or got.startswith(code + "."))
            }
            if status is not None:
                attrs["status_code"] = status
            c.raises(
                f"aliyun {label} {what} -> ClientException {code}",
                lambda client=client, ids=ids, reg=reg: describe(client, reg, ids),
                ali_exceptions.ClientException,
                **attrs,
            )

        bad = ali_client(a.endpoint, a.ak, a.sk + "x", v2=v2, region=region)
        c.raises(
            f"aliyun {label} wrong secret -> ClientException SignatureDoesNotMatch",
            lambda bad=bad: describe(bad, region, [REFERENCED_GROUP]),
            ali_exceptions.ClientException,
            code="SignatureDoesNotMatch",
        )
        bad = ali_client(a.endpoint, "NOSUCHKEY", a.sk, v2=v2, region=region)
        c.raises(
            f"aliyun {label} unknown access key -> ClientException InvalidAccessKeyId.NotFound",
            lambda bad=bad: describe(bad, region, [REFERENCED_GROUP]),
            ali_exceptions.ClientException,
            code="InvalidAccessKeyId.NotFound",
        )
        if a.token_endpoint:
            tok = ali_client(a.token_endpoint, a.ak, a.sk, token=a.token, v2=v2, region=region)

            def with_token(tok=tok):
                got = decoded_references(describe(tok, region, [REFERENCED_GROUP]).body)
                return got == want, f"got {got}"

            c.run(f"aliyun {label} with a security token is accepted", with_token)
            for what, token in (
                ("without its security token", None),
                ("with a wrong security token", a.token + "x"),
            ):
                bad = ali_client(a.token_endpoint, a.ak, a.sk, token=token, v2=v2, region=region)
                c.raises(
                    f"aliyun {label} temporary key {what} -> ClientException InvalidSecurityToken.*",
                    lambda bad=bad: describe(bad, region, [REFERENCED_GROUP]),
                    ali_exceptions.ClientException,
                    code=where(
                        "InvalidSecurityToken.*", lambda got: str(got).startswith("InvalidSecurityToken")
                    ),
                )

    client = ali_client(a.endpoint, a.ak, a.sk, region=region)

    c.raises(
        "aliyun V3 Format=XML unknown group -> tea-openapi reads the XML <Error>: InvalidSecurityGroupId.NotFound",
        lambda: describe_xml(client, region, ["sg-doesnotexist"]),
        ali_exceptions.ClientException,
        status_code=404,
        code="InvalidSecurityGroupId.NotFound",
    )


# --------------------------------------------------------------------------------------------
# The tour's output
# --------------------------------------------------------------------------------------------
def tour_checks(c, path):
    text = Path(path).read_text(encoding="utf-8")
    ecs_doc = load_json("huawei-ecs-v2/doc_example.json")
    vpc_doc = load_json("huawei-vpc-v3/doc_example.json")
    wanted = [SERVER_ID, VPC_GROUP_ID, REFERENCED_GROUP]
    wanted += [g["name"] for g in ecs_doc["security_groups"]]
    wanted += [r["ip_range"]["cidr"] for g in ecs_doc["security_groups"] for r in g["rules"] if r["ip_range"]]
    wanted += [
        f'{r["from_port"]}-{r["to_port"]}'
        for g in ecs_doc["security_groups"]
        for r in g["rules"]
        if r["from_port"]
    ]
    wanted.append(vpc_doc["security_group"]["name"])
    wanted += [ref for _, refs in expected_references() for ref, _ in refs]
    missing = [w for w in wanted if w not in text]
    c.ok(
        "tour output shows the documents' servers, groups, rules and references",
        not missing,
        f"missing {missing}",
    )
    c.ok("tour output has no request ids", "CEF72CEB" not in text and "a8cf4f79" not in text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoint", required=True, help="emulator base URL, http://127.0.0.1:PORT")
    p.add_argument("--ak", required=True)
    p.add_argument("--sk", required=True)
    p.add_argument("--project-id", help="the emulator's Huawei project id (checked against IAM discovery)")
    p.add_argument("--huawei-region", default="cn-north-4")
    p.add_argument("--aliyun-region", default="cn-hangzhou")
    p.add_argument("--token-endpoint", help="a second emulator started with --security-token")
    p.add_argument("--token", help="that emulator's security token")
    p.add_argument("--tour-output", help="file with the output of `cargo run --example tour`")
    p.add_argument("--only", choices=["huawei", "aliyun"], help="run one vendor's checks")
    a = p.parse_args()

    c = Checks()

    def completes(fn, *args):
        # A group of checks that stops on an unexpected exception counts as one failure.
        def body():
            fn(c, *args)
            return True, ""

        return body

    if a.only in (None, "huawei"):
        c.run("huawei checks ran to completion", completes(huawei_checks, a))
    if a.only in (None, "aliyun"):
        c.run("aliyun checks ran to completion", completes(aliyun_checks, a))
    if a.tour_output:
        c.run("tour output checks ran to completion", completes(tour_checks, a.tour_output))
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed or c.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
