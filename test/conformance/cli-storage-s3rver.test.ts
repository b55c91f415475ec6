import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3RVER_KEY, type S3rver, startS3rver } from "../support/s3rver.js";

const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let server: S3rver;

/** s3rver's keys in the environment, as a user of the AWS tools would have them; nothing else inherited. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|AWS_|XDG_CONFIG_HOME$)/.test(k)),
  );
  return {
    ...clean,
    NO_COLOR: "1",
    XDG_CONFIG_HOME: join(dir, "config"),
    OMNICLOUD_LOCAL_ROOT: join(dir, "local"),
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    AWS_REGION: "us-east-1",
    // No ~/.aws of the machine running the tests.
    AWS_CONFIG_FILE: join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
    ...extra,
  };
}

function cli(args: string[], extra: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000,
    env: env(extra),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI against s3rver: s3:// URLs with --endpoint. */
function s3(args: string[]): Run {
  return cli([...args, "--endpoint", server.endpoint]);
}

function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** A plain HTTP client, no omnicloud and no credentials: what someone given a signed URL would use. */
function fetchPlain(url: string, method = "GET", body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      { method, ...(body ? { headers: { "content-length": body.length } } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-s3-"));
  server = await startS3rver();
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("omnicloud storage against s3rver", () => {
  it("puts, lists, stats, gets and copies between a local path and S3", async () => {
    expect(s3(["storage", "mb", "s3://alpha"]).code).toBe(0);
    const data = randomBytes(300_000);
    const file = join(dir, "photo.jpg");
    await writeFile(file, data);
    const put = s3(["storage", "put", file, "s3://alpha/pics/"]);
    expect(put).toMatchObject({ code: 0, stderr: "" });

    const lines = s3(["storage", "ls", "-r", "s3://alpha", "--jsonl"]).stdout.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ provider: "s3", kind: "object", name: "pics/photo.jpg", size: data.length }),
    ]);
    const stat = JSON.parse(s3(["storage", "stat", "s3://alpha/pics/photo.jpg", "--json"]).stdout) as {
      size: number;
      contentType: string;
      etag: string;
    };
    expect(stat).toMatchObject({ size: data.length, contentType: "image/jpeg", etag: md5(data) });

    const copy = join(dir, "photo-copy.jpg");
    expect(s3(["storage", "cp", "s3://alpha/pics/photo.jpg", copy]).code).toBe(0);
    expect(md5(await readFile(copy))).toBe(md5(data));
    const missing = s3(["storage", "get", "s3://alpha/pics/nope.jpg", join(dir, "nope.jpg")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("copies between providers both ways, multipart, and recursively", async () => {
    const big = randomBytes(12 * 1024 * 1024 + 123);
    const file = join(dir, "big.bin");
    await writeFile(file, big);
    expect(s3(["storage", "mb", "local://mirror"]).code).toBe(0);
    expect(s3(["storage", "put", file, "local://mirror/big.bin"]).code).toBe(0);
    // local:// → s3:// streams through this process, multipart in 5 MiB parts, 2 at a time.
    const up = s3([
      "storage",
      "cp",
      "local://mirror/big.bin",
      "s3://alpha/big.bin",
      "--part-size",
      "5M",
      "--concurrency",
      "2",
    ]);
    expect(up).toMatchObject({ code: 0, stderr: "" });
    const down = s3(["storage", "cp", "s3://alpha/big.bin", "local://mirror/big-back.bin"]);
    expect(down.code).toBe(0);
    expect(md5(await readFile(join(dir, "local", "mirror", "big-back.bin")))).toBe(md5(big));

    const tree = join(dir, "tree");
    await mkdir(join(tree, "a", "b"), { recursive: true });
    await writeFile(join(tree, "one.txt"), "1");
    await writeFile(join(tree, "a", "two.txt"), "22");
    await writeFile(join(tree, "a", "b", "three.txt"), "333");
    expect(s3(["storage", "cp", "-r", tree, "s3://alpha/tree/"]).code).toBe(0);
    const across = s3(["storage", "cp", "-r", "s3://alpha/tree", "local://mirror/tree-copy", "--json"]);
    expect(across.code).toBe(0);
    expect(JSON.parse(across.stdout)).toMatchObject({ objects: 3, bytes: 6 });
    expect(await readFile(join(dir, "local", "mirror", "tree-copy", "a", "b", "three.txt"), "utf8")).toBe(
      "333",
    );
  });

  it("signs URLs a plain HTTP client can use, for GET and PUT", async () => {
    const url = s3(["storage", "sign", "s3://alpha/pics/photo.jpg", "--expires", "5m"]).stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/alpha\/pics\/photo\.jpg\?.*X-Amz-Signature=/);
    const got = await fetchPlain(url);
    expect(got.status).toBe(200);
    expect(md5(got.body)).toBe(md5(await readFile(join(dir, "photo.jpg"))));

    const signed = JSON.parse(
      s3(["storage", "sign", "s3://alpha/upload.txt", "--method", "PUT", "--json"]).stdout,
    ) as {
      url: string;
      method: string;
    };
    expect(signed.method).toBe("PUT");
    expect((await fetchPlain(signed.url, "PUT", Buffer.from("sent by curl\n"))).status).toBe(200);
    expect(s3(["storage", "get", "s3://alpha/upload.txt", "-"]).stdout).toBe("sent by curl\n");
    const bad = s3(["storage", "sign", "s3://alpha/x", "--expires", "soon"]);
    expect(bad.code).toBe(2);
  });

  it("opens S3 through a profile, as a URL scheme or with --profile, and with --provider minio", async () => {
    await mkdir(join(dir, "config", "omnicloud"), { recursive: true });
    await writeFile(
      join(dir, "config", "omnicloud", "config.json"),
      JSON.stringify({
        profiles: {
          dev: {
            service: "storage",
            provider: "s3",
            options: {
              endpoint: server.endpoint,
              region: "us-east-1",
              credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
            },
          },
        },
      }),
    );
    const noKeys = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" };
    const viaScheme = cli(["storage", "ls", "dev://alpha/pics/"], noKeys);
    expect(viaScheme.code).toBe(0);
    expect(viaScheme.stdout).toContain("photo.jpg");
    expect(cli(["--profile", "dev", "storage", "stat", "s3://alpha/pics/photo.jpg"], noKeys).code).toBe(0);
    expect(
      cli(["storage", "ls", "s3://alpha/pics/"], { ...noKeys, OMNICLOUD_PROFILE: "dev" }).stdout,
    ).toContain("photo.jpg");
    const buckets = cli(["storage", "ls", "--profile", "dev", "--json"], noKeys);
    expect((JSON.parse(buckets.stdout) as Array<{ name: string }>).map((b) => b.name)).toContain("alpha");
    // The same server as a named S3-compatible provider.
    const minio = s3(["storage", "ls", "s3://alpha/pics/", "--provider", "minio", "--jsonl"]);
    expect(JSON.parse(minio.stdout.trim()) as { provider: string }).toMatchObject({ provider: "minio" });
    const missing = cli(["--profile", "prod", "storage", "ls", "s3://alpha"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no profile "prod".*config\.json/);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    await rm(join(dir, "config"), { recursive: true, force: true });
  });

  it("--debug prints the redacted HTTP trace on stderr, and never the secret", () => {
    const r = s3(["storage", "ls", "s3://", "--debug"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^omnicloud s3 GET http:\/\/127\.0\.0\.1:\d+\/ -> 200 [\d.]+ ms/m);
    const signed = s3(["storage", "sign", "s3://alpha/pics/photo.jpg", "--debug"]);
    // The signature is for the user on stdout; a trace line never carries one.
    expect(signed.stderr).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
    expect(r.stderr + signed.stderr).not.toContain(`Credential=${S3RVER_KEY}%2F`);
  });

  it("removes objects and a full bucket", () => {
    expect(s3(["storage", "rm", "s3://alpha/pics/photo.jpg"]).code).toBe(0);
    expect(s3(["storage", "stat", "s3://alpha/pics/photo.jpg"]).code).toBe(3);
    const rb = s3(["storage", "rb", "s3://alpha"]);
    expect(rb.code).toBe(11);
    expect(rb.stderr).toMatch(/--force/);
    expect(s3(["storage", "rb", "--force", "s3://alpha"]).code).toBe(0);
    const after = s3(["storage", "ls", "s3://", "--json"]);
    expect((JSON.parse(after.stdout) as Array<{ name: string }>).map((b) => b.name)).not.toContain("alpha");
  });
});
