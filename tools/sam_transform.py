"""SAM's own transform of ``template.yaml``, run here without AWS: the CloudFormation template
that a deploy would hand to CloudFormation, conditions unresolved.

    python -m tools.sam_transform [OUTPUT]     # default .aws-sam/transformed/template.json

The template tests read it (``tests/integration/template``), and ``make checkov`` scans it
beside ``template.yaml``: checkov sees SAM's generated resources (functions, permissions, the
stage, the usage plan) only here.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / ".aws-sam" / "transformed" / "template.json"
REGION = "eu-west-1"
STACK = "sentiment-test"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{STACK}/0f1e2d3c",
}
"""The pseudo parameters the transform sees (a made-up account, region and stack)."""
IMAGE_URI = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/s:t"
"""The ``ImageUri`` each function gets, as ``sam build`` would give it one."""


def load_template(path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    """``template.yaml`` as SAM CLI reads it (short-form intrinsic functions expanded)."""
    from samcli.yamlhelper import yaml_parse

    template: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return template


def transformed(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template after SAM's transform (what CloudFormation receives), conditions
    unresolved. The functions get :data:`IMAGE_URI`; nothing else is added.

    Args:
        template: the parsed SAM template (default: :func:`load_template`); not modified.

    Returns:
        The CloudFormation template, as a dict.

    Raises:
        samtranslator.model.exceptions.InvalidDocumentException: SAM refuses the template.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(template if template is not None else load_template())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["ImageUri"] = IMAGE_URI
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    result: dict[str, Any] = translator.translate(
        template, dict(PSEUDO), get_managed_policy_map=lambda: {}
    )
    return result


def carry_checkov_suppressions(
    template: dict[str, Any], result: dict[str, Any]
) -> dict[str, list[str]]:
    """Give each resource SAM generated from a ``AWS::Serverless::*`` resource that resource's
    checkov suppressions (``Metadata.checkov.skip``), in place: a suppression with its reason
    belongs to what the SAM resource becomes, and SAM copies ``Metadata`` to some of it (the
    function, the REST API) but not all (the stage). A generated resource is one whose logical
    id the SAM template does not have and that starts with the SAM resource's id
    (``SentimentApiStage`` from ``SentimentApi``; the longest such id wins).

    Returns:
        ``{generated resource: [check ids it was given]}``.
    """
    sources = {
        name: resource["Metadata"]["checkov"]["skip"]
        for name, resource in template["Resources"].items()
        if resource["Type"].startswith("AWS::Serverless::")
        and resource.get("Metadata", {}).get("checkov", {}).get("skip")
    }
    carried: dict[str, list[str]] = {}
    for name, resource in result["Resources"].items():
        if name in template["Resources"]:
            continue
        owners = [source for source in sources if name.startswith(source)]
        if not owners:
            continue
        skips = sources[max(owners, key=len)]
        checkov = resource.setdefault("Metadata", {}).setdefault("checkov", {})
        have = {skip["id"] for skip in checkov.setdefault("skip", [])}
        added = [skip for skip in skips if skip["id"] not in have]
        checkov["skip"].extend(copy.deepcopy(added))
        if added:
            carried[name] = [skip["id"] for skip in added]
    return carried


def main(argv: list[str]) -> int:
    """Write the transformed template as JSON to ``argv[0]`` (default :data:`DEFAULT_OUTPUT`),
    with the checkov suppressions carried (:func:`carry_checkov_suppressions`)."""
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    template = load_template()
    result = transformed(template)
    carry_checkov_suppressions(template, result)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
