import { option, yes } from "./catalogue-flags.js";
import type { FlagSpec, GroupSpec } from "./command-spec.js";

/** The DNS commands: what `omnicloud dns …` accepts, its help, and where each verb's code lives. */

const DNS_COMMON: readonly FlagSpec[] = [
  {
    name: "provider",
    type: "string",
    value: "NAME",
    help: "DNS provider (default: the profile's, else local)",
  },
  { name: "root", type: "string", value: "DIR", help: "zone-file folder of the local provider" },
  { name: "endpoint", type: "string", value: "URL", help: "API endpoint (powerdns: url)" },
  option,
];

export const DNS: GroupSpec = {
  name: "dns",
  summary: "DNS zones and records; zone files in and out; plans applied after asking",
  common: DNS_COMMON,
  verbs: [
    {
      name: "zones",
      args: "",
      summary: "list zones",
      flags: [],
      load: async () => (await import("./dns/zone-commands.js")).zonesCommand,
    },
    {
      name: "mkzone",
      args: "<zone>",
      summary: "create a zone",
      flags: [
        {
          name: "ns",
          type: "string",
          multiple: true,
          value: "NAME",
          help: "an apex name server (repeatable)",
        },
        { name: "email", type: "string", value: "ADDRESS", help: "the SOA contact, hostmaster@example.com" },
      ],
      load: async () => (await import("./dns/zone-commands.js")).mkzoneCommand,
    },
    {
      name: "rmzone",
      args: "<zone>",
      summary: "delete a zone and all its records (asks first)",
      flags: [yes],
      load: async () => (await import("./dns/zone-commands.js")).rmzoneCommand,
    },
    {
      name: "records",
      args: "<zone>",
      summary: "list records",
      flags: [
        {
          name: "type",
          type: "string",
          multiple: true,
          value: "TYPE",
          help: "only records of this type (repeatable)",
        },
        {
          name: "name",
          type: "string",
          value: "NAME",
          help: "only records at this name (relative, @ or absolute)",
        },
      ],
      load: async () => (await import("./dns/record-commands.js")).recordsCommand,
    },
    {
      name: "add",
      args: "<zone> <name> <type> <data>...",
      summary: "add one record, data as in a zone file",
      flags: [{ name: "ttl", type: "string", value: "SECONDS", help: "TTL of the record's set" }],
      load: async () => (await import("./dns/record-commands.js")).addCommand,
      notes: [
        "omnicloud dns add example.com www A 192.0.2.10",
        "omnicloud dns add example.com @ MX 10 mail.example.com.",
        'omnicloud dns add example.com @ TXT "v=spf1 -all"',
      ],
    },
    {
      name: "rm",
      args: "<zone> <name> <type> [<data>...]",
      summary: "delete one record, or the whole set of a name and type without data",
      flags: [],
      load: async () => (await import("./dns/record-commands.js")).rmCommand,
    },
    {
      name: "export",
      args: "<zone>",
      summary: "print the zone as an RFC 1035 zone file",
      flags: [],
      load: async () => (await import("./dns/zonefile-commands.js")).exportCommand,
    },
    {
      name: "import",
      args: "<zone> <file|->",
      summary: "add a zone file's records (creates the zone; deletes nothing)",
      flags: [{ name: "dry-run", type: "boolean", help: "print the plan only" }],
      load: async () => (await import("./dns/zonefile-commands.js")).importCommand,
    },
    {
      name: "apply",
      args: "<zone> <file>",
      summary: "make the zone hold exactly the file's records: shows the plan, asks, applies",
      flags: [
        yes,
        { name: "dry-run", type: "boolean", help: "print the plan only" },
        { name: "keep", type: "boolean", help: "keep record sets the file does not list (no deletes)" },
      ],
      load: async () => (await import("./dns/zonefile-commands.js")).applyCommand,
      notes: ["Without a terminal to ask on, apply refuses unless given --yes (exit 2)."],
    },
  ],
};
