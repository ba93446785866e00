"""JUnit XML for CI systems: one testsuite per suite, one testcase per case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.runner import RunResult
from conformance.verdict import Verdict


def write_junit(result: RunResult, path: Path) -> Path:
    root = ET.Element("testsuites", name="sscard conformance")
    for suite_run in result.suites:
        counts = {v: 0 for v in Verdict}
        for r in suite_run.results:
            counts[r.verdict] += 1
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite_run.suite.name,
            tests=str(len(suite_run.results)),
            failures=str(counts[Verdict.FAIL]),
            errors=str(counts[Verdict.ERROR]),
            skipped=str(counts[Verdict.NOT_APPLICABLE] + counts[Verdict.INCONCLUSIVE]),
        )
        properties = ET.SubElement(element, "properties")
        ET.SubElement(properties, "property", name="target", value=result.target.description)
        ET.SubElement(properties, "property", name="suite_version", value=suite_run.suite.version)
        ET.SubElement(
            properties, "property", name="implementation_hash", value=suite_run.fingerprint
        )
        for r in suite_run.results:
            case = ET.SubElement(
                element,
                "testcase",
                classname=f"{suite_run.suite.name}",
                name=f"{r.case.id} {r.case.title}",
                time=f"{r.seconds:.3f}",
            )
            case_props = ET.SubElement(case, "properties")
            ET.SubElement(
                case_props, "property", name="requirements", value=" ".join(r.case.requirement_ids)
            )
            detail = "\n".join(
                f"[{c.verdict}] step {c.step}: {c.what}: expected {c.expected}, observed {c.observed}"
                for c in r.checks
            )
            trace = "\n".join(f"{e.kind}: {e.request} -> {e.response}" for e in r.trace.exchanges)
            if r.verdict is Verdict.FAIL:
                ET.SubElement(case, "failure", message=r.reason).text = detail
            elif r.verdict is Verdict.ERROR:
                ET.SubElement(case, "error", message=r.reason).text = detail
            elif r.verdict in (Verdict.NOT_APPLICABLE, Verdict.INCONCLUSIVE):
                ET.SubElement(case, "skipped", message=f"{r.verdict}: {r.reason}")
            if trace:
                ET.SubElement(case, "system-out").text = trace
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
