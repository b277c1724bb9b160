"""The JUnit XML report (the schema CI systems read), written with the standard library."""

import re
import xml.etree.ElementTree as ET

from .report import counts, diff_lines
from .runner import ERROR, FAIL, SKIP

# Characters XML 1.0 cannot carry; a DUT may print any byte.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text):
    return _NOT_XML.sub("?", text)


def write_junit(path, target_name, facts, results, seconds):
    n = counts(results)
    suite = ET.Element(
        "testsuite",
        name="mpsock.conformance[%s]" % target_name,
        tests=str(len(results)),
        failures=str(n[FAIL]),
        errors=str(n[ERROR]),
        skipped=str(n[SKIP]),
        time="%.3f" % seconds,
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="target", value=target_name)
    for name in sorted(facts or {}):
        ET.SubElement(properties, "property", name="fact." + name, value=_clean(str(facts[name])))
    for result in results:
        testcase = ET.SubElement(
            suite,
            "testcase",
            classname="conformance.%s" % result.name.partition("_")[0],
            name=result.name,
            time="%.3f" % result.seconds,
        )
        if result.outcome == SKIP:
            ET.SubElement(testcase, "skipped", message=_clean(result.reason))
        elif result.outcome in (FAIL, ERROR):
            tag = "failure" if result.outcome == FAIL else "error"
            element = ET.SubElement(testcase, tag, message=_clean(result.reason))
            element.text = _clean("\n".join(diff_lines(result.expected, result.observed())))
        if result.output:
            ET.SubElement(testcase, "system-out").text = _clean("\n".join(result.output))
        if result.errors:
            ET.SubElement(testcase, "system-err").text = _clean(result.errors)
    tree = ET.ElementTree(ET.Element("testsuites"))
    tree.getroot().append(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
