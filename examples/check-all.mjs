#!/usr/bin/env node
// Checks that every example runs. Builds nothing of the library: run `npm run build` first for the
// steps that use the built package (they say "skipped" otherwise).
//
//   node examples/check-all.mjs
//
// 1. vitest on test/examples: each example's main() on the sources, against the registrar double.
// 2. With dist/ present: the TypeScript examples compiled to a temporary folder and run as programs,
//    importing `sip-registrant` and `sip-registrant/testing` from the built package, as an
//    application would.
// 3. With examples/sqlite-loader/node_modules present (run `npm install` there) and dist/ present:
//    the SQLite loader's self-test.
//
// Exits 1 when a step that ran failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = join(root, 'examples');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const built =
  existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'testing', 'index.js'));

/** The programs of step 2, and a line each must print to count as a success. */
const programs = [
  { name: 'embed-udp', expect: 'registrar double bindings left: 0' },
  { name: 'host-transport-adapter', expect: 'registrar double bindings left: 0' },
];

/** Run a command; resolves with its exit code and output. Killed after `timeoutMs`. */
function run(command, args, { cwd = root, timeoutMs = 120_000, quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 1, output: `${output}\n${error.message}\n` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}

const results = [];
function record(step, status, detail = '') {
  results.push({ step, status, detail });
  console.log(`\n== ${step}: ${status}${detail ? ` (${detail})` : ''}\n`);
}

// 1. The tests.
{
  const { code } = await run(bin('vitest'), ['run', 'test/examples']);
  record('vitest test/examples', code === 0 ? 'ok' : 'FAILED');
}

// 2. The TypeScript examples as programs, on the built package.
if (!built) {
  for (const { name } of programs) record(`run ${name}`, 'skipped', 'no dist/: run npm run build');
} else {
  const work = mkdtempSync(join(tmpdir(), 'sip-registrant-examples-'));
  try {
    const out = join(work, 'out');
    // Type-checked against dist/*.d.ts (the package's own name resolves to its exports), not src.
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          rootDir: examples,
          outDir: out,
        },
        files: programs.map(({ name }) => join(examples, name, 'main.ts')),
      }),
    );
    // The compiled programs live outside the repository: give them the package the way an
    // application has it, in node_modules.
    writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
    const modules = join(work, 'node_modules');
    mkdirSync(modules);
    symlinkSync(root, join(modules, 'sip-registrant'), 'dir');

    const compiled = await run(bin('tsc'), ['-p', join(work, 'tsconfig.json')]);
    if (compiled.code !== 0) {
      for (const { name } of programs) record(`run ${name}`, 'FAILED', 'tsc could not compile the examples');
    } else {
      for (const { name, expect } of programs) {
        const { code, output } = await run(process.execPath, [join(out, name, 'main.js')], {
          cwd: work,
          timeoutMs: 30_000,
        });
        const ok = code === 0 && output.split('\n').includes(expect);
        record(`run ${name}`, ok ? 'ok' : 'FAILED', ok ? '' : `exit ${code}, expected a line "${expect}"`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// 3. The SQLite loader's own self-test.
const sqlite = join(examples, 'sqlite-loader');
if (!existsSync(join(sqlite, 'node_modules'))) {
  record('sqlite-loader self-test', 'skipped', 'run npm install in examples/sqlite-loader');
} else if (!built) {
  record('sqlite-loader self-test', 'skipped', 'no dist/: run npm run build');
} else {
  const { code } = await run(process.execPath, ['loader.mjs', '--self-test'], {
    cwd: sqlite,
    timeoutMs: 60_000,
  });
  record('sqlite-loader self-test', code === 0 ? 'ok' : 'FAILED');
}

console.log('Summary');
for (const { step, status, detail } of results)
  console.log(`  ${status.padEnd(8)} ${step}${detail ? ` — ${detail}` : ''}`);
if (results.some(({ status }) => status === 'FAILED')) process.exitCode = 1;
