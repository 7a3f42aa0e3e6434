// Starts `playbook lsp` for .playbook files and stops it with the editor.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("playbook").get("server.path", "playbook");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "playbook",
    "Playbook",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "playbook" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{playbook,toml}"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
