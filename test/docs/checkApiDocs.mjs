// node test/docs/checkApiDocs.mjs
//
// Checks the API reference the way `npm run docs` builds it, plus what TypeDoc cannot: builds the
// TypeDoc model (warnings are errors: undocumented exports, broken {@link}s), requires an `@example`
// on every public function and factory, then type-checks every example against the sources and runs
// it on the cpu backend against the built package. Examples are written as tfjs-core's are: no
// imports; `tf` and the namespaces of tfjs-margin are in scope, and top-level `await` works.
// Prints one JSON report; exits 1 on any failure.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as td from 'typedoc';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = path.join(root, '.cache', 'doc-examples');
const failures = [];

// 1. The TypeDoc model, with the project's options (typedoc.json): any warning fails.
const app = await td.Application.bootstrapWithPlugins({ options: path.join(root, 'typedoc.json') }, [
  new td.TypeDocReader(),
  new td.TSConfigReader(),
]);
app.options.setValue('logLevel', 'Warn');
let warnings = 0;
app.logger.on?.('log', () => {});
const origWarn = app.logger.warn.bind(app.logger);
app.logger.warn = (...args) => {
  warnings++;
  failures.push(`typedoc: ${String(args[0])}`);
  return origWarn(...args);
};
const project = await app.convert();
if (project === undefined) {
  failures.push('typedoc: conversion failed');
} else {
  app.validate(project);
}

// 2. Every public function (factories included) has an @example with a ```ts block.
const examples = [];
const commentText = (parts) => parts.map((p) => p.text).join('');
function visit(reflection, prefix) {
  for (const child of reflection.children ?? []) {
    const name = prefix ? `${prefix}.${child.name}` : child.name;
    if (child.kindOf(td.ReflectionKind.Namespace)) {
      visit(child, name);
      continue;
    }
    if (!child.kindOf(td.ReflectionKind.Function)) continue;
    const comment = child.signatures?.[0]?.comment ?? child.comment;
    const tags = comment?.blockTags.filter((t) => t.tag === '@example') ?? [];
    const blocks = tags.flatMap((t) => [...commentText(t.content).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]));
    if (blocks.length === 0) failures.push(`${name}: no @example with a \`\`\`ts block`);
    blocks.forEach((code, i) => examples.push({ name: `${name}${blocks.length > 1 ? `#${i + 1}` : ''}`, code }));
  }
}
if (project !== undefined) visit(project, '');

// 3. Type-check every example against the sources.
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const PRELUDE =
  "import * as tf from '@tensorflow/tfjs';\n" +
  "import { MarginArgumentError, callbacks, checkpoint, data, fastPath, gallery, layers, losses, metrics, miners, ops } from 'tfjs-margin';\n" +
  'void MarginArgumentError, callbacks, checkpoint, data, fastPath, gallery, layers, losses, metrics, miners, ops;\n';
const files = examples.map((e, i) => {
  if (/^\s*import\s/m.test(e.code))
    failures.push(`${e.name}: examples have no imports (tf and the namespaces are in scope)`);
  const file = path.join(work, `example${i}.ts`);
  writeFileSync(file, `${PRELUDE}export async function run(): Promise<void> {\n${e.code}}\n`);
  return file;
});
const program = ts.createProgram(files, {
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
  types: [],
  baseUrl: root,
  paths: { 'tfjs-margin': ['./src/index.ts'] },
});
for (const d of ts.getPreEmitDiagnostics(program)) {
  const file = d.file?.fileName ?? '';
  const index = files.indexOf(file);
  const where = index >= 0 ? examples[index].name : file;
  failures.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

// 4. Run every example on the cpu backend against the built package.
const tf = await import('@tensorflow/tfjs');
await tf.setBackend('cpu');
const ran = [];
const quiet = { log: console.log, warn: console.warn };
for (const [i, e] of examples.entries()) {
  const js = ts.transpileModule(PRELUDE + `export async function run() {\n${e.code}}\n`, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext },
  }).outputText;
  const file = path.join(work, `example${i}.mjs`);
  writeFileSync(file, js);
  console.log = () => {};
  console.warn = () => {};
  try {
    const mod = await import(pathToFileURL(file).href);
    await mod.run();
    ran.push(e.name);
  } catch (err) {
    failures.push(`${e.name}: threw ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    console.log = quiet.log;
    console.warn = quiet.warn;
  }
}

console.log(JSON.stringify({ examples: examples.length, ran: ran.length, warnings, failures }, null, 2));
process.exit(failures.length === 0 ? 0 : 1);
