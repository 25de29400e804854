#!/usr/bin/env node
// Checks what the fake GitHub answered and delivered against GitHub's own artefacts.
//
// Usage: node tools/check-github-conformance.js <node_modules dir> <samples.json>
//
// samples.json: {"responses": [{method, route, status, body}], "webhooks": [{event, action, payload}]}
// - responses: each body is validated (ajv, OpenAPI 3.0 `nullable` honoured) against the
//   response schema that @octokit/openapi's generated/api.github.com.json declares for that
//   path, method and status; a status the description does not list is an error too.
// - webhooks: each payload must have every key that all @octokit/webhooks-examples examples of
//   the same event and action have (recursively through objects and first array items); the
//   security alert events (and installation.new_permissions_accepted) are also validated
//   against the description's `x-webhooks` schema of their event and action.
// Prints one line per problem and exits 1 if there is any.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, samplesFile] = process.argv.slice(2);
if (!modules || !samplesFile) {
  console.error("usage: check-github-conformance.js <node_modules> <samples.json>");
  process.exit(2);
}
const need = (name) => require(path.join(path.resolve(modules), name));
const Ajv = need("ajv").default;
const addFormats = need("ajv-formats").default;
const spec = need("@octokit/openapi/generated/api.github.com.json");
const examples = need("@octokit/webhooks-examples/api.github.com/index.json");
const samples = JSON.parse(fs.readFileSync(samplesFile, "utf8"));

// Known errors in GitHub's description, where GitHub's real answers disagree with it.
const ERRATA = [
  {
    operation: "GET /app/installations",
    instancePath: /^\/\d+\/account$/,
    reason:
      "the inline installation schema requires `account` to be a Simple User AND an Enterprise " +
      "(allOf); components/schemas/installation (used by GET /app/installations/{installation_id}) " +
      "says anyOf",
  },
];

const problems = [];
const notes = [];

// ---- REST responses against the OpenAPI description -------------------------------------

// OpenAPI 3.0 `nullable: true` becomes JSON Schema: a "null" type (and enum member), or an
// anyOf with null where there is no plain type (e.g. beside $ref or allOf).
function denull(node) {
  if (Array.isArray(node)) return node.map(denull);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = denull(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: "null" }] };
  }
  delete out.nullable;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, discriminator: false });
addFormats(ajv);
ajv.addSchema({ components: denull(spec.components) }, "spec");

// Local refs of a fragment point into the description.
function rebase(schema) {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === "object") {
    const out = {};
    for (const [k, v] of Object.entries(schema)) {
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? "spec" + v : rebase(v);
    }
    return out;
  }
  return schema;
}

function resolve(node) {
  while (node && node.$ref) {
    node = node.$ref
      .slice(2)
      .split("/")
      .reduce((o, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  }
  return node;
}

const compiled = new Map();
let checkedResponses = 0;
for (const { method, route, status, body } of samples.responses) {
  const operation = spec.paths[route] && spec.paths[route][method.toLowerCase()];
  const where = `${method} ${route} ${status}`;
  if (!operation) {
    problems.push(`${where}: no such operation in the OpenAPI description`);
    continue;
  }
  let response = resolve(operation.responses[String(status)]);
  if (!response && status >= 400) {
    // The description omits many error statuses GitHub really sends (401 on every
    // authenticated route, 403 for missing permissions): hold those to `basic-error`.
    notes.push(`${where}: status not listed, checked against basic-error`);
    response = { content: { "application/json": { schema: { $ref: "#/components/schemas/basic-error" } } } };
  }
  if (!response) {
    problems.push(`${where}: status not listed (listed: ${Object.keys(operation.responses).join(", ")})`);
    continue;
  }
  let content = response.content && response.content["application/json"];
  if ((!content || !content.schema) && status >= 400 && body !== null && body !== undefined && body !== "") {
    // Some error statuses are described without a body (secret scanning's 404), yet
    // GitHub answers them with its usual error object.
    notes.push(`${where}: described without a body, checked against basic-error`);
    content = { schema: { $ref: "#/components/schemas/basic-error" } };
  }
  if (!content || !content.schema) {
    if (body !== null && body !== undefined && body !== "") {
      problems.push(`${where}: description has no body, fake sent one`);
    }
    continue;
  }
  const key = `${method} ${route} ${status}`;
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rebase(denull(content.schema))));
  const validate = compiled.get(key);
  checkedResponses += 1;
  if (!validate(body)) {
    for (const e of validate.errors.slice(0, 40)) {
      const line = `${where}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`;
      const erratum = ERRATA.find(
        (x) => x.operation === `${method} ${route}` && x.instancePath.test(e.instancePath),
      );
      if (erratum) notes.push(`${line} (erratum: ${erratum.reason})`);
      else problems.push(line);
    }
  }
}

// ---- webhook payloads against the examples ----------------------------------------------

function commonShape(values) {
  // Keys present (as objects) in every example value: {key: nested common shape | null}.
  if (!values.every((v) => v && typeof v === "object" && !Array.isArray(v))) return null;
  const keys = Object.keys(values[0]).filter((k) => values.every((v) => k in v));
  const shape = {};
  for (const k of keys) {
    // Permission maps are data (the app's grants), not shape.
    if (k === "permissions") {
      shape[k] = null;
      continue;
    }
    const children = values.map((v) => v[k]);
    if (children.every((c) => Array.isArray(c) && c.length > 0)) {
      shape[k] = { "[]": commonShape(children.map((c) => c[0])) };
    } else {
      shape[k] = commonShape(children);
    }
  }
  return shape;
}

function missing(shape, value, at, out) {
  if (!shape || value === null || typeof value !== "object") return;
  for (const [k, sub] of Object.entries(shape)) {
    if (k === "[]") {
      if (Array.isArray(value) && value.length > 0) missing(sub, value[0], `${at}[0]`, out);
      continue;
    }
    if (!(k in value)) {
      out.push(`${at}.${k}`);
      continue;
    }
    if (sub && sub["[]"] !== undefined) {
      missing({ "[]": sub["[]"] }, value[k], `${at}.${k}`, out);
    } else {
      missing(sub, value[k], `${at}.${k}`, out);
    }
  }
}

// The description's own webhook schemas (`x-webhooks`, keyed `<event>-<action>` in kebab
// case), applied to the events listed here: the security alert events, whose payloads are
// not all among the examples, and installation's new_permissions_accepted.
const SCHEMA_CHECKED = new Set([
  "code_scanning_alert",
  "dependabot_alert",
  "secret_scanning_alert",
  "secret_scanning_alert_location",
  "installation.new_permissions_accepted",
]);
const webhookSchemas = spec["x-webhooks"] || {};
let checkedWebhookSchemas = 0;
function checkWebhookSchema(event, action, payload) {
  const label = `webhook ${event}${action ? "." + action : ""}`;
  if (!SCHEMA_CHECKED.has(event) && !SCHEMA_CHECKED.has(`${event}.${action}`)) return;
  const key = [event, action].filter(Boolean).join("-").replace(/_/g, "-");
  const hook = webhookSchemas[key];
  const schema =
    hook && hook.post && hook.post.requestBody && hook.post.requestBody.content["application/json"].schema;
  if (!schema) {
    problems.push(`${label}: no schema ${key} in the description's x-webhooks`);
    return;
  }
  const id = `webhook ${key}`;
  if (!compiled.has(id)) compiled.set(id, ajv.compile(rebase(denull(schema))));
  const validate = compiled.get(id);
  checkedWebhookSchemas += 1;
  if (!validate(payload)) {
    for (const e of validate.errors.slice(0, 40)) {
      problems.push(`${label} (schema): ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}

let checkedWebhooks = 0;
for (const { event, action, payload } of samples.webhooks) {
  checkWebhookSchema(event, action, payload);
  const group = examples.find((e) => e.name === event);
  if (!group && SCHEMA_CHECKED.has(event)) {
    notes.push(`webhook ${event}: no examples for this event, checked against its schema only`);
    continue;
  }
  if (!group) {
    problems.push(`webhook ${event}: no examples for this event`);
    continue;
  }
  let chosen = group.examples.filter((x) => (x.action || null) === (action || null));
  const label = `webhook ${event}${action ? "." + action : ""}`;
  if (chosen.length === 0) {
    // No example of this action: hold it to the keys every example of the event has.
    chosen = group.examples;
  }
  const out = [];
  missing(commonShape(chosen), payload, "", out);
  checkedWebhooks += 1;
  for (const m of out) problems.push(`${label}: missing ${m}`);
}

for (const n of notes) console.log(`note: ${n}`);
for (const p of problems) console.log(p);
console.log(
  `checked ${checkedResponses} response bodies, ${checkedWebhooks} webhook payloads against the examples ` +
    `and ${checkedWebhookSchemas} against their schemas: ${problems.length} problem(s)`,
);
process.exit(problems.length ? 1 : 0);
