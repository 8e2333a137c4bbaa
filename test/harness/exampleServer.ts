import { type ChildProcess, spawn } from 'node:child_process';

/** A browser example's build-and-serve script, running on a free port. */
export interface ExampleServer {
  url: string;
  /** What the script printed up to its URL line (its build summary). */
  printed: string;
  process: ChildProcess;
}

/**
 * Starts an example's own `serve.mjs`, as its `npm run example:…` script does, with `PORT=0`, and
 * resolves once it prints `open <url>`; rejects with its output if it exits first.
 */
export function startExampleServer(script: string): Promise<ExampleServer> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, PORT: '0' } });
  return new Promise<ExampleServer>((resolve, reject) => {
    let printed = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const m = /open (http:\/\/\S+)/.exec(printed);
      if (m) resolve({ url: m[1]!, printed, process: child });
    });
    child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${printed}`)));
  });
}
