"""The report's section texts: Jinja2 templates an office can edit.

The defaults are in analytics/report/templates/<slug>.txt.j2; a deployment
overrides any of them by putting a file of the same name in the folder of the
`report_templates_dir` setting (OMBUDS_ANALYTICS_REPORT_TEMPLATES_DIR). A text is
plain text: paragraphs are separated by a blank line. Templates run sandboxed
(they can read the context, not call into the service), and an unknown name in
one is an error rather than a silent blank in a published report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.loaders import BaseLoader
from jinja2.sandbox import SandboxedEnvironment

from ombuds_shared.errors import AppError


class Texts:
    """Renders section texts, an office's own templates before the defaults."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[BaseLoader] = [PackageLoader("analytics.report", "templates")]
        if override_dir is not None:
            loaders.insert(0, FileSystemLoader(override_dir))
        # Plain text, escaped by each renderer (HTML) or not needing it (PDF, DOCX).
        self.environment = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def paragraphs(self, slug: str, context: dict[str, Any]) -> list[str]:
        """The section's text as paragraphs; none when no template exists for it."""
        name = f"{slug}.txt.j2"
        try:
            text = self.environment.get_template(name).render(context)
        except TemplateNotFound:
            return []
        except TemplateError as error:
            raise AppError(
                f"The report text template {name} cannot be rendered: {error}"
            ) from error
        blocks = (" ".join(block.split()) for block in text.split("\n\n"))
        return [block for block in blocks if block]
