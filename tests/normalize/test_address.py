"""ADDRESS (amc_normalize.address): the tokenizer and ASCII fast paths equal the general rule."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.address import _DELIMITERS, tokenize
from amc_normalize.common import compile_batch_hash_function, kernel_hash_function
from amc_normalize.core import get_rule
from amc_normalize.registry import address_tables
from tests.normalize.fast_paths import DIGEST, PROFILE, assert_fast_paths_agree, values

COUNTRIES = sorted(SUPPORTED_COUNTRIES)
WORDS = sorted({word for table in address_tables().values() for word, _ in table})
# Street lines made of table words (any case), numbers and noise, joined by the delimiters.
word = st.one_of(
    st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.lower(), w.title()])),
    st.from_regex(r"[0-9]{1,4}[A-Za-z]?", fullmatch=True),
    st.sampled_from(["12-A", "#5", "APT#5B", "C/O", "c/o", "St.", "N.W.", "Straße", "ÉCOLE"]),
)
separator = st.sampled_from([" ", ", ", ",", ".", "  ", "\t", "(", ")", "!", "\x1c"])
lines = st.lists(st.tuples(word, separator), max_size=8).map(lambda pairs: "".join(w + s for w, s in pairs))


@PROFILE
@example(value="C/O John (rear) 5 W. 3rd Ave", cc="US")
@given(value=values, cc=st.sampled_from(COUNTRIES))
def test_tokenizer_fast_path_equals_regex(value: str, cc: str) -> None:
    upper = value.strip().upper()
    assert tokenize(value) == [t for t in _DELIMITERS.split(upper) if t]


@PROFILE
@example(value="123 North Main Street, Apt. #5B", cc="US")
@example(value="12-A Elm Rd.", cc="US")
@example(value="Hauptstraße 5", cc="DE")
@example(value="a\x1cb c/o d", cc="GB")
@given(value=st.one_of(values, lines), cc=st.sampled_from(COUNTRIES))
def test_fast_paths_equal_kernel(value: str, cc: str) -> None:
    assert_fast_paths_agree(get_rule("ADDRESS", cc), value)


@PROFILE
@example(batch=["123 North Main Street", "", "5 W. 3rd Ave", "   ", "12-A Elm Rd."], cc="US")
@example(batch=["Flat 1, High St", "c/o Smith, 2 Low Rd", DIGEST, "Rue de l'Église 3"], cc="GB")
@given(
    batch=st.lists(st.one_of(lines, values, st.just(DIGEST), st.just("")), max_size=12),
    cc=st.sampled_from(COUNTRIES),
)
def test_batch_equals_kernel(batch: list[str], cc: str) -> None:
    """The whole-batch word replacement (every token of the batch at once, the separators as tokens)
    gives each value's digest, whatever mix of plain, `-`/`#`/`C/O`, blank and non-ASCII lines."""
    rule = get_rule("ADDRESS", cc)
    slow = kernel_hash_function(rule.kernel)
    assert compile_batch_hash_function(rule)(batch) == [slow(v) for v in batch]
