// Sign in: connect the chosen wallet, sign the EIP-4361 message in it, open the session.
import { connect } from "./connect-wallet.js";
import { signIn, signOut } from "../lib/session.js";
import { forgetWallet } from "../lib/wallet.js";
import { t, registerMessages } from "../lib/i18n.js";

registerMessages({
  en: { "signin.connecting": "Connecting the wallet…", "signin.signing": "Sign the sign-in message in your wallet…",
    "signin.done": "Signed in." },
  it: { "signin.connecting": "Connessione al portafoglio…",
    "signin.signing": "Firma il messaggio di accesso nel portafoglio…",
    "signin.done": "Accesso eseguito." },
});

function say(element, state, key) {
  if (!element) return;
  element.hidden = false;
  element.dataset.state = state;
  element.textContent = t(key);
}

/** Connects `entry`, signs in → /api/me of the new session. Progress in `statusElement`. */
export async function signInWith(entry, statusElement) {
  say(statusElement, "waiting", "signin.connecting");
  const wallet = await connect(entry);
  say(statusElement, "waiting", "signin.signing");
  const me = await signIn(wallet);
  say(statusElement, "done", "signin.done");
  return { me, wallet };
}

export async function signOutAndForget() {
  await signOut();
  forgetWallet();
}
