"""Translate template.yaml to plain CloudFormation with the SAM translator, as `sam deploy` has it done.

Run with the SAM CLI's own Python (`.venv-sam/bin/python tests/template/sam_translate.py TEMPLATE BUCKET`): the
translator lives in the SAM virtualenv, whose pins conflict with the project's. Local code locations
(CodeUri, ContentUri) become `s3://BUCKET/<logical id>.zip`, what `sam package` would upload; the translated
template is printed as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(template_path: str, bucket: str) -> int:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template: dict[str, Any] = yaml_parse(Path(template_path).read_text())
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = f"s3://{bucket}/{logical_id}.zip"

    class NoManagedPolicies:
        """The template names no AWS managed policy by its short name, so no IAM lookup is needed."""

        def load(self) -> dict[str, str]:
            return {}

    translated = transform(template, {}, NoManagedPolicies())  # type: ignore[arg-type]
    json.dump(translated, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
