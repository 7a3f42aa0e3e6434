#!/usr/bin/env node
// Runs a `camunda8` BPMN export once per scenario, evaluating its FEEL with
// feelin (the FEEL interpreter of Camunda's web tooling), and reports what
// happened, for the Rust tests to compare with bpmn-engine and `playbook run`.
//
//   node tests/node/run-camunda8.mjs FILE.bpmn SCENARIOS.json
//
// The forms of the user tasks (`Form_<task>.form`) are read from the BPMN
// file's folder: a person completing a task answers its form's fields, here
// from the scenario's `answers`. SCENARIOS.json is a list of
// `{ "variables": {...}, "answers": {...} }`.
//
// The walk follows BPMN token semantics for what the export writes: start
// and end events, embedded sub-processes, user tasks (a multi-instance task
// once per element of its `zeebe:loopCharacteristics` input collection),
// script tasks (`zeebe:script`: the expression's value goes to the result
// variable), tasks with `zeebe:ioMapping` outputs (each source's value goes
// to its target), exclusive gateways (the first flow, in document order, whose
// condition is `true`, else the default flow) and parallel gateways (a join
// waits for every incoming flow).
//
// Prints a JSON list, one entry per scenario: `{ "ends", "tasks", "path",
// "variables", "error" }`, where `path` lists the flows taken out of
// exclusive gateways that choose, and `variables` the values the script
// tasks wrote. Exits 2 when the files cannot be read or the packages are
// missing.

import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`run-camunda8: ${message}`);
  process.exit(code);
}

if (process.argv.length !== 4) {
  fail(2, "usage: node tests/node/run-camunda8.mjs FILE.bpmn SCENARIOS.json");
}

let BpmnModdle, zeebe, evaluate;
try {
  BpmnModdle = require("bpmn-moddle");
  BpmnModdle = BpmnModdle.default ?? BpmnModdle;
  zeebe = require("zeebe-bpmn-moddle/resources/zeebe.json");
  ({ evaluate } = await import("feelin"));
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

let source, scenarios;
const file = process.argv[2];
try {
  source = readFileSync(file, "utf8");
  scenarios = JSON.parse(readFileSync(process.argv[3], "utf8"));
} catch (e) {
  fail(2, e.message);
}

const { rootElement } = await new BpmnModdle({ zeebe }).fromXML(source);
const process_ = rootElement.rootElements.find((e) => e.$type === "bpmn:Process");

const extension = (element, type) =>
  (element.extensionElements?.values ?? []).find((v) => v.$type === type);

/** The keys a task's form asks for. */
function formKeys(task) {
  const definition = extension(task, "zeebe:FormDefinition");
  if (!definition) return [];
  const path = join(dirname(file), `${definition.formId}.form`);
  if (!existsSync(path)) throw new Error(`form ${definition.formId} is missing beside the BPMN`);
  const form = JSON.parse(readFileSync(path, "utf8"));
  return form.components.filter((c) => c.key).map((c) => c.key);
}

function feel(expression, variables) {
  if (typeof expression !== "string" || !expression.startsWith("=")) {
    throw new Error(`not a FEEL expression: ${expression}`);
  }
  return evaluate(expression.slice(1), variables).value;
}

function run({ variables, answers }) {
  const observed = { ends: [], tasks: [], path: [], variables: {}, error: null };
  const vars = { ...variables };
  const arrived = new Map();
  const queue = [];
  const startOf = (container) =>
    container.flowElements.find((e) => e.$type === "bpmn:StartEvent");
  const leave = (node) => {
    for (const flow of node.outgoing ?? []) queue.push(flow.targetRef);
  };
  queue.push(startOf(process_));
  let steps = 0;
  try {
    while (queue.length > 0) {
      if (++steps > 100000) throw new Error("the run did not end");
      const node = queue.shift();
      switch (node.$type) {
        case "bpmn:StartEvent":
          leave(node);
          break;
        case "bpmn:EndEvent":
          if (node.$parent.$type === "bpmn:SubProcess") leave(node.$parent);
          else observed.ends.push(node.id);
          break;
        case "bpmn:SubProcess":
          queue.push(startOf(node));
          break;
        case "bpmn:UserTask": {
          const keys = formKeys(node);
          const loop = node.loopCharacteristics;
          const complete = (element) => {
            observed.tasks.push({ id: node.id, element });
            for (const key of keys) if (Object.hasOwn(answers, key)) vars[key] = answers[key];
          };
          if (loop) {
            const spec = extension(loop, "zeebe:LoopCharacteristics");
            const items = feel(spec.inputCollection, vars);
            if (!Array.isArray(items)) throw new Error(`${node.id}: the input collection is not a list`);
            for (const item of items) complete(item);
          } else {
            complete(null);
          }
          leave(node);
          break;
        }
        case "bpmn:Task": {
          // A `set` (`Set_<item>_<field>`): the output mappings write the
          // outcome, each source evaluated before any target is written.
          const mapping = extension(node, "zeebe:IoMapping");
          const outputs = (mapping?.outputParameters ?? []).map((o) => [o.target, feel(o.source, vars)]);
          for (const [target, value] of outputs) {
            vars[target] = value;
            if (node.id.startsWith("Set_")) observed.variables[target] = value;
          }
          leave(node);
          break;
        }
        case "bpmn:ScriptTask": {
          const script = extension(node, "zeebe:Script");
          const value = feel(script.expression, vars);
          vars[script.resultVariable] = value;
          // A `set` (`Set_<item>_<field>`) writes an outcome.
          if (node.id.startsWith("Set_")) observed.variables[script.resultVariable] = value;
          leave(node);
          break;
        }
        case "bpmn:ExclusiveGateway": {
          const outgoing = node.outgoing ?? [];
          if (outgoing.length === 1 && !node.default) {
            leave(node);
            break;
          }
          let taken = outgoing.find(
            (f) => f !== node.default && f.conditionExpression && feel(f.conditionExpression.body, vars) === true,
          );
          taken ??= node.default;
          if (!taken) throw new Error(`${node.id}: no flow can be taken`);
          observed.path.push(taken.id);
          queue.push(taken.targetRef);
          break;
        }
        case "bpmn:ParallelGateway": {
          const n = (arrived.get(node.id) ?? 0) + 1;
          if (n < (node.incoming ?? []).length) {
            arrived.set(node.id, n);
          } else {
            arrived.delete(node.id);
            leave(node);
          }
          break;
        }
        default:
          throw new Error(`${node.id}: cannot run a ${node.$type}`);
      }
    }
  } catch (e) {
    observed.error = String(e?.message ?? e);
  }
  return observed;
}

console.log(JSON.stringify(scenarios.map(run)));
