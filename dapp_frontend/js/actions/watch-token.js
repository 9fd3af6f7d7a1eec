// Show the community token in the wallet (wallet_watchAsset).
import { watchToken } from "../lib/wallet.js";

/** community: {token, symbol, decimals} → true when the wallet added it. */
export function watchCommunityToken(community) {
  return watchToken(community.token, community.symbol, community.decimals ?? 18);
}
