#!/usr/bin/env node
// Runs a BPMN process in bpmn-engine once per scenario and reports what
// happened, for the Rust tests to compare with what the playbook says.
//
//   node tests/node/run-bpmn.mjs FILE.bpmn SCENARIOS.json
//
// SCENARIOS.json is a list of `{ "variables": {...}, "answers": {...} }`:
// the process starts with `variables`; each user task that comes up is
// completed, after setting the process variables of its form fields (its
// questions) from `answers`, as a person filling in the form would.
//
// Prints a JSON list with one entry per scenario, in order:
// `{ "ends": [end event ids], "tasks": [{ "id", "element" }], "path",
// "variables", "error" }`, where `tasks` lists the user tasks completed in
// order (with the element of a multi-instance task's iteration), `path` the
// flows taken out of exclusive gateways that choose, and `variables` the
// values the script tasks of `set` actions wrote. Exits 2 when the files cannot be read
// or the packages are missing.

import { readFileSync } from "node:fs";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`run-bpmn: ${message}`);
  process.exit(code);
}

if (process.argv.length !== 4) {
  fail(2, "usage: node tests/node/run-bpmn.mjs FILE.bpmn SCENARIOS.json");
}

let Engine, BpmnModdle, camunda;
try {
  ({ Engine } = await import("bpmn-engine"));
  BpmnModdle = require("bpmn-moddle");
  BpmnModdle = BpmnModdle.default ?? BpmnModdle;
  camunda = require("camunda-bpmn-moddle/resources/camunda.json");
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

let source, scenarios;
try {
  source = readFileSync(process.argv[2], "utf8");
  scenarios = JSON.parse(readFileSync(process.argv[3], "utf8"));
} catch (e) {
  fail(2, e.message);
}

// Parsed once; every run starts from the same model.
const moddleContext = await new BpmnModdle({ camunda }).fromXML(source);

/** The ids of the form fields of an activity: the questions it asks. */
function questions(activity) {
  const values = activity.behaviour?.extensionElements?.values ?? [];
  return values
    .filter((v) => v.$type === "camunda:FormData")
    .flatMap((form) => form.fields ?? [])
    .map((field) => field.id);
}

/** One run: resolves with what happened. */
function run({ variables, answers }) {
  return new Promise((resolve) => {
    const observed = { ends: [], tasks: [], path: [], variables: {}, error: null };
    const engine = new Engine({ name: "playbook", moddleContext });
    const timer = setTimeout(() => {
      observed.error = "the run did not end in time";
      engine.stop();
      resolve(observed);
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      resolve(observed);
    };
    const listener = new EventEmitter();
    listener.on("wait", (api) => {
      if (api.type !== "bpmn:UserTask") return;
      const activity = api.owner;
      // The answers become process variables: in the task's own scope (a
      // sub-process works on a copy) and in the process's.
      const scopes = [api.environment];
      for (const definition of engine.execution.definitions) {
        scopes.push(definition.environment);
        for (const process of definition.getProcesses()) scopes.push(process.environment);
      }
      for (const id of questions(activity)) {
        if (!Object.hasOwn(answers, id)) continue;
        for (const scope of scopes) scope.variables[id] = answers[id];
      }
      const content = api.content;
      const element = content.isMultiInstance
        ? content[activity.behaviour.loopCharacteristics?.behaviour?.elementVariable ?? "item"]
        : null;
      observed.tasks.push({ id: api.id, element: element ?? null });
      api.signal();
    });
    listener.on("flow.take", (api) => {
      const flow = api.content;
      const source = moddleContext.elementsById[flow.sourceId];
      if (source?.$type === "bpmn:ExclusiveGateway" && (source.outgoing?.length > 1 || source.default)) {
        observed.path.push(flow.id);
      }
    });
    listener.on("activity.end", (api) => {
      // A `set` writes its variable: `Set_<item>_<field>`.
      if (api.type === "bpmn:ScriptTask" && api.id.startsWith("Set_")) {
        const script = moddleContext.elementsById[api.id]?.script ?? "";
        const target = /environment\.variables\.([A-Za-z0-9_]+) = [^\n]*\nnext\(\);$/.exec(script)?.[1];
        if (target) observed.variables[target] = api.environment.variables[target];
      }
      // End events of the process, not of the sub-processes of steps.
      if (api.type === "bpmn:EndEvent" && api.content.parent?.type !== "bpmn:SubProcess") {
        observed.ends.push(api.id);
      }
    });
    engine.once("end", finish);
    engine.once("error", (e) => {
      observed.error = String(e?.message ?? e);
      finish();
    });
    engine.execute({ listener, variables: { ...variables } }).catch((e) => {
      observed.error = String(e?.message ?? e);
      finish();
    });
  });
}

const results = [];
for (const scenario of scenarios) {
  results.push(await run(scenario));
}
console.log(JSON.stringify(results));
