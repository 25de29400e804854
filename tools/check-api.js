#!/usr/bin/env node
// Checks Fullcover's own API answers against its OpenAPI document.
//
// Usage: node tools/check-api.js <node_modules dir> <openapi.json> <samples.json>
//
// samples.json: [{"path": "/api/v1/orgs/{org}/coverage", "status": 200, "body": {...}}]
// Each body is validated (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it) against the
// application/json schema the document declares for that path, GET and status; a path or
// status the document does not declare is a problem too. Prints one line per problem and
// exits 1 if there is any.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, documentFile, samplesFile] = process.argv.slice(2);
if (!modules || !documentFile || !samplesFile) {
  console.error("usage: check-api.js <node_modules> <openapi.json> <samples.json>");
  process.exit(2);
}
const need = (name) => require(path.join(path.resolve(modules), name));
const Ajv2020 = need("ajv/dist/2020").default;
const addFormats = need("ajv-formats").default;
const doc = JSON.parse(fs.readFileSync(documentFile, "utf8"));
const samples = JSON.parse(fs.readFileSync(samplesFile, "utf8"));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: "api", components: doc.components });

const problems = [];
for (const sample of samples) {
  const operation = doc.paths[sample.path] && doc.paths[sample.path].get;
  if (!operation) {
    problems.push(`${sample.path}: not in the document`);
    continue;
  }
  const response = operation.responses[String(sample.status)];
  if (!response) {
    problems.push(`${sample.path} ${sample.status}: status not declared`);
    continue;
  }
  const media = response.content && response.content["application/json"];
  if (!media || !media.schema) continue;
  const schema = JSON.parse(
    JSON.stringify(media.schema).replace(/"#\/components\//g, '"api#/components/')
  );
  const validate = ajv.compile(schema);
  if (!validate(sample.body)) {
    for (const error of validate.errors) {
      problems.push(`${sample.path} ${sample.status}: ${error.instancePath || "/"} ${error.message}`);
    }
  }
}
for (const problem of problems) console.log(problem);
console.log(`${samples.length} answers checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
