"""Where the stack finds what `deploy/build.sh` prepared (no Docker bundling at synth time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = "deploy/build.sh"


def additional_python_modules(wheels_uri: str, wheels: list[str]) -> str:
    """Glue's `--additional-python-modules` value: the wheels under `wheels_uri` (ends in /), in order."""
    return ",".join(f"{wheels_uri}{wheel}" for wheel in wheels)


class BuildOutputMissingError(RuntimeError):
    """The build output the stack deploys is missing: run deploy/build.sh first."""


@dataclass(frozen=True)
class BuildPaths:
    lambda_dir: Path
    glue_dir: Path
    web_dir: Path

    @property
    def glue_wheels(self) -> list[str]:
        """Wheel file names for --additional-python-modules, library first (sorted otherwise)."""
        names = sorted(p.name for p in (self.glue_dir / "wheels").glob("*.whl"))
        return sorted(names, key=lambda n: not n.startswith("amc_uploader-"))

    @classmethod
    def from_repo(cls, root: Path = REPO_ROOT) -> BuildPaths:
        """The build output under `root`; `web/dist` when built, else the placeholder page."""
        build = root / "deploy" / "build"
        web_dist = root / "web" / "dist"
        paths = cls(
            lambda_dir=build / "lambda",
            glue_dir=build / "glue",
            web_dir=web_dist if (web_dist / "index.html").is_file() else build / "web-placeholder",
        )
        paths.check()
        return paths

    def check(self) -> None:
        missing = [
            str(p)
            for p in (self.lambda_dir, self.glue_dir / "amc_transformations.py", self.web_dir / "index.html")
            if not p.exists()
        ]
        if not self.glue_wheels:
            missing.append(str(self.glue_dir / "wheels" / "*.whl"))
        if missing:
            raise BuildOutputMissingError(
                f"build output missing: {', '.join(missing)}; run {BUILD_SCRIPT} from the repository root"
            )
