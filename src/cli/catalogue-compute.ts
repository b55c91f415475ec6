import { option, yes } from "./catalogue-flags.js";
import type { FlagSpec, GroupSpec } from "./command-spec.js";

/** The compute commands: what `omnicloud compute …` accepts, its help, and where each verb's code lives. */

const COMPUTE_COMMON: readonly FlagSpec[] = [
  { name: "provider", type: "string", value: "NAME", help: "compute provider (default: the profile's)" },
  {
    name: "endpoint",
    type: "string",
    value: "URL",
    help: "API endpoint; libvirt: the connection URI (test:///default)",
  },
  { name: "region", type: "string", value: "REGION", help: "region to use" },
  option,
];

const wait: FlagSpec = { name: "wait", type: "boolean", help: "wait until the node reaches its new state" };
const timeout: FlagSpec = {
  name: "timeout",
  type: "string",
  value: "DURATION",
  help: "give up waiting after this long (default 10m)",
};
const force: FlagSpec = {
  name: "force",
  type: "boolean",
  help: "hard power operation (pull the plug / reset)",
};

export const COMPUTE: GroupSpec = {
  name: "compute",
  summary: "servers: list, create, power, destroy; sizes, images, locations, keys",
  common: COMPUTE_COMMON,
  verbs: [
    {
      name: "nodes",
      args: "",
      summary: "list nodes",
      flags: [],
      load: async () => (await import("./compute/list-commands.js")).nodesCommand,
    },
    {
      name: "create",
      args: "<name>",
      summary: "create a node",
      flags: [
        { name: "size", type: "string", value: "SIZE", help: "size id or name (required)" },
        { name: "image", type: "string", value: "IMAGE", help: "image id or name (required)" },
        { name: "location", type: "string", value: "LOCATION", help: "location id or name" },
        { name: "ssh-key", type: "string", value: "FILE", help: "an OpenSSH public key file to install" },
        { name: "key-pair", type: "string", value: "NAME", help: "a key pair the provider stores" },
        { name: "user-data", type: "string", value: "FILE", help: "cloud-init user data" },
        { name: "tag", type: "string", multiple: true, value: "KEY=VALUE", help: "a tag (repeatable)" },
        wait,
        timeout,
      ],
      load: async () => (await import("./compute/node-commands.js")).createCommand,
    },
    {
      name: "start",
      args: "<node>",
      summary: "start a stopped node",
      flags: [wait, timeout],
      load: async () => (await import("./compute/node-commands.js")).startCommand,
    },
    {
      name: "stop",
      args: "<node>",
      summary: "stop a node",
      flags: [force, wait, timeout],
      load: async () => (await import("./compute/node-commands.js")).stopCommand,
    },
    {
      name: "reboot",
      args: "<node>",
      summary: "reboot a node",
      flags: [force, wait, timeout],
      load: async () => (await import("./compute/node-commands.js")).rebootCommand,
    },
    {
      name: "destroy",
      args: "<node>",
      summary: "destroy a node for good (asks first)",
      flags: [yes, wait, timeout],
      load: async () => (await import("./compute/node-commands.js")).destroyCommand,
    },
    {
      name: "sizes",
      args: "",
      summary: "list sizes",
      flags: [],
      load: async () => (await import("./compute/list-commands.js")).sizesCommand,
    },
    {
      name: "images",
      args: "",
      summary: "list images",
      flags: [],
      load: async () => (await import("./compute/list-commands.js")).imagesCommand,
    },
    {
      name: "locations",
      args: "",
      summary: "list locations",
      flags: [],
      load: async () => (await import("./compute/list-commands.js")).locationsCommand,
    },
    {
      name: "keys",
      args: "",
      summary: "list key pairs",
      flags: [],
      load: async () => (await import("./compute/list-commands.js")).keysCommand,
    },
  ],
  notes: ["<node> is a node id or its name."],
};
