#!/usr/bin/env node
// Parses Mermaid diagrams with Mermaid's own parser (the `mermaid` package,
// in a jsdom window), as a page that renders them would.
//
//   node tests/node/validate-mermaid.mjs FILE...
//
// Exits 0 when every file parses as a flowchart, 1 with the parser's error
// when one does not, and 2 when a file cannot be read. Install the packages
// first with `npm ci --prefix tests/node`.

import { readFileSync } from "node:fs";

function fail(code, message) {
  console.error(`validate-mermaid: ${message}`);
  process.exit(code);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  fail(2, "usage: node tests/node/validate-mermaid.mjs FILE...");
}

let mermaid;
try {
  const { JSDOM } = await import("jsdom");
  const dom = new JSDOM("<!doctype html><html><body></body></html>");
  globalThis.window = dom.window;
  globalThis.document = dom.window.document;
  mermaid = (await import("mermaid")).default;
} catch (e) {
  fail(2, `${e.message}\nthe node packages are missing: run \`npm ci --prefix tests/node\``);
}
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let invalid = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    fail(2, `cannot read ${file}: ${e.message}`);
  }
  try {
    const result = await mermaid.parse(text);
    if (result.diagramType !== "flowchart-v2") {
      throw new Error(`a ${result.diagramType} diagram, not a flowchart`);
    }
    console.log(`${file} is a valid Mermaid flowchart`);
  } catch (e) {
    invalid += 1;
    console.error(`${file} is not valid Mermaid: ${e.message}`);
  }
}
process.exit(invalid === 0 ? 0 : 1);
