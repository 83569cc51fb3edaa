"""Write a copy of template.yaml whose image functions build on the local stand-in base image.

    python -m tools.standin_template IMAGE OUTPUT

src/Dockerfile starts ``FROM ${LAMBDA_BASE_IMAGE}``, whose default is the digest-pinned AWS
image. A digest names the registry's manifest, which a locally built image never has (Docker
resolves ``name@sha256:...`` only for an image pulled by it), so where the registry cannot be
reached the pinned line cannot build. `make build` then runs ``sam build`` on this copy, in
which each image function's ``Metadata.DockerBuildArgs`` sets ``LAMBDA_BASE_IMAGE`` to IMAGE
(the stand-in's tag, .ci/lambda-base/); SAM CLI takes build arguments from the template only.
Nothing else differs, and the copy is for local builds and tests only: a deploy builds from
template.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_dump, yaml_parse

ROOT = Path(__file__).resolve().parents[1]
BUILD_ARG = "LAMBDA_BASE_IMAGE"


def standin_template(template: dict[str, Any], image: str) -> dict[str, Any]:
    """``template`` with ``DockerBuildArgs[LAMBDA_BASE_IMAGE] = image`` on every function of
    ``PackageType: Image`` (in place; returned)."""
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        if resource["Properties"].get("PackageType") != "Image":
            continue
        metadata = resource.setdefault("Metadata", {})
        metadata.setdefault("DockerBuildArgs", {})[BUILD_ARG] = image
    return template


def main(argv: list[str]) -> int:
    """Write the copy for base image ``argv[0]`` to path ``argv[1]``."""
    image, output = argv
    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml_dump(standin_template(template, image)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
