"""The job store's reading of S3's answers, on botocore's own Stubber (no moto, no network):
without a bucket-wide ``s3:ListBucket`` (issue 20, item 7), S3 answers a read of a missing
key with 403, and the store must take it as "not there", as it takes a 404."""

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from sentiment_api.errors import InputMissingError
from sentiment_api.jobs import storage

BUCKET = "sentiment-jobs-test"
JOB_ID = "0" * 32
INPUT = f"input/{JOB_ID}/reviews.txt"


@pytest.fixture
def stubbed() -> Iterator[tuple[storage.JobStore, Stubber]]:
    s3 = boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(s3) as stubber:
        yield storage.JobStore(s3, BUCKET), stubber
        stubber.assert_no_pending_responses()


# What S3 answers a GetObject / HeadObject of a key that is not there: with s3:ListBucket a
# 404 (NoSuchKey; a HEAD's bare status), without it a 403 (AccessDenied; a HEAD's bare 403).
GET_MISSING = [("NoSuchKey", 404), ("AccessDenied", 403)]
HEAD_MISSING = [("404", 404), ("403", 403)]


@pytest.mark.parametrize(("code", "status"), GET_MISSING)
def test_a_missing_job_record_or_summary_is_none(stubbed, code, status):
    store, stubber = stubbed
    stubber.add_client_error("get_object", code, http_status_code=status)
    stubber.add_client_error("get_object", code, http_status_code=status)

    assert store.get_job(JOB_ID) is None
    assert store.get_summary(INPUT) is None


@pytest.mark.parametrize(("code", "status"), HEAD_MISSING)
def test_a_missing_upload_is_none(stubbed, code, status):
    store, stubber = stubbed
    stubber.add_client_error("head_object", code, http_status_code=status)

    assert store.head_input(INPUT) is None


@pytest.mark.parametrize(("code", "status"), GET_MISSING)
def test_a_missing_input_is_input_missing(stubbed, code, status):
    store, stubber = stubbed
    stubber.add_client_error("get_object", code, http_status_code=status)

    with pytest.raises(InputMissingError):
        store.open_input(INPUT)


@pytest.mark.parametrize(("code", "status"), [("InternalError", 500), ("SlowDown", 503)])
def test_any_other_s3_error_is_raised(stubbed, code, status):
    store, stubber = stubbed
    stubber.add_client_error("get_object", code, http_status_code=status)
    stubber.add_client_error("head_object", code, http_status_code=status)

    with pytest.raises(ClientError):
        store.get_job(JOB_ID)
    with pytest.raises(ClientError):
        store.head_input(INPUT)
