'use strict';
// The peer http-predict is measured against (issue #17): the same POST /predict, written the way a Node.js
// shop would — fastify, onnxruntime-node, ioredis — over the same manifest, model and Redis. It reads the
// manifest generically (request, store and derived features; the derived ops inferfn has), fetches every
// row's store features in one pipelined round trip with the same budget, makes one ORT call per request,
// and answers in inferfn's JSON shape, so `bench/node-peer/check.js` can compare scores before timing.
//
//   MODEL_DIR=../../models/fraud/2 REDIS_URL=redis://127.0.0.1:6379 PORT=18190 node server.js
//
// Single-threaded by design: one process, one core, like the Lambda it stands in for.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const fastify = require('fastify');
const ort = require('onnxruntime-node');
const Redis = require('ioredis');

const MODEL_DIR = path.resolve(process.env.MODEL_DIR || path.join(__dirname, '../../models/fraud/2'));
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PORT = Number(process.env.PORT || 18190);
const HOST = process.env.HOST || '127.0.0.1';
const BUDGET_MS = Number(process.env.FEATURE_STORE_TIMEOUT_MS || 25);
const MAX_ROWS = Number(process.env.MAX_BATCH_ROWS || 1024);
const ENTITY_ID = /^[A-Za-z0-9_.-]{1,128}$/;

class BadRequest extends Error {}

function loadManifest(dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const bytes = fs.readFileSync(path.join(dir, 'model.onnx'));
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  if (manifest.sha256 && manifest.sha256 !== sha) {
    throw new Error(`model.onnx sha256 ${sha} does not match the manifest's ${manifest.sha256}`);
  }
  return { manifest, bytes };
}

/** The manifest compiled to arrays, in the order inferfn computes them. */
function plan(manifest) {
  const features = manifest.features;
  const index = new Map(features.map((f, i) => [f.name, i]));
  const request = [];
  const store = new Map(); // key pattern -> [{i, field}]
  const derived = [];
  features.forEach((f, i) => {
    if (f.source === 'request') request.push(i);
    else if (f.source === 'store') {
      if (!store.has(f.key)) store.set(f.key, []);
      store.get(f.key).push({ i, field: f.field });
    } else if (f.source === 'derived') {
      derived.push({
        i,
        op: f.op,
        a: index.get(f.args[0]),
        b: f.args.length > 1 ? index.get(f.args[1]) : -1,
        boundaries: f.boundaries,
        categories: f.categories,
        fallback: f.default === undefined ? 0 : Number(f.default),
      });
    }
  });
  const input = manifest.inputs[0];
  const columns = []; // per input column group: {i, oneHot}
  let width = 0;
  for (const name of input.features) {
    const i = index.get(name);
    const d = derived.find((x) => x.i === i && x.op === 'one_hot');
    columns.push({ i, oneHot: d });
    width += d ? d.categories.length : 1;
  }
  if (width !== input.shape[1]) throw new Error(`input width ${width} != model's ${input.shape[1]}`);
  const patterns = [...store.entries()].map(([key, fields]) => ({
    prefix: key.slice(0, key.indexOf('{entityId}')),
    suffix: key.slice(key.indexOf('{entityId}') + '{entityId}'.length),
    fields,
    names: fields.map((x) => x.field),
  }));
  return { features, index, request, patterns, derived, columns, width, input, output: manifest.output };
}

function epochSeconds(v, name) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}T/.test(v)) return Math.floor(t / 1000);
  }
  throw new BadRequest(`feature '${name}' must be a timestamp (epoch seconds, or ISO-8601 such as 2026-11-23T08:00:00Z)`);
}

/** One row's values: numbers in num, strings in str (per feature index). */
function readRow(p, row, r) {
  if (row === null || typeof row !== 'object') throw new BadRequest(`row ${r} must be an object`);
  const entityId = row.entityId;
  if (typeof entityId !== 'string' || !ENTITY_ID.test(entityId)) {
    throw new BadRequest(`row ${r}: 'entityId' must match [A-Za-z0-9_.-]{1,128}`);
  }
  const given = row.features || {};
  const n = p.features.length;
  const num = new Float64Array(n);
  const str = new Array(n);
  for (const name of Object.keys(given)) {
    const i = p.index.get(name);
    if (i === undefined) throw new BadRequest(`row ${r}: unknown feature '${name}'`);
    if (p.features[i].source !== 'request') {
      throw new BadRequest(`row ${r}: feature '${name}' comes from the ${p.features[i].source}, not the caller`);
    }
  }
  for (const i of p.request) {
    const f = p.features[i];
    let v = given[f.name];
    if (v === undefined || v === null) {
      if (f.default === undefined) throw new BadRequest(`row ${r}: feature '${f.name}' is required`);
      v = f.default;
    }
    switch (f.type) {
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`row ${r}: feature '${f.name}' must be a finite number`);
        num[i] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw new BadRequest(`row ${r}: feature '${f.name}' must be true or false`);
        num[i] = v ? 1 : 0;
        break;
      case 'string':
        if (typeof v !== 'string') throw new BadRequest(`row ${r}: feature '${f.name}' must be a string`);
        str[i] = v;
        break;
      case 'timestamp':
        num[i] = epochSeconds(v, f.name);
        break;
      default:
        throw new Error(`feature type ${f.type}`);
    }
  }
  return { entityId, num, str, missing: [], degraded: false };
}

function parseStored(v, type) {
  if (v === null || v === undefined) return NaN;
  if (type === 'boolean') {
    if (v === '1' || v === 'true' || v === 'TRUE' || v === 'True') return 1;
    if (v === '0' || v === 'false' || v === 'FALSE' || v === 'False') return 0;
    return NaN;
  }
  const d = Number(v);
  return v.trim() !== '' && Number.isFinite(d) ? d : NaN;
}

/** Every row's store features in one pipelined round trip, within the budget; null when it is missed. */
async function fetchStore(p, redis, rows) {
  if (p.patterns.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const row of rows) {
    for (const pat of p.patterns) pipeline.hmget(pat.prefix + row.entityId + pat.suffix, ...pat.names);
  }
  let timer;
  const budget = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), BUDGET_MS);
  });
  try {
    const replies = await Promise.race([pipeline.exec().catch(() => null), budget]);
    return replies;
  } finally {
    clearTimeout(timer);
  }
}

function applyStore(p, rows, replies) {
  let k = 0;
  for (const row of rows) {
    for (const pat of p.patterns) {
      const reply = replies ? replies[k] : null;
      const values = reply && !reply[0] ? reply[1] : null;
      k++;
      pat.fields.forEach(({ i }, j) => {
        const f = p.features[i];
        const v = values ? parseStored(values[j], f.type) : NaN;
        if (Number.isNaN(v)) {
          row.num[i] = Number(f.default);
          row.missing.push(f.name);
          row.degraded = row.degraded || !f.optional || values === null;
        } else {
          row.num[i] = v;
        }
      });
    }
  }
}

function bucket(bounds, x) {
  let n = 0;
  while (n < bounds.length && bounds[n] <= x) n++;
  return n;
}

function derive(p, row) {
  const num = row.num;
  for (const d of p.derived) {
    const x = num[d.a];
    let v;
    switch (d.op) {
      case 'ratio': {
        const y = num[d.b];
        const q = x / y;
        v = y === 0 || !Number.isFinite(q) ? d.fallback : q;
        break;
      }
      case 'difference':
        v = x - num[d.b];
        break;
      case 'log1p':
        v = x <= -1 ? d.fallback : Math.log1p(x);
        break;
      case 'bucket':
        v = bucket(d.boundaries, x);
        break;
      case 'hour_of_day':
        v = Math.floor((((Math.floor(x) % 86400) + 86400) % 86400) / 3600);
        break;
      case 'day_of_week':
        v = (((Math.floor(Math.floor(x) / 86400) + 3) % 7) + 7) % 7;
        break;
      case 'one_hot':
        v = 0;
        break;
      default:
        throw new Error(`derived op ${d.op}`);
    }
    num[d.i] = v;
  }
}

function assemble(p, rows) {
  const data = new Float32Array(rows.length * p.width);
  let o = 0;
  for (const row of rows) {
    for (const c of p.columns) {
      if (c.oneHot) {
        const d = c.oneHot;
        const isString = p.features[d.a].type === 'string';
        for (const cat of d.categories) {
          data[o++] = isString ? (row.str[d.a] === cat ? 1 : 0) : (Number(cat) === row.num[d.a] ? 1 : 0);
        }
      } else {
        data[o++] = row.num[c.i];
      }
    }
  }
  return data;
}

function label(output, score) {
  if (!output.thresholds || !output.labels) return undefined;
  let n = 0;
  while (n < output.thresholds.length && score >= output.thresholds[n]) n++;
  return output.labels[n];
}

async function main() {
  const { manifest, bytes } = loadManifest(MODEL_DIR);
  const p = plan(manifest);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: false, maxRetriesPerRequest: 1, lazyConnect: false });
  const columnsOut = p.output.column === undefined ? 0 : p.output.column;

  async function score(rows) {
    const replies = await fetchStore(p, redis, rows);
    applyStore(p, rows, replies);
    for (const row of rows) derive(p, row);
    const tensor = new ort.Tensor('float32', assemble(p, rows), [rows.length, p.width]);
    const out = await session.run({ [p.input.name]: tensor });
    const result = out[p.output.tensor];
    const cols = result.dims.length > 1 ? result.dims[1] : 1;
    return rows.map((row, r) => {
      const s = result.data[r * cols + columnsOut];
      return {
        entityId: row.entityId,
        score: s,
        label: Number.isFinite(s) ? label(p.output, s) : undefined,
        degraded: row.degraded,
        missingFeatures: row.missing,
      };
    });
  }

  const app = fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post('/predict', async (req, reply) => {
    try {
      const body = req.body;
      if (body === null || typeof body !== 'object') throw new BadRequest('the body must be a JSON object');
      if (body.model !== undefined && body.model !== manifest.name) {
        reply.code(404);
        return { error: `no model '${body.model}'` };
      }
      if (Array.isArray(body.rows)) {
        if (body.rows.length === 0 || body.rows.length > MAX_ROWS) {
          throw new BadRequest(`'rows' must hold 1 to ${MAX_ROWS} rows`);
        }
        const rows = body.rows.map((row, r) => readRow(p, row, r));
        return { model: manifest.name, version: manifest.version, predictions: await score(rows) };
      }
      const [prediction] = await score([readRow(p, body, 0)]);
      return { model: manifest.name, version: manifest.version, ...prediction };
    } catch (e) {
      if (e instanceof BadRequest) {
        reply.code(400);
        return { error: e.message };
      }
      throw e;
    }
  });
  // the bare endpoint of the same process: the framework's own floor
  app.get('/bare', async () => ({ ok: true }));
  app.get('/q/health/ready', async () => ({ status: 'UP' }));
  await app.listen({ port: PORT, host: HOST });
  process.stdout.write(`node peer listening on ${HOST}:${PORT} (model ${manifest.name} ${manifest.version})\n`);
}

main().catch((e) => {
  process.stderr.write(`node peer failed to start: ${e.stack || e}\n`);
  process.exit(1);
});
