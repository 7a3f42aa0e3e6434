#!/usr/bin/env node
// Validates JSON exports of playbooks (`playbook export --to json`) against
// the JSON Schema generated from the compiler's types (docs/playbook.schema.json,
// draft 2020-12).
//
//   node tests/node/validate-playbook-json.mjs SCHEMA FILE...
//
// Exits 0 when every file is valid, 1 with the errors printed when one is
// not, and 2 when a file or the schema cannot be read. Install the packages
// first with `npm ci --prefix tests/node`.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`validate-playbook-json: ${message}`);
  process.exit(code);
}

const [schemaFile, ...files] = process.argv.slice(2);
if (!schemaFile || files.length === 0) {
  fail(2, "usage: node tests/node/validate-playbook-json.mjs SCHEMA FILE...");
}

let Ajv2020, addFormats;
try {
  Ajv2020 = require("ajv/dist/2020").default;
  addFormats = require("ajv-formats").default;
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    fail(2, `cannot read ${file} as JSON: ${e.message}`);
  }
}

// Strict mode, so that a keyword or format the validator does not know is
// an error rather than a rule silently skipped; the standard formats
// (`date`) come from ajv-formats. A published schema must compile so, as it
// is: nothing is registered for it here.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(readJson(schemaFile));
} catch (e) {
  fail(2, `cannot compile the schema ${schemaFile}: ${e.message}`);
}

let invalid = 0;
for (const file of files) {
  if (validate(readJson(file))) {
    console.log(`${file} is valid`);
    continue;
  }
  invalid += 1;
  console.error(`${file} does not match ${schemaFile}:`);
  for (const error of validate.errors) {
    const where = error.instancePath || "(root)";
    console.error(`  ${where}: ${error.message} ${JSON.stringify(error.params)}`);
  }
}
process.exit(invalid === 0 ? 0 : 1);
