"""The CLI's conventions, checked on every command of the real click tree (`typer.main.get_command`): one
meaning per short flag, fixed value sets as choices, readable help, `-V`, completion, `--force` before an
output file is replaced, and every error on one line at any terminal width."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from amc_client.models import ConsentType, DataType
from amc_normalize import SUPPORTED_COUNTRIES, PiiType
from amc_uploader import __version__
from amc_uploader.cli import app
from amc_uploader.commands.options import COUNTRIES, Choices, Countries

Path_ = tuple[str, ...]


def _walk() -> Iterator[tuple[Path_, Any, typer.Context]]:
    """Every command and group of the app with a context chained like a real invocation's."""

    def visit(path: Path_, command: Any, parent: typer.Context | None) -> Iterator[tuple[Path_, Any, Any]]:
        name = path[-1] if path else "amc-uploader"
        ctx = typer.Context(command, info_name=name, parent=parent, **command.context_settings)
        yield path, command, ctx
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from visit((*path, sub_name), sub, ctx)

    yield from visit((), typer.main.get_command(app), None)


def _options(command: Any, ctx: typer.Context) -> list[Any]:
    return [p for p in command.get_params(ctx) if p.param_type_name == "option"]


def _choices_of(param: Any) -> Choices | None:
    parser = param.type_descriptor.parameter_info.parser
    return parser if isinstance(parser, Choices) else None


def _invoke(args: list[str], **kwargs: Any) -> Any:
    return CliRunner().invoke(app, args, **kwargs)


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_the_walk_reaches_every_command() -> None:
    paths = {" ".join(path) for path, _, _ in _walk()}
    expected = {"normalize", "inspect", "run", "forget", "sandbox", "serve", "demo", "amc accounts"}
    assert expected | {"amc datasets create", "amc uploads create", "amc uploads wait"} <= paths


def test_one_meaning_per_short_flag() -> None:
    longs_of: dict[str, set[str]] = {}
    shorts_of: dict[str, set[str]] = {}
    for path, command, ctx in _walk():
        for param in _options(command, ctx):
            shorts = [o for o in param.opts if not o.startswith("--")]
            longs = [o for o in param.opts if o.startswith("--")]
            assert len(longs) == 1, (path, param.opts)
            for short in shorts:
                longs_of.setdefault(short, set()).add(longs[0])
            shorts_of.setdefault(longs[0], set()).update(shorts or ["(none)"])
    clashes = {short: longs for short, longs in longs_of.items() if len(longs) > 1}
    assert clashes == {}
    # The same long flag never has a short form in one command and another (or none) elsewhere.
    uneven = {long: shorts for long, shorts in shorts_of.items() if len(shorts) > 1 and shorts - {"(none)"}}
    assert uneven == {}
    assert (
        longs_of["-c"] == {"--country"} and longs_of["-h"] == {"--help"} and longs_of["-V"] == {"--version"}
    )


#: Options whose values are a fixed set: a regression to a free string fails here.
EXPECTED_CHOICES = {
    ("run", "--engine"),
    ("run", "--format"),
    ("run", "--update-strategy"),
    ("run", "--missing-consent"),
    ("normalize", "--missing-consent"),
    ("amc datasets create", "--period"),
    ("amc uploads list", "--status"),
    ("amc uploads create", "--format"),
    ("amc uploads create", "--update-strategy"),
    ("amc uploads create", "--compression"),
    ("demo", "--country"),
}


def _choice_options() -> list[tuple[Path_, Any, Choices, list[Any]]]:
    found = []
    for path, command, ctx in _walk():
        params = command.get_params(ctx)
        for param in _options(command, ctx):
            choices = _choices_of(param)
            if choices is not None:
                found.append((path, param, choices, params))
    return found


def _long(param: Any) -> str:
    return str(next(o for o in param.opts if o.startswith("--")))


def test_every_fixed_value_set_is_a_choice() -> None:
    found = {(" ".join(path), _long(param)) for path, param, _, _ in _choice_options()}
    assert found >= EXPECTED_CHOICES
    countries = {(" ".join(p), "--country") for p, _, c, _ in _choice_options() if isinstance(c, Countries)}
    every_country = {
        (" ".join(path), "--country")
        for path, command, ctx in _walk()
        for param in _options(command, ctx)
        if "--country" in param.opts and path != ("demo",)
    }
    assert countries == every_country and len(every_country) >= 6


def _required_args(params: list[Any], skip: Any, existing: Path) -> list[str]:
    """Values for the required parameters, so that the one under test is the only wrong one."""
    args: list[str] = []
    for param in params:
        if param is skip or not param.required:
            continue
        choices = _choices_of(param)
        value = choices.values[0] if choices else str(existing)
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    return args


@pytest.mark.parametrize(
    ("path", "option"),
    sorted({(" ".join(p), param.opts[0]) for p, param, _, _ in _choice_options()}),
)
def test_a_wrong_value_exits_2_naming_the_choices(path: str, option: str, tmp_path: Path) -> None:
    ((_, param, choices, params),) = [
        found for found in _choice_options() if " ".join(found[0]) == path and found[1].opts[0] == option
    ]
    existing = tmp_path / "exists.txt"
    existing.write_text("a\n")
    outcome = _invoke([*path.split(), option, "not-a-choice", *_required_args(params, param, existing)])
    assert outcome.exit_code == 2, outcome.output
    (line,) = _error_lines(outcome.output)
    assert line.startswith("error: ") and "not-a-choice" in line and option in line
    named = re.findall(r"[A-Za-z0-9_]+", line.partition("not-a-choice")[2])
    assert set(choices.values) <= set(named), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.txt"]


def test_choices_match_any_case_and_countries_take_aliases_and_names() -> None:
    engines = next(c for p, param, c, _ in _choice_options() if p == ("run",) and "--engine" in param.opts)
    assert engines("SPARK") == "spark" and engines(" Local ") == "local"
    assert engines.metavar == "[local|spark]" and engines.complete("s") == ["spark"]
    for given, code in (("us", "US"), ("UK", "GB"), ("gbr", "GB"), ("Deutschland", "DE"), ("BR", "BR")):
        assert COUNTRIES(given) == code
    assert set(COUNTRIES.values) == SUPPORTED_COUNTRIES
    with pytest.raises(typer.BadParameter, match="not a country"):
        COUNTRIES("Narnia")


def test_country_aliases_still_work_on_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email,zip\na@example.com,SW1A 1AA\n", encoding="utf-8")
    report = tmp_path / "report.json"
    for country in ("uk", "GBR", "United Kingdom"):
        outcome = _invoke(
            [
                *["normalize", str(source), str(tmp_path / "out.csv"), "-c", country, "-p", "zip=ZIP"],
                *["-q", "--report", str(report), "--force"],
            ]
        )
        assert outcome.exit_code == 0, outcome.output
        assert json.loads(report.read_text())["country_code"] == "GB"


def _help_pages() -> Iterator[tuple[Path_, str]]:
    for path, _, _ in _walk():
        outcome = _invoke([*path, "--help"], env={"COLUMNS": "100"})
        assert outcome.exit_code == 0, (path, outcome.output)
        yield path, outcome.output


def test_help_has_readable_metavars_and_lists_the_choices() -> None:
    pages = dict(_help_pages())
    for path, page in pages.items():
        assert re.findall(r"<[^>\s]*>", page) == [], (path, page)
    assert "--engine [local|spark]" in pages[("run",)]
    assert "[ADDITIVE|FULL_REPLACE|OVERLAP_REPLACE|OVERLAP_KEEP]" in pages[("amc", "uploads", "create")]
    assert "-p, --pii COLUMN=TYPE" in pages[("normalize",)] and "-f, --force" in pages[("normalize",)]


def test_version_and_completion() -> None:
    for flag in ("-V", "--version"):
        outcome = _invoke([flag])
        assert outcome.exit_code == 0 and outcome.stdout.strip() == __version__
    page = _invoke(["--help"]).output
    assert "--install-completion" in page and "--show-completion" in page
    # What the shell's completion hook asks: the choices of --engine.
    env = {
        **os.environ,
        "_AMC_UPLOADER_COMPLETE": "complete_bash",
        "COMP_WORDS": "amc-uploader run --engine ",
        "COMP_CWORD": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from amc_uploader.cli import app; app(prog_name='amc-uploader')"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == ["local", "spark"], done.stdout + done.stderr


def test_normalize_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\na@example.com\n", encoding="utf-8")
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    base = ["normalize", str(source), str(out), "-c", "US", "-p", "email=EMAIL", "-q"]
    for existing in (out, report):
        existing.write_text("keep me\n")
        outcome = _invoke([*base, "--report", str(report)])
        assert outcome.exit_code == 2
        assert _error_lines(outcome.output) == [f"error: {existing} exists: add --force to overwrite it"]
        assert existing.read_text() == "keep me\n"
        existing.unlink()
    out.write_text("old\n")
    report.write_text("old\n")
    outcome = _invoke([*base, "--report", str(report), "--force"])
    assert outcome.exit_code == 0, outcome.output
    assert out.read_text().startswith("email\n") and json.loads(report.read_text())["rows"] == 1


def test_run_and_forget_refuse_an_existing_report_before_any_work(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\na@example.com\n", encoding="utf-8")
    report = tmp_path / "report.json"
    report.write_text("keep me\n")
    runs = {
        "run": [
            *["run", "-i", str(source), "-c", "US", "-p", "email=EMAIL", "--dataset-id", "d"],
            *["--stage-only", "-o", str(tmp_path / "out"), "--report", str(report)],
        ],
        "forget": [
            *["forget", "-i", str(source), "-c", "US", "-p", "email=EMAIL", "--dry-run"],
            *["--result", str(report)],
        ],
    }
    for args in runs.values():
        outcome = _invoke(args)
        assert outcome.exit_code == 2
        assert _error_lines(outcome.output) == [f"error: {report} exists: add --force to overwrite it"]
        assert report.read_text() == "keep me\n" and not (tmp_path / "out").exists()
    for args in runs.values():
        assert _invoke([*args, "-f"]).exit_code == 0
        assert report.read_text() != "keep me\n"
        report.write_text("keep me\n")


NARROW = {"COLUMNS": "40", "LINES": "10"}


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--engine", "quantum", "-i", "x.csv"],
        ["run", "--no-such-flag"],
        ["normalize", "in.csv", "out.csv"],
        ["normalize", "a-long-folder-name/" * 6 + "customers.csv", "out.csv", "-c", "US", "-p", "e=EMAIL"],
        ["inspect", "in.csv", "-c", "Atlantis"],
        ["amc", "datasets", "create", "d", "--columns", "in.csv", "--period", "weekly"],
        ["demo", "-c", "BR"],
        ["nonsense"],
    ],
    ids=lambda args: " ".join(args[:3])[:30],
)
def test_errors_are_one_line_at_40_columns(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in.csv").write_text("email\na@example.com\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(app, args, env=NARROW)
    assert outcome.exit_code == 2, outcome.output
    (line,) = _error_lines(outcome.output)
    assert line.startswith("error: ")


def test_the_installed_entry_point_prints_one_line_errors_when_not_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "out.csv").write_text("x\n")
    (tmp_path / "in.csv").write_text("email\na@example.com\n", encoding="utf-8")
    for args in (
        ["run", "--update-strategy", "sometimes", "-i", "in.csv"],
        ["normalize", "in.csv", "out.csv", "-c", "US", "-p", "email=EMAIL"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "amc_uploader", *args],
            cwd=tmp_path,
            env={**os.environ, **NARROW},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("error: ") and ("--force" in line or "ADDITIVE, FULL_REPLACE" in line)


@pytest.mark.parametrize(
    ("args", "values"),
    [
        pytest.param(["run", "--type", "a=WEEKDAY"], [t.value for t in DataType], id="run --type"),
        pytest.param(["run", "--consent", "a=MAYBE"], [k.value for k in ConsentType], id="run --consent"),
        pytest.param(["run", "-p", "a=SSN"], [t.value for t in PiiType], id="run --pii"),
        pytest.param(
            ["normalize", "{src}", "{out}", "-p", "a=SSN"], [t.value for t in PiiType], id="normalize --pii"
        ),
        pytest.param(
            ["normalize", "{src}", "{out}", "-p", "a=EMAIL", "--consent", "a=MAYBE"],
            [k.value for k in ConsentType],
            id="normalize --consent",
        ),
        pytest.param(
            ["forget", "-i", "{src}", "-p", "a=SSN", "--dry-run"],
            [t.value for t in PiiType],
            id="forget --pii",
        ),
    ],
)
def test_column_value_pairs_reject_an_unknown_kind_naming_the_kinds(
    args: list[str], values: list[str], tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\nx@example.com\n", encoding="utf-8")
    args = [a.format(src=source, out=tmp_path / "out.csv") for a in args]
    if args[0] == "run":
        args += ["-i", str(source), "--dataset-id", "d", "--dry-run"]
    outcome = _invoke([*args, "-c", "US"])
    assert outcome.exit_code == 2, outcome.output
    (line,) = _error_lines(outcome.output)
    assert line.startswith("error: ") and set(values) <= set(re.findall(r"[A-Z_]+", line)), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_the_upload_format_choices_are_formats_amc_takes() -> None:
    from amc_client.models import UploadFileFormat
    from amc_uploader.commands.amc_cmd import UPLOAD_FORMATS

    kinds = {UploadFileFormat.of(v).model_dump_json(exclude_none=True) for v in UPLOAD_FORMATS.values}
    assert len(kinds) == len(UPLOAD_FORMATS.values) == 3


def test_a_group_without_a_command_prints_its_help() -> None:
    for path in ([], ["amc"], ["amc", "uploads"]):
        outcome = CliRunner().invoke(app, path)
        assert outcome.exit_code == 2
        assert outcome.stdout.startswith("Usage: ") and "Commands:" in outcome.stdout
