#!/usr/bin/env node
// Checks `camunda8` BPMN exports the way Camunda's own tools do:
// - zeebe-bpmn-moddle (the Camunda 8 extension descriptor) imports each
//   file without a warning;
// - bpmnlint with bpmnlint:recommended and Camunda's compatibility rules
//   (bpmnlint-plugin-camunda-compat) for the version the file declares and
//   for the newest 8.x rule set of the pinned plugin reports nothing,
//   neither errors nor warnings;
// - every FEEL expression (conditions, scripts, input collections) passes
//   @bpmn-io/feel-lint.
//
//   node tests/node/lint-camunda8.mjs FILE...
//
// Prints one line per problem and exits 1 when there is any, 2 when a file
// cannot be read or the packages are missing.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`lint-camunda8: ${message}`);
  process.exit(code);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  fail(2, "usage: node tests/node/lint-camunda8.mjs FILE...");
}

let BpmnModdle, zeebe, Linter, NodeResolver, LintModdle, lintExpression, compat;
try {
  BpmnModdle = require("bpmn-moddle");
  BpmnModdle = BpmnModdle.default ?? BpmnModdle;
  zeebe = require("zeebe-bpmn-moddle/resources/zeebe.json");
  ({ Linter } = require("bpmnlint"));
  NodeResolver = require("bpmnlint/lib/resolver/node-resolver");
  const lintRequire = createRequire(require.resolve("bpmnlint"));
  ({ BpmnModdle: LintModdle } = await import(pathToFileURL(lintRequire.resolve("bpmn-moddle"))));
  ({ lintExpression } = await import("@bpmn-io/feel-lint"));
  compat = require("bpmnlint-plugin-camunda-compat");
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

// The newest Camunda 8 rule set the pinned plugin has.
const newest = Object.keys(compat.configs)
  .filter((c) => c.startsWith("camunda-cloud-8-"))
  .sort((a, b) => Number(a.split("-").pop()) - Number(b.split("-").pop()))
  .pop();

let problems = 0;
const report = (file, line) => {
  problems++;
  console.log(`${file}: ${line}`);
};

for (const file of files) {
  let xml;
  try {
    xml = readFileSync(file, "utf8");
  } catch (e) {
    fail(2, `cannot read ${file}: ${e.message}`);
  }

  let definitions;
  try {
    const { rootElement, warnings } = await new BpmnModdle({ zeebe }).fromXML(xml);
    definitions = rootElement;
    for (const w of warnings) report(file, `zeebe-bpmn-moddle: ${w.message}`);
  } catch (e) {
    report(file, `zeebe-bpmn-moddle: ${e.message}`);
    continue;
  }

  const declared = definitions.$attrs["modeler:executionPlatformVersion"];
  if (definitions.$attrs["modeler:executionPlatform"] !== "Camunda Cloud" || !declared) {
    report(file, "no modeler:executionPlatform `Camunda Cloud` with a version");
    continue;
  }
  const [major, minor] = declared.split(".");
  const sets = [...new Set([`camunda-cloud-${major}-${minor}`, newest])];
  for (const set of sets) {
    if (!compat.configs[set]) {
      report(file, `bpmnlint-plugin-camunda-compat has no rule set ${set}`);
      continue;
    }
    const config = { extends: ["bpmnlint:recommended", `plugin:camunda-compat/${set}`] };
    const { rootElement } = await new LintModdle({ zeebe }).fromXML(xml);
    const linter = new Linter({ config, resolver: new NodeResolver({ require }) });
    const results = await linter.lint(rootElement);
    for (const rule of Object.keys(results).sort()) {
      for (const r of results[rule]) {
        report(file, `bpmnlint (${set}) ${r.category} ${rule}: ${r.id ?? ""} ${r.message}`);
      }
    }
  }

  // FEEL: every `=` expression of the file.
  const expressions = [];
  const visit = (element) => {
    if (!element || typeof element !== "object") return;
    if (element.$type === "bpmn:FormalExpression" && element.body) expressions.push([element.$parent?.id, element.body]);
    if (element.$type === "zeebe:Script") expressions.push(["script", element.expression]);
    if (element.$type === "zeebe:LoopCharacteristics") expressions.push(["loop", element.inputCollection]);
    for (const [key, value] of Object.entries(element)) {
      if (key.startsWith("$") || key === "sourceRef" || key === "targetRef" || key === "incoming" || key === "outgoing" || key === "default" || key === "processRef" || key === "flowNodeRef" || key === "bpmnElement" || key === "attachedToRef") continue;
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === "object" && value.$type) visit(value);
    }
  };
  visit(definitions);
  for (const [where, body] of expressions) {
    if (!body.startsWith("=")) {
      report(file, `feel-lint: ${where}: not an expression (no leading =): ${body}`);
      continue;
    }
    for (const d of lintExpression(body.slice(1))) {
      report(file, `feel-lint ${d.severity}: ${where}: ${d.message} in ${body}`);
    }
  }
}

if (problems > 0) {
  console.log(`${problems} problem(s)`);
  process.exit(1);
}
console.log(`${files.length} file(s): no problems`);
