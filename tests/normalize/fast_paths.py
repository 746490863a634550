"""Differential checks shared by the per-type tests: every fast path of a rule equals its slow rule."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from amc_normalize.common import compile_batch_hash_function, compile_hash_function, kernel_hash_function
from amc_normalize.core import classify_missing
from amc_normalize.rule import Rule
from amc_normalize.types import Outcome

PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ascii_text = st.text(alphabet=st.characters(codec="ascii"), max_size=40)
realistic = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.,#'/@+()äöüßøæéÎ")
    ),
    max_size=40,
)
values = st.one_of(ascii_text, realistic, st.text(max_size=40))
#: A character every rule with an ASCII shortcut inside its kernel deletes (combining acute accent):
#: appended, it forces the kernel's general (Unicode) path.
FORCE_UNICODE = "\u0301"
DIGEST = "0123456789abcdef" * 4


def assert_fast_paths_agree(rule: Rule, value: str) -> None:
    """The rule's ASCII kernel, ASCII table, own hash and batch functions, and the compiled hash
    function agree with the kernel itself wrapped in the common rules (the slow form)."""
    slow = kernel_hash_function(rule.kernel)
    if value.isascii():
        if rule.ascii_kernel is not None:
            assert rule.ascii_kernel(value.encode()).decode() == rule.kernel(value)
        if rule.ascii_table is not None:
            assert value.encode().translate(rule.ascii_table).replace(b"\0", b"").decode() == rule.kernel(
                value
            )
    if rule.hash_function is not None:
        assert rule.hash_function(value) == slow(value)
    assert compile_hash_function(rule)(value) == slow(value)
    batch_function = compile_batch_hash_function(rule)
    mixed = [value, None, 75236, 1.0, value.upper(), " " + value]
    assert batch_function(mixed) == [slow(v) for v in mixed]
    # Batches of text only take the whole-batch paths (one translate); with the separator of
    # `common.translate_batch` or a lone surrogate in a value, they go value by value.
    texts = [value, value.upper(), "", DIGEST, DIGEST.upper(), " " + value, value[::-1], value + "é"]
    for batch in (texts, [*texts, "a\x01b"], [*texts, value + "\ud800"], texts[:1]):
        assert batch_function(batch) == [slow(v) for v in batch]
    # Repeated values (a rule with `repeats` hashes each distinct one once): each prehashed cell still
    # comes back as the very object it was.
    repeated = [*texts, None, *((" " + t)[1:] for t in texts), *texts, None]  # equal, other objects
    got = batch_function(repeated)
    assert got == [slow(v) for v in repeated]
    assert [d is v for d, v in zip(got, repeated, strict=True)] == [slow(v) is v for v in repeated]
    for batch in (mixed, texts, [*texts, "a\x01b"], [*texts, value + "\ud800"], texts[:1]):
        assert_outcomes_agree(rule, batch)


def assert_outcomes_agree(rule: Rule, batch: list[object]) -> None:
    """The rule's batch outcome function gives the slow digests, and each reason it names is that of
    an invalid value, the very one `classify_missing` gives."""
    if rule.batch_outcome_function is None:
        return
    slow = kernel_hash_function(rule.kernel)
    digests, reasons = rule.batch_outcome_function(list(batch))
    assert digests == [slow(v) for v in batch]
    for at, reason in reasons.items():
        assert digests[at] is None
        assert classify_missing(rule, batch[at]) == (Outcome.INVALID, reason)
