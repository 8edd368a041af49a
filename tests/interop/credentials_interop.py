#!/usr/bin/env python3
"""The vendors' OFFICIAL credential libraries against the emulator's credential services.

Run through ``tests/interop/run_emulator_interop.sh``, which starts an emulator with credential
flags (``--role-name``, ``--oidc-token``, ``--idp-id``) and one with ``--no-role``. Stand-alone:

    python credentials_interop.py --endpoint http://127.0.0.1:PORT --ak AK --sk SK \\
        --role ROLE --oidc-token TOKEN --idp-id IDP --project-id ID \\
        --no-role-endpoint http://127.0.0.1:PORT2

Each official provider obtains temporary credentials from the emulator, and the official API
client then calls the emulated API with them (the emulator verifies the signature with the
temporary secret and requires the security token):

* ``alibabacloud_credentials`` 1.0.12: the default chain picking the ECS RAM role provider
  (``ALIBABA_CLOUD_ECS_METADATA=<role>``; IMDSv2 token, then the role's credentials), the RAM
  role ARN provider (``AssumeRole`` signed with the source key, ``sts_endpoint`` = the emulator),
  the OIDC role ARN provider (``AssumeRoleWithOIDC``, token file) and the credentials URI
  provider; then ``alibabacloud-ecs20140526`` ``describe_security_group_references`` with
  ``Config(credential=...)``.
* ``huaweicloudsdkcore`` 3.1.219: the metadata provider (token, then ``securitykey``), the IdP
  provider from the environment (``HUAWEICLOUD_SDK_IDP_ID``, ``HUAWEICLOUD_SDK_ID_TOKEN_FILE``,
  ``HUAWEICLOUD_SDK_IAM_ENDPOINT``: ID token -> unscoped token -> temporary AK/SK) and the OIDC
  STS provider (``AssumeAgencyWithOIDC``, ``sts_endpoint`` = the emulator); then
  ``huaweicloudsdkvpc`` ``show_security_group``.
* Negative checks (the step must be able to fail): a wrong role name (IMDS and ``AssumeRole``),
  a wrong OIDC token, wrong ID tokens (IdP, OIDC STS), and an instance without an agency are all
  refused.

The libraries hard-code the metadata addresses (100.100.100.200, 169.254.169.254) over plain
http and honour ``HTTP_PROXY``: it is set to the emulator, which answers proxy-form requests like
direct ones. A guard refuses every socket connection to a non-loopback address, so nothing ever
leaves the machine. Prints one line per check and ends with ``N passed, M failed``.
"""

import argparse
import logging
import os
import socket
import sys
import tempfile
import traceback
import warnings

# Keep everything on loopback: refuse any connection to another address (before any import that
# could open one).
_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"interop guard: refusing a connection to {host!r} (loopback only)")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoint", required=True, help="emulator base URL, http://127.0.0.1:PORT")
    p.add_argument("--ak", required=True, help="the emulator's permanent key (AssumeRole source)")
    p.add_argument("--sk", required=True)
    p.add_argument("--role", required=True, help="the emulator's --role-name")
    p.add_argument("--oidc-token", required=True, help="the emulator's --oidc-token")
    p.add_argument("--idp-id", required=True, help="the emulator's --idp-id")
    p.add_argument("--project-id", required=True, help="the emulator's Huawei project id")
    p.add_argument("--no-role-endpoint", help="an emulator started with --no-role")
    return p.parse_args()


ARGS = parse_args()
WORK = tempfile.mkdtemp(prefix="cloudsdk-credentials-interop-")
# The libraries read ALIBABA_CLOUD_* when imported: set the environment first, and keep the
# caller's cloud settings (and $HOME's profiles) out of the chains.
os.environ["HOME"] = WORK
for _k in list(os.environ):
    if _k.startswith(("HUAWEICLOUD_", "HC_CONTAINER_", "ALIBABA_CLOUD_", "ALICLOUD_")) or _k.lower() in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        del os.environ[_k]
os.environ["HTTP_PROXY"] = ARGS.endpoint  # the metadata hosts, reached through the emulator
os.environ["ALIBABA_CLOUD_ECS_METADATA"] = ARGS.role
os.environ["ALIBABA_CLOUD_CLI_PROFILE_DISABLED"] = "true"
warnings.filterwarnings("ignore", category=DeprecationWarning)

from alibabacloud_credentials.client import Client as CredentialClient  # noqa: E402
from alibabacloud_credentials.provider import (  # noqa: E402
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    RamRoleArnCredentialsProvider,
    URLCredentialsProvider,
)
from alibabacloud_ecs20140526 import models as ali_models  # noqa: E402
from alibabacloud_ecs20140526.client import Client as AliEcsClient  # noqa: E402
from alibabacloud_tea_openapi import utils_models as ali_open_api  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402
from huaweicloudsdkcore.auth.provider import (  # noqa: E402
    EnvCredentialProvider,
    MetadataCredentialProvider,
    OidcStsCredentialProvider,
)
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkvpc.v3 import ShowSecurityGroupRequest, VpcClient  # noqa: E402

# The refused fetches are expected: keep the library's own error log (with tracebacks) quiet.
# Its logger gets its level when the module is imported, so this comes after the imports.
logging.getLogger("credentials").setLevel(logging.CRITICAL)

VPC_GROUP_ID = "69c999ad-d9ef-4d79-94fd-35e6ceb75325"
REFERENCED_GROUP = "sg-1133aa"
ACCOUNT = "123456789012"


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
        """fn() returns (cond, detail); an unexpected exception is a failure."""
        try:
            cond, detail = fn()
        except Exception as e:  # noqa: BLE001 - any library exception is a failed check
            cond, detail = False, f"unexpected {type(e).__name__}: {e}"
            if os.environ.get("INTEROP_TRACEBACK"):
                traceback.print_exc()
        return self.ok(name, cond, detail)

    def fails(self, name, fn, *needles):
        """fn() must raise, with every needle in the message."""

        def body():
            try:
                result = fn()
            except Exception as e:  # noqa: BLE001
                text = f"{type(e).__name__}: {e}"
                missing = [n for n in needles if n not in text]
                return not missing, f"missing {missing} in {text:.300}"
            return False, f"no exception; got {result!r:.200}"

        return self.run(name, body)


def write(name, content):
    path = os.path.join(WORK, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)
    return path


# --------------------------------------------------------------------------------------------
# Alibaba
# --------------------------------------------------------------------------------------------
def ecs_call(credential_client):
    """describe_security_group_references through the official ECS client with `credential`."""
    host = ARGS.endpoint.split("://", 1)[1].rstrip("/")
    config = ali_open_api.Config(
        credential=credential_client,
        protocol="http",
        endpoint=host,
        region_id="cn-hangzhou",
        connect_timeout=5000,
        read_timeout=10000,
    )
    req = ali_models.DescribeSecurityGroupReferencesRequest(
        region_id="cn-hangzhou", security_group_id=[REFERENCED_GROUP]
    )
    resp = AliEcsClient(config).describe_security_group_references_with_options(req, RuntimeOptions())
    refs = resp.body.security_group_references.security_group_reference
    return [r.security_group_id for r in refs]


def temporary(provider):
    """(credentials, provider name) of a provider, checked to be an STS key with a token."""
    c = provider.get_credentials()
    good = c.get_access_key_id().startswith("STS.") and bool(c.get_security_token())
    return good, c


def api_with(provider):
    def body():
        good, c = temporary(provider)
        if not good:
            return False, f"not a temporary key: {c.get_access_key_id()}"
        ids = ecs_call(CredentialClient(provider=provider))
        return ids == [REFERENCED_GROUP], f"references {ids}"

    return body


def ram_role_arn(role):
    return RamRoleArnCredentialsProvider(
        access_key_id=ARGS.ak,
        access_key_secret=ARGS.sk,
        role_arn=f"acs:ram::{ACCOUNT}:role/{role}",
        role_session_name="interop",
        sts_endpoint=ARGS.endpoint,
    )


def oidc(token):
    return OIDCRoleArnCredentialsProvider(
        role_arn=f"acs:ram::{ACCOUNT}:role/{ARGS.role}",
        oidc_provider_arn=f"acs:ram::{ACCOUNT}:oidc-provider/interop",
        oidc_token_file_path=write(f"oidc-{len(token)}", token),
        sts_endpoint=ARGS.endpoint,
    )


def aliyun_checks(c):
    def default_chain():
        client = CredentialClient()  # the default chain: ECS RAM role (ALIBABA_CLOUD_ECS_METADATA)
        cred = client.get_credential()
        if not cred.access_key_id.startswith("STS.") or cred.provider_name != "default/ecs_ram_role":
            return False, f"{cred.provider_name}: {cred.access_key_id}"
        ids = ecs_call(client)
        return ids == [REFERENCED_GROUP], f"references {ids}"

    c.run("aliyun default chain -> ECS RAM role (IMDSv2 via HTTP_PROXY) -> ECS API", default_chain)
    c.fails(
        "aliyun ECS RAM role with a wrong role name is refused",
        lambda: EcsRamRoleCredentialsProvider(role_name="no-such-role", async_update_enabled=False).get_credentials(),
        "404",
    )
    c.run("aliyun RAM role ARN (AssumeRole, V2-signed) -> ECS API", api_with(ram_role_arn(ARGS.role)))
    c.fails(
        "aliyun RAM role ARN with a wrong role name is refused",
        lambda: ram_role_arn("no-such-role").get_credentials(),
        "EntityNotExist.Role",
    )
    c.run("aliyun OIDC role ARN (AssumeRoleWithOIDC) -> ECS API", api_with(oidc(ARGS.oidc_token)))
    c.fails(
        "aliyun OIDC with a wrong token is refused",
        lambda: oidc("not-the-token").get_credentials(),
        "AuthenticationFail.OIDCToken.Invalid",
    )
    uri = URLCredentialsProvider(uri=f"{ARGS.endpoint}/aliyun/credentials-uri")
    c.run("aliyun credentials URI -> ECS API", api_with(uri))


# --------------------------------------------------------------------------------------------
# Huawei
# --------------------------------------------------------------------------------------------
def vpc_call(creds, endpoint=None):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    client = (
        VpcClient.new_builder()
        .with_http_config(config)
        .with_credentials(creds)
        .with_endpoints([endpoint or ARGS.endpoint])
        .build()
    )
    out = client.show_security_group(ShowSecurityGroupRequest(security_group_id=VPC_GROUP_ID))
    return out.security_group.name


def huawei_metadata_creds():
    provider = MetadataCredentialProvider.get_basic_credential_metadata_provider()
    provider.project_id = ARGS.project_id
    return provider.get_credentials()


def huawei_idp_creds(id_token):
    os.environ["HUAWEICLOUD_SDK_IDP_ID"] = ARGS.idp_id
    os.environ["HUAWEICLOUD_SDK_ID_TOKEN_FILE"] = write(f"id-token-{len(id_token)}", id_token)
    os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = ARGS.endpoint
    os.environ["HUAWEICLOUD_SDK_PROJECT_ID"] = ARGS.project_id
    try:
        return EnvCredentialProvider.get_basic_credential_env_provider().get_credentials()
    finally:
        for k in ("HUAWEICLOUD_SDK_IDP_ID", "HUAWEICLOUD_SDK_ID_TOKEN_FILE"):
            os.environ.pop(k, None)


def huawei_checks(c):
    def metadata():
        creds = huawei_metadata_creds()
        if not creds.security_token:
            return False, "no security token"
        name = vpc_call(creds)
        return name == "security_group_1", f"group {name}"

    c.run("huawei metadata provider (token, securitykey via HTTP_PROXY) -> VPC API", metadata)

    def idp():
        creds = huawei_idp_creds(ARGS.oidc_token)
        name = vpc_call(creds)  # the federation runs on this first request
        if not creds.security_token or not creds.ak:
            return False, "no temporary key"
        return name == "security_group_1", f"group {name}"

    c.run("huawei IdP provider (ID token -> securitytokens) -> VPC API", idp)
    def oidc_sts(id_token):
        provider = OidcStsCredentialProvider(
            "basic",
            provider_urn=f"iam::{ACCOUNT}:identityProvider:interop",
            agency_urn=f"iam::{ACCOUNT}:agency:{ARGS.role}",
            id_token_file=write(f"sts-id-token-{len(id_token)}", id_token),
            sts_endpoint=ARGS.endpoint,
        )
        creds = provider.get_credentials()
        creds.project_id = ARGS.project_id
        return vpc_call(creds)  # AssumeAgencyWithOIDC runs on this first request

    def oidc_sts_call():
        name = oidc_sts(ARGS.oidc_token)
        return name == "security_group_1", f"group {name}"

    c.run("huawei OIDC STS provider (AssumeAgencyWithOIDC) -> VPC API", oidc_sts_call)
    c.fails("huawei OIDC STS with a wrong ID token is refused", lambda: oidc_sts("not-the-token"), "401")
    c.fails(
        "huawei IdP with a wrong ID token is refused",
        lambda: vpc_call(huawei_idp_creds("not-the-token")),
        "401",
    )
    if ARGS.no_role_endpoint:
        def no_agency():
            os.environ["HTTP_PROXY"] = ARGS.no_role_endpoint
            try:
                return huawei_metadata_creds()
            finally:
                os.environ["HTTP_PROXY"] = ARGS.endpoint

        c.fails(
            "huawei metadata without an agency is refused",
            no_agency,
            "Please configure Cloud Service Agency first",
        )


def main():
    c = Checks()
    for name, fn in (("aliyun", aliyun_checks), ("huawei", huawei_checks)):
        def body(fn=fn):
            fn(c)
            return True, ""

        c.run(f"{name} credential checks ran to completion", body)
    print(f"{c.passed} passed, {c.failed} failed")
    sys.stdout.flush()
    # The Alibaba ECS provider of the default chain starts a scheduler thread: exit without
    # waiting for it.
    os._exit(1 if c.failed or c.passed == 0 else 0)


if __name__ == "__main__":
    main()
