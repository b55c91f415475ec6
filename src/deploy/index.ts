// omnicloud/deploy: bring servers to a known state over SSH, with host keys verified by default.
// Steps (installKey, uploadFile, runScript, sequence) run through deploy() on any SSH target, or through
// deployNode() right after a compute provider creates the server.

export { type ConnectOptions, connectSsh, type SshTarget } from "./connect.js";
export { type DeployOptions, type DeployResult, deploy } from "./deploy.js";
export {
  type DeployableCompute,
  type DeployableNode,
  DeployNodeError,
  type DeployNodeOptions,
  type DeployNodeResult,
  type DeployPhase,
  deployNode,
  type SshEndpoint,
} from "./deploy-node.js";
export {
  HostKeyError,
  type HostKeyErrorDetails,
  type HostKeyProblem,
  StepFailedError,
  type StepFailureDetails,
} from "./errors.js";
export { defaultKnownHostsFiles, type HostKeyPolicy, type VerifiedHostKey } from "./host-keys.js";
export { PrivateKey, parsePrivateKey, readPrivateKeyFile } from "./keys.js";
export { hashHostName, type KnownHostEntry, parseKnownHosts } from "./known-hosts.js";
export type { DeployLogEntry, DeployLogger, DeployLogLevel, DeployLogSink } from "./log.js";
export type {
  ExecOptions,
  ExecResult,
  OutputChunk,
  RemoteStat,
  SshSession,
  UploadSource,
} from "./session.js";
export { md5Fingerprint, type PublicKeyInfo, parsePublicKey, sha256Fingerprint } from "./ssh-wire.js";
export { type InstallKeyOptions, installKey } from "./steps/install-key.js";
export { type RunScriptOptions, runScript } from "./steps/run-script.js";
export { type SequenceOptions, sequence } from "./steps/sequence.js";
export type { DeployStep, StepContext, StepResult } from "./steps/types.js";
export { type FileSource, type UploadFileOptions, uploadFile } from "./steps/upload-file.js";
export {
  type ConnectAttemptEvent,
  type ConnectedSession,
  type WaitForSshOptions,
  waitForSsh,
} from "./wait-for-ssh.js";
