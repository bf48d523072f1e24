// Load test of `wasmgraph serve` with autocannon (npm, 9.0.0), against loopback only, every phase bounded in time.
// Started by bench/serve/run.sh, which builds, compiles the two models and installs autocannon; see docs/serving.md.
//
// For each instance count it starts the server as a user would (`dotnet artifacts/host/WasmGraph.Cli.dll serve
// resnet18.wasm minilm.wasm --instances N --port 0`, every other setting at its default), then:
//   1. sustained: one connection per instance, per model: throughput and latency p50/p99;
//   2. overload: 4x the connections the server can hold (instances + queue) on ResNet18: how many are answered,
//      how many refused with 429, and whether memory stays bounded;
//   3. hostile: the sustained ResNet18 load again while another client sends malformed JSON, wrong shapes and
//      datatypes, oversized bodies, unknown models and slowloris bodies; each must get a 4xx, the good load none.
// Every 200 is checked against the answer to the same request before the load (same module, same input, same bits).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => a.startsWith('--') ? [a.slice(2), all[i + 1]] : null).filter(Boolean));
const hostDll = args['host-dll'];
const resnet = args['resnet'];
const minilm = args['minilm'];
const seconds = Number(args['seconds'] ?? 15);
const instanceCounts = (args['instances'] ?? '1,2').split(',').map(Number);
const out = args['out'];

// ---- requests ---------------------------------------------------------------------------------------------------
function seededFloats(n, seed) {
  const values = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 4294967296) * 255;
  }
  return values;
}

// ResNet18: the 1x3x224x224 input as binary tensor data (602 KB), the 512-d embedding back as JSON.
const pixels = Buffer.from(seededFloats(3 * 224 * 224, 42).buffer);
const resnetHeader = Buffer.from(JSON.stringify({
  inputs: [{ name: 'Input247', shape: [1, 3, 224, 224], datatype: 'FP32', parameters: { binary_data_size: pixels.length } }],
}));
const resnetRequest = {
  method: 'POST', path: '/v2/models/resnet18/infer',
  headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(resnetHeader.length) },
  body: Buffer.concat([resnetHeader, pixels]),
};

// MiniLM: 128 INT64 token ids (a sentence, then padding) as JSON; only the pooled 384-d output "924" back.
const ids = [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102];
const sequence = Array.from({ length: 128 }, (_, i) => i < ids.length ? ids[i] : 0);
const minilmRequest = {
  method: 'POST', path: '/v2/models/minilm/infer',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    inputs: [
      { name: 'input_ids', shape: [1, 128], datatype: 'INT64', data: sequence },
      { name: 'attention_mask', shape: [1, 128], datatype: 'INT64', data: sequence.map((_, i) => i < ids.length ? 1 : 0) },
      { name: 'token_type_ids', shape: [1, 128], datatype: 'INT64', data: sequence.map(() => 0) },
    ],
    outputs: [{ name: '924' }],
  }),
};

// ---- the server -------------------------------------------------------------------------------------------------
function startServer(instances) {
  return new Promise((resolve, reject) => {
    const child = spawn('dotnet', [hostDll, 'serve', `resnet18=${resnet}`, `minilm=${minilm}`, '--instances', String(instances), '--port', '0'],
                        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WASMGRAPH_Logging__LogLevel__WasmGraph: 'Warning' } });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/serving .* on (http:\/\/127\.0\.0\.1:(\d+))/);
      if (match) {
        resolve({ child, url: match[1], port: Number(match[2]), output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`the server did not listen within 300 s:\n${output}`)), 300_000).unref();
  });
}

function stopServer(server) {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.on('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}

function peakRssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)[1]) / 1024;
}

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
}

function once(url, request) {
  return new Promise((resolve, reject) => {
    const req = http.request(url + request.path, { method: request.method, headers: request.headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

// ---- autocannon with every answer checked -------------------------------------------------------------------------
async function load(url, request, expected, connections, duration) {
  let checked = 0;
  let wrong = 0;
  const result = await autocannon({
    url, connections, duration, timeout: 60,
    requests: [{
      ...request,
      onResponse: (status, body) => {
        if (status === 200) {
          checked++;
          if (body !== expected) wrong++;
        }
      },
    }],
  });
  const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  return {
    connections, seconds: duration,
    requestsPerSecond: result.requests.average,
    ok: codes['200'] ?? 0, codes, errors: result.errors, timeouts: result.timeouts,
    p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max,
    checked, wrong,
  };
}

// What one client sees during the overload: its own requests, one after another, timed by status.
async function probe(url, request, duration) {
  const times = {};
  const deadline = Date.now() + duration * 1000;
  while (Date.now() < deadline) {
    const start = performance.now();
    const { status } = await once(url, request).catch(() => ({ status: 'error' }));
    (times[status] ??= []).push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 100));
  }
  const percentile = (list, p) => list.sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))];
  return Object.fromEntries(Object.entries(times).map(([status, list]) => [status, { count: list.length, p50: percentile(list, 0.5), p99: percentile(list, 0.99) }]));
}

// ---- hostile requests ---------------------------------------------------------------------------------------------
function raw(port, text, trickle) {
  // Sends `text`, then (for a slowloris body) one byte every 200 ms; resolves with the status line or 'closed'.
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let timer;
    socket.on('connect', () => {
      socket.write(text);
      if (trickle) timer = setInterval(() => socket.write('{'), 200);
    });
    socket.on('data', (d) => { answer += d; });
    const done = () => { clearInterval(timer); resolve(answer.split('\r\n')[0] || 'closed'); };
    socket.on('close', done);
    socket.on('error', () => {});
    setTimeout(() => socket.destroy(), 30_000).unref();
  });
}

async function hostile(url, port) {
  const post = (path, body, headers = { 'content-type': 'application/json' }) => once(url, { method: 'POST', path, headers, body });
  const cases = {
    'malformed JSON': () => post('/v2/models/resnet18/infer', '{"inputs":[{"name":'),
    'wrong shape': () => post('/v2/models/resnet18/infer', JSON.stringify({ inputs: [{ name: 'Input247', shape: [1, 3, 2, 2], datatype: 'FP32', data: new Array(12).fill(0) }] })),
    'wrong datatype': () => post('/v2/models/minilm/infer', minilmRequest.body.replaceAll('"INT64"', '"FP32"')),
    'unknown model': () => post('/v2/models/resnet50/infer', '{}'),
    'oversized body (65 MiB declared)': () => raw(port, 'POST /v2/models/resnet18/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 68157440\r\n\r\n{', false),
    'slowloris body': () => raw(port, 'POST /v2/models/resnet18/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n', true),
  };
  const results = {};
  const deadline = Date.now() + (seconds - 2) * 1000;
  while (Date.now() < deadline) {
    await Promise.all(Object.entries(cases).map(async ([name, send]) => {
      const r = await send();
      const status = typeof r === 'string' ? r.replace('HTTP/1.1 ', '').split(' ')[0] : String(r.status);
      results[name] ??= {};
      results[name][status] = (results[name][status] ?? 0) + 1;
    }));
  }
  return results;
}

// ---- the run ------------------------------------------------------------------------------------------------------
const report = { date: new Date().toISOString(), seconds, machine: `${(await import('node:os')).cpus().length} cores`, runs: [] };
for (const instances of instanceCounts) {
  const server = await startServer(instances);
  const pid = server.child.pid;
  const run = { instances, queue: 4 * instances };
  try {
    const expectedResnet = await once(server.url, resnetRequest);
    const expectedMinilm = await once(server.url, minilmRequest);
    if (expectedResnet.status !== 200 || expectedMinilm.status !== 200) {
      throw new Error(`reference requests failed: ${expectedResnet.body.slice(0, 200)} ${expectedMinilm.body.slice(0, 200)}`);
    }
    run.loadedRssMiB = rssMiB(pid);
    await load(server.url, resnetRequest, expectedResnet.body, instances, 3); // warm-up, not reported
    run.resnet18 = await load(server.url, resnetRequest, expectedResnet.body, instances, seconds);
    await load(server.url, minilmRequest, expectedMinilm.body, instances, 3);
    run.minilm = await load(server.url, minilmRequest, expectedMinilm.body, instances, seconds);
    const beforeOverload = rssMiB(pid);
    const [overload, probed] = await Promise.all([
      load(server.url, resnetRequest, expectedResnet.body, 4 * (instances + run.queue), seconds),
      probe(server.url, resnetRequest, seconds - 1),
    ]);
    run.overload = { ...overload, probe: probed };
    run.overload.rssBeforeMiB = beforeOverload;
    run.overload.rssAfterMiB = rssMiB(pid);
    const [good, attacks] = await Promise.all([
      load(server.url, resnetRequest, expectedResnet.body, instances, seconds),
      hostile(server.url, server.port),
    ]);
    run.hostile = { good, attacks };
    run.peakRssMiB = peakRssMiB(pid);
  } finally {
    run.exitCode = await stopServer(server);
  }
  report.runs.push(run);
  console.error(JSON.stringify(run));
}

const f = (x, d = 1) => Number(x).toFixed(d);
const lines = [
  `| instances | model | req/s | p50 ms | p99 ms | 200s checked (wrong) | non-200 |`,
  `|---:|---|---:|---:|---:|---:|---:|`,
];
for (const run of report.runs) {
  for (const model of ['resnet18', 'minilm']) {
    const r = run[model];
    lines.push(`| ${run.instances} | ${model} | ${f(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.checked} (${r.wrong}) | ${r.errors + r.timeouts + Object.entries(r.codes).filter(([c]) => c !== '200').reduce((a, [, n]) => a + n, 0)} |`);
  }
}
lines.push('', `| instances | overload connections | 200/s | 429/s | other | p50 ms | p99 ms | one client's 429: p50 / p99 ms | wrong | RSS before → after MiB |`, `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
for (const run of report.runs) {
  const o = run.overload;
  const other = Object.entries(o.codes).filter(([c]) => c !== '200' && c !== '429').reduce((a, [, n]) => a + n, 0) + o.errors + o.timeouts;
  const refused = o.probe['429'];
  lines.push(`| ${run.instances} | ${o.connections} | ${f(o.ok / o.seconds)} | ${f((o.codes['429'] ?? 0) / o.seconds)} | ${other} | ${o.p50} | ${o.p99} | ${refused ? `${f(refused.p50)} / ${f(refused.p99)} (${refused.count})` : 'none'} | ${o.wrong} | ${f(o.rssBeforeMiB, 0)} → ${f(o.rssAfterMiB, 0)} |`);
}
lines.push('', `| instances | good load req/s | p50 ms | p99 ms | good non-200 | hostile answers (status: count) | peak RSS MiB | exit |`, `|---:|---:|---:|---:|---:|---|---:|---:|`);
for (const run of report.runs) {
  const g = run.hostile.good;
  const attacks = Object.entries(run.hostile.attacks).map(([name, codes]) => `${name}: ${Object.entries(codes).map(([c, n]) => `${c}×${n}`).join(' ')}`).join('; ');
  lines.push(`| ${run.instances} | ${f(g.requestsPerSecond)} | ${g.p50} | ${g.p99} | ${g.errors + g.timeouts + (g.connections ? Object.entries(g.codes).filter(([c]) => c !== '200').reduce((a, [, n]) => a + n, 0) : 0)} | ${attacks} | ${f(run.peakRssMiB, 0)} | ${run.exitCode} |`);
}
const markdown = lines.join('\n');
console.log(markdown);
if (out) {
  fs.writeFileSync(out, JSON.stringify(report, null, 2));
}
