"""axe-core, injected into a page the browser tests have open, and its serious and critical findings.

axe-core comes from the npm registry (`make browser-deps` installs it into node_modules/ at the project root).
The page's context must be opened with `bypass_csp=True`: the portal's Content-Security-Policy allows only
its own scripts (`script-src 'self'`), so the injected script would otherwise be refused. The bypass is for
the accessibility check only; the site's policy stays as it is.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[4]
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def blocking_violations(page) -> list[dict]:
    """axe.run() on the whole page; the violations of serious or critical impact, each with its rule, impact,
    help text and the CSS targets of the offending elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{
        "rule": v["id"], "impact": v["impact"], "help": v["help"],
        "elements": [" ".join(str(part) for part in node["target"]) for node in v["nodes"]],
        "html": [node["html"] for node in v["nodes"]],
    } for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(findings: dict[str, list[dict]]) -> str:
    """For an assertion message: per page and rule, `page: rule (impact) - help`, then each element found, by
    its CSS target and the start of its HTML."""
    lines = []
    for where, violations in findings.items():
        for v in violations:
            lines.append(f"{where}: {v['rule']} ({v['impact']}) - {v['help']}")
            lines.extend(f"    {target}: {html[:120]}" for target, html in zip(v["elements"], v["html"], strict=True))
    return "\n".join(lines)
