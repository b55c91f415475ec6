import type { GroupSpec } from "./command-spec.js";

/** The deploy command: bring a server to a known state over SSH, steps run in the order given. */

export const DEPLOY: GroupSpec = {
  name: "deploy",
  summary: "run deployment steps on a server over SSH: install keys, upload files, run scripts",
  verbs: [
    {
      name: "run",
      args: "<host>[:port]",
      summary: "connect over SSH (host key verified) and run the steps in the order given",
      flags: [
        { name: "user", type: "string", value: "USER", help: "log in as this user (default root)" },
        {
          name: "key",
          type: "string",
          value: "FILE",
          help: "private key file (default: ssh-agent via SSH_AUTH_SOCK, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)",
        },
        {
          name: "passphrase-env",
          type: "string",
          value: "VAR",
          help: "read the key's passphrase from this environment variable",
        },
        {
          name: "known-hosts",
          type: "string",
          multiple: true,
          value: "FILE",
          help: "known_hosts file to verify the host key with (default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts)",
        },
        {
          name: "fingerprint",
          type: "string",
          multiple: true,
          value: "SHA256:…",
          help: "expected host key fingerprint, as ssh-keygen -l prints it",
        },
        {
          name: "insecure-accept-any-host-key",
          type: "boolean",
          help: "do NOT verify the host key (warns; anyone on the path could impersonate the server)",
        },
        {
          name: "install-key",
          type: "string",
          multiple: true,
          value: "PUBFILE",
          help: "step: add this public key to the user's ~/.ssh/authorized_keys (once)",
        },
        {
          name: "upload",
          type: "string",
          multiple: true,
          value: "SRC:DST[:MODE]",
          help: "step: upload a local file to a remote path, mode in octal (default 644)",
        },
        {
          name: "script",
          type: "string",
          multiple: true,
          value: "FILE",
          help: "step: run a local script file on the server (its #! line picks the interpreter)",
        },
        {
          name: "run",
          type: "string",
          multiple: true,
          value: "COMMAND",
          help: "step: run a shell command on the server",
        },
        {
          name: "timeout",
          type: "string",
          value: "DURATION",
          help: "kill a script or command that runs longer than this (default 10m)",
        },
        {
          name: "connect-timeout",
          type: "string",
          value: "DURATION",
          help: "keep trying to connect while sshd starts, for this long (default 2m)",
        },
        { name: "stream", type: "boolean", help: "copy scripts' output to stderr as it arrives" },
      ],
      load: async () => (await import("./deploy/deploy-command.js")).deployRunCommand,
      notes: [
        "Steps (--install-key, --upload, --script, --run) run in the order given; the first to fail stops the run.",
        "Examples:",
        "  omnicloud deploy run web-1.example.com --key ~/.ssh/id_ed25519 --upload ./app.conf:/etc/app.conf:640 \\",
        "    --run 'systemctl restart app'",
        "  omnicloud deploy run 203.0.113.7:2222 --fingerprint SHA256:… --script ./setup.sh --stream",
      ],
    },
  ],
  notes: ["Host keys are verified: known_hosts, --known-hosts or --fingerprint must vouch for the server."],
};
