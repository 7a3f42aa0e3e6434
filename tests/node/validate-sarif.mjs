#!/usr/bin/env node
// Validates a SARIF file against the official SARIF 2.1.0 schema
// (sarif-2.1.0-rtm.5.json, as shipped by @microsoft/jest-sarif).
//
//   node tests/node/validate-sarif.mjs FILE
//
// Exits 0 when the file is valid, 1 with the errors printed when it is not,
// and 2 when the file or the schema cannot be read. Install the packages
// first with `npm ci --prefix tests/node`.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`validate-sarif: ${message}`);
  process.exit(code);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  fail(2, "usage: node tests/node/validate-sarif.mjs FILE");
}

let Ajv, addFormats, schemaPath;
try {
  Ajv = require("ajv").default;
  addFormats = require("ajv-formats").default;
  schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}

let schema, log;
try {
  schema = JSON.parse(readFileSync(schemaPath, "utf8"));
} catch (e) {
  fail(2, `cannot read the SARIF schema ${schemaPath}: ${e.message}`);
}
try {
  log = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  fail(2, `cannot read ${file} as JSON: ${e.message}`);
}

// The schema is written for draft-04, which Ajv 8 does not support; its only
// draft-04 feature is the top-level `id`, which draft-07 spells `$id` (it has
// no boolean `exclusiveMinimum`/`exclusiveMaximum`). Its `language` pattern,
// `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has a stray `]` that is an error
// under the `u` flag, so patterns are compiled without it (as draft-04
// validators did).
delete schema.$schema;
if (schema.id !== undefined) {
  schema.$id = schema.id;
  delete schema.id;
}

const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (e) {
  fail(2, `cannot compile the SARIF schema ${schemaPath}: ${e.message}`);
}
if (!validate(log)) {
  console.error(`${file} is not valid SARIF 2.1.0:`);
  for (const error of validate.errors) {
    const where = error.instancePath || "(root)";
    console.error(`  ${where}: ${error.message} ${JSON.stringify(error.params)}`);
  }
  process.exit(1);
}
console.log(`${file} is valid SARIF 2.1.0`);
