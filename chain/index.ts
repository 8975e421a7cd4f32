export {
  type ChainInfo,
  deploymentPath,
  distributor,
  loadDeployment,
  operatorSigner,
  providerFor,
  publishableRpcUrl,
  requireDeployment,
  saveDeployment,
} from './deployment.ts';
export { startLocalChain } from './local-chain.ts';
