#!/bin/sh
# /lambda-entrypoint.sh of the local stand-in for public.ecr.aws/lambda/python:3.13
# (built by .ci/lambda-base/build.sh). Same contract as the AWS base image's:
# the single argument (the image's CMD) is the handler, e.g. app.lambda_handler.
# Without AWS_LAMBDA_RUNTIME_API we are not inside Lambda (plain `docker run`),
# so start the Runtime Interface Emulator on :8080 in front of the runtime client.
# (`sam local` overrides this entrypoint with its own RIE, which then runs this
# script with AWS_LAMBDA_RUNTIME_API set.)

if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
export AWS_EXECUTION_ENV="${AWS_EXECUTION_ENV:-AWS_Lambda_python3.13}"

# awslambdaric (4.x) imports the handler from sys.path only, where `python3 -m`
# puts the working directory (WORKDIR /var/task). Put the task root first as
# well, so the handler is found even when the working directory is changed.
TASK_ROOT="${LAMBDA_TASK_ROOT:-/var/task}"
export PYTHONPATH="${TASK_ROOT}${PYTHONPATH:+:${PYTHONPATH}}"

if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie /usr/bin/python3 -m awslambdaric "$@"
else
  exec /usr/bin/python3 -m awslambdaric "$@"
fi
