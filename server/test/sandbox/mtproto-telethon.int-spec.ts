import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { SandboxHandle, startSandbox } from '../../src/sandbox';
import { control } from './bot-helpers';

/**
 * The MTProto door driven by Telethon v1 (Debian's python3-telethon, installed by `.ci/run`), whose
 * key exchange still encrypts p_q_inner_data the older way: sha1(data) + data + padding, raw RSA.
 * The probe uses Telethon's own MTProtoSender and connection classes over each of its transports.
 */

const PYTHON = '/usr/bin/python3';
const PROBE = path.join(__dirname, 'clients', 'telethon_probe.py');
const API_ID = 94575;

interface ProbeResult {
  telethon: string;
  transport: string;
  this_dc: number;
  ping_id: number;
  auth_key_id: string;
}

type Stats = { handshakesByEncryption: Record<string, number>; attemptsByAuthKey: Record<string, number> };

let sandbox: SandboxHandle;

function probe(transport: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PROBE, sandbox.mtprotoHost, String(sandbox.mtprotoPort), transport, String(API_ID)]);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.stdin.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`Telethon probe exited with ${code} (is python3-telethon installed?): ${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ProbeResult);
    });
    child.stdin.end(sandbox.publicKey.pem);
  });
}

async function stats(): Promise<Stats> {
  return (await control<Stats>(sandbox, 'GET', '/sandbox/mtproto/stats')).body;
}

beforeAll(async () => {
  sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
});

afterAll(async () => {
  await sandbox.close();
});

describe('sandbox MTProto door with Telethon v1 (older p_q_inner_data encryption)', () => {
  it.each(['full', 'abridged', 'intermediate', 'obfuscated'])(
    'makes a key with the sha1 + padding encryption over %s, then answers help.getNearestDc and ping',
    async (transport) => {
      const before = (await stats()).handshakesByEncryption.rsa_sha1 ?? 0;
      const result = await probe(transport);
      expect(result).toMatchObject({ transport, this_dc: 2, ping_id: 4242 });
      const after = await stats();
      expect(after.handshakesByEncryption.rsa_sha1).toBe(before + 1);
      // The key Telethon computed is the one the door registered and used.
      expect(after.attemptsByAuthKey[result.auth_key_id]).toBeGreaterThanOrEqual(1);
    },
  );
});
