#!/usr/bin/env python3
"""Runs a `spiffworkflow` BPMN export in SpiffWorkflow once per scenario and
reports what happened, for the Rust tests to compare with bpmn-engine, the
camunda8 walk and `playbook run`.

    tests/python/.venv/bin/python tests/python/run_spiff.py FILE.bpmn SCENARIOS.json

SCENARIOS.json is a list of `{ "variables": {...}, "answers": {...} }`: the
workflow starts with `variables` as its data; each user task that comes up
is completed after setting the task data of its form fields (its
`spiffworkflow:property` entries named `field:<variable>`) from `answers`,
as a person filling in the form would.

Prints a JSON list with one entry per scenario, in order, the shape
tests/node/run-bpmn.mjs prints: `{ "ends": [end event ids], "tasks":
[{ "id", "element" }], "path", "variables", "error" }`, where `tasks` lists
the user tasks completed in order (with the element of a multi-instance
task's iteration), `path` the flows taken out of exclusive gateways that
choose, and `variables` the values the script tasks of `set` actions
wrote. Exits 1 when SpiffWorkflow does not accept the file (it is validated
against the BPMN and SpiffWorkflow schemas), 2 when the files cannot be read
or the packages are missing.
"""

import json
import re
import sys


def fail(code, message):
    print(f"run_spiff: {message}", file=sys.stderr)
    sys.exit(code)


if len(sys.argv) != 3:
    fail(2, "usage: run_spiff.py FILE.bpmn SCENARIOS.json")

try:
    from lxml import etree
    from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
    from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
    from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
    from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState
except ImportError as e:
    fail(2, f"{e}\nthe Python packages are missing: run `bash scripts/test.sh`")

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"

try:
    tree = etree.parse(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        scenarios = json.load(f)
except (OSError, ValueError) as e:
    fail(2, str(e))

# The flows of the document: by source, their target, condition and id; the
# default flow of each gateway.
flows = {}
for flow in tree.iter(f"{BPMN}sequenceFlow"):
    condition = flow.find(f"{BPMN}conditionExpression")
    flows.setdefault(flow.get("sourceRef"), []).append(
        (flow.get("targetRef"), None if condition is None else condition.text, flow.get("id"))
    )
defaults = {g.get("id"): g.get("default") for g in tree.iter(f"{BPMN}exclusiveGateway")}
process = next(tree.iter(f"{BPMN}process")).get("id")

# The gateway's choice, as SpiffWorkflow makes it: the first condition (in
# its order) that holds, else the default. Recorded where the gateway runs;
# the conditions are evaluated again here, by SpiffWorkflow's own script
# engine, only to learn which flow the choice was.
choices = []
original_run_hook = ExclusiveGateway._run_hook


def run_hook(self, my_task):
    chosen = None
    for condition, spec_name in self.cond_task_specs:
        if condition is not None and condition._matches(my_task):
            chosen = (condition.args[0], spec_name)
            break
    result = original_run_hook(self, my_task)
    gateway = self.bpmn_id
    outgoing = flows.get(gateway, [])
    if len(outgoing) > 1 or defaults.get(gateway):
        if chosen is None:
            choices.append(defaults.get(gateway))
        else:
            text, target = chosen
            ids = [i for (t, c, i) in outgoing if t == target and c == text]
            choices.append(ids[0] if ids else f"?{gateway}->{target}")
    return result


ExclusiveGateway._run_hook = run_hook

# The parser validates the document against the BPMN and SpiffWorkflow
# schemas first.
parser = SpiffBpmnParser(validator=VALIDATOR)
try:
    parser.add_bpmn_file(sys.argv[1])
    spec = parser.get_spec(process)
    subprocess_specs = parser.get_subprocess_specs(process)
except Exception as e:  # noqa: BLE001 - SpiffWorkflow's own error, reported
    fail(1, f"SpiffWorkflow does not accept {sys.argv[1]}: {e}")


def questions(task):
    properties = task.task_spec.extensions.get("properties", {}) if hasattr(task.task_spec, "extensions") else {}
    return [name[len("field:"):] for name in properties if name.startswith("field:")]


def set_target(script):
    """The variable a `set` script writes: its last assignment before `del`."""
    lines = [line for line in (script or "").splitlines() if line and not line.startswith("del ")]
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*) = ", lines[-1]) if lines else None
    return match.group(1) if match else None


def run(scenario):
    variables, answers = scenario.get("variables", {}), scenario.get("answers", {})
    observed = {"ends": [], "tasks": [], "path": [], "variables": {}, "error": None}
    choices.clear()
    try:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        first = workflow.get_tasks(state=TaskState.READY)[0]
        first.data.update(json.loads(json.dumps(variables)))
        workflow.do_engine_steps()
        for _ in range(10_000):
            if workflow.is_completed():
                break
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                observed["error"] = "the workflow waits, with no task to complete"
                break
            task = ready[0]
            for name in questions(task):
                if name in answers:
                    task.data[name] = answers[name]
            parent = task.parent.task_spec if task.parent is not None else None
            element = None
            if isinstance(parent, MultiInstanceTask) and parent.input_item is not None:
                element = task.data.get(parent.input_item.bpmn_id)
            observed["tasks"].append({"id": task.task_spec.bpmn_id, "element": element})
            task.run()
            workflow.do_engine_steps()
        else:
            observed["error"] = "the run did not end"
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            spec_ = task.task_spec
            if isinstance(spec_, ScriptTask) and (spec_.bpmn_id or "").startswith("Set_"):
                target = set_target(spec_.script)
                if target is not None:
                    observed["variables"][target] = task.data.get(target)
            # End events of the process, not of the sub-processes of steps.
            if isinstance(spec_, EndEvent) and task.workflow is workflow:
                observed["ends"].append(spec_.bpmn_id)
    except Exception as e:  # noqa: BLE001 - the run's error, reported
        observed["error"] = f"{type(e).__name__}: {e}"
    observed["path"] = list(choices)
    return observed


print(json.dumps([run(s) for s in scenarios]))
