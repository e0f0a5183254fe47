// `npm start`'s sandbox supervisor on its own: runs src/sandbox/main.ts (from source, ports from the environment)
// under it and reports the sandbox's process id on stdout, so a fault test can kill the sandbox as a crash would.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseSandbox } from './sandbox-process.mjs';

const server = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sandbox = await superviseSandbox({
  entry: path.join(server, 'src', 'sandbox', 'main.ts'),
  execArgv: ['-r', '@swc-node/register'],
  cwd: server,
  env: process.env,
});
if (sandbox.state !== 'running') process.exit(1);
let reported;
setInterval(() => {
  if (sandbox.pid() === reported) return;
  reported = sandbox.pid();
  process.stdout.write(`sandbox pid ${reported}\n`);
}, 50);
process.on('SIGTERM', () => void sandbox.stop().then(() => process.exit(0)));
