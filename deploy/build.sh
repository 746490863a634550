#!/usr/bin/env bash
# Docker-free build of everything the CDK stack deploys, into deploy/build/:
#   wheel/        the library wheel (amc_uploader-*.whl)
#   lambda/       the Lambda bundle: library + API runtime deps for CPython 3.12 manylinux x86_64 (no boto3:
#                 the runtime has it) + deploy/lambdas/*.py (handlers api.handler, uploader.handler, ...)
#   glue/         the Glue 5.0 files: amc_transformations.py + wheels/ (library + deps for CPython 3.11,
#                 minus what Glue ships), installed by the job through --additional-python-modules
#   web-placeholder/  a one-page stand-in deployed when web/ has no package.json yet
#   web/dist      (in web/) built with npm ci && npm run build when web/package.json exists
#   glue-job/additional-python-modules.txt  the --additional-python-modules value of a standalone Glue job
#                 whose files were copied to $GLUE_CODE_URI (default s3://YOUR_BUCKET/glue/)
#   publish/      with --publish: the one-click CloudFormation template (template.json, no CDK bootstrap)
#                 and assets/ to copy to an S3 bucket (deploy/cdk/publish.py; prints the copy command and
#                 the console link; --bucket/--prefix/--region only fill in those printed commands)
# Idempotent: each step hashes its inputs into build/.stamps/ and is skipped when nothing changed;
# the Lambda and Glue dependency sets are cached in build/.cache/ and reused while the requirements hold.
# pip/npm output goes to build/logs/<step>.log and is shown only when a step fails.
# Usage: deploy/build.sh [--force] [--skip-web] [--publish [--bucket NAME] [--prefix PREFIX/] [--region R]]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
OUT="$ROOT/deploy/build"
STAMPS="$OUT/.stamps"
GLUE_CODE_URI="${GLUE_CODE_URI:-s3://YOUR_BUCKET/glue/}"
FORCE=0
SKIP_WEB=0
PUBLISH=0
PUBLISH_ARGS=()
usage() {
  echo "usage: deploy/build.sh [--force] [--skip-web] [--publish [--bucket NAME] [--prefix PREFIX/] [--region R]]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --skip-web) SKIP_WEB=1 ;;
    --publish) PUBLISH=1 ;;
    --bucket | --prefix | --region)
      [ $# -ge 2 ] || usage
      PUBLISH_ARGS+=("$1" "$2")
      shift ;;
    *) usage ;;
  esac
  shift
done
[ ${#PUBLISH_ARGS[@]} -eq 0 ] || [ "$PUBLISH" -eq 1 ] || usage

# Lambda runtime python3.12 on x86_64 (the stack sets Architecture.X86_64 to match).
LAMBDA_PLATFORM=(--platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.12 --implementation cp)
# Glue 5.0: Python 3.11 on Amazon Linux 2023 x86_64.
GLUE_PLATFORM=(--platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.11 --implementation cp)
# Extra runtime deps of the API Lambda beyond the library's own (boto3 comes with the Lambda runtime).
LAMBDA_EXTRA_REQS=("fastapi>=0.110" "mangum>=0.17" "pyjwt[crypto]>=2.8")
# Already in the Lambda runtime / Glue 5.0 image; not shipped.
RUNTIME_PROVIDED_RE='^(boto3|botocore|s3transfer|jmespath|urllib3|python_dateutil|six)-'

log() { printf '==> %s\n' "$*" >&2; }
trap 'printf "deploy/build.sh: failed at line %s (exit %s)\n" "$LINENO" "$?" >&2' ERR
fail() { printf 'deploy/build.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || fail "python not found at $PY (run ./dev setup first, or set PYTHON)"
mkdir -p "$STAMPS" "$OUT/logs"

# run_logged STEP CMD...: run CMD with its output in logs/STEP.log; on failure show the log's tail and stop.
run_logged() {
  local step="$1"; shift
  if ! "$@" >>"$OUT/logs/$step.log" 2>&1; then
    grep -v "^WARNING: Location 'file://" "$OUT/logs/$step.log" | tail -n 40 >&2
    fail "$step failed: $* (full log: deploy/build/logs/$step.log)"
  fi
}

# hash_inputs PATH...: one digest over the content and names of the files under PATHs (missing paths skipped).
hash_inputs() {
  local existing=()
  for p in "$@"; do [ -e "$p" ] && existing+=("$p"); done
  {
    printf '%s\n' "$@"
    if [ ${#existing[@]} -gt 0 ]; then
      find "${existing[@]}" -type f \
        -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -not -path '*/node_modules/*' \
        -not -path 'web/dist/*' -not -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    fi
  } | sha256sum | cut -c1-32
}

# up_to_date NAME DIGEST: true when the step's last successful run had the same inputs.
up_to_date() { [ "$FORCE" -eq 0 ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp() { printf '%s\n' "$2" >"$STAMPS/$1"; }

size_of() { du -sh "$1" 2>/dev/null | cut -f1; }

# 1. library wheel
wheel_digest="$(hash_inputs pyproject.toml src deploy/build.sh)"
if up_to_date wheel "$wheel_digest" && ls "$OUT"/wheel/amc_uploader-*.whl >/dev/null 2>&1; then
  log "library wheel: up to date"
else
  log "library wheel: building"
  rm -rf "$OUT/wheel.tmp" && mkdir -p "$OUT/wheel.tmp"
  : >"$OUT/logs/wheel.log"
  run_logged wheel "$PY" -m pip wheel --no-deps --disable-pip-version-check -w "$OUT/wheel.tmp" .
  rm -rf "$OUT/wheel" && mv "$OUT/wheel.tmp" "$OUT/wheel"
  stamp wheel "$wheel_digest"
fi
WHEEL="$(ls "$OUT"/wheel/amc_uploader-*.whl | head -n1)"

# The library's unconditional requirements (no extras), read from the wheel's METADATA.
library_requirements() {
  "$PY" - "$WHEEL" <<'EOF'
import sys
import zipfile
from email.parser import Parser

with zipfile.ZipFile(sys.argv[1]) as zf:
    meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
    msg = Parser().parsestr(zf.read(meta).decode())
for req in msg.get_all("Requires-Dist") or []:
    if "extra ==" not in req:
        print(req.split(";")[0].strip())
EOF
}

# The dependency sets change far less often than the library: each is cached under .cache/, keyed by
# the requirement list, so a source change only rebuilds the wheel and swaps it in.
mapfile -t LIB_REQS < <(library_requirements | grep -viE '^boto3([<>=!~ ]|$)')
# The command line (typer, rich and its pygments) is for people at a shell: the Lambda functions never run
# it. (Glue installs the wheel with its requirements, so its wheel set keeps them.)
mapfile -t LAMBDA_LIB_REQS < <(printf '%s\n' "${LIB_REQS[@]}" | grep -viE '^(typer|rich)([<>=!~ [;]|$)')
reqs_digest="$(printf '%s\n' "${LIB_REQS[@]}" "${LAMBDA_EXTRA_REQS[@]}" | sha256sum | cut -c1-16)"
script_digest="$(hash_inputs deploy/build.sh)"

# 2. Lambda bundle
lambda_deps_digest="lambda-deps-$reqs_digest-$script_digest"
if ! up_to_date lambda-deps "$lambda_deps_digest" || [ ! -d "$OUT/.cache/lambda-deps" ]; then
  log "lambda deps: installing for CPython 3.12 manylinux2014_x86_64"
  rm -rf "$OUT/.cache/lambda-deps.tmp" && mkdir -p "$OUT/.cache/lambda-deps.tmp"
  : >"$OUT/logs/lambda.log"
  run_logged lambda "$PY" -m pip install --disable-pip-version-check --no-compile \
    --target "$OUT/.cache/lambda-deps.tmp" "${LAMBDA_PLATFORM[@]}" "${LAMBDA_LIB_REQS[@]}" "${LAMBDA_EXTRA_REQS[@]}"
  rm -rf "$OUT/.cache/lambda-deps.tmp/bin"
  find "$OUT/.cache/lambda-deps.tmp" -name '__pycache__' -type d -prune -exec rm -rf {} +
  rm -rf "$OUT/.cache/lambda-deps" && mv "$OUT/.cache/lambda-deps.tmp" "$OUT/.cache/lambda-deps"
  stamp lambda-deps "$lambda_deps_digest"
fi
lambda_digest="$(hash_inputs "${WHEEL#"$ROOT"/}" deploy/lambdas)-$wheel_digest-$lambda_deps_digest"
if up_to_date lambda "$lambda_digest" && [ -d "$OUT/lambda" ]; then
  log "lambda bundle: up to date"
else
  log "lambda bundle: library wheel + handlers onto the cached dependencies"
  rm -rf "$OUT/lambda.tmp" && cp -a "$OUT/.cache/lambda-deps" "$OUT/lambda.tmp"
  run_logged lambda "$PY" -m pip install --disable-pip-version-check --no-compile --no-deps \
    --target "$OUT/lambda.tmp" "${LAMBDA_PLATFORM[@]}" "$WHEEL"
  # Development-only parts of the wheel: the AMC sandbox server, the CLI and the local stack.
  rm -rf "$OUT/lambda.tmp/amc_sandbox" "$OUT/lambda.tmp/amc_uploader/commands" "$OUT/lambda.tmp/amc_uploader/local" \
    "$OUT/lambda.tmp/amc_uploader/cli.py" "$OUT/lambda.tmp/amc_uploader/__main__.py" "$OUT/lambda.tmp/bin"
  handlers=0
  for f in deploy/lambdas/*.py; do
    [ -e "$f" ] || continue
    cp "$f" "$OUT/lambda.tmp/" && handlers=$((handlers + 1))
  done
  [ "$handlers" -gt 0 ] || log "lambda bundle: no deploy/lambdas/*.py yet; bundle has the library only"
  rm -rf "$OUT/lambda" && mv "$OUT/lambda.tmp" "$OUT/lambda"
  stamp lambda "$lambda_digest"
fi

# 3. Glue files: entry script + wheel set for --additional-python-modules
glue_deps_digest="glue-deps-$reqs_digest-$script_digest"
if ! up_to_date glue-deps "$glue_deps_digest" || [ ! -d "$OUT/.cache/glue-wheels" ]; then
  log "glue deps: downloading wheels for CPython 3.11 manylinux2014_x86_64"
  rm -rf "$OUT/.cache/glue-wheels.tmp" && mkdir -p "$OUT/.cache/glue-wheels.tmp"
  : >"$OUT/logs/glue.log"
  run_logged glue "$PY" -m pip download --disable-pip-version-check --dest "$OUT/.cache/glue-wheels.tmp" \
    "${GLUE_PLATFORM[@]}" "${LIB_REQS[@]}"
  find "$OUT/.cache/glue-wheels.tmp" -maxdepth 1 -type f -printf '%f\n' | grep -E "$RUNTIME_PROVIDED_RE" \
    | while read -r w; do rm -f "$OUT/.cache/glue-wheels.tmp/$w"; done || true
  rm -rf "$OUT/.cache/glue-wheels" && mv "$OUT/.cache/glue-wheels.tmp" "$OUT/.cache/glue-wheels"
  stamp glue-deps "$glue_deps_digest"
fi
glue_digest="$(hash_inputs "${WHEEL#"$ROOT"/}" glue_entry)-$wheel_digest-$glue_deps_digest"
if up_to_date glue "$glue_digest" && [ -d "$OUT/glue/wheels" ]; then
  log "glue files: up to date"
else
  log "glue files: library wheel + entry script + cached dependency wheels"
  rm -rf "$OUT/glue.tmp" && mkdir -p "$OUT/glue.tmp"
  cp -a "$OUT/.cache/glue-wheels" "$OUT/glue.tmp/wheels"
  cp "$WHEEL" "$OUT/glue.tmp/wheels/"
  if [ -f glue_entry/amc_transformations.py ]; then
    cp glue_entry/amc_transformations.py "$OUT/glue.tmp/amc_transformations.py"
  else
    log "glue files: glue_entry/amc_transformations.py missing; deploying a stub that fails clearly"
    cat >"$OUT/glue.tmp/amc_transformations.py" <<'EOF'
"""Placeholder: glue_entry/amc_transformations.py did not exist when deploy/build.sh ran."""

raise SystemExit("amc_transformations.py was not built: run deploy/build.sh after glue_entry/ exists")
EOF
  fi
  rm -rf "$OUT/glue" && mv "$OUT/glue.tmp" "$OUT/glue"
  stamp glue "$glue_digest"
fi

# 4. Web app (or a placeholder page so the stack always has something to deploy)
mkdir -p "$OUT/web-placeholder"
cat >"$OUT/web-placeholder/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AMC Uploader</title></head>
<body><p>The web app was not built when this stack was synthesized (web/package.json missing).</p></body></html>
EOF
if [ "$SKIP_WEB" -eq 1 ]; then
  log "web app: skipped (--skip-web); the stack uses web/dist if built, else deploy/build/web-placeholder/"
elif [ -f web/package.json ]; then
  web_digest="$(hash_inputs web deploy/build.sh)"
  newer_sources() {
    find web -newer web/dist/index.html -type f -not -path 'web/node_modules/*' -not -path 'web/dist/*' \
      -not -path 'web/test-results/*' -print -quit
  }
  if up_to_date web "$web_digest" && [ -f web/dist/index.html ]; then
    log "web app: up to date"
  elif [ "$FORCE" -eq 0 ] && [ -f web/dist/index.html ] && [ -z "$(newer_sources)" ]; then
    # Built just before (./dev builds the web app before calling this script): adopt that build.
    log "web app: web/dist is newer than its sources"
    stamp web "$web_digest"
  else
    log "web app: npm ci && npm run build"
    : >"$OUT/logs/web.log"
    if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
      run_logged web npm --prefix web ci --no-audit --no-fund
    fi
    run_logged web npm --prefix web run build
    [ -f web/dist/index.html ] || fail "web build produced no web/dist/index.html"
    stamp web "$web_digest"
  fi
else
  log "web app: web/package.json missing; the stack deploys deploy/build/web-placeholder/"
fi

log "sizes:"
printf '  %-28s %s\n' "library wheel" "$(size_of "$WHEEL") ($(basename "$WHEEL"))" >&2
printf '  %-28s %s unzipped (limit 250M)\n' "lambda bundle" "$(size_of "$OUT/lambda")" >&2
printf '  %-28s %s (%s wheels)\n' "glue wheels" "$(size_of "$OUT/glue/wheels")" \
  "$(find "$OUT/glue/wheels" -name '*.whl' | wc -l)" >&2
if [ -f web/dist/index.html ]; then printf '  %-28s %s\n' "web/dist" "$(size_of web/dist)" >&2; fi

# The standalone Glue job's --additional-python-modules value, from the function the stack uses.
mkdir -p "$OUT/glue-job"
"$PY" - "$ROOT/deploy/cdk/amc_infra/paths.py" "$OUT/glue" "$GLUE_CODE_URI" \
  >"$OUT/glue-job/additional-python-modules.txt" <<'EOF'
import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location("amc_infra_paths", sys.argv[1])
assert spec and spec.loader
paths = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = paths  # dataclasses look their module up
spec.loader.exec_module(paths)
glue = Path(sys.argv[2])
root = sys.argv[3] if sys.argv[3].endswith("/") else sys.argv[3] + "/"
wheels = paths.BuildPaths(lambda_dir=glue, glue_dir=glue, web_dir=glue).glue_wheels
print(paths.additional_python_modules(f"{root}wheels/", wheels))
EOF
log "standalone Glue job: aws s3 sync deploy/build/glue ${GLUE_CODE_URI%/}/, then --additional-python-modules"
printf '  %s\n' "$(cat "$OUT/glue-job/additional-python-modules.txt")" >&2
printf '  (saved in deploy/build/glue-job/additional-python-modules.txt; GLUE_CODE_URI=s3://bucket/prefix/ sets the root)\n' >&2

if [ "$PUBLISH" -eq 1 ]; then
  log "one-click template: deploy/cdk/publish.py -> deploy/build/publish/"
  "$PY" deploy/cdk/publish.py --out "$OUT/publish" "${PUBLISH_ARGS[@]}"
fi
