"""Baseline "floor": an empty handler, so the runtime's own start-up is all that is measured.

(Its annotations are builtins: an import of ``typing`` would be measured too.)"""


def lambda_handler(event: object, context: object) -> dict[str, object]:
    return {"statusCode": 200, "body": "{}"}
