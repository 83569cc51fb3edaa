"""Baseline "floor": an empty handler, so the runtime's own start-up is all that is measured."""


def lambda_handler(event, context):
    return {"statusCode": 200, "body": "{}"}
