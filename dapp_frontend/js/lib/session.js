// Sign-In with Ethereum: nonce → EIP-4361 text → personal_sign in the wallet → POST /api/auth/login.
import { api, ApiError, resetCsrf } from "./api.js";
import { loadPlatform } from "./platform.js";

const MESSAGE_LIFETIME_MS = 10 * 60 * 1000;

/** The EIP-4361 text, field by field as the specification's template (and the server's parser) has it. */
export function siweMessage({ domain, address, statement, uri, version, chainId, nonce, issuedAt, expirationTime }) {
  const lines = [
    `${domain} wants you to sign in with your Ethereum account:`,
    address,
    "",
    statement,
    "",
    `URI: ${uri}`,
    `Version: ${version}`,
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt}`,
  ];
  if (expirationTime) lines.push(`Expiration Time: ${expirationTime}`);
  return lines.join("\n");
}

/** Signs in with a connected wallet ({signer, address}) → the session's /api/me. */
export async function signIn(wallet) {
  const platform = await loadPlatform();
  const { nonce } = await api("/api/auth/nonce");
  const now = Date.now();
  const message = siweMessage({
    domain: window.location.host,
    address: wallet.address,
    statement: platform.siwe?.statement || "Sign in to the LEC platform.",
    uri: `${window.location.origin}/`,
    version: platform.siwe?.version || "1",
    chainId: platform.chainId,
    nonce,
    issuedAt: new Date(now).toISOString(),
    expirationTime: new Date(now + MESSAGE_LIFETIME_MS).toISOString(),
  });
  const signature = await wallet.signer.signMessage(message);
  await api("/api/auth/login", { method: "POST", body: { message, signature } });
  resetCsrf();
  return loadMe();
}

export async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    resetCsrf();
  }
}

/** GET /api/me, or null when not signed in. */
export async function loadMe() {
  try {
    return await api("/api/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
