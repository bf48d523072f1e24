#!/usr/bin/env node
// Opens a page of web/ in headless Debian Chromium (playwright-core, flags from TOOLCHAIN.md) and prints the page's
// window.wasmgraphResult as JSON on stdout. Used by tests/Web.Tests to compare the browser's numbers with Wasmtime's.
//
//   node browser-run.mjs CONFIG.json
// CONFIG: { "nodeModules": DIR, "chromium": PATH, "root": DIR (served at /), "files": { "/url": PATH, … },
//           "page": "/demo/index.html?…", "screenshot": PATH (optional), "timeoutMs": N,
//           "crossOriginIsolated": true (optional: every response carries COOP same-origin and COEP require-corp,
//           which a page needs to share memory with workers: threaded modules) }
// Serves only on 127.0.0.1 (an ephemeral port) and stops the server and the browser before exiting.

import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(await readFile(process.argv[2], 'utf8'));
const { chromium } = await import(pathToFileURL(join(config.nodeModules, 'playwright-core', 'index.mjs')).href);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
                '.png': 'image/png', '.jpg': 'image/jpeg', '.json': 'application/json' };

// The two headers that make a page cross-origin isolated (SharedArrayBuffer, a shared WebAssembly.Memory posted to
// workers); same-origin subresources need nothing more under require-corp.
const isolation = config.crossOriginIsolated
  ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
  : {};

const server = createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
  const file = config.files?.[path] ?? join(config.root, normalize(path).replace(/^(\.\.[/\\])+/, ''));
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...isolation });
    response.end(body);
  } catch {
    response.writeHead(404);
    response.end('not found');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const profile = await mkdtemp(join(tmpdir(), 'wasmgraph-chromium-'));
let browser;
let exitCode = 0;
try {
  // A persistent context is how playwright takes a fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1000, height: 1100 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
  await page.goto(base + config.page);
  await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error',
                             null, { timeout: config.timeoutMs ?? 60000 });
  const result = await page.evaluate(() => window.wasmgraphResult);
  // What the results panel shows, and how many elements in it are not table parts: a module's strings (output names)
  // must arrive as text, never as markup.
  result.panel = await page.evaluate(() => ({
    text: document.getElementById('results')?.textContent ?? '',
    foreignElements: [...document.querySelectorAll('#results *')].filter((e) => !['TABLE', 'TBODY', 'TR', 'TH', 'TD'].includes(e.tagName)).length,
  }));
  if (config.screenshot) await page.screenshot({ path: config.screenshot, fullPage: true });
  result.browser = browser.browser()?.version() ?? 'chromium';
  result.console = console_;
  // Wait for the write to drain: process.exit() below drops what a pipe has not taken yet, and the result (now with
  // the results panel's text) can pass the pipe's 64 KiB, which cut the JSON at byte 65536 under load.
  await new Promise((resolve) => process.stdout.write(JSON.stringify(result), resolve));
  if (result.error) exitCode = 1;
} catch (e) {
  process.stderr.write(`browser-run: ${e.stack ?? e}\n`);
  exitCode = 1;
} finally {
  await browser?.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
process.exit(exitCode);
