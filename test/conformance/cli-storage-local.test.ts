import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.js";
import { openStorage } from "../../src/storage/open.js";

const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let root: string;

/** The environment of every run: its own config folder and local root, nothing inherited that could leak in. */
function env(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|AWS_|XDG_CONFIG_HOME$)/.test(k)),
  );
  return { ...clean, NO_COLOR: "1", XDG_CONFIG_HOME: join(dir, "config"), OMNICLOUD_LOCAL_ROOT: root };
}

/** The CLI from source as a subprocess, as a user's shell runs it (stdin, stdout and stderr are pipes). */
function cli(args: string[], input?: string | Buffer): Run {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: env(),
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** One line on stderr, and the exit code. */
function failsWith(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-storage-"));
  root = join(dir, "root");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("omnicloud storage on the local provider", () => {
  it("makes a container, uploads, lists, stats, downloads and removes", async () => {
    const file = join(dir, "hello.txt");
    await writeFile(file, "hello, world\n");
    expect(cli(["storage", "mb", "local://box"])).toMatchObject({ code: 0, stdout: "made local://box\n" });
    failsWith(cli(["storage", "mb", "local://box"]), 4, /AlreadyExists/);

    const put = cli(["storage", "put", file, "local://box/docs/"]);
    expect(put.code).toBe(0);
    expect(put.stdout).toContain("uploaded");
    expect(put.stderr).toBe("");

    const ls = cli(["storage", "ls", "local://box/"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout.split("\n")[0]).toMatch(/^MODIFIED\s+SIZE\s+NAME$/);
    expect(ls.stdout).toMatch(/PRE\s+docs\/\n/);

    const lines = cli(["storage", "ls", "-r", "local://box", "--jsonl"]).stdout.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l) as { name: string; size: number })).toEqual([
      expect.objectContaining({ name: "docs/hello.txt", size: 13, kind: "object", provider: "local" }),
    ]);

    const stat = cli(["storage", "stat", "local://box/docs/hello.txt", "--json"]);
    expect(stat.code).toBe(0);
    const info = JSON.parse(stat.stdout) as { size: number; checksums: { md5: string }; contentType: string };
    expect(info).toMatchObject({
      size: 13,
      contentType: "text/plain",
      checksums: { md5: md5(Buffer.from("hello, world\n")) },
    });

    const out = join(dir, "out.txt");
    expect(cli(["storage", "get", "local://box/docs/hello.txt", out]).code).toBe(0);
    expect(await readFile(out, "utf8")).toBe("hello, world\n");

    failsWith(cli(["storage", "rm", "local://box/docs/nope.txt"]), 3, /NotFoundError: .*nope\.txt/);
    expect(cli(["storage", "rm", "-f", "local://box/docs/nope.txt"]).code).toBe(0);
    failsWith(cli(["storage", "rb", "local://box"]), 11, /not empty.*--force/);
    expect(cli(["storage", "rm", "local://box/docs/hello.txt"])).toMatchObject({
      code: 0,
      stdout: "deleted box/docs/hello.txt\n",
    });
    expect(cli(["storage", "rb", "local://box"]).code).toBe(0);
    expect(existsSync(join(root, "box"))).toBe(false);
  });

  it("copies folders recursively both ways, and removes a prefix and a full container", async () => {
    const site = join(dir, "site");
    await mkdir(join(site, "css"), { recursive: true });
    await writeFile(join(site, "index.html"), "<h1>hi</h1>\n");
    await writeFile(join(site, "css", "a.css"), "h1{}\n");
    expect(cli(["storage", "mb", "local://web"]).code).toBe(0);
    const up = cli(["storage", "cp", "-r", site, "local://web/v1"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain("2 objects");
    const names = cli(["storage", "ls", "-r", "local://web", "--json"]);
    expect(
      (JSON.parse(names.stdout) as Array<{ name: string; contentType: string }>).map((e) => [
        e.name,
        e.contentType,
      ]),
    ).toEqual([
      ["v1/css/a.css", "text/css"],
      ["v1/index.html", "text/html"],
    ]);
    // Server-side copy inside one store, then back down to a folder.
    expect(cli(["storage", "cp", "-r", "local://web/v1/", "local://web/v2/"]).code).toBe(0);
    const back = join(dir, "back");
    expect(cli(["storage", "get", "-r", "local://web/v2", `${back}/`]).code).toBe(0);
    expect(await readFile(join(back, "css", "a.css"), "utf8")).toBe("h1{}\n");
    expect(await readFile(join(back, "index.html"), "utf8")).toBe("<h1>hi</h1>\n");

    const rmr = cli(["storage", "rm", "-r", "local://web/v1/", "--json"]);
    expect(JSON.parse(rmr.stdout)).toEqual({
      deleted: ["web/v1/css/a.css", "web/v1/index.html"],
      failed: [],
    });
    expect(cli(["storage", "rb", "--force", "local://web"]).code).toBe(0);
    expect(existsSync(join(root, "web"))).toBe(false);
  });

  it("maps local:///absolute paths onto the root, and streams stdin and stdout", async () => {
    expect(cli(["storage", "mb", `local://${root}/pipe`]).code).toBe(0);
    expect(cli(["storage", "put", "-", `local://${root}/pipe/in.txt`], "from stdin\n").code).toBe(0);
    expect(await readFile(join(root, "pipe", "in.txt"), "utf8")).toBe("from stdin\n");
    const cat = cli(["storage", "get", "local://pipe/in.txt", "-"]);
    expect(cat).toMatchObject({ code: 0, stdout: "from stdin\n", stderr: "" });
    // The same object through an explicit --root.
    const other = cli(["storage", "stat", `local://${root}/pipe/in.txt`, "--root", root, "--json"]);
    expect(JSON.parse(other.stdout)).toMatchObject({ container: "pipe", name: "in.txt" });
    failsWith(
      cli(["storage", "ls", "local:///definitely/elsewhere"]),
      2,
      /not inside the local storage root .*--root/,
    );
  });

  it("downloads atomically: a failed get leaves no file behind", async () => {
    expect(cli(["storage", "mb", "local://atomic"]).code).toBe(0);
    const target = join(dir, "never.bin");
    failsWith(cli(["storage", "get", "local://atomic/missing.bin", target]), 3, /NotFoundError/);
    expect(existsSync(target)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.includes("never.bin"))).toEqual([]);
  });

  it("aborts cleanly on Ctrl-C: exit 130, no object, no unfinished multipart upload", async () => {
    const big = join(dir, "big.bin");
    await writeFile(big, randomBytes(24 * 1024 * 1024));
    expect(cli(["storage", "mb", "local://slow"]).code).toBe(0);
    // Multipart in 5 MiB parts at 4 MiB/s: the upload is mid-way for seconds, long enough to interrupt.
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "storage",
        "put",
        big,
        "local://slow/big.bin",
        "--part-size",
        "5M",
        "--limit-rate",
        "4M",
      ],
      { cwd: repo, env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    // Wait (bounded) until the first part has landed, so there is an open upload to clean up.
    const uploads = join(root, "slow", ".omnicloud-uploads");
    let partSeen = false;
    for (let i = 0; i < 300 && !partSeen; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const ids = await readdir(uploads).catch(() => [] as string[]);
      for (const id of ids)
        if ((await readdir(join(uploads, id)).catch(() => [] as string[])).includes("1.part"))
          partSeen = true;
    }
    expect(partSeen).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/interrupted/);

    const store = await openStorage("local", { root });
    await expect(store.stat("slow", "big.bin")).rejects.toBeInstanceOf(NotFoundError);
    const open: unknown[] = [];
    for await (const upload of store.listMultipartUploads("slow")) open.push(upload);
    expect(open).toEqual([]);
    await store.close();
  });
});

describe("omnicloud storage: bad input", () => {
  it("refuses malformed URLs and unknown schemes in one line with exit 2", () => {
    failsWith(cli(["storage", "ls", "s3:bucket"]), 2, /"s3:bucket" is not a valid URL\. Write s3:\/\/bucket/);
    failsWith(
      cli(["storage", "ls", "locl://x"]),
      2,
      /unknown URL scheme "locl:\/\/"; did you mean "local:\/\/"\?/,
    );
    failsWith(cli(["storage", "cp", "a", "b"]), 2, /both are local/);
    failsWith(cli(["storage", "put", "/nonexistent/file", "local://x/"]), 3, /No such file/);
  });

  it("suggests the closest verb, service and provider", () => {
    failsWith(cli(["storage", "cpy", "a", "b"]), 2, /unknown storage verb "cpy"; did you mean "cp"\?/);
    failsWith(cli(["storgae", "ls"]), 2, /unknown command "storgae"; did you mean "storage"\?/);
    failsWith(
      cli(["storage", "ls", "s3://b", "--provider", "mino"]),
      2,
      /Unknown storage provider "mino"\. Did you mean "minio"\?/,
    );
    failsWith(cli(["storage", "ls", "--bogus"]), 2, /Unknown option '--bogus'/);
  });

  it("prints errors as one JSON object with --json", () => {
    const r = cli(["storage", "stat", "local://none/x", "--json"]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { kind: "NotFound", name: "NotFoundError" } });
  });
});
