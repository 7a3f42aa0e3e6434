#!/usr/bin/env node
// Checks BPMN files the way a modeller would: bpmn-moddle (with the Camunda
// extension the export uses) must import them without a warning, and
// bpmnlint with the rules of `.bpmnlintrc` (bpmnlint:recommended) must
// report nothing, neither errors nor warnings.
//
//   node tests/node/lint-bpmn.mjs FILE...
//
// Prints one line per problem and exits 1 when there is any, 2 when a file
// cannot be read or the packages are missing. Install the packages first
// with `npm ci --prefix tests/node`.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

function fail(code, message) {
  console.error(`lint-bpmn: ${message}`);
  process.exit(code);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  fail(2, "usage: node tests/node/lint-bpmn.mjs FILE...");
}

let BpmnModdle, camunda, Linter, NodeResolver, LintModdle;
try {
  BpmnModdle = require("bpmn-moddle");
  BpmnModdle = BpmnModdle.default ?? BpmnModdle;
  camunda = require("camunda-bpmn-moddle/resources/camunda.json");
  ({ Linter } = require("bpmnlint"));
  NodeResolver = require("bpmnlint/lib/resolver/node-resolver");
  // bpmnlint reads files with its own bpmn-moddle, as its command line does.
  const lintRequire = createRequire(require.resolve("bpmnlint"));
  ({ BpmnModdle: LintModdle } = await import(pathToFileURL(lintRequire.resolve("bpmn-moddle"))));
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

const config = JSON.parse(readFileSync(join(here, ".bpmnlintrc"), "utf8"));
let problems = 0;

for (const file of files) {
  let xml;
  try {
    xml = readFileSync(file, "utf8");
  } catch (e) {
    fail(2, `cannot read ${file}: ${e.message}`);
  }

  // bpmn-moddle: every element and attribute known, every reference resolved.
  try {
    const { warnings } = await new BpmnModdle({ camunda }).fromXML(xml);
    for (const w of warnings) {
      problems++;
      console.log(`${file}: bpmn-moddle: ${w.message}`);
    }
  } catch (e) {
    problems++;
    console.log(`${file}: bpmn-moddle: ${e.message}`);
    continue;
  }

  // bpmnlint.
  const { rootElement } = await new LintModdle().fromXML(xml);
  const linter = new Linter({ config, resolver: new NodeResolver() });
  const results = await linter.lint(rootElement);
  for (const rule of Object.keys(results).sort()) {
    for (const report of results[rule]) {
      problems++;
      console.log(`${file}: bpmnlint ${report.category} ${rule}: ${report.id ?? ""} ${report.message}`);
    }
  }
}

if (problems > 0) {
  console.log(`${problems} problem(s)`);
  process.exit(1);
}
console.log(`${files.length} file(s): no problems`);
