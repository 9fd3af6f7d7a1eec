// Every failure as one translated sentence: custom errors of the contracts decoded with the platform's ABIs,
// a rejected request as "cancelled", a wallet on another network, the server's own sentence.
import { t, registerMessages, formatTokens, formatDate } from "./i18n.js";
import { platformInterfaces } from "./platform.js";
import { ApiError } from "./api.js";

export class WrongNetworkError extends Error {
  constructor(walletChainId, platformChainId) {
    super(`the wallet is on chain ${walletChainId}, the platform on chain ${platformChainId}`);
    this.name = "WrongNetworkError";
    this.walletChainId = walletChainId;
    this.platformChainId = platformChainId;
  }
}

registerMessages({
  en: {
    "error.cancelled": "Cancelled.",
    "error.wrongNetwork": "Your wallet is on chain {wallet}, but the platform runs on chain {platform}: switch network and try again.",
    "error.noWallet": "No wallet found in this browser: install MetaMask (or another Ethereum wallet) and reload the page.",
    "error.noAccount": "The wallet gave no account: unlock it, choose an account and try again.",
    "error.walletNotConnected": "Connect your wallet first (the button at the top of the page).",
    "error.wrongAccount": "The wallet's account {wallet} is not the signed-in one ({me}): choose that account in the wallet, or sign in again.",
    "error.insufficientGas": "The wallet has not enough {currency} to pay the network fee of this transaction.",
    "error.network": "The network cannot be reached: check your connection and try again.",
    "error.contract": "The contract refused the transaction ({name}).",
    "error.revert": "The contract refused the transaction: {reason}.",
    "error.unknown": "Something went wrong: {message}",
    "error.ZeroAddress": "an address is missing (zero address)",
    "error.ZeroAmount": "the amount must be more than zero",
    "error.InvalidAccount": "the account {account} cannot be used here",
    "error.NotAMember": "{account} is not an active member of this community",
    "error.ReceiverNotMember": "the receiver ({account}) is not a member of this community",
    "error.FeeAboveCap": "a fee of {feeBps} basis points is above the cap of {maxFeeBps}",
    "error.FeeAboveLimit": "the community's fee ({feeBps} basis points) is now above the {maxFeeBps} you accepted: check the new fee and pay again",
    "error.TreasuryInsufficient": "the community treasury holds {available} but {needed} is needed",
    "error.KindMismatch": "this category is not allowed between these two kinds of member (payer: {payerKind}, provider: {providerKind})",
    "error.StructureRequired": "this category needs the structure owner and their share",
    "error.StructureNotAllowed": "this category takes no structure owner or share",
    "error.StructureNotStakeholder": "the structure owner {structure} is not a stakeholder member",
    "error.ShareAboveWhole": "a share of {shareBps} basis points is more than the whole (10000)",
    "error.IncentiveAboveCap": "an incentive of {bps} basis points is above the cap of {maxBps}",
    "error.SelfPayment": "you cannot pay yourself",
    "error.CategoryNotPayable": "category {category} cannot be paid between members (only 1 to 5)",
    "error.ServiceRefInvalid": "the service reference is not valid",
    "error.ServiceRefAlreadyApproved": "this service already has an approved incentive",
    "error.ApprovalNotOpen": "this service has no open incentive approval",
    "error.CategoryNotCommunityWork": "category {category} is not community work (only 6 to 8)",
    "error.UnknownWorkRequest": "there is no work request number {id}",
    "error.WorkRequestNotPending": "work request {id} is no longer pending",
    "error.BatchSize": "a batch of {size} is not allowed (1 to {max})",
    "error.LengthMismatch": "the lists given do not have the same length",
    "error.InvalidKind": "the member kind is not valid",
    "error.InvalidProfile": "the energy profile is not valid",
    "error.AlreadyMember": "{account} is already a member of this community",
    "error.NotRewardDistributor": "{caller} may not distribute rewards",
    "error.RewardAboveCeiling": "a reward of {amount} is above the ceiling of {ceiling}",
    "error.QueryTooLarge": "a query of {size} items is too large (at most {max})",
    "error.NotAStakeholder": "{account} is not a stakeholder member",
    "error.PaymentRefInvalid": "the payment reference is not valid",
    "error.ERC20InsufficientBalance": "your balance ({balance}) is less than the {needed} needed",
    "error.ERC20InsufficientAllowance": "the allowance ({allowance}) is less than the {needed} needed",
    "error.ERC20InvalidReceiver": "the receiver {receiver} is not valid",
    "error.ERC20InvalidSender": "the sender {sender} is not valid",
    "error.EnforcedPause": "the community token is paused",
    "error.ExpectedPause": "the community token is not paused",
    "error.AccessControlUnauthorizedAccount": "your address {account} does not hold the role this needs",
    "error.ERC2612ExpiredSignature": "the signed permit has expired",
    "error.ERC2612InvalidSigner": "the permit was signed by {signer}, not by {owner}",
    "error.UnknownCommunity": "{community} is not a community of this platform",
    "error.EpochAlreadyCommitted": "epoch {epoch} is already committed",
    "error.EpochOutOfOrder": "epoch {epoch} is out of order (expected {expected})",
    "error.InvalidPeriod": "the period is not valid",
    "error.PeriodNotOver": "the period is not over yet (it ends {periodEnd})",
    "error.PeriodOverlapsPrevious": "the period overlaps the previous epoch",
    "error.EmptyCommitment": "the commitment is empty",
    "error.TooManyLeaves": "{leafCount} leaves are too many (at most {max})",
    "error.TotalTooLarge": "the total reward {totalReward} is too large",
    "error.ModelNotActive": "the model is not the community's active model",
    "error.VersionNotApplicable": "model version {modelVersion} does not apply (version {applicableVersion} does)",
    "error.UnknownEpoch": "epoch {epoch} does not exist for this community",
    "error.EpochNotOpen": "epoch {epoch} is not open for payments (voided or released)",
    "error.RevisionAlreadyCommitted": "revision {revision} of epoch {epoch} is already committed",
    "error.RevisionOutOfOrder": "revision {revision} of epoch {epoch} is out of order (the next is {expected})",
    "error.UnknownRevision": "revision {revision} of epoch {epoch} does not exist",
    "error.RevisionNotOpen": "revision {revision} of epoch {epoch} is not open for payments (voided or released)",
    "error.ClaimWindowOver": "the epoch's claim window closed on {claimDeadline}: its data can no longer be corrected",
    "error.EpochRevised": "epoch {epoch} has {revisions} revision(s) and can no longer be voided",
    "error.MissingReason": "a correction must carry the hash of its reason",
    "error.ChallengeWindowClosed": "the challenge window closed on {payableAt}: the revision stands (correct it with the next one)",
    "error.ChallengeWindowOpen": "the challenge window is still open: rewards can be claimed from {payableAt}",
    "error.EpochAlreadyPaid": "epoch {epoch} is already paid",
    "error.AlreadyPaid": "this reward (epoch {epoch}, index {index}) has already been paid",
    "error.IndexOutOfRange": "index {index} is out of range (the epoch has {leafCount} leaves)",
    "error.IndexesNotIncreasing": "the indexes are not increasing",
    "error.InvalidProof": "the proof does not match the epoch's committed root for this reward",
    "error.InvalidMultiproof": "the batch proof does not match the epoch's root",
    "error.ExceedsCommittedTotal": "paying {amount} would go beyond the epoch's committed total",
    "error.MalformedBatch": "the batch is malformed",
    "error.ClaimWindowOpen": "the claim window is still open (until {claimDeadline})",
    "error.ChallengeWindowOutOfRange": "a challenge window of {window} seconds is out of range",
    "error.ClaimWindowOutOfRange": "a claim window of {window} seconds is out of range",
    "error.NotCommunityAdmin": "{account} is not this community's administrator",
    "error.AccessControlBadConfirmation": "a role can only be renounced by its holder, confirming their own address",
    "error.ECDSAInvalidSignature": "the signature is not valid",
    "error.ECDSAInvalidSignatureLength": "the signature has the wrong length ({length} bytes)",
    "error.ECDSAInvalidSignatureS": "the signature is not valid (its s value is out of range)",
    "error.ERC20InvalidApprover": "the approver {approver} is not valid",
    "error.ERC20InvalidSpender": "the spender {spender} is not valid",
    "error.InvalidAccountNonce": "the signed permit's nonce is out of date (the account's nonce is {currentNonce})",
    "error.InvalidShortString": "a text is too long for the token",
    "error.StringTooLong": "the text \"{str}\" is too long",
    "error.MerkleProofInvalidMultiproof": "the batch proof is malformed",
    "error.ReentrancyGuardReentrantCall": "the notary refused a call made while it was busy with another",
  },
  it: {
    "error.cancelled": "Annullato.",
    "error.wrongNetwork": "Il portafoglio è sulla rete {wallet}, ma la piattaforma usa la rete {platform}: cambia rete e riprova.",
    "error.noWallet": "Nessun portafoglio in questo browser: installa MetaMask (o un altro portafoglio Ethereum) e ricarica la pagina.",
    "error.noAccount": "Il portafoglio non ha dato nessun account: sbloccalo, scegli un account e riprova.",
    "error.walletNotConnected": "Collega prima il portafoglio (il pulsante in cima alla pagina).",
    "error.wrongAccount": "L'account del portafoglio {wallet} non è quello con cui hai fatto l'accesso ({me}): sceglilo nel portafoglio o accedi di nuovo.",
    "error.insufficientGas": "Il portafoglio non ha abbastanza {currency} per la commissione di rete di questa transazione.",
    "error.network": "La rete non risponde: controlla la connessione e riprova.",
    "error.contract": "Il contratto ha rifiutato la transazione ({name}).",
    "error.revert": "Il contratto ha rifiutato la transazione: {reason}.",
    "error.unknown": "Qualcosa non ha funzionato: {message}",
    "error.ZeroAddress": "manca un indirizzo (indirizzo zero)",
    "error.ZeroAmount": "l'importo deve essere maggiore di zero",
    "error.InvalidAccount": "l'account {account} non può essere usato qui",
    "error.NotAMember": "{account} non è un membro attivo di questa comunità",
    "error.ReceiverNotMember": "il destinatario ({account}) non è un membro di questa comunità",
    "error.FeeAboveCap": "una commissione di {feeBps} punti base supera il massimo di {maxFeeBps}",
    "error.FeeAboveLimit": "la commissione della comunità ({feeBps} punti base) è ora superiore ai {maxFeeBps} che hai accettato: controlla la nuova commissione e paga di nuovo",
    "error.TreasuryInsufficient": "la tesoreria della comunità ha {available} ma servono {needed}",
    "error.KindMismatch": "questa categoria non è ammessa tra questi tipi di membro (pagante: {payerKind}, fornitore: {providerKind})",
    "error.StructureRequired": "questa categoria richiede il proprietario della struttura e la sua quota",
    "error.StructureNotAllowed": "questa categoria non prevede proprietario della struttura né quota",
    "error.StructureNotStakeholder": "il proprietario della struttura {structure} non è un membro stakeholder",
    "error.ShareAboveWhole": "una quota di {shareBps} punti base supera il totale (10000)",
    "error.IncentiveAboveCap": "un incentivo di {bps} punti base supera il massimo di {maxBps}",
    "error.SelfPayment": "non puoi pagare te stesso",
    "error.CategoryNotPayable": "la categoria {category} non si paga tra membri (solo da 1 a 5)",
    "error.ServiceRefInvalid": "il riferimento del servizio non è valido",
    "error.ServiceRefAlreadyApproved": "questo servizio ha già un incentivo approvato",
    "error.ApprovalNotOpen": "questo servizio non ha un'approvazione di incentivo aperta",
    "error.CategoryNotCommunityWork": "la categoria {category} non è lavoro per la comunità (solo da 6 a 8)",
    "error.UnknownWorkRequest": "non esiste la richiesta di lavoro numero {id}",
    "error.WorkRequestNotPending": "la richiesta di lavoro {id} non è più in attesa",
    "error.BatchSize": "un gruppo di {size} non è ammesso (da 1 a {max})",
    "error.LengthMismatch": "gli elenchi forniti non hanno la stessa lunghezza",
    "error.InvalidKind": "il tipo di membro non è valido",
    "error.InvalidProfile": "il profilo energetico non è valido",
    "error.AlreadyMember": "{account} è già membro di questa comunità",
    "error.NotRewardDistributor": "{caller} non può distribuire premi",
    "error.RewardAboveCeiling": "un premio di {amount} supera il massimo di {ceiling}",
    "error.QueryTooLarge": "una richiesta di {size} elementi è troppo grande (al massimo {max})",
    "error.NotAStakeholder": "{account} non è un membro stakeholder",
    "error.PaymentRefInvalid": "il riferimento del pagamento non è valido",
    "error.ERC20InsufficientBalance": "il tuo saldo ({balance}) è inferiore ai {needed} necessari",
    "error.ERC20InsufficientAllowance": "l'autorizzazione ({allowance}) è inferiore ai {needed} necessari",
    "error.ERC20InvalidReceiver": "il destinatario {receiver} non è valido",
    "error.ERC20InvalidSender": "il mittente {sender} non è valido",
    "error.EnforcedPause": "il token della comunità è in pausa",
    "error.ExpectedPause": "il token della comunità non è in pausa",
    "error.AccessControlUnauthorizedAccount": "il tuo indirizzo {account} non ha il ruolo necessario",
    "error.ERC2612ExpiredSignature": "l'autorizzazione firmata è scaduta",
    "error.ERC2612InvalidSigner": "l'autorizzazione è firmata da {signer}, non da {owner}",
    "error.UnknownCommunity": "{community} non è una comunità di questa piattaforma",
    "error.EpochAlreadyCommitted": "l'epoca {epoch} è già registrata",
    "error.EpochOutOfOrder": "l'epoca {epoch} è fuori ordine (attesa la {expected})",
    "error.InvalidPeriod": "il periodo non è valido",
    "error.PeriodNotOver": "il periodo non è ancora finito (finisce il {periodEnd})",
    "error.PeriodOverlapsPrevious": "il periodo si sovrappone all'epoca precedente",
    "error.EmptyCommitment": "la registrazione è vuota",
    "error.TooManyLeaves": "{leafCount} foglie sono troppe (al massimo {max})",
    "error.TotalTooLarge": "il premio totale {totalReward} è troppo grande",
    "error.ModelNotActive": "il modello non è quello attivo della comunità",
    "error.VersionNotApplicable": "la versione {modelVersion} del modello non si applica (si applica la {applicableVersion})",
    "error.UnknownEpoch": "l'epoca {epoch} non esiste per questa comunità",
    "error.EpochNotOpen": "l'epoca {epoch} non è aperta ai pagamenti (annullata o chiusa)",
    "error.RevisionAlreadyCommitted": "la revisione {revision} dell'epoca {epoch} è già registrata",
    "error.RevisionOutOfOrder": "la revisione {revision} dell'epoca {epoch} non è in ordine (la prossima è la {expected})",
    "error.UnknownRevision": "la revisione {revision} dell'epoca {epoch} non esiste",
    "error.RevisionNotOpen": "la revisione {revision} dell'epoca {epoch} non è aperta ai pagamenti (annullata o chiusa)",
    "error.ClaimWindowOver": "il periodo di riscossione dell'epoca si è chiuso il {claimDeadline}: i suoi dati non si possono più correggere",
    "error.EpochRevised": "l'epoca {epoch} ha {revisions} revisioni e non può più essere annullata",
    "error.MissingReason": "una correzione deve riportare l'hash del suo motivo",
    "error.ChallengeWindowClosed": "il periodo di contestazione si è chiuso il {payableAt}: la revisione resta valida (si corregge con la successiva)",
    "error.ChallengeWindowOpen": "il periodo di contestazione è ancora aperto: i premi si riscuotono dal {payableAt}",
    "error.EpochAlreadyPaid": "l'epoca {epoch} è già pagata",
    "error.AlreadyPaid": "questo premio (epoca {epoch}, indice {index}) è già stato pagato",
    "error.IndexOutOfRange": "l'indice {index} è fuori intervallo (l'epoca ha {leafCount} foglie)",
    "error.IndexesNotIncreasing": "gli indici non sono crescenti",
    "error.InvalidProof": "la prova non corrisponde alla radice registrata dell'epoca per questo premio",
    "error.InvalidMultiproof": "la prova del gruppo non corrisponde alla radice dell'epoca",
    "error.ExceedsCommittedTotal": "pagare {amount} supererebbe il totale registrato dell'epoca",
    "error.MalformedBatch": "il gruppo non è ben formato",
    "error.ClaimWindowOpen": "il periodo di riscossione è ancora aperto (fino al {claimDeadline})",
    "error.ChallengeWindowOutOfRange": "un periodo di contestazione di {window} secondi è fuori intervallo",
    "error.ClaimWindowOutOfRange": "un periodo di riscossione di {window} secondi è fuori intervallo",
    "error.NotCommunityAdmin": "{account} non è l'amministratore di questa comunità",
    "error.AccessControlBadConfirmation": "un ruolo può essere rinunciato solo da chi lo ha, confermando il proprio indirizzo",
    "error.ECDSAInvalidSignature": "la firma non è valida",
    "error.ECDSAInvalidSignatureLength": "la firma ha la lunghezza sbagliata ({length} byte)",
    "error.ECDSAInvalidSignatureS": "la firma non è valida (il valore s è fuori intervallo)",
    "error.ERC20InvalidApprover": "chi autorizza ({approver}) non è valido",
    "error.ERC20InvalidSpender": "chi spende ({spender}) non è valido",
    "error.InvalidAccountNonce": "il nonce dell'autorizzazione firmata non è aggiornato (quello dell'account è {currentNonce})",
    "error.InvalidShortString": "un testo è troppo lungo per il token",
    "error.StringTooLong": "il testo \"{str}\" è troppo lungo",
    "error.MerkleProofInvalidMultiproof": "la prova del gruppo non è ben formata",
    "error.ReentrancyGuardReentrantCall": "il notaio ha rifiutato una chiamata arrivata mentre ne eseguiva un'altra",
  },
});

const TOKEN_ARGS = new Set(["balance", "needed", "amount", "available", "allowance", "ceiling", "totalReward",
  "paidTotal"]);
const TIME_ARGS = new Set(["payableAt", "claimDeadline", "periodEnd", "periodStart", "previousEnd"]);

function shortAddress(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

function argumentText(name, value, type) {
  if (type === "address") return shortAddress(value);
  if (TOKEN_ARGS.has(name)) return formatTokens(value.toString());
  if (TIME_ARGS.has(name)) return formatDate(Number(value));
  return value.toString();
}

/** Revert data (0x + selector + args) found anywhere in an ethers / EIP-1193 error, or null. */
function revertData(err, depth = 0) {
  if (!err || typeof err !== "object" || depth > 6) return null;
  for (const key of ["data", "error", "info", "originalError", "cause", "payload"]) {
    const value = err[key];
    if (typeof value === "string" && /^0x[0-9a-fA-F]{8}/.test(value)) return value;
    const nested = revertData(value, depth + 1);
    if (nested) return nested;
  }
  return null;
}

/** {name, args: {param: text}} of a custom error in `err`, decoded with the platform's ABIs; null if none. */
export function decodeCustomError(err) {
  const data = revertData(err);
  if (!data) return null;
  for (const iface of platformInterfaces()) {
    let parsed = null;
    try { parsed = iface.parseError(data); } catch { /* not this ABI's error */ }
    if (!parsed) continue;
    const args = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name] = argumentText(input.name, parsed.args[i], input.type);
    });
    return { name: parsed.name, args };
  }
  return null;
}

function errorCode(err, depth = 0) {
  if (!err || typeof err !== "object" || depth > 6) return null;
  if (err.code === 4001 || err.code === "ACTION_REJECTED") return "rejected";
  return errorCode(err.error, depth + 1) || errorCode(err.info?.error, depth + 1) || errorCode(err.cause, depth + 1);
}

function sentence(text) {
  const trimmed = String(text).trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** One translated sentence saying what went wrong. */
export function describeError(err) {
  if (errorCode(err) === "rejected") return t("error.cancelled");
  if (err instanceof WrongNetworkError) {
    return t("error.wrongNetwork", { wallet: err.walletChainId, platform: err.platformChainId });
  }
  if (err?.i18nKey) return t(err.i18nKey, err.i18nVars || {});
  if (err instanceof ApiError) return sentence(err.message);
  const custom = decodeCustomError(err);
  if (custom) {
    const key = `error.${custom.name}`;
    const reason = t(key, custom.args);
    return reason === key ? t("error.contract", { name: custom.name }) : t("error.revert", { reason });
  }
  if (err?.code === "CALL_EXCEPTION" && err.reason) return t("error.revert", { reason: err.reason });
  if (err?.code === "INSUFFICIENT_FUNDS") return t("error.insufficientGas", { currency: "ETH" });
  if (err?.code === "NETWORK_ERROR") return t("error.network");
  return t("error.unknown", { message: err?.shortMessage || err?.message || String(err) });
}

/** Whether `err` is the person cancelling (not a failure). */
export function isCancelled(err) {
  return errorCode(err) === "rejected";
}

/** Whether `err` is one the person can act on (a cancel, the network, a refusal in words): not logged. */
export function isExpected(err) {
  return isCancelled(err) || err instanceof WrongNetworkError || Boolean(err?.i18nKey)
    || (err instanceof ApiError && err.status > 0 && err.status < 500) || decodeCustomError(err) !== null;
}

/** Shows `describeError(err)` in `element` (role=alert; data-state "cancelled" or "error"). */
export function showError(err, element) {
  const text = describeError(err);
  if (element) {
    element.textContent = text;
    element.hidden = false;
    element.setAttribute("role", "alert");
    element.dataset.state = isCancelled(err) ? "cancelled" : "error";
  }
  if (!isExpected(err)) console.error(err);
  return text;
}

/** An error whose sentence is the message `key` (translated when shown). */
export function userError(key, vars = {}) {
  const err = new Error(key);
  err.i18nKey = key;
  err.i18nVars = vars;
  return err;
}
