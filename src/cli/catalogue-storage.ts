import { option } from "./catalogue-flags.js";
import type { FlagSpec, GroupSpec } from "./command-spec.js";

/** The storage commands: what `omnicloud storage …` accepts, its help, and where each verb's code lives. */

const STORAGE_COMMON: readonly FlagSpec[] = [
  { name: "provider", type: "string", value: "NAME", help: "provider for s3:// URLs (minio, r2, ceph, …)" },
  { name: "endpoint", type: "string", value: "URL", help: "custom endpoint, e.g. http://127.0.0.1:9000" },
  { name: "region", type: "string", value: "REGION", help: "region to use (also OMNICLOUD_REGION)" },
  { name: "root", type: "string", value: "DIR", help: "root folder of local:// URLs" },
  option,
];

const recursive: FlagSpec = {
  name: "recursive",
  short: "r",
  type: "boolean",
  help: "every object under the prefix / every file under the folder",
};

const UPLOAD_FLAGS: readonly FlagSpec[] = [
  {
    name: "content-type",
    type: "string",
    value: "TYPE",
    help: "content type (default: from the file extension)",
  },
  {
    name: "meta",
    type: "string",
    multiple: true,
    value: "KEY=VALUE",
    help: "user metadata to store with the object",
  },
  {
    name: "part-size",
    type: "string",
    value: "SIZE",
    help: "multipart part size, e.g. 16M (default: the provider's)",
  },
  { name: "concurrency", type: "string", value: "N", help: "parts in flight per object (default 4)" },
  { name: "parallel", type: "string", value: "N", help: "objects copied at once with -r (default 4)" },
  { name: "limit-rate", type: "string", value: "RATE", help: "send at most RATE bytes per second, e.g. 10M" },
];

export const STORAGE: GroupSpec = {
  name: "storage",
  summary: "object storage: buckets/containers and objects on any provider",
  common: STORAGE_COMMON,
  verbs: [
    {
      name: "ls",
      args: "[<url>]",
      summary: "list containers, or the objects under a URL's prefix",
      flags: [
        recursive,
        { name: "limit", type: "string", value: "N", help: "stop after N entries" },
        { name: "long", short: "l", type: "boolean", help: "also show etag and content type" },
      ],
      load: async () => (await import("./storage/ls-command.js")).lsCommand,
    },
    {
      name: "mb",
      args: "<url>",
      summary: "make a bucket/container",
      flags: [{ name: "public", type: "boolean", help: "public-read where the provider has ACLs" }],
      load: async () => (await import("./storage/bucket-commands.js")).mbCommand,
    },
    {
      name: "rb",
      args: "<url>",
      summary: "remove a bucket/container",
      flags: [{ name: "force", type: "boolean", help: "delete its objects (and unfinished uploads) first" }],
      load: async () => (await import("./storage/bucket-commands.js")).rbCommand,
    },
    {
      name: "put",
      args: "<file|dir|-> <url>",
      summary: "upload a file (a folder with -r, stdin with -)",
      flags: [recursive, ...UPLOAD_FLAGS],
      load: async () => (await import("./storage/transfer-command.js")).putCommand,
    },
    {
      name: "get",
      args: "<url> [<file|dir|->]",
      summary: "download an object atomically (a prefix with -r, stdout with -)",
      flags: [
        recursive,
        { name: "parallel", type: "string", value: "N", help: "objects fetched at once with -r (default 4)" },
      ],
      load: async () => (await import("./storage/transfer-command.js")).getCommand,
    },
    {
      name: "cp",
      args: "<src> <dst>",
      summary: "copy between any two providers, or a provider and a local path",
      flags: [recursive, ...UPLOAD_FLAGS],
      load: async () => (await import("./storage/transfer-command.js")).cpCommand,
      notes: [
        "Inside one store the copy runs server-side; between stores it streams, multipart and in parallel.",
        "With -r the objects under <src> land under <dst> with the same relative names.",
        "Ctrl-C aborts cleanly: no partial file, no unfinished multipart upload; exit code 130.",
      ],
    },
    {
      name: "rm",
      args: "<url>...",
      summary: "delete objects (everything under a prefix with -r)",
      flags: [
        recursive,
        { name: "force", short: "f", type: "boolean", help: "no error when an object does not exist" },
      ],
      load: async () => (await import("./storage/rm-command.js")).rmCommand,
    },
    {
      name: "stat",
      args: "<url>",
      summary: "show an object's size, checksums, type and metadata",
      flags: [],
      load: async () => (await import("./storage/stat-command.js")).statCommand,
    },
    {
      name: "sign",
      args: "<url>",
      summary: "print a signed URL anyone can use until it expires",
      flags: [
        {
          name: "expires",
          type: "string",
          value: "DURATION",
          help: "lifetime: 900, 15m, 12h, 7d (default 15m)",
        },
        { name: "method", type: "string", value: "GET|PUT", help: "what the URL allows (default GET)" },
        {
          name: "content-type",
          type: "string",
          value: "TYPE",
          help: "for PUT: the type the uploader must send",
        },
      ],
      load: async () => (await import("./storage/sign-command.js")).signCommand,
    },
  ],
  notes: [
    "URLs:",
    "  s3://bucket/key            Amazon S3, or --provider minio|r2|ceph|… for S3-compatible services",
    "  azure://container/blob     Azure Blob Storage      swift://container/object  OpenStack Swift",
    "  local://container/key      a folder: <root>/container/key (root: --root, profile, OMNICLOUD_LOCAL_ROOT,",
    "                             else ~/.local/share/omnicloud/storage)",
    "  local:///abs/root/container/key   the same, spelled as an absolute path inside the root",
    "  <profile>://bucket/key     any storage profile from the config file, by name",
    "  ./file, /abs/file, -       local files for put/get/cp (- is stdin/stdout)",
  ],
};
