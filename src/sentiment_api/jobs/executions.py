"""The jobs' state machine (AWS Step Functions), as the job functions use it: start a job fanned
out, tell whether its execution still runs, stop it. :class:`Executions` owns the Step
Functions client of the functions that need one (the sentiment job starts executions, the jobs
API stops them), as :class:`~.storage.JobStore` owns their S3 client; it never creates one.

An execution is named by the job's run id (:func:`.fanout.run_id`), so that the one job never
runs twice at once: Step Functions refuses a second ``StartExecution`` of a name it has seen in
the last 90 days (``ExecutionAlreadyExists``; with the same input while the first runs, it
answers the first's ARN instead), which is what makes a duplicate S3 event harmless.
"""

from __future__ import annotations

from typing import Any

STATUSES = frozenset({"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"})
"""The statuses of an execution (Step Functions API reference, ``DescribeExecution``)."""


class Executions:
    """The executions of one state machine.

    Args:
        sfn: a boto3 Step Functions client.
        state_machine_arn: the state machine's ARN
            (``arn:<partition>:states:<region>:<account>:stateMachine:<name>``).

    Every method may raise ``botocore.exceptions.ClientError`` or ``BotoCoreError`` for a
    Step Functions failure other than the ones it documents.
    """

    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        self.sfn = sfn
        self.state_machine_arn = state_machine_arn

    def arn(self, name: str) -> str:
        """The ARN execution ``name`` of this state machine has, run or not:
        ``arn:<partition>:states:<region>:<account>:execution:<machine name>:<name>``."""
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name

    def start(self, name: str, payload: str) -> bool:
        """Start execution ``name`` with input ``payload`` (JSON, at most 256 KiB).

        Returns:
            True if this call started it; False if an execution of that name exists already
            (a duplicate: the one job is run once).
        """
        try:
            self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=payload
            )
        except self.sfn.exceptions.ExecutionAlreadyExists:
            return False
        return True

    def status(self, arn: str) -> str | None:
        """The status of execution ``arn`` (one of :data:`STATUSES`), None if there is no such
        execution."""
        try:
            status: str = self.sfn.describe_execution(executionArn=arn)["status"]
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None
        return status

    def stop(self, arn: str, error: str, cause: str) -> None:
        """Stop execution ``arn``, with ``error`` and ``cause`` in its history. No state runs
        after it; invocations in flight finish on their own (Step Functions does not stop a
        Lambda invocation). Stopping an execution that has ended does nothing.

        Raises:
            botocore.exceptions.ClientError: ``ExecutionDoesNotExist``: there is no such
                execution.
        """
        self.sfn.stop_execution(executionArn=arn, error=error, cause=cause)
