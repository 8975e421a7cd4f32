// Public face of contracts/: the rest of mapmint (rewards, cli, server) imports only from here.
export {
  ChainError,
  type ClaimResult,
  ContractRevertError,
  claim,
  creditsAt,
  type Deployment,
  type DeployOptions,
  deployContracts,
  distributorAt,
  type EpochProofs,
  type PublishResult,
  publishRoot,
  revertOf,
  tokenAt,
} from './chain.ts';
export { type Artifact, CompileError, compileContracts, diffBuild, loadArtifact, writeBuild } from './compile.ts';
export {
  type DevChain,
  type DevChainOptions,
  type Eip1193Provider,
  type JsonRpcServeOptions,
  type JsonRpcServer,
  RpcError,
  serveJsonRpc,
  startDevChain,
} from './dev-chain.ts';
export { type DevServerOptions, startDevServer } from './dev-server.ts';
