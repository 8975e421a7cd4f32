/** The rewards API's wire types: GET /v1/chain and GET /v1/me/rewards, read by the SDK's claim and the web pages. */

/** Where the contracts are, as the server reports it. */
export interface ChainInfo {
  /** A public RPC endpoint, or null when the server has none to publish (its own may carry a key). */
  rpcUrl: string | null;
  chainId: string;
  token: string;
  distributor: string;
  /** The credits contract consumers burn tokens in, when deployed. */
  credits?: string | undefined;
  /** A local development chain (mapmint's in-process EVM), where test accounts may be funded freely. */
  dev?: boolean;
}

/** A contributor's rewards, as GET /v1/me/rewards reports them. */
export interface Rewards {
  address: string;
  cumulativeWei: string;
  epochs: { epoch: number; status: string; entries: number; amount: string }[];
  claim: { epoch: number; root: string; cumulative: string; proof: string[] } | null;
}
