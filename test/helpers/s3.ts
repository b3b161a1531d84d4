/**
 * A real S3-compatible server on loopback for tests and benches: s3rver (npm) in a child process of
 * its own (a render blocking the test's event loop must not stall the store), on a free port, in a
 * temp dir of its own, with one bucket. It can be stopped and started again on the same port with
 * the same objects (an object store outage).
 *
 *   const s3 = await LocalS3.start();
 *   const config = r.config({ ...s3.env() });     // EASEL_BLOB_STORE=s3 and the EASEL_S3_* settings
 *   await s3.stop(); await s3.start();
 *   await s3.objectKeys();                        // what the bucket holds
 *   await s3.close();
 *
 * The AWS SDK takes credentials from its standard chain: the process gets s3rver's fixed test keys
 * (and the instance-metadata lookup is turned off, so the SDK never tries an address off this machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export const S3_TEST_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_EC2_METADATA_DISABLED: 'true' } as const;

/** Credentials for the SDK in this process (set before any S3 client is made). */
export function useS3TestCredentials(): void {
  Object.assign(process.env, S3_TEST_CREDENTIALS, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
}

const S3RVER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 's3rver', 'bin', 's3rver.js');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

export class LocalS3 {
  private server?: ChildProcess;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'easel-s3-'));
  private client?: S3Client;
  port = 0;

  private constructor(readonly bucket: string) {}

  static async start(bucket = 'easel-test'): Promise<LocalS3> {
    useS3TestCredentials();
    const s3 = new LocalS3(bucket);
    await s3.start();
    return s3;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The environment that points Easel at this server (plus the credentials for a child process). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      EASEL_BLOB_STORE: 's3',
      EASEL_S3_ENDPOINT: this.endpoint,
      EASEL_S3_BUCKET: this.bucket,
      EASEL_S3_REGION: 'us-east-1',
      EASEL_S3_FORCE_PATH_STYLE: 'true',
      ...S3_TEST_CREDENTIALS,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...extra,
    };
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.port ||= await freePort();
    const server = spawn(process.execPath, [S3RVER_BIN, '--directory', this.dir, '--address', '127.0.0.1', '--port', String(this.port), '--silent', '--configure-bucket', this.bucket], { stdio: 'ignore' });
    this.server = server;
    const deadline = Date.now() + 20_000;
    while (!(await answers(this.port))) {
      if (server.exitCode !== null) throw new Error(`s3rver exited (${server.exitCode})`);
      if (Date.now() > deadline) throw new Error('s3rver did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stop answering (connections are refused) until start(); the objects stay. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGKILL');
    await exited;
  }

  private get s3(): S3Client {
    this.client ??= new S3Client({ endpoint: this.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    return this.client;
  }

  async objectKeys(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(out.Contents ?? []).map((o) => o.Key!));
      token = out.NextContinuationToken;
    } while (token);
    return keys;
  }

  /** Delete an object behind Easel's back (a lifecycle rule, an operator). */
  async deleteObject(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async close(): Promise<void> {
    this.client?.destroy();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
