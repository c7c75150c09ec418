"""Every corpus case, dropped into the deployed pipeline, ends in its expected outcome.

All cases are dropped at once and their outcomes collected in one pass; each case is then its
own test. Cases with their own size limit run with the function's MAX_INPUT_BYTES set to it
through the Lambda API for their batch, and set back afterwards.
"""

from __future__ import annotations

import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Outcome, OutcomeTimeout, Pipeline
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase, load_corpus
from providers import Connection
from tests.support.books import take_books
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

CASES = load_corpus()
WAIT_SECONDS = 90.0


def set_input_limit(lambda_client: LambdaClient, function_name: str, limit: int) -> None:
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    variables = config.get("Environment", {}).get("Variables", {})
    if variables.get("MAX_INPUT_BYTES") == str(limit):
        return
    lambda_client.update_function_configuration(
        FunctionName=function_name,
        Environment={"Variables": variables | {"MAX_INPUT_BYTES": str(limit)}},
    )
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)


def case_key(prefix: str, case: CorpusCase) -> str:
    return f"{prefix}/{case.name}.txt"


Seen = Outcome | OutcomeTimeout  # a case with no outcome in time keeps the timeout's diagnosis


def run_batch(pipeline: Pipeline, cases: list[CorpusCase], prefix: str) -> dict[str, Seen]:
    def drop_and_wait(case: CorpusCase) -> tuple[str, Seen]:
        key = case_key(prefix, case)
        dropped_at = time.time()
        pipeline.drop(key, case.input_bytes)
        try:
            return case.name, pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
        except OutcomeTimeout as timeout:
            return case.name, timeout

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(drop_and_wait, cases))


@pytest.fixture(scope="module")
def corpus_prefix() -> str:
    return f"corpus-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def corpus_outcomes(
    pipeline: Pipeline, outputs: StackOutputs, connection: Connection, corpus_prefix: str
) -> dict[str, Seen]:
    lambda_client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    prefix = corpus_prefix
    outcomes: dict[str, Seen] = {}
    by_limit = itertools.groupby(
        sorted(CASES, key=lambda c: c.max_bytes), key=lambda c: c.max_bytes
    )
    try:
        for limit, batch in by_limit:
            set_input_limit(lambda_client, outputs.function_name, limit)
            outcomes |= run_batch(pipeline, list(batch), prefix)
    finally:
        set_input_limit(lambda_client, outputs.function_name, DEFAULT_MAX_BYTES)
    return outcomes


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case_ends_in_its_expected_outcome_end_to_end(
    case: CorpusCase, corpus_outcomes: dict[str, Seen]
) -> None:
    outcome = corpus_outcomes[case.name]
    if isinstance(outcome, OutcomeTimeout):
        pytest.fail(str(outcome))
    if not case.rejected:
        assert outcome.kind == "output"
        assert outcome.body == case.expected_output
    else:
        assert outcome.kind == "rejected"
        report = outcome.report()
        assert (report["error_code"], report["line"], report["field"]) == (
            case.error_code,
            case.error_line,
            case.error_field,
        )


CORPUS = Scenario(
    "corpus-end-to-end",
    title="The input contract's corpus, end to end",
    done=f"dropped all {len(CASES)} corpus cases (tests/corpus/) into the deployed pipeline",
    asserts=(
        "every case ended as expected: each output byte for byte, each rejection report with "
        "its error code, line and field"
    ),
)


@pytest.mark.reliability(CORPUS)
def test_the_corpus_is_recorded_for_the_reliability_report(
    corpus_outcomes: dict[str, Seen],
    corpus_prefix: str,
    pipeline: Pipeline,
    outputs: StackOutputs,
    connection: Connection,
    reliability: Evidence,
) -> None:
    """Every case ends as expected, counted from what the destination holds for the report."""
    rejected = sum(case.rejected for case in CASES)
    reliability.figure("expected outputs", len(CASES) - rejected)
    reliability.figure("expected rejections", rejected)
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    reliability.account(
        take_books(
            pipeline,
            {case_key(corpus_prefix, case): expected_summary(case) for case in CASES},
            summarize=summary,
            failure_messages=queue_messages(
                sqs, (outputs.event_dlq_url, outputs.function_failure_queue_url)
            ),
        )
    )
    assert sorted(corpus_outcomes) == sorted(case.name for case in CASES)
    timed_out = [name for name, seen in corpus_outcomes.items() if isinstance(seen, OutcomeTimeout)]
    assert timed_out == []
    wrong = [case.name for case in CASES if not as_expected(case, corpus_outcomes[case.name])]
    assert wrong == []


Summary = tuple[str, object]


def expected_summary(case: CorpusCase) -> Summary:
    if not case.rejected:
        return "output", case.expected_output
    return "rejected", (case.error_code, case.error_line, case.error_field)


def summary(outcome: Outcome) -> Summary:
    if outcome.kind == "output":
        return "output", outcome.body
    report = outcome.report()
    return "rejected", (report["error_code"], report["line"], report["field"])


def as_expected(case: CorpusCase, seen: Seen) -> bool:
    return isinstance(seen, Outcome) and summary(seen) == expected_summary(case)
